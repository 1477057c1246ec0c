-- Joins a socket to a presence channel as a user; a user with several sockets is one member.
-- KEYS[1] presence sockets hash (socket id -> user id)
-- KEYS[2] presence socket counts hash (user id -> sockets of that user in the channel)
-- KEYS[3] presence members hash (user id -> user_info JSON)
-- KEYS[4] membership version (string, see version.lua)
-- ARGV[1] socket id
-- ARGV[2] user id
-- ARGV[3] user_info JSON ('' for none)
-- Returns {1 if this is the user's first socket in the channel else 0, distinct members after,
--          membership version after}.
local changed = 0
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then changed = 1 end
end
-- The latest authorization's user_info wins, as in the local adapter.
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
local version
if changed == 1 then version = bump_version(KEYS[4]) else version = read_version(KEYS[4]) end
return {changed, redis.call('HLEN', KEYS[3]), version}
