-- wrk script for sdk-throughput.sh: one request = BENCH_BATCH events, each with an id no other request uses
-- (phase tag, thread number, per-thread counter, position). BENCH_MODE chooses the body:
--   canon    POST /events     JSON array of canonical events            (Authorization: Bearer, set by the caller)
--   segarr   POST /events     JSON array of Segment track messages      (Bearer; the client's segment mapping)
--   segment  POST /v1/batch   Segment envelope {"batch":[...],"sentAt"} (Authorization: Basic, set by the caller)
--   gzip     POST /v1/batch   pre-generated gzip Segment envelopes, BENCH_GZ_DIR/<n>.gz, each sent at most once
--                             per set; a set exhausted starts over (counted as "reused": duplicates, not new events)
--   posthog  POST /batch/     PostHog envelope {"api_key","batch":[...],"sent_at"}, the key in the body only
-- done() prints one machine-readable RESULT line; the promises (accepted, duplicates) are read from the 2xx answers.
local mode = os.getenv("BENCH_MODE")
local batch = tonumber(os.getenv("BENCH_BATCH") or "100")
local tag = os.getenv("BENCH_TAG") or "t"
local ts = os.getenv("BENCH_TIMESTAMP") or "2026-11-01T00:00:00.000Z"
local api_key = os.getenv("BENCH_API_KEY") or ""

local threads = {}
local next_tid = 0

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
  table.insert(threads, thread)
end

-- per-thread state (each wrk thread has its own Lua state)
counter = 0
ok = 0
accepted = 0
duplicates = 0
rejected = 0
reused = 0
local bodies = nil
local path = nil

function init(args)
  wrk.method = "POST"
  if mode == "canon" or mode == "segarr" then
    path = "/events"
    wrk.headers["Content-Type"] = "application/json"
  elseif mode == "segment" then
    path = "/v1/batch"
    wrk.headers["Content-Type"] = "application/json"
  elseif mode == "gzip" then
    path = "/v1/batch"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Content-Encoding"] = "gzip"
    local dir = os.getenv("BENCH_GZ_DIR")
    local total = tonumber(os.getenv("BENCH_GZ_COUNT"))
    local nthreads = tonumber(os.getenv("BENCH_THREADS"))
    bodies = {}
    -- thread k of T takes bodies k, k+T, k+2T, ...: no two threads send the same one
    for n = tid, total, nthreads do
      local f = assert(io.open(string.format("%s/%d.gz", dir, n), "rb"))
      table.insert(bodies, f:read("*a"))
      f:close()
    end
  elseif mode == "posthog" then
    path = "/batch/"
    wrk.headers["Content-Type"] = "application/json"
  else
    error("BENCH_MODE must be canon, segarr, segment, gzip or posthog, not " .. tostring(mode))
  end
end

local function canon(id)
  return string.format('{"clientId":"bench_canon","metric":"order_completed","amount":12.5,"timestamp":"%s","eventId":"%s"}', ts, id)
end

local function track(id)
  return string.format('{"type":"track","event":"Order Completed","properties":{"revenue":12.5},"userId":"u","messageId":"%s","timestamp":"%s"}', id, ts)
end

local function capture(id)
  return string.format('{"type":"capture","event":"Order Completed","properties":{"revenue":12.5},"distinct_id":"u","uuid":"%s","timestamp":"%s"}', id, ts)
end

request = function()
  counter = counter + 1
  if bodies ~= nil then
    local n = #bodies
    if counter > n then reused = reused + 1 end
    return wrk.format(nil, path, nil, bodies[((counter - 1) % n) + 1])
  end
  local prefix = string.format("%s-%d-%d-", tag, tid, counter)
  local parts = {}
  local one = (mode == "canon" and canon) or (mode == "posthog" and capture) or track
  for j = 1, batch do
    parts[j] = one(prefix .. j)
  end
  local events = table.concat(parts, ",")
  local body
  if mode == "segment" then
    body = '{"batch":[' .. events .. '],"sentAt":"' .. ts .. '"}'
  elseif mode == "posthog" then
    body = '{"api_key":"' .. api_key .. '","batch":[' .. events .. '],"sent_at":"' .. ts .. '"}'
  else
    body = "[" .. events .. "]"
  end
  return wrk.format(nil, path, nil, body)
end

response = function(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    -- the batch counts come first in every reply; the results' "status":"accepted" do not match this
    accepted = accepted + (tonumber(body:match('"accepted":(%d+)')) or 0)
    duplicates = duplicates + (tonumber(body:match('"duplicates":(%d+)')) or 0)
    rejected = rejected + (tonumber(body:match('"rejected":(%d+)')) or 0)
  end
end

function done(summary, latency, requests)
  local sum = { ok = 0, accepted = 0, duplicates = 0, rejected = 0, reused = 0, sent = 0 }
  for _, t in ipairs(threads) do
    sum.ok = sum.ok + t:get("ok")
    sum.accepted = sum.accepted + t:get("accepted")
    sum.duplicates = sum.duplicates + t:get("duplicates")
    sum.rejected = sum.rejected + t:get("rejected")
    sum.reused = sum.reused + t:get("reused")
    sum.sent = sum.sent + t:get("counter")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d sockerr=%d ok=%d accepted=%d duplicates=%d rejected=%d reused=%d sent=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout, sum.ok, sum.accepted, sum.duplicates, sum.rejected, sum.reused, sum.sent))
end
