-- A node's heartbeat, which also claims nodes whose heartbeat stopped so one node reaps each.
-- Time comes from Redis so node clocks may disagree.
-- KEYS[1] live nodes sorted set (node id -> last heartbeat, ms)
-- KEYS[2] reaping sorted set (node id -> when a reaper claimed it, ms)
-- ARGV[1] this node's id
-- ARGV[2] milliseconds without a heartbeat after which a node is dead
-- ARGV[3] 1 to claim dead nodes, 0 to only beat (just after an outage everyone looks dead)
-- Returns {1 if this node was not registered (first beat, or others reaped it) else 0, claimed ids...}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local fresh = redis.call('ZADD', KEYS[1], now, ARGV[1])
local out = {fresh}
if ARGV[3] == '1' then
  local limit = now - tonumber(ARGV[2])
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
