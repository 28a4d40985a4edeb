/**
 * Lua source of the Redis counter store. One script runs a batch of operations (acquire, commit,
 * release, renew, read, add, seed, addIfSeeded) sent together by concurrent calls: one round trip for all of them, each
 * operation atomic (the whole batch is), each failing alone (pcall) if it fails. An operation's
 * arguments travel as ARGV entries, read where they lie: splitting one string per operation in Lua
 * (string.gmatch) cost Redis more than the rest of the batch.
 *
 * A counter is ONE hash: `used`, `reserved` (the sum of the live lease amounts), `next` (no lease
 * expires before this instant, in ms on the caller's clock), `until` (see ttl) and per lease
 * `l:<callId>`: "<amount>:<expiry>".
 *
 * The batch touches each counter hash a fixed number of times however many of its operations use it:
 * the script first reads, with one HMGET per counter, the counter's fields and every lease field an
 * operation of the batch names; the operations then run in order on that copy (in Lua tables); at the
 * end one HSET, one HDEL and at most one PEXPIRE per changed counter write the result. Concurrent calls
 * mostly share counters (their key, team and org budgets), so a batch of many calls costs Redis little
 * more than one. The leases are scanned (HGETALL) only when `next` has passed, i.e. when one may have
 * expired, which for short calls is about once per lease length per counter.
 *
 * Numbers: Lua numbers are doubles, exact for our integers (< 2^53), but `tostring` and `..` print
 * 9e15 as "9e+15", which Redis rejects as an integer. Computed values go through `int` (string.format
 * %d, a C long).
 */

