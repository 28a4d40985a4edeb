/**
 * Lua sources for the Redis counter store. Each operation is one script, so it is one round trip and
 * atomic. KEYS come in triples per counter: counter hash (`used`, `reserved`), lease amounts hash
 * (callId -> amount) and lease expiry zset (callId scored by expiry in ms). `reserved` is kept equal to
 * the sum of the lease amounts so no script has to sum every lease.
 *
 * Numbers: Lua numbers are doubles, exact for our integers (< 2^53), but `tostring` and `..` print
 * 9e15 as "9e+15", which HINCRBY rejects. Computed values go through `int` (string.format %d, a C long);
 * values read from Redis are returned as the strings Redis stored, and parsed on the JS side.
 */

const common = `
local function int(n) return string.format('%d', n) end

-- Drop leases that expired at or before now (the caller's clock, not Redis TIME, so tests can inject
-- one). Batched because unpack() is bounded by the Lua stack.
local function purge(c, l, e, now)
  while true do
    local dead = redis.call('ZRANGEBYSCORE', e, '-inf', now, 'LIMIT', 0, 500)
    if #dead == 0 then break end
    local freed = 0
    for _, a in ipairs(redis.call('HMGET', l, unpack(dead))) do
      if a then freed = freed + tonumber(a) end
    end
    redis.call('HDEL', l, unpack(dead))
    redis.call('ZREM', e, unpack(dead))
    if freed ~= 0 then redis.call('HINCRBY', c, 'reserved', int(-freed)) end
    if #dead < 500 then break end
  end
  -- No live lease: forget the sum too. This also heals a counter whose lease keys were lost.
  if redis.call('ZCARD', e) == 0 then
    redis.call('DEL', l)
    redis.call('HDEL', c, 'reserved')
  end
end

-- Remove one call's lease (expired or not) and its share of the sum.
local function drop(c, l, e, id)
  local a = redis.call('HGET', l, id)
  if a then
    redis.call('HDEL', l, id)
    redis.call('ZREM', e, id)
    redis.call('HINCRBY', c, 'reserved', int(-tonumber(a)))
  end
end

-- Extend a key's TTL to ms, never shortening it: a counter touched with a shorter ttl must still
-- outlive the leases written with a longer one.
local function touch(k, ms)
  local t = redis.call('PTTL', k)
  if t ~= -2 and t < tonumber(ms) then redis.call('PEXPIRE', k, ms) end
end

local function state(c)
  local s = redis.call('HMGET', c, 'used', 'reserved')
  return s[1] or '0', s[2] or '0'
end
`;

/** ARGV: callId, now, leaseMs, then (limit, amount, ttlMs) per counter. Returns {ok, index, used1, reserved1, ...}. */
export const acquireLua = `${common}
local id, now = ARGV[1], ARGV[2]
local expires = int(tonumber(now) + tonumber(ARGV[3]))
local n = #KEYS / 3
local out = {1, 0}
for i = 1, n do
  local c, l, e = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  purge(c, l, e, now)
  local used, reserved = state(c)
  out[2 * i + 1], out[2 * i + 2] = used, reserved
  local limit, amount = ARGV[3 * i + 1], ARGV[3 * i + 2]
  if out[1] == 1 and tonumber(used) + tonumber(reserved) + tonumber(amount) > tonumber(limit) then
    out[1], out[2] = 0, i - 1
  end
end
if out[1] == 0 then return out end
for i = 1, n do
  local c, l, e = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  local amount, ttl = ARGV[3 * i + 2], ARGV[3 * i + 3]
  redis.call('HINCRBY', l, id, amount)
  redis.call('ZADD', e, expires, id)
  redis.call('HINCRBY', c, 'reserved', amount)
  touch(c, ttl)
  touch(l, ttl)
  touch(e, ttl)
end
return out
`;

/** ARGV: callId, now, then (actual, ttlMs) per counter. Returns {used1, reserved1, ...} after. */
export const commitLua = `${common}
local id, now = ARGV[1], ARGV[2]
local out = {}
for i = 1, #KEYS / 3 do
  local c, l, e = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  drop(c, l, e, id)
  redis.call('HINCRBY', c, 'used', ARGV[2 * i + 1])
  touch(c, ARGV[2 * i + 2])
  purge(c, l, e, now)
  out[2 * i - 1], out[2 * i] = state(c)
end
return out
`;

/** ARGV: callId, now. */
export const releaseLua = `${common}
for i = 1, #KEYS / 3 do
  local c, l, e = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  drop(c, l, e, ARGV[1])
  purge(c, l, e, ARGV[2])
end
return 0
`;

/** KEYS: one lease expiry zset per (call, counter) pair. ARGV: now, leaseMs, then the callId per pair. */
export const renewLua = `${common}
local now = tonumber(ARGV[1])
local expires = int(now + tonumber(ARGV[2]))
for i = 1, #KEYS do
  local s = redis.call('ZSCORE', KEYS[i], ARGV[i + 2])
  if s and tonumber(s) > now then redis.call('ZADD', KEYS[i], 'XX', expires, ARGV[i + 2]) end
end
return 0
`;

/** ARGV: now. Returns {used1, reserved1, ...}. */
export const readLua = `${common}
local out = {}
for i = 1, #KEYS / 3 do
  local c, l, e = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  purge(c, l, e, ARGV[1])
  out[2 * i - 1], out[2 * i] = state(c)
end
return out
`;

/** KEYS: counter hash. ARGV: amount, ttlMs. */
export const addLua = `${common}
redis.call('HINCRBY', KEYS[1], 'used', ARGV[1])
touch(KEYS[1], ARGV[2])
return 0
`;
