-- Records where a user's connection on a channel stopped receiving; the newer mark wins.
-- KEYS[1] hash {s = serial, a = ms timestamp}
-- ARGV[1] serial, ARGV[2] timestamp, ARGV[3] how long to keep it (ms)
local old = redis.call('HMGET', KEYS[1], 's', 'a')
local s = math.max(tonumber(ARGV[1]), tonumber(old[1] or '0'))
local a = math.max(tonumber(ARGV[2]), tonumber(old[2] or '0'))
redis.call('HSET', KEYS[1], 's', s, 'a', a)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
