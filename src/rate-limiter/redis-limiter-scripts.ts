/**
 * The Lua scripts of `redisLimiterStore`: one per store operation, each atomic on the Redis server and timed by
 * its `TIME` (or by `ARGV[1]` when a test injects a clock). They implement the GCRA of `RateLimiterStore`'s
 * contract, plus two things only a shared store needs: the grid (a request arriving at most one interval late
 * keeps its slot, as the limiter's own `askTime` does, because the caller's due time means nothing on the Redis
 * clock) and leases (the token estimates a worker holds, given back when it stops calling for `leaseMs`).
 *
 * KEYS: 1 the GCRA state hash (`rt`, `tt`, `pu`), 2 the held-tokens hash (lease → tokens), 3 the lease zset
 * (lease → last seen). All three carry the budget's hash tag, so a Cluster keeps them in one slot.
 * Common ARGV: 1 clock ms or '', 2 leaseMs, 3 rpm, 4 burst, 5 tpm or '', 6 tokenBurst, 7 the caller's current lease
 * ('' for none; a live lease is marked seen); then per script.
 */

const PRELUDE = `
local now
if ARGV[1] ~= '' then now = tonumber(ARGV[1]) else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local leaseMs = tonumber(ARGV[2])
local rpm = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local tpm = tonumber(ARGV[5])
local tokenBurst = tonumber(ARGV[6])
local interval = 60000 / rpm
local tau = (burst - 1) * interval
local existed = redis.call('EXISTS', KEYS[1]) == 1
local s = redis.call('HMGET', KEYS[1], 'rt', 'tt', 'pu')
local rt, tt, pu = tonumber(s[1]) or 0, tonumber(s[2]) or 0, tonumber(s[3]) or 0

local function tokenMs(tokens) return tokens * 60000 / tpm end

local function refund(tokens)
  if tpm and tokens > 0 and tt > now then tt = math.max(now, tt - tokenMs(tokens)) end
end

local current = ARGV[7]
if current ~= '' and redis.call('ZSCORE', KEYS[3], current) then redis.call('ZADD', KEYS[3], now, current) end

-- Leases not seen for leaseMs belong to stopped workers: give their held estimates back.
local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - leaseMs, 'LIMIT', 0, 32)
for _, lease in ipairs(dead) do
  refund(tonumber(redis.call('HGET', KEYS[2], lease)) or 0)
  redis.call('HDEL', KEYS[2], lease)
  redis.call('ZREM', KEYS[3], lease)
end

local function save()
  redis.call('HSET', KEYS[1], 'rt', tostring(rt), 'tt', tostring(tt), 'pu', tostring(pu))
  local ttl = math.ceil(math.max(rt, tt, pu, now) - now + 2 * leaseMs)
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
end
`;

/**
 * reserve. ARGV 8: tokens; 9: a new lease name, used when the caller's current lease is gone (reaped, or none yet).
 * Returns `{ granted (0/1), waitMs (whole ms, rounded up), lease holding the tokens ('' when none) }`.
 */
export const RESERVE_SCRIPT = `${PRELUDE}
local tokens = tonumber(ARGV[8])
if not tokens or tokens ~= tokens or tokens < 0 or tokens == math.huge then tokens = 0 end
if now < pu then save() return {0, math.ceil(pu - now), ''} end
local wait = rt - tau - now
if tpm then wait = math.max(wait, tt - tokenMs(tokenBurst - math.min(tokens, tokenBurst)) - now) end
if wait > 0 then save() return {0, math.ceil(wait), ''} end
local function advance(tat, step)
  if tat >= now then return tat + step end
  if existed and now - tat <= step then return tat + step end
  return now + step
end
rt = advance(rt, interval)
local lease = ''
if tpm then
  tt = advance(tt, tokenMs(tokens))
  if tokens > 0 then
    lease = current
    if lease == '' or not redis.call('ZSCORE', KEYS[3], lease) then lease = ARGV[9] end
    redis.call('HINCRBYFLOAT', KEYS[2], lease, tokens)
    redis.call('ZADD', KEYS[3], now, lease)
  end
end
save()
return {1, 0, lease}
`;

/**
 * adjust. ARGV 8: tokens to charge (> 0) or refund (< 0); 9: the estimate this settles; 10: its lease ('' for none).
 * A settled lease gives its estimate back from the held tokens; a lease already reaped had its estimate refunded,
 * so the estimate is charged again here (the settlement then charges the actual usage).
 */
export const ADJUST_SCRIPT = `${PRELUDE}
local shift = tonumber(ARGV[8]) or 0
local estimate = tonumber(ARGV[9]) or 0
local lease = ARGV[10]
if lease ~= '' then
  if redis.call('HEXISTS', KEYS[2], lease) == 1 then
    redis.call('HINCRBYFLOAT', KEYS[2], lease, -estimate)
    redis.call('ZADD', KEYS[3], now, lease)
  else
    shift = shift + estimate
  end
end
if tpm and shift > 0 then tt = math.max(tt, now) + tokenMs(shift)
elseif tpm and shift < 0 and tt > now then tt = math.max(now, tt + tokenMs(shift)) end
save()
return 1
`;

/** pauseUntil. ARGV 8: the pause as a duration from now (ms). */
export const PAUSE_SCRIPT = `${PRELUDE}
local untilMs = now + tonumber(ARGV[8])
pu = math.max(pu, untilMs)
rt = math.max(rt, untilMs + tau)
save()
return 1
`;
