-- wrk script of the single-event benchmarks (ingest-throughput.sh, jvm-footprint.sh): POST /events, one new event
-- per request, with the key in TALLY_BENCH_KEY. BENCH_BATCH=n (ingest-throughput.sh) sends a JSON array of n new
-- events instead; BENCH_RATE=r offers r requests per second in all, on a fixed schedule (open loop: each thread hands
-- out send times at its share of r to whichever of its connections is free, and sends late ones at once to catch up,
-- so the offered load stays put whatever the latency, as long as connections are free). BENCH_CLIENTS=n
-- (src/test/citus/bench.sh) spreads the events over clients bench-0 .. bench-(n-1) instead of the one client bench.
-- setup() runs once per thread in the main Lua state: each thread gets its own tag, so no two threads ever send the
-- same eventId (an unseeded math.random gives every thread the same "random" tag: half the load were duplicates).
-- Each thread's share of BENCH_RATE is set again on every thread as each one is set up (all before any starts).
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tag", string.format("t%d-%d-%s", #threads, os.time(), os.getenv("BENCH_TAG") or ""))
  for _, each in ipairs(threads) do
    each:set("share", #threads)
  end
end

local batch = tonumber(os.getenv("BENCH_BATCH") or "0")
local rate = tonumber(os.getenv("BENCH_RATE") or "0")
local clients = tonumber(os.getenv("BENCH_CLIENTS") or "0")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TALLY_BENCH_KEY")
local counter = 0

local function event()
  counter = counter + 1
  local client = clients > 0 and string.format("bench-%d", counter % clients) or "bench"
  return string.format('{"clientId":"%s","metric":"m","amount":%d,"timestamp":"2024-01-01T00:00:00Z","eventId":"%s-%d"}',
    client, counter, tag, counter)
end

request = function()
  if batch == 0 then
    return wrk.format(nil, "/events", nil, event())
  end
  local events = {}
  for i = 1, batch do
    events[i] = event()
  end
  return wrk.format(nil, "/events", nil, "[" .. table.concat(events, ",") .. "]")
end

-- Wall-clock milliseconds (Lua's own clocks are seconds or CPU time): clock_gettime(CLOCK_MONOTONIC) through LuaJIT.
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *now);
]]
local clock = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1000000
end

local next_send = nil
if rate > 0 then
  delay = function()
    local interval = 1000 * share / rate
    local now = now_ms()
    -- Behind by more than a second (a stall): start the schedule again from now instead of sending a burst.
    if next_send == nil or next_send < now - 1000 then
      next_send = now
    end
    local wait = next_send - now
    next_send = next_send + interval
    return wait > 0 and wait or 0
  end
end
