-- wrk script of the single-event benchmarks (ingest-throughput.sh, jvm-footprint.sh): POST /events, one new event
-- per request, with the key in TALLY_BENCH_KEY.
-- setup() runs once per thread in the main Lua state: each thread gets its own tag, so no two threads ever send the
-- same eventId (an unseeded math.random gives every thread the same "random" tag: half the load were duplicates).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tag", string.format("t%d-%d", threads, os.time()))
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TALLY_BENCH_KEY")
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"clientId":"bench","metric":"m","amount":%d,"timestamp":"2024-01-01T00:00:00Z","eventId":"%s-%d"}',
    counter, tag, counter)
  return wrk.format(nil, "/events", nil, body)
end
