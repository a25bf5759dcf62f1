/**
 * Lua scripts: each checks its key's watermark for the delta's source partition and applies
 * the delta in the same atomic step. Return 0 applied, 1 replayed (already applied), 2
 * conflict (the watermark moved into the delta's range since the scorer read it); the
 * aggregate script returns that status first, then the aggregate's totals.
 *
 * Numbers are written with %.17g so doubles round-trip exactly and replays stay
 * byte-identical; offsets are 20-digit zero-padded strings compared as strings.
 */
const GUARD = `
local wmField = 'w:' .. ARGV[1]
local wm = redis.call('HGET', KEYS[1], wmField)
if wm then
  if wm >= ARGV[3] then return 1 end
  if wm >= ARGV[2] then return 2 end
end
local ttl = tonumber(ARGV[4])
local function num(x) return string.format('%.17g', x) end
`;

/** Tier hash fields: <bucket index> → "flows,opaque,bytes,entropyMilliSum,entropyMilliSqSum,
 * entropyCount" and <bucket index>b → source then destination bitmap, 64 hex characters.
 * Both stay within Redis's 64-byte listpack value limit, so a port's hour of minute buckets
 * is stored as a compact listpack rather than a hash table.
 * KEYS: meta, tier hashes. ARGV: pid, min, max, ttl, eventMin, eventMax, tierCount, then
 * per tier: cutoff, bucketCount, then per bucket: index, flows, opaque, bytes, entropyMilliSum,
 * entropyMilliSqSum, entropyCount, srcBits, dstBits. */
export const APPLY_PORT = `
local wmField = 'w:' .. ARGV[1]
local meta = redis.call('HMGET', KEYS[1], wmField, 'fs', 'mx')
local wm = meta[1]
if wm then
  if wm >= ARGV[3] then return 1 end
  if wm >= ARGV[2] then return 2 end
end
local ttl = tonumber(ARGV[4])
local function num(x) return string.format('%.17g', x) end
local evMin, evMax = tonumber(ARGV[5]), tonumber(ARGV[6])
local set = { wmField, ARGV[3] }
local fs, mx = tonumber(meta[2]), tonumber(meta[3])
if (not fs) or evMin < fs then set[#set + 1] = 'fs'; set[#set + 1] = num(evMin) end
if (not mx) or evMax > mx then set[#set + 1] = 'mx'; set[#set + 1] = num(evMax) end
redis.call('HSET', KEYS[1], unpack(set))
redis.call('PEXPIRE', KEYS[1], ttl)
-- Lua's unpack is bounded by the C stack: wide calls go in slices of 1000 arguments.
local function hmget(key, fields)
  local res = {}
  for i = 1, #fields, 1000 do
    local part = redis.call('HMGET', key, unpack(fields, i, math.min(i + 999, #fields)))
    for j = 1, #part do res[#res + 1] = part[j] end
  end
  return res
end
local function hset(key, pairs)
  for i = 1, #pairs, 1000 do
    redis.call('HSET', key, unpack(pairs, i, math.min(i + 999, #pairs)))
  end
end
local function orHex(a, b)
  local out = {}
  for i = 0, 3 do
    local x = tonumber(string.sub(a, i * 8 + 1, i * 8 + 8), 16) or 0
    local y = tonumber(string.sub(b, i * 8 + 1, i * 8 + 8), 16) or 0
    out[i + 1] = bit.tohex(bit.bor(x, y), 8)
  end
  return table.concat(out)
end
local a = 8
for t = 1, tonumber(ARGV[7]) do
  local key = KEYS[1 + t]
  local cutoff = tonumber(ARGV[a])
  local count = tonumber(ARGV[a + 1])
  a = a + 2
  -- One HMGET for the prune mark and every bucket this delta touches.
  local fields = { 'pr' }
  for b = 0, count - 1 do
    local field = ARGV[a + b * 9]
    fields[#fields + 1] = field
    fields[#fields + 1] = field .. 'b'
  end
  local cur = hmget(key, fields)
  local pr = tonumber(cur[1])
  if (not pr) or cutoff > pr then
    local stale = {}
    for _, f in ipairs(redis.call('HKEYS', key)) do
      local idx = tonumber(string.match(f, '^(%d+)b?$'))
      if idx and idx < cutoff then stale[#stale + 1] = f end
    end
    for i = 1, #stale, 1000 do
      redis.call('HDEL', key, unpack(stale, i, math.min(i + 999, #stale)))
    end
    pr = cutoff
  end
  local out = { 'pr', num(pr) }
  for b = 0, count - 1 do
    local field = ARGV[a]
    if tonumber(field) >= pr then
      local v = {
        tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]),
        tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6]),
      }
      local bits = ARGV[a + 7] .. ARGV[a + 8]
      local old = cur[2 + b * 2]
      if old then
        local parts = {}
        for p in string.gmatch(old, '[^,]+') do parts[#parts + 1] = p end
        for i = 1, 6 do v[i] = v[i] + tonumber(parts[i]) end
        local oldBits = cur[3 + b * 2] or ''
        bits = orHex(string.sub(bits, 1, 32), string.sub(oldBits, 1, 32)) ..
          orHex(string.sub(bits, 33, 64), string.sub(oldBits, 33, 64))
      end
      out[#out + 1] = field
      out[#out + 1] = num(v[1]) .. ',' .. num(v[2]) .. ',' .. num(v[3]) .. ',' ..
        num(v[4]) .. ',' .. num(v[5]) .. ',' .. num(v[6])
      out[#out + 1] = field .. 'b'
      out[#out + 1] = bits
    end
    a = a + 9
  end
  hset(key, out)
  redis.call('PEXPIRE', key, ttl)
end
return 0
`;

