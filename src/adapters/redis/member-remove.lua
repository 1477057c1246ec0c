-- Removes a socket's presence membership; idempotent.
-- KEYS[1] presence sockets hash (socket id -> user id)
-- KEYS[2] presence socket counts hash (user id -> sockets)
-- KEYS[3] presence members hash (user id -> user_info JSON)
-- KEYS[4] membership version (string, see version.lua)
-- ARGV[1] socket id
-- Returns {1 if it was the user's last socket in the channel else 0, distinct members after,
--          membership version after}.
local user = redis.call('HGET', KEYS[1], ARGV[1])
if not user then return {0, redis.call('HLEN', KEYS[3]), read_version(KEYS[4])} end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HINCRBY', KEYS[2], user, -1) <= 0 then
  redis.call('HDEL', KEYS[2], user)
  redis.call('HDEL', KEYS[3], user)
  return {1, redis.call('HLEN', KEYS[3]), bump_version(KEYS[4])}
end
return {0, redis.call('HLEN', KEYS[3]), read_version(KEYS[4])}
