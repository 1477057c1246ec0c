-- Forgets a signed-in socket of a user; idempotent.
-- KEYS[1] user sockets hash (socket id -> node id)
-- ARGV[1] socket id
-- Returns 1 when it was the user's last socket cluster-wide, else 0.
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 and redis.call('HLEN', KEYS[1]) == 0 then
  return 1
end
return 0
