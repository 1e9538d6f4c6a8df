package store

import "github.com/redis/go-redis/v9"

// The Lua scripts the Redis store runs. Redis runs a script alone: nothing interleaves
// between its checks and its writes, which is what makes a create, update, delete or reset
// atomic across every replica on the database. Keys are built inside the scripts from the
// prefix and the API (ARGV[1], ARGV[2]), so the store works on one Redis, not on a cluster.
//
// An API's data lives under a generation: <prefix>{<api>}:<gen>:recs and so on, and
// <prefix>{<api>}:gen names the live one ("0" when absent). A reset fills a fresh generation
// and switches the pointer in one script; the old generation is unreachable from then on and
// deleted afterwards.
const luaPrelude = `
local P, A = ARGV[1], ARGV[2]
local root = P .. '{' .. A .. '}:'
local function cur() return redis.call('GET', root .. 'gen') or '0' end
local function base(g) return root .. g .. ':' end
-- claims: n, then n (rule, field) pairs from i; returns the rules whose field another holds
local function taken(b, i, own)
  local n, rules = tonumber(ARGV[i]), {}
  for j = 0, n - 1 do
    local owner = redis.call('HGET', b .. 'claims', ARGV[i + 2 + 2 * j])
    if owner and owner ~= own then rules[#rules + 1] = ARGV[i + 1 + 2 * j] end
  end
  return rules, i + 1 + 2 * n
end
-- attempt marks an update's or delete's token (the last ARGV) done, for a minute, right
-- before its writes; false when settleScript voided it first
local function attempt()
  return redis.call('SET', root .. 'op:' .. ARGV[#ARGV], 'done', 'NX', 'PX', 60000) ~= false
end
-- limits: n, then n (rule, group, max) triples from i; returns the first reached
local function reached(b, i)
  local n = tonumber(ARGV[i])
  for j = 0, n - 1 do
    local k = i + 1 + 3 * j
    local have = tonumber(redis.call('HGET', b .. 'groups', ARGV[k + 1]) or '0')
    if have >= tonumber(ARGV[k + 2]) then return {'limit', ARGV[k], ARGV[k + 2]}, 0 end
  end
  return nil, i + 1 + 3 * n
end
`

// reserveScript checks claims and limits and takes the next sequence number of the
// generation (ARGV[3], or the live one when ""), counting down for seeded records (ARGV[4]).
// ARGV from 5: claims, limits. Returns {'ok', gen, seq} or the refusal.
var reserveScript = redis.NewScript(luaPrelude + `
local g = ARGV[3]
if g == '' then g = cur() end
local b = base(g)
local rules, i = taken(b, 5, nil)
if #rules > 0 then table.insert(rules, 1, 'conflict') return rules end
local lim = reached(b, i)
if lim then return lim end
local seq
if ARGV[4] == '1' then seq = 1 - redis.call('INCR', b .. 'low') else seq = redis.call('INCR', b .. 'seq') end
return {'ok', g, tostring(seq)}
`)

