/**
 * Lua for the Redis view. Every key of one view shares the hash tag {view} (see
 * redis-view.ts), so each script touches one slot and runs unchanged on Redis Cluster; the
 * first key is declared so the call is routed there.
 *
 *   <base>d:<id>         hash: j (detection JSON), u (updatedMs), n (flowCount), fs (first
 *                        seen), sv, vd, tr, dp (indexed values), sa, da, sc (addresses and
 *                        score, filtered without reading j), ts, tb, ta (triage status, by, at)
 *   <base>c:<id>         list: triage comments (JSON), capped
 *   <base>t              zset by first seen; <base>t:<field>:<value> the same per indexed value
 *   <base>s              zset by score;  <base>l  zset by last seen (retention)
 *   <base>feed           stream: added or updated detections (the live feed)
 *   <base>audit          stream: triage changes
 */

/** KEYS[1] detection hash; ARGV base id u n fs ls score sv vd tr dp json feedMax cutoff src dst. */
export const UPSERT = `
local base, id = ARGV[1], ARGV[2]
local u, n = tonumber(ARGV[3]), tonumber(ARGV[4])
local fs = ARGV[5]
if tonumber(ARGV[6]) < tonumber(ARGV[14]) then return -1 end
local h = KEYS[1]
local old = redis.call('HMGET', h, 'u', 'n', 'sv', 'vd', 'tr', 'dp', 'ts')
local ts = 'new'
if old[1] then
  local ou, on = tonumber(old[1]), tonumber(old[2])
  if u < ou or (u == ou and n <= on) then return 0 end
  ts = old[7] or 'new'
  local fields = {'sv', 'vd', 'tr', 'dp'}
  for i = 1, 4 do
    if old[i + 2] and old[i + 2] ~= ARGV[i + 7] then
      redis.call('ZREM', base .. 't:' .. fields[i] .. ':' .. old[i + 2], id)
    end
  end
end
redis.call('HSET', h, 'j', ARGV[12], 'u', ARGV[3], 'n', ARGV[4], 'fs', fs,
  'sv', ARGV[8], 'vd', ARGV[9], 'tr', ARGV[10], 'dp', ARGV[11], 'ts', ts,
  'sa', ARGV[15], 'da', ARGV[16], 'sc', ARGV[7])
redis.call('ZADD', base .. 't', fs, id)
redis.call('ZADD', base .. 's', ARGV[7], id)
redis.call('ZADD', base .. 'l', ARGV[6], id)
redis.call('ZADD', base .. 't:sv:' .. ARGV[8], fs, id)
redis.call('ZADD', base .. 't:vd:' .. ARGV[9], fs, id)
redis.call('ZADD', base .. 't:tr:' .. ARGV[10], fs, id)
redis.call('ZADD', base .. 't:dp:' .. ARGV[11], fs, id)
redis.call('ZADD', base .. 't:st:' .. ts, fs, id)
redis.call('XADD', base .. 'feed', 'MAXLEN', '~', ARGV[13], '*', 'id', id, 'j', ARGV[12])
if old[1] then return 1 end
return 2
`;

/** KEYS[1] detection hash; ARGV base id status actor atMs commentJson maxComments auditMax comment. */
export const TRIAGE = `
local base, id, status = ARGV[1], ARGV[2], ARGV[3]
local h = KEYS[1]
local old = redis.call('HMGET', h, 'ts', 'fs')
if not old[2] then return false end
local from = old[1] or 'new'
if from ~= status then
  redis.call('ZREM', base .. 't:st:' .. from, id)
  redis.call('ZADD', base .. 't:st:' .. status, old[2], id)
end
redis.call('HSET', h, 'ts', status, 'tb', ARGV[4], 'ta', ARGV[5])
if ARGV[6] ~= '' then
  redis.call('RPUSH', base .. 'c:' .. id, ARGV[6])
  redis.call('LTRIM', base .. 'c:' .. id, -tonumber(ARGV[7]), -1)
end
redis.call('XADD', base .. 'audit', 'MAXLEN', '~', ARGV[8], '*',
  'd', id, 'a', ARGV[4], 'f', from, 't', status, 'c', ARGV[9], 'at', ARGV[5])
return from
`;

