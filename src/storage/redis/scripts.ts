/**
 * Lua source of the Redis counter store. One script runs a batch of operations (acquire, commit,
 * release, renew, read, add) sent together by concurrent calls: one round trip for all of them, each
 * operation atomic (the whole batch is), each failing alone (pcall) if it fails.
 *
 * A counter is ONE hash: `used`, `reserved` (the sum of the live lease amounts), `next` (no lease
 * expires before this instant, in ms on the caller's clock), `until` (see ttlPlan) and per lease
 * `l:<callId>` (amount) and `x:<callId>` (expiry). An operation reads the fields it needs with one HMGET and writes with one
 * HSET; the leases are scanned (HGETALL) only when `next` has passed, i.e. when one may have expired,
 * which for short calls is about once per lease length per counter.
 *
 * Numbers: Lua numbers are doubles, exact for our integers (< 2^53), but `tostring` and `..` print
 * 9e15 as "9e+15", which Redis rejects as an integer. Computed values go through `int` (string.format
 * %d, a C long).
 */

const helpers = `
local function int(n) return string.format('%d', n) end

-- A counter's TTL only ever grows (a counter touched with a shorter ttl must still outlive the leases
-- written with a longer one). The hash remembers, in 'until', the instant (caller's clock) it was last
-- set to expire at, read by the HMGET every operation does anyway: the TTL costs a command only when
-- a call wants it more than 1% later. Returns the new 'until' to write (nil: unchanged) and whether to
-- PEXPIRE the key to ms once it is written. A hash without 'until' (new, or from an older layout)
-- asks Redis once.
local function ttlPlan(c, now, ms, u)
  ms = tonumber(ms)
  local want = now + ms
  if u then
    if want <= tonumber(u) + math.floor(ms / 100) then return nil, false end
    return want, true
  end
  local t = redis.call('PTTL', c)
  if t > ms then return now + t, false end
  return want, true
end

-- Drop the leases that expired at or before now (the caller's clock, not Redis TIME, so tests can
-- inject one) and recompute reserved and next exactly. Returns the new reserved.
local function sweep(c, now)
  local h = redis.call('HGETALL', c)
  local expiry, amount = {}, {}
  for i = 1, #h, 2 do
    local f = h[i]
    local kind, id = string.sub(f, 1, 2), string.sub(f, 3)
    if kind == 'x:' then expiry[id] = tonumber(h[i + 1])
    elseif kind == 'l:' then amount[id] = tonumber(h[i + 1]) end
  end
  local reserved, nxt, dead = 0, nil, {}
  for id, a in pairs(amount) do
    local e = expiry[id]
    if e and e > now then
      reserved = reserved + a
      if not nxt or e < nxt then nxt = e end
    else
      dead[#dead + 1] = 'l:' .. id
      dead[#dead + 1] = 'x:' .. id
    end
  end
  for id in pairs(expiry) do
    if not amount[id] then dead[#dead + 1] = 'x:' .. id end
  end
  -- Batched because unpack() is bounded by the Lua stack.
  for i = 1, #dead, 500 do redis.call('HDEL', c, unpack(dead, i, math.min(i + 499, #dead))) end
  if nxt then
    redis.call('HSET', c, 'reserved', int(reserved), 'next', int(nxt))
  else
    redis.call('HDEL', c, 'reserved', 'next')
  end
  return reserved
end

-- A sweep is due when a lease may have expired, or when a sum has no expiry bound (a counter written
-- by an older layout, whose leases lived elsewhere: its sum is recomputed from the leases here).
local function due(reserved, nxt, now)
  if nxt then return tonumber(nxt) <= now end
  return reserved ~= false
end

-- used and reserved of counter c, sweeping first when due.
local function state(c, now)
  local s = redis.call('HMGET', c, 'used', 'reserved', 'next')
  local reserved = s[2]
  if due(reserved, s[3], now) then reserved = sweep(c, now) end
  return tonumber(s[1] or 0), tonumber(reserved or 0)
end
`;

/**
 * Each operation reads its KEYS from position k (nk of them) and its ARGV from position a, and
 * returns its reply. ARGV per operation, after (name, nk, na):
 *   acquire: callId, now, leaseMs, then (limit, amount, ttlMs) per counter -> {ok, index, used1, reserved1, ...}
 *   commit:  callId, now, then (actual, ttlMs) per counter               -> {used1, reserved1, ...} after
 *   release: callId, now                                                   -> 0
 *   renew:   now, leaseMs, then one callId per key                         -> 0
 *   read:    now                                                           -> {used1, reserved1, ...}
 *   add:     amount, ttlMs, now (one key)                                  -> 0
 */