// insertScript stores a record whose response is rendered, if its generation is still the
// live one (when ARGV[4] is '1') and its claims, limits and key are still free: everything
// or nothing. ARGV: 3 gen, 4 check, 5 seq, 6 record, 7 collection, 8 key, then claims, limits
// and groups (n, then the groups), then keep and keepBytes: past either bound (0: none) the
// oldest records lose their payload, as in memory, but never the newest. A dropped record's
// claims, groups and index entry stay (its key and unique values stay taken, it still counts
// towards limits); it leaves the insertion order and its collection, so it is neither read,
// listed, changed nor deleted again. A create drops at most 8: a backlog (records stored
// before the bounds were set, or under larger ones) drains over the next creates instead of
// holding Redis, and every replica, for one long script. 'ik' maps a keyed record's seq to its collection and
// key (length-prefixed: a key may hold any byte), 'bytes' counts the kept payloads.
var insertScript = redis.NewScript(luaPrelude + `
local g, seq, coll, key = ARGV[3], ARGV[5], ARGV[7], ARGV[8]
if ARGV[4] == '1' and cur() ~= g then return {'stale'} end
local b = base(g)
if redis.call('SISMEMBER', b .. 'void', seq) == 1 then return {'void'} end
local rules, i = taken(b, 9, nil)
if #rules > 0 then table.insert(rules, 1, 'conflict') return rules end
local claimsAt = 9
local lim, gi = reached(b, i)
if lim then return lim end
if key ~= '' and redis.call('HEXISTS', b .. 'index', coll .. '\0' .. key) == 1 then return {'keytaken'} end
redis.call('HSET', b .. 'recs', seq, ARGV[6])
local bytes = redis.call('INCRBY', b .. 'bytes', #ARGV[6])
local ins = redis.call('INCR', b .. 'ins')
redis.call('ZADD', b .. 'order', ins, seq)
for j = 0, tonumber(ARGV[claimsAt]) - 1 do redis.call('HSET', b .. 'claims', ARGV[claimsAt + 2 + 2 * j], seq) end
for j = 1, tonumber(ARGV[gi]) do redis.call('HINCRBY', b .. 'groups', ARGV[gi + j], 1) end
if key ~= '' then
  redis.call('HSET', b .. 'index', coll .. '\0' .. key, seq)
  redis.call('HSET', b .. 'ik', seq, #coll .. ':' .. coll .. key)
  redis.call('ZADD', b .. 'c:' .. coll, ins, key)
end
redis.call('SADD', P .. 'apis', A)
local ki = gi + 1 + tonumber(ARGV[gi])
local keep, keepBytes = tonumber(ARGV[ki]), tonumber(ARGV[ki + 1])
local n, budget = redis.call('ZCARD', b .. 'order'), 8
while budget > 0 and n > 1 and ((keep > 0 and n > keep) or (keepBytes > 0 and bytes > keepBytes)) do
  budget = budget - 1
  local old = redis.call('ZRANGE', b .. 'order', 0, 0)[1]
  local rec = redis.call('HGET', b .. 'recs', old)
  if rec then bytes = redis.call('DECRBY', b .. 'bytes', #rec) end
  redis.call('HDEL', b .. 'recs', old)
  redis.call('ZREM', b .. 'order', old)
  local ik = redis.call('HGET', b .. 'ik', old)
  if ik then
    redis.call('HDEL', b .. 'ik', old)
    local c = string.find(ik, ':', 1, true)
    local len = tonumber(string.sub(ik, 1, c - 1))
    redis.call('ZREM', b .. 'c:' .. string.sub(ik, c + 1, c + len), string.sub(ik, c + len + 1))
  else
    -- A record without a key may leave nothing behind to be found by: noted for a minute,
    -- for resolveScript.
    local now = tonumber(redis.call('TIME')[1])
    redis.call('ZADD', b .. 'recentdrop', now, old)
    redis.call('ZREMRANGEBYSCORE', b .. 'recentdrop', '-inf', now - 60)
  end
  redis.call('INCR', b .. 'dropped')
  n = n - 1
end
return {'ok'}
`)

// droppedScript returns how many records of the live generation lost their payload.
var droppedScript = redis.NewScript(luaPrelude + `
return tonumber(redis.call('GET', base(cur()) .. 'dropped') or '0')
`)

// getScript returns {gen, seq, record} for the key in the collection (ARGV 3, 4), or {}.
var getScript = redis.NewScript(luaPrelude + `
local g = cur()
local b = base(g)
local seq = redis.call('HGET', b .. 'index', ARGV[3] .. '\0' .. ARGV[4])
if not seq then return {} end
local rec = redis.call('HGET', b .. 'recs', seq)
if not rec then return {} end -- dropped past the keep bounds: its key stays taken
return {g, seq, rec}
`)

// listScript returns {total, record...}: the collection's (ARGV 3) page from offset ARGV[4],
// at most ARGV[5] records (-1: all).
var listScript = redis.NewScript(luaPrelude + `
local b = base(cur())
local c = b .. 'c:' .. ARGV[3]
local off, lim = tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {redis.call('ZCARD', c)}
local stop = -1
if lim >= 0 then stop = off + lim - 1 end
if lim ~= 0 then
  for _, key in ipairs(redis.call('ZRANGE', c, off, stop)) do
    local seq = redis.call('HGET', b .. 'index', ARGV[3] .. '\0' .. key)
    if seq then out[#out + 1] = redis.call('HGET', b .. 'recs', seq) end
  end
end
return out
`)

// recordsScript returns every record of the live generation, oldest first.
var recordsScript = redis.NewScript(luaPrelude + `
local b = base(cur())
local out = {}
for _, seq in ipairs(redis.call('ZRANGE', b .. 'order', 0, -1)) do
  out[#out + 1] = redis.call('HGET', b .. 'recs', seq)
end
return out
`)