const counters = `
-- Upvalues, not globals: every operation reads them many times.
local KEYS, ARGV = KEYS, ARGV
local function int(n) return string.format('%d', n) end

-- Redis hands Lua strings. 'x + 0' turns one into a number with one strtod, where tonumber() parses
-- it twice; hot paths convert each value once and keep the number.

-- A lease field's value: amount and expiry.
local function lease(v)
  local p = string.find(v, ':', 1, true)
  return string.sub(v, 1, p - 1) + 0, string.sub(v, p + 1) + 0
end

-- The batch's copy of each counter it touches, by key: used, reserved, next, until (numbers or nil),
-- has (the hash holds a reserved field), L (lease field -> value, false when absent), full (L holds
-- every lease of the hash), and what to write back: dirty fields, leases to set and to delete,
-- pexpire (ms, or nil).
local C = {}

local function load(c, fields)
  local args, n = {'used', 'reserved', 'next', 'until'}, 4
  for f in pairs(fields) do
    n = n + 1
    args[n] = f
  end
  -- HMGET with thousands of lease fields would exceed what unpack() can pass: chunks.
  local s = redis.pcall('HMGET', c, unpack(args, 1, math.min(n, 500)))
  if type(s) == 'table' and s.err then
    C[c] = {err = s.err}
    return
  end
  for i = 501, n, 500 do
    local more = redis.call('HMGET', c, unpack(args, i, math.min(n, i + 499)))
    for j = 1, #more do s[i + j - 1] = more[j] end
  end
  local L = {}
  for i = 5, n do L[args[i]] = s[i] end
  local used, reserved = tonumber(s[1] or 0), tonumber(s[2] or 0)
  local nxt, u = s[3] and tonumber(s[3]), s[4] and tonumber(s[4])
  if not used or not reserved or (s[3] and not nxt) or (s[4] and not u) then
    C[c] = {err = 'counter ' .. c .. ' holds a non-numeric field'}
    return
  end
  C[c] = {
    used = used, reserved = reserved, has = s[2] ~= false,
    next = nxt, ['until'] = u,
    L = L, full = false, set = {}, del = {}, dirty = {}, pexpire = nil, touched = false,
  }
end

local function counter(c)
  local s = C[c]
  if s.err then error({err = s.err}) end
  return s
end

-- A lease field's new value (false: delete it).
local function put(s, f, v)
  s.L[f] = v
  s.touched = true
  if v then
    s.set[f], s.del[f] = v, nil
  else
    s.set[f], s.del[f] = nil, true
  end
end

local function setReserved(s, reserved)
  s.reserved, s.has, s.dirty.reserved, s.touched = reserved, true, true, true
end

local function setNext(s, nxt)
  s.next, s.dirty.next, s.touched = nxt, true, true
end

-- A counter's TTL only ever grows (a counter touched with a shorter ttl must still outlive the leases
-- written with a longer one). The hash remembers, in 'until', the instant (caller's clock) it was last
-- set to expire at: the TTL costs a command only when a call wants it more than 1% later. A hash
-- without 'until' (new, or from an older layout) asks Redis once.
local function checkTtl(ms)
  ms = ms + 0
  if ms ~= ms or ms < 1 or ms > 9007199254740991 or ms % 1 ~= 0 then error('ttl must be a positive integer of ms') end
  return ms
end

local function ttl(c, s, now, ms)
  ms = checkTtl(ms)
  local want = now + ms
  local u = s['until']
  if u then
    if want <= u + math.floor(ms / 100) then return end
    s.pexpire = ms
  else
    local t = redis.call('PTTL', c)
    if t > ms then want = now + t else s.pexpire = ms end
  end
  s['until'], s.dirty['until'], s.touched = want, true, true
end

-- Drop the leases that expired at or before now (the caller's clock, not Redis TIME, so tests can
-- inject one) and recompute reserved and next exactly. The batch's own changes to leases stand over
-- what the hash holds.
local function sweep(c, s, now)
  if not s.full then
    local h = redis.call('HGETALL', c)
    for i = 1, #h, 2 do
      local f = h[i]
      if s.L[f] == nil and string.sub(f, 1, 2) == 'l:' then s.L[f] = h[i + 1] end
    end
    s.full = true
  end
  local reserved, nxt = 0, nil
  for f, v in pairs(s.L) do
    if v then
      local amount, e = lease(v)
      if e > now then
        reserved = reserved + amount
        if not nxt or e < nxt then nxt = e end
      else
        put(s, f, false)
      end
    end
  end
  setNext(s, nxt)
  if nxt then
    setReserved(s, reserved)
  else
    s.reserved, s.has, s.dirty.reserved, s.touched = 0, false, true, true
  end
end

-- A sweep is due when a lease may have expired (next has passed), or when a sum has no expiry bound
-- (a counter written by an older layout, whose leases lived elsewhere: its sum is recomputed from the
-- leases here).
local function due(s, now)
  if s.next then return s.next <= now end
  return s.has
end

-- Write the batch's copy back: one HSET, one HDEL, one PEXPIRE at most per counter.
local function flush(c, s)
  local set, n = {}, 0
  local function add(f, v)
    set[n + 1], set[n + 2] = f, v
    n = n + 2
  end
  local del, m = {}, 0
  if s.dirty.used then add('used', int(s.used)) end
  if s.dirty.reserved then
    if s.has then add('reserved', int(s.reserved)) else m = m + 1; del[m] = 'reserved' end
  end
  if s.dirty.next then
    if s.next then add('next', int(s.next)) else m = m + 1; del[m] = 'next' end
  end
  if s.dirty['until'] then add('until', int(s['until'])) end
  for f, v in pairs(s.set) do add(f, v) end
  for f in pairs(s.del) do
    m = m + 1
    del[m] = f
  end
  -- Batched because unpack() is bounded by the Lua stack.
  for i = 1, n, 1000 do redis.call('HSET', c, unpack(set, i, math.min(n, i + 999))) end
  for i = 1, m, 500 do redis.call('HDEL', c, unpack(del, i, math.min(m, i + 499))) end
  if s.pexpire then redis.call('PEXPIRE', c, s.pexpire) end
end
`;

/**
 * Each operation reads its KEYS from position k (nk of them) and its arguments from ARGV[o + 3] on,
 * and returns its reply. Arguments per operation, after (name, nk):
 *   acquire: callId, now, leaseMs, then (limit, amount, ttlMs) per counter -> {ok, index, used1, reserved1, ...}
 *   commit:  callId, now, then (actual, ttlMs) per counter               -> {used1, reserved1, ...} after
 *   release: callId, now                                                   -> 0
 *   renew:   now, leaseMs, then one callId per key                         -> 0
 *   read:    now                                                           -> {used1, reserved1, ...}
 *   add:     amount, ttlMs, now (one key)                                  -> 0
 *   seed:    amount, ttlMs, now (two keys: the counter, its seed flag)     -> 1 seeded now, 0 already
 *   addIfSeeded: amount, ttlMs, now, spentAt (the same two keys)           -> 1 added, 0 not
 * leases.<name>(o, i) names the lease field the operation at o reads on its i-th key (nil: none).
 */
