-- Reads a cache channel's last event with its remaining lifetime.
-- KEYS[1] cache value (string: JSON {event, data})
-- Returns {value, milliseconds left} or false when absent.
local v = redis.call('GET', KEYS[1])
if not v then return false end
return {v, redis.call('PTTL', KEYS[1])}
