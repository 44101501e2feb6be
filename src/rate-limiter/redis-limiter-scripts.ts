import { SUCCESS_DECAY_MS } from './rate-limiter-store.js';

/**
 * The Lua scripts of `redisLimiterStore`: one per store operation, each atomic on the Redis server and timed by
 * its `TIME` (or by `ARGV[1]` when a test injects a clock). They implement the GCRA of `RateLimiterStore`'s
 * contract, plus two things only a shared store needs: the grid (a request arriving at most one interval late
 * keeps its slot, as the limiter's own `askTime` does, because the caller's due time means nothing on the Redis
 * clock) and leases (the token estimates a worker holds, given back when it stops calling for `leaseMs`).
 * Four clocks: requests (`rt`), tokens (`tt`), and the separate input (`it`) and output (`ot`) token budgets, each
 * kept on the grid and leased alike.
 *
 * KEYS: 1 the GCRA state hash (`rt`, `tt`, `it`, `ot`, `pu`), 2 the held-tokens hash (lease → tokens, `i|lease` →
 * input tokens, `o|lease` → output tokens), 3 the lease zset (lease → last seen). All three carry the budget's hash
 * tag, so a Cluster keeps them in one slot.
 * Common ARGV: 1 clock ms or '', 2 leaseMs, 3 rpm, 4 burst, 5 tpm or '', 6 tokenBurst, 7 inputTpm or '',
 * 8 inputTokenBurst, 9 outputTpm or '', 10 outputTokenBurst, 11 the caller's current lease ('' for none; a live
 * lease is marked seen); then per script, from 12.
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
local itpm = tonumber(ARGV[7])
local itBurst = tonumber(ARGV[8]) or 0
local otpm = tonumber(ARGV[9])
local otBurst = tonumber(ARGV[10]) or 0
local interval = 60000 / rpm
local tau = (burst - 1) * interval
local existed = redis.call('EXISTS', KEYS[1]) == 1
local s = redis.call('HMGET', KEYS[1], 'rt', 'tt', 'pu', 'it', 'ot')
local rt, tt, pu = tonumber(s[1]) or 0, tonumber(s[2]) or 0, tonumber(s[3]) or 0
local it, ot = tonumber(s[4]) or 0, tonumber(s[5]) or 0

local function tokenMs(tokens, perMinute) return tokens * 60000 / perMinute end

-- Gives tokens back to a clock (never before now); returns the clock.
local function refund(tat, tokens, perMinute)
  if perMinute and tokens > 0 and tat > now then return math.max(now, tat - tokenMs(tokens, perMinute)) end
  return tat
end

-- Charges (> 0) or refunds (< 0) a clock, as the contract's adjust, except that a refund may take the clock below now:
-- a settlement usually lands after its request's estimate has run out on the clock (the answer takes longer than the
-- estimate's share of the budget), and the grid of reserve then gives the next request the slot it would have had
-- with the real figure (at most one request's time back, as for a late caller). Clamped at now, as the memory store
-- does, that refund was lost: the 4-worker tpm bench sat near 95 % of the limit.
local function shifted(tat, tokens, perMinute)
  if not perMinute or tokens == 0 then return tat end
  if tokens > 0 then return math.max(tat, now) + tokenMs(tokens, perMinute) end
  return tat + tokenMs(tokens, perMinute)
end

local function count(value)
  local n = tonumber(value)
  if not n or n ~= n or n < 0 or n == math.huge then return 0 end
  return n
end

local current = ARGV[11]
if current ~= '' and redis.call('ZSCORE', KEYS[3], current) then redis.call('ZADD', KEYS[3], now, current) end

-- Leases not seen for leaseMs belong to stopped workers: give their held estimates back.
local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - leaseMs, 'LIMIT', 0, 32)
for _, lease in ipairs(dead) do
  local h = redis.call('HMGET', KEYS[2], lease, 'i|' .. lease, 'o|' .. lease)
  tt = refund(tt, tonumber(h[1]) or 0, tpm)
  it = refund(it, tonumber(h[2]) or 0, itpm)
  ot = refund(ot, tonumber(h[3]) or 0, otpm)
  redis.call('HDEL', KEYS[2], lease, 'i|' .. lease, 'o|' .. lease)
  redis.call('ZREM', KEYS[3], lease)
end

local function save()
  redis.call('HSET', KEYS[1], 'rt', tostring(rt), 'tt', tostring(tt), 'pu', tostring(pu), 'it', tostring(it), 'ot', tostring(ot))
  local ttl = math.ceil(math.max(rt, tt, pu, it, ot, now) - now + 2 * leaseMs)
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
end
`;

/**
 * reserve. ARGV 12: tokens; 13: input tokens; 14: output tokens; 15: a new lease name, used when the caller's current
 * lease is gone (reaped, or none yet); 16: the caller's successes since its last reserve ('' when it does not share
 * its adaptive pace); 17: the pace its adaptive slow-down just set ('' for none).
 * Returns `{ granted (0/1), waitMs (whole ms, rounded up), lease holding the tokens ('' when none), the key's decayed
 * success count, the latest adapted pace, its age in ms }` (the last three as strings, '' when not asked or none).
 * The shared adaptive pace lives in the state hash: `sc`/`sa` the success count (decayed by `SUCCESS_DECAY_MS`) and
 * when it was brought up to date, `ap`/`aa` the latest adapted pace and when it was reported.
 */