/**
 * One chunk of an ordering after a cursor. KEYS[1] the index; ARGV base hasCursor key id
 * order count min max (min inclusive, max exclusive, '' for unbounded).
 * Returns {more, id1, score1, fields1, id2, …} where fields are what filters read (fs sv vd
 * tr dp sa da sc ts): the detection JSON is fetched afterwards for the matches only.
 * With the cursor's member still at its key, its rank is exact; otherwise (pruned or moved)
 * the first position after (key, id) is found from the count below the key and a walk
 * through the ties.
 */
export const SCAN = `
local idx, base = KEYS[1], ARGV[1]
local order, count = ARGV[5], tonumber(ARGV[6])
local n = redis.call('ZCARD', idx)
local lo, hi = 0, n - 1
if ARGV[7] ~= '' then lo = redis.call('ZCOUNT', idx, '-inf', '(' .. ARGV[7]) end
if ARGV[8] ~= '' then hi = redis.call('ZCOUNT', idx, '-inf', '(' .. ARGV[8]) - 1 end
local start
if ARGV[2] == '1' then
  local k, cid = tonumber(ARGV[3]), ARGV[4]
  local s = redis.call('ZSCORE', idx, cid)
  if s and tonumber(s) == k then
    local r = redis.call('ZRANK', idx, cid)
    if order == 'asc' then start = r + 1 else start = r - 1 end
  else
    local p = redis.call('ZCOUNT', idx, '-inf', '(' .. ARGV[3])
    local done = false
    while not done do
      local e = redis.call('ZRANGE', idx, p, p + 99, 'WITHSCORES')
      if #e == 0 then break end
      for i = 1, #e, 2 do
        if tonumber(e[i + 1]) == k and e[i] < cid then p = p + 1 else done = true break end
      end
    end
    if order == 'asc' then start = p else start = p - 1 end
  end
else
  if order == 'asc' then start = lo else start = hi end
end
local out = {0}
local a, b
if order == 'asc' then
  if start < lo then start = lo end
  a, b = start, math.min(hi, start + count - 1)
  if b < hi then out[1] = 1 end
else
  if start > hi then start = hi end
  a, b = math.max(lo, start - count + 1), start
  if a > lo then out[1] = 1 end
end
if a > b then out[1] = 0 return out end
local e = redis.call('ZRANGE', idx, a, b, 'WITHSCORES')
local from, to, step = 1, #e - 1, 2
if order ~= 'asc' then from, to, step = #e - 1, 1, -2 end
for i = from, to, step do
  local id = e[i]
  out[#out + 1] = id
  out[#out + 1] = e[i + 1]
  out[#out + 1] = redis.call('HMGET', base .. 'd:' .. id, 'fs', 'sv', 'vd', 'tr', 'dp', 'sa', 'da', 'sc', 'ts')
end
return out
`;

/** KEYS[1] the last-seen index; ARGV base cutoff limit. Returns how many were dropped. */
export const PRUNE = `
local base = ARGV[1]
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  local h = base .. 'd:' .. id
  local v = redis.call('HMGET', h, 'sv', 'vd', 'tr', 'dp', 'ts')
  local fields = {'sv', 'vd', 'tr', 'dp', 'st'}
  for i = 1, 5 do
    if v[i] then redis.call('ZREM', base .. 't:' .. fields[i] .. ':' .. v[i], id) end
  end
  redis.call('ZREM', base .. 't', id)
  redis.call('ZREM', base .. 's', id)
  redis.call('ZREM', base .. 'l', id)
  redis.call('DEL', h, base .. 'c:' .. id)
end
return #ids
`;
