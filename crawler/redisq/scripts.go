package redisq

import "github.com/redis/go-redis/v9"

// The frontier's steps, each one Lua script (atomic in Redis). Every script takes the crawl's
// key prefix as ARGV[1] and reads the time from Redis (TIME), so that every worker shares one
// clock. Keys under the prefix:
//
//	rec       the crawl's record (settings, lease period)        seen      SET of 8-byte URL hashes
//	q:HOST    LIST of queued jobs of a host (hash + job JSON)    ready     ZSET host -> next allowed fetch (ms)
//	nextat    HASH host -> next allowed fetch, of hosts with an empty queue
//	delays    HASH host -> robots.txt Crawl-delay (ms)           hosts     SET of hosts ever queued
//	rwait     SET of hosts waiting for their robots.txt record
//	leases    ZSET lease id -> deadline (ms)                     ldata     HASH lease id -> worker \n host \n job
//	admitted  SET of the hashes holding a --max-pages slot       held      LIST of jobs waiting for a slot
//	skipped   SET of hashes kept out by depth/include/exclude    skipjobs  SET of hashes kept out by robots.txt
//	uir, plain  SETs: frames first queued under upgrade-insecure-requests, and those reached another way
//	moved     SET of hosts a start URL moved the crawl to        stats     HASH queued, reclaimed
//	idle      time (ms) since when nothing was queued or leased  done      set when the crawl is over
//	takers    ZSET worker -> last call or heartbeat (ms), of the processes that asked for jobs
//	quiet     SET of the takers that found nothing queued or leased since the last change
//	results   STREAM of the pages (crawler.Part JSON)            workers   ZSET worker -> last heartbeat

const luaPrelude = `
local p = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function ready(host)
  if redis.call('ZSCORE', p..'ready', host) == false then
    local at = tonumber(redis.call('HGET', p..'nextat', host) or '0')
    if at < now then at = now end
    redis.call('ZADD', p..'ready', at, host)
  end
end
local function queue(host, entry, front)
  if front then
    redis.call('LPUSH', p..'q:'..host, entry)
  else
    redis.call('RPUSH', p..'q:'..host, entry)
  end
  redis.call('SADD', p..'hosts', host)
  ready(host)
  redis.call('HINCRBY', p..'stats', 'queued', 1)
  redis.call('DEL', p..'idle', p..'quiet')
end
local function split(s)
  local a = string.find(s, '\n', 1, true)
  local b = string.find(s, '\n', a + 1, true)
  return string.sub(s, 1, a - 1), string.sub(s, a + 1, b - 1), string.sub(s, b + 1)
end
-- many calls cmd key list[i..j] in chunks (Lua's stack bounds unpack) and returns the replies'
-- sum (the members added or removed). A chunk of an even size keeps pairs together.
local function many(cmd, key, list, i, j)
  local sum = 0
  while i <= j do
    local k = math.min(j, i + 999)
    sum = sum + redis.call(cmd, key, unpack(list, i, k))
    i = k + 1
  end
  return sum
end
`