const operations = `
local ops, leases = {}, {}

local function callLease(o) return 'l:' .. ARGV[o + 3] end
leases.acquire, leases.commit, leases.release = callLease, callLease, callLease
function leases.renew(o, i) return 'l:' .. ARGV[o + 4 + i] end

function ops.acquire(k, nk, o)
  local field, now = 'l:' .. ARGV[o + 3], ARGV[o + 4] + 0
  local expires = now + ARGV[o + 5]
  local out = {1, 0}
  for i = 1, nk do
    local s = counter(KEYS[k + i - 1])
    if due(s, now) then sweep(KEYS[k + i - 1], s, now) end
    out[2 * i + 1], out[2 * i + 2] = s.used, s.reserved
    if out[1] == 1 and s.used + s.reserved + ARGV[o + 3 * i + 4] > ARGV[o + 3 * i + 3] + 0 then
      out[1], out[2] = 0, i - 1
    end
  end
  if out[1] == 0 then return out end
  local exp = int(expires)
  for i = 1, nk do
    local c = KEYS[k + i - 1]
    local s, amount = C[c], ARGV[o + 3 * i + 4] + 0
    -- A second reservation by the same call adds to its lease.
    local held = s.L[field] and lease(s.L[field]) or 0
    put(s, field, int(held + amount) .. ':' .. exp)
    setReserved(s, s.reserved + amount)
    if not s.next or expires < s.next then setNext(s, expires) end
    ttl(c, s, now, ARGV[o + 3 * i + 5])
  end
  return out
end

function ops.commit(k, nk, o)
  local field, now = 'l:' .. ARGV[o + 3], ARGV[o + 4] + 0
  local out = {}
  for i = 1, nk do
    local c = KEYS[k + i - 1]
    local s = counter(c)
    s.used, s.dirty.used, s.touched = s.used + ARGV[o + 2 * i + 3], true, true
    -- The reservation is replaced even if its lease expired (and counted: a late commit is still spend).
    local held = s.L[field]
    if held then
      put(s, field, false)
      setReserved(s, s.reserved - lease(held))
    end
    ttl(c, s, now, ARGV[o + 2 * i + 4])
    if due(s, now) then sweep(c, s, now) end
    out[2 * i - 1], out[2 * i] = s.used, s.reserved
  end
  return out
end

function ops.release(k, nk, o)
  local field, now = 'l:' .. ARGV[o + 3], ARGV[o + 4] + 0
  for i = 1, nk do
    local c = KEYS[k + i - 1]
    local s = counter(c)
    local held = s.L[field]
    if held then
      put(s, field, false)
      setReserved(s, s.reserved - lease(held))
    end
    if due(s, now) then sweep(c, s, now) end
  end
  return 0
end

function ops.renew(k, nk, o)
  local now = ARGV[o + 3] + 0
  local expires = now + ARGV[o + 4]
  for i = 1, nk do
    local s, field = counter(KEYS[k + i - 1]), 'l:' .. ARGV[o + 4 + i]
    local held = s.L[field]
    if held then
      local amount, e = lease(held)
      if e > now then
        put(s, field, int(amount) .. ':' .. int(expires))
        -- A renewal may shorten a lease (a shorter leaseMs): keep next a lower bound of every expiry.
        if not s.next or expires < s.next then setNext(s, expires) end
      end
    end
  end
  return 0
end

function ops.read(k, nk, o)
  local now, out = ARGV[o + 3] + 0, {}
  for i = 1, nk do
    local c = KEYS[k + i - 1]
    local s = counter(c)
    if due(s, now) then sweep(c, s, now) end
    out[2 * i - 1], out[2 * i] = s.used, s.reserved
  end
  return out
end

function ops.add(k, nk, o)
  local c = KEYS[k]
  local s = counter(c)
  ttl(c, s, ARGV[o + 5] + 0, ARGV[o + 4])
  s.used, s.dirty.used, s.touched = s.used + ARGV[o + 3], true, true
  return 0
end

-- The ledger's spend added to a counter once, whichever instance gets there first: the flag (the one
-- an older gateway's claim('seed:<key>') set, so a counter it seeded is not seeded again) and the
-- amount in one atomic step. Its second key is the flag, a plain string, not a counter (plain.seed).
-- Every argument is read before the flag is set: an error after it would leave it without the amount.
local function flagged(k, o)
  local c = KEYS[k]
  return c, counter(c), ARGV[o + 3] + 0, checkTtl(ARGV[o + 4]), ARGV[o + 5] + 0
end

-- The flag holds when the counter was seeded (an older gateway's claim wrote '1': long ago).
function ops.seed(k, nk, o)
  local c, s, amount, ms, now = flagged(k, o)
  if not redis.call('SET', KEYS[k + 1], int(now), 'PX', ms, 'NX') then return 0 end
  if amount > 0 then
    ttl(c, s, now, ms)
    s.used, s.dirty.used, s.touched = s.used + amount, true, true
  end
  return 1
end

-- Spend owed from an outage (its last call settled at spentAt), added only where the counter was
-- seeded by then: one seeded later, or not yet, gets it from the ledger's sum.
function ops.addIfSeeded(k, nk, o)
  local c, s, amount, ms, now = flagged(k, o)
  local spentAt = ARGV[o + 6] + 0
  local at = redis.call('GET', KEYS[k + 1])
  if not at or (tonumber(at) or 0) > spentAt then return 0 end
  ttl(c, s, now, ms)
  s.used, s.dirty.used, s.touched = s.used + amount, true, true
  return 1
end
`;

