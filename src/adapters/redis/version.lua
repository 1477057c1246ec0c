-- Prelude of the scripts that change or read presence members (scripts.ts prepends it).
-- A channel's membership version orders its member announcements across nodes (MemberEnvelope in
-- src/adapters/envelope.ts). It only grows, even across a Redis restart or an expired key: a change
-- takes max(previous + 1, Redis time in ms), and a read of a missing key answers time - 1, below any
-- later change. The key expires a day after its last change, far beyond any announcement in flight.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function read_version(key)
  local v = redis.call('GET', key)
  if v then return tonumber(v) end
  return now_ms() - 1
end
local function bump_version(key)
  local v = tonumber(redis.call('GET', key) or '0') + 1
  local now = now_ms()
  if v < now then v = now end
  redis.call('SET', key, string.format('%d', v), 'PX', 86400000)
  return v
end