// groupLua is a group commit (see Frontier.takeGroup): from ARGV[at] on, the links of several
// pages (a count n, then n times hash, host, uir 0/1, entry), the skip hashes (a count, then the
// hashes), the --max-pages slots given back (a count, then the jobs' hashes), the pages streamed
// (a count, then crawler.Part JSON) and the leases done (a count, then the ids), in that order,
// so that a page's lease ends in the same step as its links are queued and its part streamed, or
// after: never before. A new hash is claimed and its job queued in one step (two workers never
// both fetch a page); a seen one reached other than as a frame under upgrade-insecure-requests is
// noted. A lease reclaimed and handed to another worker is that worker's (ARGV[2] names this
// one). Returns the stream's length (0 when no page was streamed).
// Redis's CPU goes mostly to the calls the script makes (each a microsecond or so), so a URL
// costs one call (its claim in the seen-set): the new jobs are queued with one RPUSH a host, the
// counters set once a group, the leases done ended with one call for all.
const groupLua = `
local pushed, pushHosts, npushed = {}, {}, 0
local function push(host, entry) -- queued at the back by flushPushed, one RPUSH a host
  local l = pushed[host]
  if not l then
    l = {}
    pushed[host] = l
    pushHosts[#pushHosts+1] = host
  end
  l[#l+1] = entry
  npushed = npushed + 1
end
local function flushPushed()
  if npushed == 0 then return end
  for _, host in ipairs(pushHosts) do
    local l = pushed[host]
    many('RPUSH', p..'q:'..host, l, 1, #l)
  end
  many('SADD', p..'hosts', pushHosts, 1, #pushHosts)
  for _, host in ipairs(pushHosts) do ready(host) end
  redis.call('HINCRBY', p..'stats', 'queued', npushed)
  redis.call('DEL', p..'idle', p..'quiet')
  pushed, pushHosts, npushed = {}, {}, 0
end
local function commit(at)
  local n = tonumber(ARGV[at])
  local uirs -- whether a URL was ever first queued as such a frame (nil: not asked yet)
  for i = 0, n - 1 do
    local b = at + 1 + i * 4
    local h, uir = ARGV[b], ARGV[b+2]
    if redis.call('SADD', p..'seen', h) == 1 then
      push(ARGV[b+1], ARGV[b+3])
      if uir == '1' then
        redis.call('SADD', p..'uir', h)
        uirs = true
      end
    elseif uir ~= '1' then
      if uirs == nil then uirs = redis.call('EXISTS', p..'uir') == 1 end
      if uirs and redis.call('SISMEMBER', p..'uir', h) == 1 then redis.call('SADD', p..'plain', h) end
    end
  end
  at = at + 1 + 4 * n
  n = tonumber(ARGV[at])
  many('SADD', p..'skipped', ARGV, at + 1, at + n)
  at = at + 1 + n
  n = tonumber(ARGV[at])
  -- --max-pages slots given back: as many jobs held for one are queued
  local freed = many('SREM', p..'admitted', ARGV, at + 1, at + n)
  for i = 1, freed do
    local d = redis.call('RPOP', p..'held')
    if not d then break end
    local _, host, entry = split(d)
    push(host, entry)
  end
  flushPushed()
  at = at + 1 + n
  n = tonumber(ARGV[at])
  local backlog = 0
  if n > 0 and redis.call('EXISTS', p..'rec') == 1 then -- a worker's last parts may come after the crawl was closed
    for i = 1, n do redis.call('XADD', p..'results', '*', 'part', ARGV[at+i]) end
    backlog = redis.call('XLEN', p..'results')
  end
  at = at + 1 + n
  n = tonumber(ARGV[at])
  if n > 0 then
    local w, mine = ARGV[2]..'\n', {}
    for i = at + 1, at + n, 1000 do
      local ds = redis.call('HMGET', p..'ldata', unpack(ARGV, i, math.min(at + n, i + 999)))
      for k, d in ipairs(ds) do
        if d and string.sub(d, 1, #w) == w then mine[#mine+1] = ARGV[i+k-1] end
      end
    end
    many('ZREM', p..'leases', mine, 1, #mine)
    many('HDEL', p..'ldata', mine, 1, #mine)
  end
  return backlog
end
`

// commitScript: ARGV[2] worker, then a group as groupLua reads it.
var commitScript = redis.NewScript(luaPrelude + groupLua + `
return commit(3)
`)