const operations = `
local ops = {}

function ops.acquire(k, nk, a)
  local id, now = ARGV[a], tonumber(ARGV[a + 1])
  local expires = now + tonumber(ARGV[a + 2])
  local lease, out, seen = 'l:' .. id, {1, 0}, {}
  for i = 1, nk do
    local c = KEYS[k + i - 1]
    local s = redis.call('HMGET', c, 'used', 'reserved', 'next', lease, 'until')
    if due(s[2], s[3], now) then
      sweep(c, now)
      s = redis.call('HMGET', c, 'used', 'reserved', 'next', lease, 'until')
    end
    local used, reserved = tonumber(s[1] or 0), tonumber(s[2] or 0)
    seen[i] = s
    out[2 * i + 1], out[2 * i + 2] = used, reserved
    if out[1] == 1 and used + reserved + tonumber(ARGV[a + 3 * i + 1]) > tonumber(ARGV[a + 3 * i]) then
      out[1], out[2] = 0, i - 1
    end
  end
  if out[1] == 0 then return out end
  for i = 1, nk do
    local c, s = KEYS[k + i - 1], seen[i]
    local amount, ms = tonumber(ARGV[a + 3 * i + 1]), ARGV[a + 3 * i + 2]
    local fields = {'reserved', int(tonumber(s[2] or 0) + amount), lease, int(tonumber(s[4] or 0) + amount), 'x:' .. id, int(expires)}
    if not s[3] or expires < tonumber(s[3]) then
      fields[#fields + 1], fields[#fields + 2] = 'next', int(expires)
    end
    local u, expire = ttlPlan(c, now, ms, s[5])
    if u then fields[#fields + 1], fields[#fields + 2] = 'until', int(u) end
    redis.call('HSET', c, unpack(fields))
    if expire then redis.call('PEXPIRE', c, ms) end
  end
  return out
end

function ops.commit(k, nk, a)
  local id, now = ARGV[a], tonumber(ARGV[a + 1])
  local lease, out = 'l:' .. id, {}
  for i = 1, nk do
    local c, ms = KEYS[k + i - 1], ARGV[a + 2 * i + 1]
    local s = redis.call('HMGET', c, 'used', 'reserved', 'next', lease, 'until')
    local used = tonumber(s[1] or 0) + tonumber(ARGV[a + 2 * i])
    local reserved = s[2]
    local fields = {'used', int(used)}
    -- The reservation is replaced even if its lease expired (and counted: a late commit is still spend).
    if s[4] then
      redis.call('HDEL', c, lease, 'x:' .. id)
      reserved = int(tonumber(reserved or 0) - tonumber(s[4]))
      fields[3], fields[4] = 'reserved', reserved
    end
    local u, expire = ttlPlan(c, now, ms, s[5])
    if u then fields[#fields + 1], fields[#fields + 2] = 'until', int(u) end
    redis.call('HSET', c, unpack(fields))
    if expire then redis.call('PEXPIRE', c, ms) end
    if due(reserved or false, s[3], now) then reserved = sweep(c, now) end
    out[2 * i - 1], out[2 * i] = used, tonumber(reserved or 0)
  end
  return out
end

function ops.release(k, nk, a)
  local id, now = ARGV[a], tonumber(ARGV[a + 1])
  local lease = 'l:' .. id
  for i = 1, nk do
    local c = KEYS[k + i - 1]
    local s = redis.call('HMGET', c, 'reserved', 'next', lease)
    local reserved = s[1]
    if s[3] then
      redis.call('HDEL', c, lease, 'x:' .. id)
      reserved = int(tonumber(reserved or 0) - tonumber(s[3]))
      redis.call('HSET', c, 'reserved', reserved)
    end
    if due(reserved or false, s[2], now) then sweep(c, now) end
  end
  return 0
end

function ops.renew(k, nk, a)
  local now = tonumber(ARGV[a])
  local expires = now + tonumber(ARGV[a + 1])
  for i = 1, nk do
    local c, id = KEYS[k + i - 1], ARGV[a + 1 + i]
    local s = redis.call('HMGET', c, 'x:' .. id, 'next')
    if s[1] and tonumber(s[1]) > now then
      -- A renewal may shorten a lease (a shorter leaseMs): keep next a lower bound of every expiry.
      if not s[2] or expires < tonumber(s[2]) then
        redis.call('HSET', c, 'x:' .. id, int(expires), 'next', int(expires))
      else
        redis.call('HSET', c, 'x:' .. id, int(expires))
      end
    end
  end
  return 0
end

function ops.read(k, nk, a)
  local now, out = tonumber(ARGV[a]), {}
  for i = 1, nk do
    out[2 * i - 1], out[2 * i] = state(KEYS[k + i - 1], now)
  end
  return out
end

function ops.add(k, nk, a)
  local c, now, ms = KEYS[k], tonumber(ARGV[a + 2]), ARGV[a + 1]
  local u, expire = ttlPlan(c, now, ms, redis.call('HGET', c, 'until'))
  redis.call('HINCRBY', c, 'used', ARGV[a])
  if u then redis.call('HSET', c, 'until', int(u)) end
  if expire then redis.call('PEXPIRE', c, ms) end
  return 0
end
`;

/**
 * ARGV: per operation its name, its number of keys, its number of arguments, then its arguments;
 * KEYS: the operations' keys in the same order. Returns one reply per operation, or an error reply
 * in its place if that operation failed.
 */
export const batchLua = `${helpers}${operations}
local out, k, a = {}, 1, 1
while a <= #ARGV do
  local name, nk, na = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local op = ops[name]
  if not op then return redis.error_reply('unknown counter operation: ' .. tostring(name)) end
  local ok, reply = pcall(op, k, nk, a + 3)
  if ok then
    out[#out + 1] = reply
  else
    out[#out + 1] = redis.error_reply(type(reply) == 'table' and tostring(reply.err) or tostring(reply))
  end
  k, a = k + nk, a + 3 + na
end
return out
`;