export const RESERVE_SCRIPT = `${PRELUDE}
local tokens = count(ARGV[12])
local inputTokens = count(ARGV[13])
local outputTokens = count(ARGV[14])
local shared = {'', '', ''}
if ARGV[16] ~= '' then
  local h = redis.call('HMGET', KEYS[1], 'sc', 'sa', 'ap', 'aa')
  local sc, sa = tonumber(h[1]) or 0, tonumber(h[2]) or now
  sc = sc * math.exp(-math.max(0, now - sa) / ${SUCCESS_DECAY_MS}) + count(ARGV[16])
  redis.call('HSET', KEYS[1], 'sc', tostring(sc), 'sa', tostring(math.max(sa, now)))
  local ap, aa = tonumber(h[3]), tonumber(h[4])
  local adapted = tonumber(ARGV[17])
  if adapted and adapted > 0 then
    ap, aa = adapted, now
    redis.call('HSET', KEYS[1], 'ap', tostring(ap), 'aa', tostring(aa))
  end
  shared = {tostring(sc), '', ''}
  if ap and aa then shared = {tostring(sc), tostring(ap), tostring(math.max(0, now - aa))} end
end
if now < pu then save() return {0, math.ceil(pu - now), '', shared[1], shared[2], shared[3]} end
-- How long until a clock admits a request of this many tokens, with a bucket of this many.
local function waitOf(tat, c, perMinute, bucket)
  return tat - tokenMs(bucket - math.min(c, bucket), perMinute) - now
end
local wait = rt - tau - now
if tpm then wait = math.max(wait, waitOf(tt, tokens, tpm, tokenBurst)) end
if itpm then wait = math.max(wait, waitOf(it, inputTokens, itpm, itBurst)) end
if otpm then wait = math.max(wait, waitOf(ot, outputTokens, otpm, otBurst)) end
if wait > 0 then save() return {0, math.ceil(wait), '', shared[1], shared[2], shared[3]} end
local function advance(tat, step)
  if tat >= now then return tat + step end
  if existed and now - tat <= step then return tat + step end
  return now + step
end
rt = advance(rt, interval)
if tpm then tt = advance(tt, tokenMs(tokens, tpm)) else tokens = 0 end
if itpm then it = advance(it, tokenMs(inputTokens, itpm)) else inputTokens = 0 end
if otpm then ot = advance(ot, tokenMs(outputTokens, otpm)) else outputTokens = 0 end
local lease = ''
if tokens > 0 or inputTokens > 0 or outputTokens > 0 then
  lease = current
  if lease == '' or not redis.call('ZSCORE', KEYS[3], lease) then lease = ARGV[15] end
  if tokens > 0 then redis.call('HINCRBYFLOAT', KEYS[2], lease, tokens) end
  if inputTokens > 0 then redis.call('HINCRBYFLOAT', KEYS[2], 'i|' .. lease, inputTokens) end
  if outputTokens > 0 then redis.call('HINCRBYFLOAT', KEYS[2], 'o|' .. lease, outputTokens) end
  redis.call('ZADD', KEYS[3], now, lease)
end
save()
return {1, 0, lease, shared[1], shared[2], shared[3]}
`;

/**
 * adjust. ARGV 12/13: tokens to charge (> 0) or refund (< 0) and the estimate this settles; 14/15 the same for
 * input tokens, 16/17 for output tokens; 18: the estimate's lease ('' for none).
 * A settled lease gives its estimates back from the held tokens; a lease already reaped had its estimates refunded,
 * so they are charged again here (the settlement then charges the actual usage).
 */
export const ADJUST_SCRIPT = `${PRELUDE}
local shift, estimate = tonumber(ARGV[12]) or 0, tonumber(ARGV[13]) or 0
local inputShift, inputEstimate = tonumber(ARGV[14]) or 0, tonumber(ARGV[15]) or 0
local outputShift, outputEstimate = tonumber(ARGV[16]) or 0, tonumber(ARGV[17]) or 0
local lease = ARGV[18]
if lease ~= '' then
  if redis.call('ZSCORE', KEYS[3], lease) then
    if estimate ~= 0 then redis.call('HINCRBYFLOAT', KEYS[2], lease, -estimate) end
    if inputEstimate ~= 0 then redis.call('HINCRBYFLOAT', KEYS[2], 'i|' .. lease, -inputEstimate) end
    if outputEstimate ~= 0 then redis.call('HINCRBYFLOAT', KEYS[2], 'o|' .. lease, -outputEstimate) end
    redis.call('ZADD', KEYS[3], now, lease)
  else
    shift = shift + estimate
    inputShift = inputShift + inputEstimate
    outputShift = outputShift + outputEstimate
  end
end
tt = shifted(tt, shift, tpm)
it = shifted(it, inputShift, itpm)
ot = shifted(ot, outputShift, otpm)
save()
return 1
`;

/** pauseUntil. ARGV 12: the pause as a duration from now (ms). */
export const PAUSE_SCRIPT = `${PRELUDE}
local untilMs = now + tonumber(ARGV[12])
pu = math.max(pu, untilMs)
rt = math.max(rt, untilMs + tau)
save()
return 1
`;
