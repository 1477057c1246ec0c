-- Makes one node's entries in a channel exactly the given sockets: used to reap a dead node (empty
-- list) and to resynchronise a node after an outage or after others reaped it.
-- KEYS[1] channel subscriptions hash (socket id -> node id)
-- KEYS[2] presence sockets hash (socket id -> user id)
-- KEYS[3] presence socket counts hash (user id -> sockets)
-- KEYS[4] presence members hash (user id -> user_info JSON)
-- KEYS[5] membership version (string, see version.lua)
-- ARGV[1] node id
-- ARGV[2..] triples: socket id, user id ('' when not a presence member), user_info JSON
-- Returns {subscriptions before, subscriptions after, {users whose last socket left},
--          {users whose first socket arrived}, membership version after}.
local node = ARGV[1]
local keep = {}
for i = 2, #ARGV, 3 do keep[ARGV[i]] = true end
local before = redis.call('HLEN', KEYS[1])
local removed, added = {}, {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local sock = all[i]
  if all[i + 1] == node and not keep[sock] then
    redis.call('HDEL', KEYS[1], sock)
    local user = redis.call('HGET', KEYS[2], sock)
    if user then
      redis.call('HDEL', KEYS[2], sock)
      if redis.call('HINCRBY', KEYS[3], user, -1) <= 0 then
        redis.call('HDEL', KEYS[3], user)
        redis.call('HDEL', KEYS[4], user)
        removed[#removed + 1] = user
      end
    end
  end
end
for i = 2, #ARGV, 3 do
  local sock, user = ARGV[i], ARGV[i + 1]
  redis.call('HSET', KEYS[1], sock, node)
  if user ~= '' and redis.call('HSETNX', KEYS[2], sock, user) == 1 then
    if redis.call('HINCRBY', KEYS[3], user, 1) == 1 then added[#added + 1] = user end
    redis.call('HSET', KEYS[4], user, ARGV[i + 2])
  end
end
local version
if #removed + #added > 0 then version = bump_version(KEYS[5]) else version = read_version(KEYS[5]) end
return {before, redis.call('HLEN', KEYS[1]), removed, added, version}
