/**
 * Lua scripts of the Redis webhook queue. Each runs atomically, which is what keeps two nodes from
 * claiming the same batch and a stale claim holder from overwriting a newer one.
 *
 * Keys (all under one hash tag so they share a Redis Cluster slot):
 *   due        ZSET  batch id -> time it may be claimed (due time, or lease end while claimed)
 *   batches    HASH  batch id -> batch JSON
 *   targets    HASH  batch id -> target key (read by CLAIM without decoding bodies)
 *   leases     HASH  batch id -> token of the node holding it
 *   dead       HASH  batch id -> dead-letter JSON
 *   deadOrder  ZSET  batch id -> time it was dead-lettered
 */

/**
 * KEYS: 1 due, 2 batches, 3 targets, 4 leases
 * ARGV: 1 now, 2 max batches, 3 lease end, 4 token, 5 scan limit, 6.. busy target keys
 * Returns the claimed batches' JSON, at most one per target and none for a busy target.
 */
export const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[5]))
local busy = {}
for i = 6, #ARGV do busy[ARGV[i]] = true end
local max = tonumber(ARGV[2])
local out = {}
for _, id in ipairs(ids) do
  local target = redis.call('HGET', KEYS[3], id) or id
  local json = redis.call('HGET', KEYS[2], id)
  if not json then
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('HDEL', KEYS[4], id)
  elseif not busy[target] then
    busy[target] = true
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    redis.call('HSET', KEYS[4], id, ARGV[4])
    out[#out + 1] = json
    if #out >= max then break end
  end
end
return out
`;

/**
 * KEYS: 1 due, 2 batches, 3 leases
 * ARGV: 1 batch id, 2 token, 3 batch JSON, 4 next attempt time
 * Returns 1, or 0 when the lease was lost (another node holds the batch now).
 */
export const RETRY = `
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
`;

/**
 * KEYS: 1 due, 2 batches, 3 targets, 4 leases, 5 dead, 6 deadOrder
 * ARGV: 1 batch id, 2 token, 3 dead-letter JSON, 4 dead-letter time
 * Returns 1, or 0 when the lease was lost.
 */
export const DEAD_LETTER = `
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[6], ARGV[4], ARGV[1])
return 1
`;

/**
 * KEYS: 1 dead, 2 deadOrder, 3 due, 4 batches, 5 targets
 * ARGV: 1 batch id, 2 batch JSON, 3 target key, 4 due time
 * Returns 1, or 0 when the dead letter is gone (replayed by someone else meanwhile).
 */
export const REVIVE = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
return 1
`;
