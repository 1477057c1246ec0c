-- Reads a channel's history atomically with its bounds.
-- KEYS[1] stream, KEYS[2] last serial
-- ARGV[1] 'after' (entries with serial > ARGV[2], at most ARGV[3]) or 'latest' (the newest ARGV[2])
-- Returns {last, first, id1, t1, f1, id2, t2, f2, ...} in serial order.
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
local first = last + 1
if oldest[1] then first = tonumber(string.match(oldest[1][1], '-(%d+)$')) end
local out = {last, first}
local function push(e)
  local t, f
  for i = 1, #e[2], 2 do
    if e[2][i] == 't' then t = e[2][i + 1] elseif e[2][i] == 'f' then f = e[2][i + 1] end
  end
  out[#out + 1] = string.match(e[1], '-(%d+)$')
  out[#out + 1] = t
  out[#out + 1] = f
end
if ARGV[1] == 'after' then
  local rows = redis.call('XRANGE', KEYS[1], '(0-' .. ARGV[2], '+', 'COUNT', ARGV[3])
  for i = 1, #rows do push(rows[i]) end
elseif tonumber(ARGV[2]) > 0 then
  local rows = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', ARGV[2])
  for i = #rows, 1, -1 do push(rows[i]) end
end
return out
