/**
 * Lua scripts: each checks its key's watermark for the delta's source partition and applies
 * the delta in the same atomic step. Return 0 applied, 1 replayed (already applied), 2
 * conflict (the watermark moved into the delta's range since the scorer read it).
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
export const APPLY_PORT = `${GUARD}
local evMin, evMax = tonumber(ARGV[5]), tonumber(ARGV[6])
local fs = tonumber(redis.call('HGET', KEYS[1], 'fs'))
if (not fs) or evMin < fs then redis.call('HSET', KEYS[1], 'fs', num(evMin)) end
local mx = tonumber(redis.call('HGET', KEYS[1], 'mx'))
if (not mx) or evMax > mx then redis.call('HSET', KEYS[1], 'mx', num(evMax)) end
redis.call('HSET', KEYS[1], wmField, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
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
  local pr = tonumber(redis.call('HGET', key, 'pr'))
  if (not pr) or cutoff > pr then
    local fields = redis.call('HKEYS', key)
    for _, f in ipairs(fields) do
      local idx = tonumber(string.match(f, '^(%d+)b?$'))
      if idx and idx < cutoff then redis.call('HDEL', key, f) end
    end
    redis.call('HSET', key, 'pr', num(cutoff))
    pr = cutoff
  end
  for _ = 1, count do
    local field = ARGV[a]
    if tonumber(field) >= pr then
      local v = {
        tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]),
        tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6]),
      }
      local bits = ARGV[a + 7] .. ARGV[a + 8]
      local cur = redis.call('HGET', key, field)
      if cur then
        local parts = {}
        for p in string.gmatch(cur, '[^,]+') do parts[#parts + 1] = p end
        for i = 1, 6 do v[i] = v[i] + tonumber(parts[i]) end
        local old = redis.call('HGET', key, field .. 'b') or ''
        bits = orHex(string.sub(bits, 1, 32), string.sub(old, 1, 32)) ..
          orHex(string.sub(bits, 33, 64), string.sub(old, 33, 64))
      end
      redis.call('HSET', key, field, num(v[1]) .. ',' .. num(v[2]) .. ',' .. num(v[3]) .. ',' ..
        num(v[4]) .. ',' .. num(v[5]) .. ',' .. num(v[6]), field .. 'b', bits)
    end
    a = a + 9
  end
  redis.call('PEXPIRE', key, ttl)
end
return 0
`;

/** KEYS: aggregate. ARGV: pid, min, max, ttl, first, last, count, bytes, maxSamples, samples (comma-joined). */
export const APPLY_AGGREGATE = `${GUARD}
local k = KEYS[1]
local f = tonumber(redis.call('HGET', k, 'f'))
local first, last = tonumber(ARGV[5]), tonumber(ARGV[6])
if (not f) or first < f then redis.call('HSET', k, 'f', num(first)) end
local l = tonumber(redis.call('HGET', k, 'l'))
if (not l) or last > l then redis.call('HSET', k, 'l', num(last)) end
redis.call('HINCRBY', k, 'n', tonumber(ARGV[7]))
redis.call('HSET', k, 'b', num((tonumber(redis.call('HGET', k, 'b')) or 0) + tonumber(ARGV[8])))
local max = tonumber(ARGV[9])
local s = redis.call('HGET', k, 's') or ''
local have = 0
if s ~= '' then for _ in string.gmatch(s, '[^,]+') do have = have + 1 end end
for id in string.gmatch(ARGV[10], '[^,]+') do
  if have >= max then break end
  if s == '' then s = id else s = s .. ',' .. id end
  have = have + 1
end
redis.call('HSET', k, 's', s)
redis.call('HSET', k, wmField, ARGV[3])
redis.call('PEXPIRE', k, ttl)
return 0
`;

/** KEYS: host. ARGV: pid, min, max, ttl, evidence, refMs, halfLifeMs. Order-independent decay, see host.ts. */
export const APPLY_HOST = `${GUARD}
local k = KEYS[1]
local add, at, half = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local e = tonumber(redis.call('HGET', k, 'e'))
local r = tonumber(redis.call('HGET', k, 'r'))
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
