-- Keeps a channel's history while it is occupied, or starts its expiry when it is vacated.
-- KEYS[1] stream, KEYS[2] last serial
-- ARGV[1] 'hold' or 'release', ARGV[2] ttl in ms (release)
if ARGV[1] == 'hold' then
  -- Created if absent so that history-append.lua sees an occupied channel as held.
  redis.call('SET', KEYS[2], 0, 'NX')
  redis.call('PERSIST', KEYS[2])
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