// updateScript replaces record ARGV[4] if it is still ARGV[5] in generation ARGV[3] and the
// new claims are free or its own. ARGV from 7: old claims (n, fields), old groups (n,
// groups), new claims (n, (rule, field) pairs), new groups (n, groups); ARGV[6] is the new
// record. The last ARGV is the attempt's token: once every check passed, the script marks it
// done (for settleScript) or, when settleScript voided it first, refuses ('void').
var updateScript = redis.NewScript(luaPrelude + `
local g, seq = ARGV[3], ARGV[4]
if cur() ~= g then return {'stale'} end
local b = base(g)
if redis.call('HGET', b .. 'recs', seq) ~= ARGV[5] then return {'stale'} end
local i = 7
local oldClaims = i
i = i + 1 + tonumber(ARGV[i])
local oldGroups = i
i = i + 1 + tonumber(ARGV[i])
local newClaims = i
local rules, gi = taken(b, i, seq)
if #rules > 0 then table.insert(rules, 1, 'conflict') return rules end
if not attempt() then return {'void'} end
for j = 1, tonumber(ARGV[oldClaims]) do
  local f = ARGV[oldClaims + j]
  if redis.call('HGET', b .. 'claims', f) == seq then redis.call('HDEL', b .. 'claims', f) end
end
for j = 1, tonumber(ARGV[oldGroups]) do
  if redis.call('HINCRBY', b .. 'groups', ARGV[oldGroups + j], -1) <= 0 then redis.call('HDEL', b .. 'groups', ARGV[oldGroups + j]) end
end
for j = 0, tonumber(ARGV[newClaims]) - 1 do redis.call('HSET', b .. 'claims', ARGV[newClaims + 2 + 2 * j], seq) end
for j = 1, tonumber(ARGV[gi]) do redis.call('HINCRBY', b .. 'groups', ARGV[gi + j], 1) end
redis.call('HSET', b .. 'recs', seq, ARGV[6])
redis.call('INCRBY', b .. 'bytes', #ARGV[6] - #ARGV[5])
return {'ok'}
`)

// deleteScript forgets record ARGV[4] if it is still ARGV[5] in generation ARGV[3], with its
// index entry (collection ARGV[6], key ARGV[7]), claims and groups (n, then each, from 8).
// The last ARGV is the attempt's token, as for updateScript.
var deleteScript = redis.NewScript(luaPrelude + `
local g, seq, coll, key = ARGV[3], ARGV[4], ARGV[6], ARGV[7]
if cur() ~= g then return {'stale'} end
local b = base(g)
if redis.call('HGET', b .. 'recs', seq) ~= ARGV[5] then return {'stale'} end
if not attempt() then return {'void'} end
local i = 8
for j = 1, tonumber(ARGV[i]) do
  local f = ARGV[i + j]
  if redis.call('HGET', b .. 'claims', f) == seq then redis.call('HDEL', b .. 'claims', f) end
end
i = i + 1 + tonumber(ARGV[i])
for j = 1, tonumber(ARGV[i]) do
  if redis.call('HINCRBY', b .. 'groups', ARGV[i + j], -1) <= 0 then redis.call('HDEL', b .. 'groups', ARGV[i + j]) end
end
redis.call('HDEL', b .. 'recs', seq)
redis.call('DECRBY', b .. 'bytes', #ARGV[5])
redis.call('HDEL', b .. 'ik', seq)
redis.call('ZREM', b .. 'order', seq)
if key ~= '' then
  redis.call('HDEL', b .. 'index', coll .. '\0' .. key)
  redis.call('ZREM', b .. 'c:' .. coll, key)
end
return {'ok'}
`)

// allocScript allocates a fresh generation of API ARGV[2] for a reset or a first seeding, and
// notes it, with the time, in 'staging' until it is committed or deleted: the sweep
// (Redis.sweep) leaves a generation being staged alone.
var allocScript = redis.NewScript(luaPrelude + `
local g = tostring(redis.call('INCR', root .. 'gens'))
redis.call('HSET', root .. 'staging', g, redis.call('TIME')[1])
return g
`)