// nextScript: ARGV[2] worker, ARGV[3] lease (ms), ARGV[4] --delay (ms), ARGV[5] idle window
// (ms, the lease period), ARGV[6] --max-pages, ARGV[7] how many jobs at most, ARGV[8] 1 when robots.txt is read,
// then a group as groupLua reads it (committed first: the pages done end in the call that takes
// the next).
// Reclaims expired leases, then takes the next job of the host whose next allowed fetch is
// earliest, while one is due (a host's delay holds between two of its jobs), each with its
// --max-pages slot (as admitScript does, one round trip less a page): leased when it has one,
// held when none is left. A host whose robots.txt record (delays) is not in yet gets one job out
// and waits for it (at most a lease period: its fetcher may die), so that its Crawl-delay holds
// from its first page on (delayScript ends the wait).
// Returns {"jobs", 0, backlog, queued, moved, entry, slot 1/0, entry, slot ...}, {"wait", ms,
// backlog, queued, moved}, {"done"}, or
// {"lost"} when the crawl's record is gone (Redis restarted without its data).
// The crawl is over when nothing is queued or leased and every taker (a process that asked for
// jobs: takers, its last call or heartbeat within a lease period) has found it so since the
// last change (quiet): done is then "quiet". All work that can queue more is leased: a page's
// links are queued before its lease ends, the sitemaps are read under a lease (Begin), and the
// starting process holds one from the crawl's record until its start URLs are queued
// (createScript), so that a worker joined early does not end the crawl. A taker that stopped
// without a word (killed) stops counting a lease period after its last heartbeat; and whatever
// the takers, nothing queued or leased for the idle window ends the crawl too (done: "idle").
var nextScript = redis.NewScript(luaPrelude + groupLua + `
local backlog = commit(9)
if redis.call('EXISTS', p..'done') == 1 then return {'done'} end
if redis.call('EXISTS', p..'rec') == 0 then return {'lost'} end
local lease = tonumber(ARGV[3])
local window = tonumber(ARGV[5])
redis.call('ZADD', p..'takers', now, ARGV[2])
local exp = redis.call('ZRANGEBYSCORE', p..'leases', '-inf', now, 'LIMIT', 0, 100)
for _, id in ipairs(exp) do
  local d = redis.call('HGET', p..'ldata', id)
  redis.call('ZREM', p..'leases', id)
  redis.call('HDEL', p..'ldata', id)
  if d then
    local _, host, entry = split(d)
    if host ~= '' then
      queue(host, entry, true)
      redis.call('HINCRBY', p..'stats', 'reclaimed', 1)
    end
  end
end
local queued = tonumber(redis.call('HGET', p..'stats', 'queued') or '0')
local moved = redis.call('SCARD', p..'moved')
local r = redis.call('ZRANGE', p..'ready', 0, 0, 'WITHSCORES')
if #r == 0 then
  if redis.call('ZCARD', p..'leases') == 0 then
    redis.call('SADD', p..'quiet', ARGV[2])
    local all = true
    for _, tk in ipairs(redis.call('ZRANGEBYSCORE', p..'takers', now - lease, '+inf')) do
      if redis.call('SISMEMBER', p..'quiet', tk) == 0 then
        all = false
        break
      end
    end
    local idle = redis.call('GET', p..'idle')
    if all or (idle and now - tonumber(idle) >= window) then
      redis.call('SET', p..'done', all and 'quiet' or 'idle')
      return {'done'}
    end
    if not idle then redis.call('SET', p..'idle', now) end
  else
    redis.call('DEL', p..'idle', p..'quiet')
  end
  return {'wait', 50, backlog, queued, moved}
end
local host, at = r[1], tonumber(r[2])
if at > now then return {'wait', at - now, backlog, queued, moved} end
local out = {'jobs', 0, backlog, queued, moved}
local want, max = tonumber(ARGV[7]), tonumber(ARGV[6])
local w = ARGV[2]..'\n'
local admitted -- SCARD admitted, asked once
local leases, ldata, taken = {}, {}, 0
for i = 1, 2 * want do
  if i > 1 then
    r = redis.call('ZRANGE', p..'ready', 0, 0, 'WITHSCORES')
    if #r == 0 or tonumber(r[2]) > now then break end
    host = r[1]
  end
  local known = redis.call('HGET', p..'delays', host)
  local delay = math.max(tonumber(ARGV[4]), tonumber(known or '0'))
  if not known and ARGV[8] == '1' then
    delay = lease
    redis.call('SADD', p..'rwait', host)
  end
  local q, entries = p..'q:'..host, {}
  local k = 1
  if delay == 0 then k = want - math.floor((#out - 5) / 2) end -- no delay: the host's next jobs at once
  if k == 1 then
    local e = redis.call('LPOP', q)
    if e then entries[1] = e end
  else
    entries = redis.call('LRANGE', q, 0, k - 1)
    redis.call('LTRIM', q, k, -1)
  end
  if redis.call('LLEN', q) == 0 then
    redis.call('ZREM', p..'ready', host)
  else
    redis.call('ZADD', p..'ready', now + delay, host)
  end
  redis.call('HSET', p..'nextat', host, now + delay)
  for _, entry in ipairs(entries) do
    taken = taken + 1
    local id = string.sub(entry, 1, 8)
    local slot = 1
    if admitted == nil then admitted = redis.call('SCARD', p..'admitted') end
    if admitted < max then
      admitted = admitted + redis.call('SADD', p..'admitted', id)
    elseif redis.call('SISMEMBER', p..'admitted', id) == 0 then
      redis.call('RPUSH', p..'held', '\n'..host..'\n'..entry)
      slot = 0
    end
    if slot == 1 then
      leases[#leases+1] = now + lease
      leases[#leases+1] = id
      ldata[#ldata+1] = id
      ldata[#ldata+1] = w..host..'\n'..entry
    end
    out[#out+1] = entry
    out[#out+1] = slot
  end
  if #out >= 5 + 2 * want then break end
end
many('ZADD', p..'leases', leases, 1, #leases)
many('HSET', p..'ldata', ldata, 1, #ldata)
if taken > 0 then
  redis.call('HINCRBY', p..'stats', 'queued', -taken)
  queued = queued - taken
end
if #out == 5 then return {'wait', 1, backlog, queued, moved} end
out[4] = queued
return out
`)

