-- Removes a socket from a channel; idempotent.
-- KEYS[1] channel subscriptions hash (socket id -> node id)
-- ARGV[1] socket id
-- Returns the channel's subscription count after the change.
redis.call('HDEL', KEYS[1], ARGV[1])
return redis.call('HLEN', KEYS[1])
