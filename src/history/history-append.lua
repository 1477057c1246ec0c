-- Appends one event to a channel's history and numbers it.
-- KEYS[1] stream: entries with id 0-<serial>, fields t (ms timestamp) and f (frame)
-- KEYS[2] string: the channel's last serial; no TTL while the channel is occupied (history-hold.lua)
-- ARGV[1] size (MAXLEN), ARGV[2] ttl in ms, ARGV[3] timestamp, ARGV[4] frame
-- Returns the new serial.
local held = redis.call('PTTL', KEYS[2]) == -1
local serial = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '0-' .. serial, 't', ARGV[3], 'f', ARGV[4])
if held then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return serial
