-- Records a signed-in socket of a user.
-- KEYS[1] user sockets hash (socket id -> node id)
-- ARGV[1] socket id
-- ARGV[2] node id
-- Returns 1 when it is the user's first socket cluster-wide, else 0.
if redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) == 1 and redis.call('HLEN', KEYS[1]) == 1 then
  return 1
end
return 0