// commitScript makes staged generations live. ARGV[2] is unused; ARGV[3]: 'reset' (every API
// named, or every API the database knows when ARGV[4] is '*') or 'once' (only APIs never
// seeded: a replica that lost the race discards its staging). Then (api, staged gen) pairs
// from ARGV[5]; a reset API without one gets an empty generation. Returns the generations
// to delete, as (api, gen) pairs.
var commitScript = redis.NewScript(luaPrelude + `
local staged, scope = {}, {}
for i = 5, #ARGV, 2 do
  staged[ARGV[i]] = ARGV[i + 1]
  scope[#scope + 1] = ARGV[i]
end
if ARGV[3] == 'reset' and ARGV[4] == '*' then
  for _, api in ipairs(redis.call('SMEMBERS', P .. 'apis')) do
    if not staged[api] then scope[#scope + 1] = api end
  end
end
local garbage = {}
for _, api in ipairs(scope) do
  local r = P .. '{' .. api .. '}:'
  local new = staged[api]
  if new then redis.call('HDEL', r .. 'staging', new) end
  local live = redis.call('GET', r .. 'gen') or '0'
  local lb = r .. live .. ':'
  if ARGV[3] == 'once' and (redis.call('EXISTS', r .. 'seeded') == 1 or
      redis.call('EXISTS', lb .. 'seq', lb .. 'low', lb .. 'ins') > 0) then
    -- Seeded before, or in use: an API whose fixtures held no records has no 'seeded' of
    -- its own, and its live records must not be replaced by a later replica's seeding.
    garbage[#garbage + 1] = api
    garbage[#garbage + 1] = new
  else
    if not new then new = tostring(redis.call('INCR', r .. 'gens')) end
    garbage[#garbage + 1] = api
    garbage[#garbage + 1] = redis.call('GET', r .. 'gen') or '0'
    redis.call('SET', r .. 'gen', new)
    redis.call('SET', r .. 'seeded', new)
    redis.call('SADD', P .. 'apis', api)
  end
end
-- The database has been seeded: a Redis that loses its data (FLUSHDB, a restart without
-- persistence) loses this too, and the replicas' watch seeds it again.
redis.call('SET', P .. 'seeded', '1')
return garbage
`)

// probeScript is the health check: a write (so a Redis out of memory under noeviction, or
// an ACL without scripts or writes, fails it as it fails creates) that answers whether the
// database is still seeded.
var probeScript = redis.NewScript(`
redis.call('SET', ARGV[1] .. 'probe', '1', 'PX', 10000)
return redis.call('EXISTS', ARGV[1] .. 'seeded')
`)

// resolveScript settles a create whose insert got no answer (a timeout: Redis may have run
// it, or may still run it): it answers 'stored' when record ARGV[4] of generation ARGV[3]
// is there (in the insertion order, or, dropped past the keep bounds since, holding its key
// ARGV[6] in collection ARGV[5] or a claim: n, then the fields, from ARGV[7], or, without a
// key, noted in 'recentdrop' for the minute after its drop); otherwise it
// voids the sequence number, so the insert, if it comes later, refuses ('void').
var resolveScript = redis.NewScript(luaPrelude + `
local g, seq, coll, key = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local b = base(g)
if redis.call('ZSCORE', b .. 'order', seq) or redis.call('HEXISTS', b .. 'recs', seq) == 1 then return 'stored' end
if redis.call('ZSCORE', b .. 'recentdrop', seq) then return 'stored' end
if key ~= '' and redis.call('HGET', b .. 'index', coll .. '\0' .. key) == seq then return 'stored' end
for j = 1, tonumber(ARGV[7]) do
  if redis.call('HGET', b .. 'claims', ARGV[7 + j]) == seq then return 'stored' end
end
redis.call('SADD', b .. 'void', seq)
return 'void'
`)

// settleScript settles an update or delete whose script got no answer, by what the script
// did, not by the record as it is now (another replica may have changed or deleted it, or
// the keep bounds dropped it): 'done' when the attempt's token ARGV[3] is marked done;
// otherwise it voids the token for 10 minutes ('void'), so the script, if it comes later,
// refuses.
// The token is marked or voided once, by whichever of the two runs first.
var settleScript = redis.NewScript(luaPrelude + `
local k = root .. 'op:' .. ARGV[3]
if redis.call('SET', k, 'void', 'NX', 'PX', 600000) then return 'void' end
return redis.call('GET', k)
`)
