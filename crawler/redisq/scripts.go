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
  redis.call('DEL', p..'idle')
end
local function split(s)
  local a = string.find(s, '\n', 1, true)
  local b = string.find(s, '\n', a + 1, true)
  return string.sub(s, 1, a - 1), string.sub(s, a + 1, b - 1), string.sub(s, b + 1)
end
`

// groupLua is a group commit (see Frontier.takeGroup): from ARGV[at] on, the links of several
// pages (a count n, then n times hash, host, uir 0/1, entry), the skip hashes (a count, then the
// hashes), the --max-pages slots given back (a count, then the jobs' hashes), the pages streamed (a count, then crawler.Part JSON) and the leases done (a count, then
// the ids), in that order, so that a page's lease ends in the same step as its links are queued
// and its part streamed, or after: never before. A new hash is claimed and its job queued in one
// step (two workers never both fetch a page); a seen one reached other than as a frame under
// upgrade-insecure-requests is noted. A lease reclaimed and handed to another worker is that
// worker's (ARGV[2] names this one). Returns the stream's length (0 when no page was streamed).
const groupLua = `
local function commit(at)
  local n = tonumber(ARGV[at])
  for i = 0, n - 1 do
    local h, host, uir, entry = ARGV[at+1+i*4], ARGV[at+2+i*4], ARGV[at+3+i*4], ARGV[at+4+i*4]
    if redis.call('SADD', p..'seen', h) == 1 then
      queue(host, entry, false)
      if uir == '1' then redis.call('SADD', p..'uir', h) end
    elseif uir ~= '1' and redis.call('SISMEMBER', p..'uir', h) == 1 then
      redis.call('SADD', p..'plain', h)
    end
  end
  at = at + 1 + 4 * n
  n = tonumber(ARGV[at])
  for i = 1, n do redis.call('SADD', p..'skipped', ARGV[at+i]) end
  at = at + 1 + n
  n = tonumber(ARGV[at])
  for i = 1, n do -- --max-pages slots given back: a job held for one is queued
    if redis.call('SREM', p..'admitted', ARGV[at+i]) == 1 then
      local d = redis.call('RPOP', p..'held')
      if d then
        local _, host, entry = split(d)
        queue(host, entry, false)
      end
    end
  end
  at = at + 1 + n
  n = tonumber(ARGV[at])
  local backlog = 0
  if n > 0 and redis.call('EXISTS', p..'rec') == 1 then -- a worker's last parts may come after the crawl was closed
    for i = 1, n do redis.call('XADD', p..'results', '*', 'part', ARGV[at+i]) end
    backlog = redis.call('XLEN', p..'results')
  end
  at = at + 1 + n
  n = tonumber(ARGV[at])
  for i = 1, n do
    local id = ARGV[at+i]
    local d = redis.call('HGET', p..'ldata', id)
    if d and string.sub(d, 1, #ARGV[2] + 1) == ARGV[2]..'\n' then
      redis.call('ZREM', p..'leases', id)
      redis.call('HDEL', p..'ldata', id)
    end
  end
  return backlog
end
`

// commitScript: ARGV[2] worker, then a group as groupLua reads it.
var commitScript = redis.NewScript(luaPrelude + groupLua + `
return commit(3)
`)

// nextScript: ARGV[2] worker, ARGV[3] lease (ms), ARGV[4] --delay (ms), ARGV[5] idle window
// (ms), ARGV[6] --max-pages, ARGV[7] how many jobs at most, ARGV[8] 1 when robots.txt is read,
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
// The crawl is over when nothing was queued or leased for the idle window. All work that can
// queue more is leased: a page's links are queued before its lease ends, the sitemaps are read
// under a lease (Begin), and the starting process holds one from the crawl's record until its
// start URLs are queued (createScript), so that a worker joined early does not end the crawl.
var nextScript = redis.NewScript(luaPrelude + groupLua + `
local backlog = commit(9)
if redis.call('EXISTS', p..'done') == 1 then return {'done'} end
if redis.call('EXISTS', p..'rec') == 0 then return {'lost'} end
local lease = tonumber(ARGV[3])
local window = tonumber(ARGV[5])
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
    local idle = redis.call('GET', p..'idle')
    if not idle then
      redis.call('SET', p..'idle', now)
    elseif now - tonumber(idle) >= window then
      redis.call('SET', p..'done', '1')
      return {'done'}
    end
  else
    redis.call('DEL', p..'idle')
  end
  return {'wait', 50, backlog, queued, moved}
end
local host, at = r[1], tonumber(r[2])
if at > now then return {'wait', at - now, backlog, queued, moved} end
local out = {'jobs', 0, backlog, queued, moved}
local want, max = tonumber(ARGV[7]), tonumber(ARGV[6])
for i = 1, 2 * want do
  if i > 1 then
    r = redis.call('ZRANGE', p..'ready', 0, 0, 'WITHSCORES')
    if #r == 0 or tonumber(r[2]) > now then break end
    host = r[1]
  end
  local entry = redis.call('LPOP', p..'q:'..host)
  local known = redis.call('HGET', p..'delays', host)
  local delay = math.max(tonumber(ARGV[4]), tonumber(known or '0'))
  if not known and ARGV[8] == '1' then
    delay = lease
    redis.call('SADD', p..'rwait', host)
  end
  if redis.call('LLEN', p..'q:'..host) == 0 then
    redis.call('ZREM', p..'ready', host)
  else
    redis.call('ZADD', p..'ready', now + delay, host)
  end
  redis.call('HSET', p..'nextat', host, now + delay)
  if entry then
    redis.call('HINCRBY', p..'stats', 'queued', -1)
    queued = queued - 1
    local id = string.sub(entry, 1, 8)
    local slot = 1
    if redis.call('SISMEMBER', p..'admitted', id) == 0 then
      if redis.call('SCARD', p..'admitted') >= max then
        redis.call('RPUSH', p..'held', '\n'..host..'\n'..entry)
        slot = 0
      else
        redis.call('SADD', p..'admitted', id)
      end
    end
    if slot == 1 then
      redis.call('ZADD', p..'leases', now + lease, id)
      redis.call('HSET', p..'ldata', id, ARGV[2]..'\n'..host..'\n'..entry)
    end
    out[#out+1] = entry
    out[#out+1] = slot
    if #out >= 5 + 2 * want then break end
  end
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
redis.call('DEL', p..'idle')
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
local ttl = tonumber(ARGV[4])
if ttl > 0 then
  for _, k in ipairs({'rec','seen','ready','nextat','delays','hosts','leases','ldata','admitted','held','skipped','skipjobs','uir','plain','moved','stats','idle','done','results','workers','rwait'}) do
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
