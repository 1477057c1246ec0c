-- A node's heartbeat, which also claims nodes whose heartbeat stopped so one node reaps each.
-- Time comes from Redis so node clocks may disagree.
-- KEYS[1] live nodes sorted set (node id -> last heartbeat, ms)
-- KEYS[2] reaping sorted set (node id -> when a reaper claimed it, ms)
-- KEYS[3] cluster clock hash: last (any node's last beat, ms), grace (no claims before, ms),
--         epoch (set once per Redis data set: a new one means Redis lost its data)
-- ARGV[1] this node's id
-- ARGV[2] milliseconds without a heartbeat after which a node is dead
-- ARGV[3] 1 to claim dead nodes, 0 to only beat (just after an outage everyone looks dead)
-- ARGV[4] an epoch to set if Redis has none
-- Returns {1 if this node was not registered (first beat, or others reaped it) else 0, epoch,
--          claimed ids...}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = tonumber(ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[3], 'last') or '0')
redis.call('HSET', KEYS[3], 'last', string.format('%d', now))
-- No node beat for half the dead time: Redis itself (or the way to it) stalled, not every node.
-- Give all nodes a full dead time to beat again before judging any of them.
if last > 0 and now - last > dead / 2 then
  redis.call('HSET', KEYS[3], 'grace', string.format('%d', now + dead))
end
local grace = tonumber(redis.call('HGET', KEYS[3], 'grace') or '0')
local epoch = redis.call('HGET', KEYS[3], 'epoch')
if not epoch then
  epoch = ARGV[4]
  redis.call('HSET', KEYS[3], 'epoch', epoch)
end
local fresh = redis.call('ZADD', KEYS[1], now, ARGV[1])
local out = {fresh, epoch}
if ARGV[3] == '1' and now >= grace then
  local limit = now - dead
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', limit)) do
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZADD', KEYS[2], now, id)
    out[#out + 1] = id
  end
  -- A reaper that died mid-reap left its claim behind: take it over.
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', limit)) do
    redis.call('ZADD', KEYS[2], now, id)
    out[#out + 1] = id
  end
end
return out