/** How many ARGV entries an operation takes after its name and key count, by its key count. */
const arity = `
local arity = {
  acquire = function(nk) return 3 + 3 * nk end,
  commit = function(nk) return 2 + 2 * nk end,
  release = function() return 2 end,
  renew = function(nk) return 2 + nk end,
  read = function() return 1 end,
  add = function() return 3 end,
  seed = function() return 3 end,
  addIfSeeded = function() return 4 end,
}
-- Operations whose last key is a flag, not a counter (never loaded as a hash): their key count.
local plain = { seed = 2, addIfSeeded = 2 }
`;

/**
 * ARGV: the operations one after another, each as its name, its number of keys and its arguments;
 * KEYS: the operations' keys in the same order. Returns one reply per operation, or an error reply
 * in its place if that operation failed. An operation's arguments are read where they lie in ARGV
 * (its offset o: ARGV[o + 1] is the name), never copied or split.
 */
export const batchLua = `${counters}${operations}${arity}
local parsed, wanted, order, k, o = {}, {}, {}, 1, 0
while o < #ARGV do
  local name, nk = ARGV[o + 1], tonumber(ARGV[o + 2])
  local size = arity[name]
  if not size or not nk then return redis.error_reply('unknown counter operation: ' .. tostring(name)) end
  parsed[#parsed + 1] = {k, nk, o, name}
  local named, skip = leases[name], plain[name]
  if skip and nk ~= skip then return redis.error_reply('counter batch layout mismatch') end
  for i = 1, nk do
    local c = KEYS[k + i - 1]
    if i ~= skip then
      local w = wanted[c]
      if not w then
        w = {}
        wanted[c] = w
        order[#order + 1] = c
      end
      if named then w[named(o, i)] = true end
    end
  end
  k = k + nk
  o = o + 2 + size(nk)
end
-- A client and a script that disagree on an operation's arguments would read one operation's limits
-- as another's amounts: refuse the batch before anything is read or written.
if o ~= #ARGV or k - 1 ~= #KEYS then return redis.error_reply('counter batch layout mismatch') end
for _, c in ipairs(order) do load(c, wanted[c]) end
local out = {}
for j = 1, #parsed do
  local p = parsed[j]
  local ok, reply = pcall(ops[p[4]], p[1], p[2], p[3])
  if ok then
    out[j] = reply
  else
    out[j] = redis.error_reply(type(reply) == 'table' and tostring(reply.err) or tostring(reply))
  end
end
for _, c in ipairs(order) do
  local s = C[c]
  if not s.err and s.touched then flush(c, s) end
end
return out
`;