// beginScript: ARGV[2] worker, ARGV[3] lease (ms), ARGV[4] lease id. Leases work that is not
// a job (no host, no entry: reclaimed, it is dropped), on Redis's clock.
var beginScript = redis.NewScript(luaPrelude + `
redis.call('ZADD', p..'leases', now + tonumber(ARGV[3]), ARGV[4])
redis.call('HSET', p..'ldata', ARGV[4], ARGV[2]..'\n\n')
redis.call('DEL', p..'idle', p..'quiet')
return 1
`)

// delayScript: ARGV[2] host, ARGV[3] delay (ms): the larger of its Crawl-delay and --delay.
// Records the host's robots.txt record; a host waiting for it (nextScript) is due after the delay.
var delayScript = redis.NewScript(luaPrelude + `
redis.call('HSET', p..'delays', ARGV[2], ARGV[3])
if redis.call('SREM', p..'rwait', ARGV[2]) == 1 then
  local at = now + tonumber(ARGV[3])
  if redis.call('ZSCORE', p..'ready', ARGV[2]) then redis.call('ZADD', p..'ready', at, ARGV[2]) end
  redis.call('HSET', p..'nextat', ARGV[2], at)
end
return 1
`)

// releaseScript: ARGV[2] worker, then lease ids. Queues the worker's leased jobs again, at the
// front of their hosts' queues (jobs it took and will not fetch: it stops).
var releaseScript = redis.NewScript(luaPrelude + `
for i = 3, #ARGV do
  local d = redis.call('HGET', p..'ldata', ARGV[i])
  if d and string.sub(d, 1, #ARGV[2] + 1) == ARGV[2]..'\n' then
    redis.call('ZREM', p..'leases', ARGV[i])
    redis.call('HDEL', p..'ldata', ARGV[i])
    local _, host, entry = split(d)
    if host ~= '' then queue(host, entry, true) end
  end
end
return 1
`)

// renewScript: ARGV[2] worker, ARGV[3] lease (ms), ARGV[4] ttl (s, 0: leave), then lease ids.
// The heartbeat: pushes the worker's leases a lease period on, and the keys' TTL.
var renewScript = redis.NewScript(luaPrelude + `
local lease = tonumber(ARGV[3])
for i = 5, #ARGV do
  local d = redis.call('HGET', p..'ldata', ARGV[i])
  if d and string.sub(d, 1, #ARGV[2] + 1) == ARGV[2]..'\n' then
    redis.call('ZADD', p..'leases', 'XX', now + lease, ARGV[i])
  end
end
redis.call('ZADD', p..'workers', now, ARGV[2])
redis.call('ZADD', p..'takers', 'XX', now, ARGV[2])
local ttl = tonumber(ARGV[4])
if ttl > 0 then
  for _, k in ipairs({'rec','seen','ready','nextat','delays','hosts','leases','ldata','admitted','held','skipped','skipjobs','uir','plain','moved','stats','idle','done','results','workers','rwait','takers','quiet'}) do
    redis.call('EXPIRE', p..k, ttl)
  end
  for _, h in ipairs(redis.call('SMEMBERS', p..'hosts')) do redis.call('EXPIRE', p..'q:'..h, ttl) end
end
return 1
`)

// admitScript: ARGV[2] hash, ARGV[3] --max-pages, ARGV[4] host, ARGV[5] entry. A page fetched
// again after its lease expired keeps its slot.
var admitScript = redis.NewScript(luaPrelude + `
if redis.call('SISMEMBER', p..'admitted', ARGV[2]) == 1 then return 1 end
if redis.call('SCARD', p..'admitted') >= tonumber(ARGV[3]) then
  redis.call('RPUSH', p..'held', '\n'..ARGV[4]..'\n'..ARGV[5])
  return 0
end
redis.call('SADD', p..'admitted', ARGV[2])
return 1
`)