/**
 * KEYS: aggregate. ARGV: pid, min, max, ttl, first, last, count, bytes, maxSamples, samples
 * (comma-joined). Returns { status, f, l, n, b, s }: the status as the other scripts return it,
 * then the aggregate's totals after this call (empty strings when it holds none), read in the
 * same atomic step, so a detection built from them never shows fewer flows than were applied.
 */
export const APPLY_AGGREGATE = `
local k = KEYS[1]
local wmField = 'w:' .. ARGV[1]
local cur = redis.call('HMGET', k, 'f', 'l', 'n', 'b', 's', wmField)
local wm = cur[6]
if wm and wm >= ARGV[2] then
  local status = 2
  if wm >= ARGV[3] then status = 1 end
  return { status, cur[1] or '', cur[2] or '', cur[3] or '', cur[4] or '', cur[5] or '' }
end
local ttl = tonumber(ARGV[4])
local function num(x) return string.format('%.17g', x) end
local first, last = tonumber(ARGV[5]), tonumber(ARGV[6])
local f, l = tonumber(cur[1]), tonumber(cur[2])
if (not f) or first < f then f = first end
if (not l) or last > l then l = last end
local n = (tonumber(cur[3]) or 0) + tonumber(ARGV[7])
local b = (tonumber(cur[4]) or 0) + tonumber(ARGV[8])
-- Samples: the max smallest ids in byte order (mergeSamples in @opaqueflow/scoring). Lua's
-- own string order follows the server's collation locale, so bytes are compared here.
local max = tonumber(ARGV[9])
local seen, ids = {}, {}
for _, list in ipairs({ cur[5] or '', ARGV[10] }) do
  for id in string.gmatch(list, '[^,]+') do
    if not seen[id] then seen[id] = true; ids[#ids + 1] = id end
  end
end
table.sort(ids, function(x, y)
  for i = 1, math.min(#x, #y) do
    local a, b = string.byte(x, i), string.byte(y, i)
    if a ~= b then return a < b end
  end
  return #x < #y
end)
local keep = {}
for i = 1, math.min(max, #ids) do keep[i] = ids[i] end
local s = table.concat(keep, ',')
redis.call('HSET', k, 'f', num(f), 'l', num(l), 'n', num(n), 'b', num(b), 's', s, wmField, ARGV[3])
redis.call('PEXPIRE', k, ttl)
return { 0, num(f), num(l), num(n), num(b), s }
`;

/** KEYS: host. ARGV: pid, min, max, ttl, evidence, refMs, halfLifeMs. Order-independent decay, see host.ts. */
export const APPLY_HOST = `${GUARD}
local k = KEYS[1]
local add, at, half = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local cur = redis.call('HMGET', k, 'e', 'r')
local e, r = tonumber(cur[1]), tonumber(cur[2])
if not e then
  e, r = add, at
elseif at >= r then
  e = e * (2 ^ (-(at - r) / half)) + add
  r = at
else
  e = e + add * (2 ^ (-(r - at) / half))
end
redis.call('HSET', k, 'e', num(e), 'r', num(r), wmField, ARGV[3])
redis.call('PEXPIRE', k, ttl)
return 0
`;

/**
 * KEYS: a partition's lateness hash. ARGV: min, max (offsets), max event time, ttl. Same rule
 * as raiseLateness in @opaqueflow/scoring: a batch above the stored offset shifts the stored
 * pair to po/pm; a retry or overlap only raises. Returns 0.
 */
export const APPLY_LATENESS = `
local k = KEYS[1]
local cur = redis.call('HMGET', k, 'o', 'm')
local function num(x) return string.format('%.17g', x) end
local ev = tonumber(ARGV[3])
local o, m = cur[1], tonumber(cur[2])
if o and m and o >= ARGV[1] then
  local set = {}
  if ARGV[2] > o then set[#set + 1] = 'o'; set[#set + 1] = ARGV[2] end
  if ev > m then set[#set + 1] = 'm'; set[#set + 1] = num(ev) end
  if #set > 0 then redis.call('HSET', k, unpack(set)) end
elseif o and m then
  if ev < m then ev = m end
  redis.call('HSET', k, 'po', o, 'pm', num(m), 'o', ARGV[2], 'm', num(ev))
else
  redis.call('HSET', k, 'o', ARGV[2], 'm', num(ev))
end
redis.call('PEXPIRE', k, tonumber(ARGV[4]))
return 0
`;
