/**
 * Lua source of the Redis counter store. One script runs a batch of operations (acquire, commit,
 * release, renew, read, add) sent together by concurrent calls: one round trip for all of them, each
 * operation atomic (the whole batch is), each failing alone (pcall) if it fails. An operation's
 * arguments travel as one space-separated ARGV string (a call id never holds whitespace), its keys
 * in KEYS: fewer arguments for the gateway to encode and for Redis to parse.
 *
 * A counter is ONE hash: `used`, `reserved` (the sum of the live lease amounts), `next` (no lease
 * expires before this instant, in ms on the caller's clock), `until` (see ttlPlan) and per lease
 * `l:<callId>`: "<amount>:<expiry>". An operation reads the fields it needs with one HMGET and
 * writes with one HSET; the leases are scanned (HGETALL) only when `next` has passed, i.e. when one
 * may have expired, which for short calls is about once per lease length per counter.
 *
 * Numbers: Lua numbers are doubles, exact for our integers (< 2^53), but `tostring` and `..` print
 * 9e15 as "9e+15", which Redis rejects as an integer. Computed values go through `int` (string.format
 * %d, a C long).
 */

const helpers = `
local function int(n) return string.format('%d', n) end

-- Redis hands Lua strings. 'x + 0' turns one into a number with one strtod, where tonumber() parses
-- it twice; hot paths convert each value once and keep the number.

-- A counter's TTL only ever grows (a counter touched with a shorter ttl must still outlive the leases
-- written with a longer one). The hash remembers, in 'until', the instant (caller's clock) it was last
-- set to expire at, read by the HMGET every operation does anyway: the TTL costs a command only when
-- a call wants it more than 1% later. Returns the new 'until' to write (nil: unchanged) and whether to
-- PEXPIRE the key to ms once it is written. A hash without 'until' (new, or from an older layout)
-- asks Redis once.
local function ttlPlan(c, now, ms, u)
  ms = ms + 0
  local want = now + ms
  if u then
    if want <= u + math.floor(ms / 100) then return nil, false end
    return want, true
  end
  local t = redis.call('PTTL', c)
  if t > ms then return now + t, false end
  return want, true
end

-- A lease field's value: amount and expiry.
local function lease(v)
  local p = string.find(v, ':', 1, true)
  return string.sub(v, 1, p - 1) + 0, string.sub(v, p + 1) + 0
end

-- Drop the leases that expired at or before now (the caller's clock, not Redis TIME, so tests can
-- inject one) and recompute reserved and next exactly. Returns the new reserved.
local function sweep(c, now)
  local h = redis.call('HGETALL', c)
  local reserved, nxt, dead = 0, nil, {}
  for i = 1, #h, 2 do
    local f = h[i]
    if string.sub(f, 1, 2) == 'l:' then
      local amount, e = lease(h[i + 1])
      if e > now then
        reserved = reserved + amount
        if not nxt or e < nxt then nxt = e end
      else
        dead[#dead + 1] = f
      end
    end
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

-- A sweep is due when a lease may have expired (next, a number or nil, has passed), or when a sum has
-- no expiry bound (a counter written by an older layout, whose leases lived elsewhere: its sum is
-- recomputed from the leases here).
local function due(hasReserved, nxt, now)
  if nxt then return nxt <= now end
  return hasReserved
end

-- used and reserved of counter c, sweeping first when due.
local function state(c, now)
  local s = redis.call('HMGET', c, 'used', 'reserved', 'next')
  local reserved = (s[2] or 0) + 0
  if due(s[2] ~= false, s[3] and s[3] + 0, now) then reserved = sweep(c, now) end
  return (s[1] or 0) + 0, reserved
end
`;

/**
 * Each operation reads its KEYS from position k (nk of them) and its arguments from A, and returns
 * its reply. A per operation, after (name, nk):
 *   acquire: callId, now, leaseMs, then (limit, amount, ttlMs) per counter -> {ok, index, used1, reserved1, ...}
 *   commit:  callId, now, then (actual, ttlMs) per counter               -> {used1, reserved1, ...} after
 *   release: callId, now                                                   -> 0
 *   renew:   now, leaseMs, then one callId per key                         -> 0
 *   read:    now                                                           -> {used1, reserved1, ...}
 *   add:     amount, ttlMs, now (one key)                                  -> 0
 */
