-- wrk script of the single-event benchmarks (ingest-throughput.sh, jvm-footprint.sh): POST /events, one new event
-- per request, with the key in TALLY_BENCH_KEY. BENCH_BATCH=n (ingest-throughput.sh) sends a JSON array of n new
-- events instead; BENCH_RATE=r paces each connection to r requests per second (a fixed delay before each request,
-- so the offered load stays put whatever the latency, as long as the latency stays under the delay). BENCH_CLIENTS=n
-- (src/test/citus/bench.sh) spreads the events over clients bench-0 .. bench-(n-1) instead of the one client bench.
-- setup() runs once per thread in the main Lua state: each thread gets its own tag, so no two threads ever send the
-- same eventId (an unseeded math.random gives every thread the same "random" tag: half the load were duplicates).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tag", string.format("t%d-%d-%s", threads, os.time(), os.getenv("BENCH_TAG") or ""))
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

if rate > 0 then
  delay = function()
    return 1000 / rate
  end
end
