-- Adds a socket to a channel, owned by a node.
-- KEYS[1] channel subscriptions hash (socket id -> node id)
-- ARGV[1] socket id
-- ARGV[2] node id
-- Returns the channel's subscription count after the change.
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return redis.call('HLEN', KEYS[1])
