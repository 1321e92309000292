/**
 * Per-source counts of the uncertain-invite index, kept so that a metrics scrape reads one small hash
 * instead of every indexed delivery record. Next to the index (`<uncertain>`, a sorted set of delivery ids)
 * live:
 * - `<uncertain>:source`: delivery id → its source, for every indexed delivery that is counted;
 * - `<uncertain>:count`: source → how many of its deliveries are indexed (a source at 0 has no field);
 * - `<uncertain>:expires`: delivery id → when its record expires (Redis server time, ms): a record that
 *   expires silently takes its delivery out of the count, as reading the records used to.
 * Every change to the index changes these in the same script, so the counts never drift from it.
 */

/** The keys beside the uncertain index, in the order the scripts take them after the index itself. */
export const uncertainCountKeys = (uncertainKey: string) => [
  `${uncertainKey}:source`,
  `${uncertainKey}:count`,
  `${uncertainKey}:expires`,
];

/**
 * Lua: `uncount(id)` takes a delivery that just left the index out of its source's count.
 * `KEYS[srcAt]`, `KEYS[srcAt + 1]`, `KEYS[srcAt + 2]` are the keys of `uncertainCountKeys`.
 */
export const UNCOUNT_LUA = (srcAt: number) => `
local function uncount(id)
  redis.call('ZREM', KEYS[${srcAt + 2}], id)
  local source = redis.call('HGET', KEYS[${srcAt}], id)
  if source then
    redis.call('HDEL', KEYS[${srcAt}], id)
    if redis.call('HINCRBY', KEYS[${srcAt + 1}], source, -1) <= 0 then
      redis.call('HDEL', KEYS[${srcAt + 1}], source)
    end
  end
end
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`;

/** Take deliveries (ARGV) off the index and out of the counts. KEYS: index, then `uncertainCountKeys`. */
export const SETTLE_UNCERTAIN = `${UNCOUNT_LUA(2)}
for _, id in ipairs(ARGV) do
  if redis.call('ZREM', KEYS[1], id) == 1 then uncount(id) end
end
return 0`;

/**
 * The counts, after taking out deliveries whose record has expired and counting once any indexed delivery
 * that has no count yet (indexed by a version that kept no counts). KEYS: index, then `uncertainCountKeys`;
 * ARGV[1]: the prefix of a delivery record's key (the id follows). Answers HGETALL of the counts.
 */
export const READ_UNCERTAIN_COUNTS = `${UNCOUNT_LUA(2)}
local now = nowMs()
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)) do
  if redis.call('EXISTS', ARGV[1] .. id) == 0 then
    redis.call('ZREM', KEYS[1], id)
    uncount(id)
  end
end
if redis.call('ZCARD', KEYS[1]) ~= redis.call('HLEN', KEYS[2]) then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if redis.call('HEXISTS', KEYS[2], id) == 0 then
      local source = redis.call('HGET', ARGV[1] .. id, 'source')
      if source then
        redis.call('HSET', KEYS[2], id, source)
        redis.call('HINCRBY', KEYS[3], source, 1)
        local ttl = redis.call('PTTL', ARGV[1] .. id)
        if ttl >= 0 then redis.call('ZADD', KEYS[4], now + ttl, id) end
      else
        redis.call('ZREM', KEYS[1], id)
      end
    end
  end
end
return redis.call('HGETALL', KEYS[3])`;
