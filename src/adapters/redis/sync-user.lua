-- Makes one node's signed-in sockets of a user exactly the given ones (reap / resynchronise).
-- KEYS[1] user sockets hash (socket id -> node id)
-- ARGV[1] node id
-- ARGV[2..] socket ids
-- Returns {sockets before, sockets after}.
local node = ARGV[1]
local keep = {}
for i = 2, #ARGV do keep[ARGV[i]] = true end
local before = redis.call('HLEN', KEYS[1])
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if all[i + 1] == node and not keep[all[i]] then redis.call('HDEL', KEYS[1], all[i]) end
end
for i = 2, #ARGV do redis.call('HSET', KEYS[1], ARGV[i], node) end
return {before, redis.call('HLEN', KEYS[1])}