const operations = `
local ops = {}

function ops.acquire(k, nk, A)
  local id, now = A[3], A[4] + 0
  local expires = now + A[5]
  local field, out, seen = 'l:' .. id, {1, 0}, {}
  for i = 1, nk do
    local c = KEYS[k + i - 1]
    local s = redis.call('HMGET', c, 'used', 'reserved', 'next', field, 'until')
    local nxt = s[3] and s[3] + 0
    if due(s[2] ~= false, nxt, now) then
      sweep(c, now)
      s = redis.call('HMGET', c, 'used', 'reserved', 'next', field, 'until')
      nxt = s[3] and s[3] + 0
    end
    local used, reserved, amount = (s[1] or 0) + 0, (s[2] or 0) + 0, A[3 * i + 4] + 0
    seen[i] = {reserved + amount, nxt, s[4], s[5] and s[5] + 0}
    out[2 * i + 1], out[2 * i + 2] = used, reserved
    if out[1] == 1 and used + reserved + amount > A[3 * i + 3] + 0 then
      out[1], out[2] = 0, i - 1
    end
  end
  if out[1] == 0 then return out end
  local exp = int(expires)
  for i = 1, nk do
    local c, s = KEYS[k + i - 1], seen[i]
    local amount, ms = A[3 * i + 4] + 0, A[3 * i + 5]
    -- A second reservation by the same call adds to its lease.
    local held = s[3] and lease(s[3]) or 0
    local fields = {'reserved', int(s[1]), field, int(held + amount) .. ':' .. exp}
    if not s[2] or expires < s[2] then
      fields[5], fields[6] = 'next', exp
    end
    local u, expire = ttlPlan(c, now, ms, s[4])
    if u then fields[#fields + 1], fields[#fields + 2] = 'until', int(u) end
    redis.call('HSET', c, unpack(fields))
    if expire then redis.call('PEXPIRE', c, ms) end
  end
  return out
end

function ops.commit(k, nk, A)
  local id, now = A[3], A[4] + 0
  local field, out = 'l:' .. id, {}
  for i = 1, nk do
    local c, ms = KEYS[k + i - 1], A[2 * i + 4]
    local s = redis.call('HMGET', c, 'used', 'reserved', 'next', field, 'until')
    local used = (s[1] or 0) + A[2 * i + 3]
    local reserved = (s[2] or 0) + 0
    local fields = {'used', int(used)}
    -- The reservation is replaced even if its lease expired (and counted: a late commit is still spend).
    if s[4] then
      redis.call('HDEL', c, field)
      reserved = reserved - lease(s[4])
      fields[3], fields[4] = 'reserved', int(reserved)
    end
    local u, expire = ttlPlan(c, now, ms, s[5] and s[5] + 0)
    if u then fields[#fields + 1], fields[#fields + 2] = 'until', int(u) end
    redis.call('HSET', c, unpack(fields))
    if expire then redis.call('PEXPIRE', c, ms) end
    if due(s[2] ~= false or s[4] ~= false, s[3] and s[3] + 0, now) then reserved = sweep(c, now) end
    out[2 * i - 1], out[2 * i] = used, reserved
  end
  return out
end

function ops.release(k, nk, A)
  local field, now = 'l:' .. A[3], A[4] + 0
  for i = 1, nk do
    local c = KEYS[k + i - 1]
    local s = redis.call('HMGET', c, 'reserved', 'next', field)
    if s[3] then
      redis.call('HDEL', c, field)
      redis.call('HSET', c, 'reserved', int((s[1] or 0) - lease(s[3])))
    end
    if due(s[1] ~= false or s[3] ~= false, s[2] and s[2] + 0, now) then sweep(c, now) end
  end
  return 0
end

function ops.renew(k, nk, A)
  local now = A[3] + 0
  local expires = now + A[4]
  for i = 1, nk do
    local c, field = KEYS[k + i - 1], 'l:' .. A[4 + i]
    local s = redis.call('HMGET', c, field, 'next')
    if s[1] then
      local amount, e = lease(s[1])
      if e > now then
        local fields = {field, int(amount) .. ':' .. int(expires)}
        -- A renewal may shorten a lease (a shorter leaseMs): keep next a lower bound of every expiry.
        if not s[2] or expires < s[2] + 0 then fields[3], fields[4] = 'next', int(expires) end
        redis.call('HSET', c, unpack(fields))
      end
    end
  end
  return 0
end

function ops.read(k, nk, A)
  local now, out = A[3] + 0, {}
  for i = 1, nk do
    out[2 * i - 1], out[2 * i] = state(KEYS[k + i - 1], now)
  end
  return out
end

function ops.add(k, nk, A)
  local c, ms, now = KEYS[k], A[4], A[5] + 0
  local u = redis.call('HGET', c, 'until')
  local nu, expire = ttlPlan(c, now, ms, u and u + 0)
  redis.call('HINCRBY', c, 'used', A[3])
  if nu then redis.call('HSET', c, 'until', int(nu)) end
  if expire then redis.call('PEXPIRE', c, ms) end
  return 0
end
`;

/**
 * ARGV: one string per operation, "<name> <number of keys> <arguments...>" separated by spaces;
 * KEYS: the operations' keys in the same order. Returns one reply per operation, or an error reply
 * in its place if that operation failed.
 */
export const batchLua = `${helpers}${operations}
local out, k = {}, 1
for j = 1, #ARGV do
  local A, n = {}, 0
  for f in string.gmatch(ARGV[j], '%S+') do
    n = n + 1
    A[n] = f
  end
  local op, nk = ops[A[1]], tonumber(A[2])
  if not op then return redis.error_reply('unknown counter operation: ' .. tostring(A[1])) end
  local ok, reply = pcall(op, k, nk, A)
  if ok then
    out[j] = reply
  else
    out[j] = redis.error_reply(type(reply) == 'table' and tostring(reply.err) or tostring(reply))
  end
  k = k + nk
end
return out
`;
