// Measures how the real Segment, RudderStack and PostHog Node SDKs behave when the server answers errors.
//
//   cd src/test/sdk && npm ci --no-audit --no-fund && node measure-retries.mjs [sdk ...]
//
// Every experiment runs in its own child process (own port, own console), all in parallel, so the run
// takes about CAP_MS + PHASE2_MS (~85 s). Each experiment:
//   phase 1: the SDK (default settings unless the scenario says otherwise) sends ONE event "tally_probe_1"
//            and is flushed. The server answers every request with the scenario's status (or resets the
//            connection), optionally 200 after the first K failures. Phase 1 ends when the flush settles
//            or after CAP_MS.
//   phase 2: the server turns healthy (200 for everything); the SDK sends "tally_probe_2" and is flushed
//            again (and once more if that flush did not deliver it): shows whether later events are still sent after a batch was dropped, and whether the
//            dropped event is re-sent.
// Recorded: every request (time, status answered, events in the body, X-Retry-Count), flush outcome, SDK
// error events, callbacks, unhandled rejections and console output.
// Output: a markdown table on stdout, plus src/test/resources/sdk/measured/retries.{json,md}.
// The default limits are read from the SDK instances at runtime and located (file:line) in node_modules.
import http from 'node:http';
import zlib from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const outDir = path.resolve(here, '../resources/sdk/measured');
const CAP_MS = 66000;
const PHASE2_MS = 15000;

const OK_BODY = { segment: '{"success":true}', rudderstack: '{"success":true}', posthog: '{"status":1}' };

// status: answer; retryAfter: Retry-After header; okAfter: answer 200 after this many failures;
// reset: destroy the socket instead of answering; options: SDK option overrides; noRejectionHandler:
// run without a process 'unhandledRejection' handler (Node 20 default: the process dies).
const SCENARIOS = [
  { id: '400', status: 400 },
  { id: '401', status: 401 },
  { id: '403', status: 403 },
  { id: '413', status: 413 },
  { id: '422', status: 422 },
  { id: '429 RA2', status: 429, retryAfter: '2' },
  { id: '429 noRA', status: 429 },
  { id: '500', status: 500 },
  { id: '503 RA1', status: 503, retryAfter: '1' },
  { id: '429 RA5', status: 429, retryAfter: '5' },
  { id: '503 RA5', status: 503, retryAfter: '5' },
  { id: '413, 4 events', status: 413, events: 4 },
  { id: 'reset', reset: true },
  { id: '500x2 then 200', status: 500, okAfter: 2 },
  { id: '429 RA2 x1 then 200', status: 429, retryAfter: '2', okAfter: 1 },
  { id: 'reset x1 then 200', reset: true, okAfter: 1 },
  { id: '500 maxRetries=3', status: 500, options: { maxRetries: 3 }, only: ['segment'] },
  { id: '500 no rejection handler', status: 500, noRejectionHandler: true },
  { id: '400 no rejection handler', status: 400, noRejectionHandler: true },
];

function decodeBody(headers, raw) {
  const enc = String(headers['content-encoding'] || '').toLowerCase();
  try {
    if (enc === 'gzip' || (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b)) return zlib.gunzipSync(raw).toString('utf8');
    if (enc === 'deflate') return zlib.inflateSync(raw).toString('utf8');
  } catch (e) { return `<<undecodable: ${e.message}>>`; }
  return raw.toString('utf8');
}

function eventsIn(text) {
  try {
    const body = JSON.parse(text);
    return (body.batch || []).map((m) => m.event || m.type);
  } catch { return ['<<unparseable>>']; }
}

// ---------------------------------------------------------------- child: one experiment
async function child(sdk, scenario) {
  const t0 = Date.now();
  const now = () => Date.now() - t0;
  const log = []; // surfaced things: console, events, callbacks
  const short = (x) => {
    if (x instanceof Error) return `${x.name}: ${x.message}`;
    if (x && typeof x === 'object') {
      if (x.reason) return `{code:${x.code}, reason:${short(x.reason)}}`;
      try { return JSON.stringify(x).slice(0, 160); } catch { return String(x).slice(0, 160); }
    }
    return String(x).slice(0, 160);
  };
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    console[level] = (...args) => log.push({ t: now(), kind: `console.${level}`, msg: args.map(short).join(' ').slice(0, 300) });
  }
  if (!scenario.noRejectionHandler) {
    process.on('unhandledRejection', (e) => log.push({ t: now(), kind: 'unhandledRejection', msg: short(e) }));
  }
  process.on('exit', (code) => { if (code !== 0 && !reported) process.stdout.write('RESULT ' + JSON.stringify({ sdk, scenario: scenario.id, crashed: true, exitCode: code, log, requests }) + '\n'); });
  let reported = false;

  // server
  const requests = [];
  let phase = 1;
  let failures = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const events = eventsIn(decodeBody(req.headers, raw));
      const r = { t: now(), phase, path: req.url, events, retryCount: req.headers['x-retry-count'] };
      requests.push(r);
      const fail = phase === 1 && !(scenario.okAfter !== undefined && failures >= scenario.okAfter);
      if (!fail) { r.answer = 200; res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(OK_BODY[sdk]); return; }
      failures++;
      if (scenario.reset) { r.answer = 'reset'; req.socket.destroy(); return; }
      r.answer = scenario.status;
      const headers = { 'Content-Type': 'application/json' };
      if (scenario.retryAfter) headers['Retry-After'] = scenario.retryAfter;
      res.writeHead(scenario.status, headers);
      res.end(JSON.stringify({ error: `tally test ${scenario.status}` }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const host = `http://127.0.0.1:${server.address().port}`;

  // SDK
  let send, flush, limits;
  const cb = (name) => (err) => log.push({ t: now(), kind: `${name} callback`, msg: err ? `err=${short(err)}` : 'ok' });
  if (sdk === 'segment') {
    const { Analytics } = require('@segment/analytics-node');
    const a = new Analytics({ writeKey: 'tally_measure_segment_key', host, ...scenario.options });
    a.on('error', (e) => log.push({ t: now(), kind: "emitter 'error'", msg: short(e) }));
    send = (ev) => a.track({ userId: 'u1', event: ev, properties: { revenue: 12.5 } }, cb(`track(${ev})`));
    flush = () => a.flush();
    const p = a._publisher;
    limits = { flushAt: p._flushAt, flushInterval: p._flushInterval, maxRetries: p._maxRetries, httpRequestTimeout: p._httpRequestTimeout, maxTotalBackoffDuration_s: p._maxTotalBackoffDuration, maxRateLimitDuration_s: p._maxRateLimitDuration, closeAndFlushDefaultTimeout: a._closeAndFlushDefaultTimeout };
  } else if (sdk === 'rudderstack') {
    const Analytics = require('@rudderstack/rudder-sdk-node');
    const c = new Analytics('tally_measure_rudderstack_key', { dataPlaneUrl: host, ...scenario.options });
    send = (ev) => c.track({ userId: 'u1', event: ev, properties: { revenue: 12.5 } }, cb(`track(${ev})`));
    flush = () => c.flush();
    limits = { flushAt: c.flushAt, flushInterval: c.flushInterval, maxQueueSize_bytes: c.maxQueueSize, maxInternalQueueSize: c.maxInternalQueueSize, timeout: c.timeout, gzip: c.gzip, logLevel: c.logLevel, 'axios-retry retries': 3 };
  } else {
    const { PostHog } = require('posthog-node');
    const c = new PostHog('tally_measure_posthog_key', { host, ...scenario.options });
    c.on('error', (e) => log.push({ t: now(), kind: "emitter 'error'", msg: short(e) }));
    send = (ev) => c.capture({ distinctId: 'u1', event: ev, properties: { revenue: 12.5 } });
    flush = () => c.flush();
    limits = { flushAt: c.flushAt, flushInterval: c.flushInterval, maxBatchSize: c.maxBatchSize, maxQueueSize: c.maxQueueSize, retryCount: c._retryOptions?.retryCount, retryDelay: c._retryOptions?.retryDelay, requestTimeout: c.requestTimeout, disableCompression: c.disableCompression };
  }

  const settle = (p, capMs) => Promise.race([
    Promise.resolve(p).then(() => ({ outcome: 'resolved' }), (e) => ({ outcome: 'rejected', value: short(e) })),
    new Promise((r) => setTimeout(() => r({ outcome: `still pending after ${capMs} ms` }), capMs)),
  ]);

  for (let i = 0; i < (scenario.events || 1); i++) send('tally_probe_1');
  const flush1 = await settle(flush(), CAP_MS);
  flush1.t = now();
  await new Promise((r) => setTimeout(r, flush1.outcome.startsWith('still') ? 0 : 1500)); // late attempts after settle?
  phase = 2;
  const phase2Start = now();
  send('tally_probe_2');
  const flush2 = await settle(flush(), PHASE2_MS);
  flush2.t = now();
  let flush3;
  const delivered2 = () => requests.some((q) => q.phase === 2 && q.answer === 200 && q.events.includes('tally_probe_2'));
  if (!delivered2() && now() - phase2Start < PHASE2_MS) {
    flush3 = await settle(flush(), Math.max(1, PHASE2_MS - (now() - phase2Start)));
    flush3.t = now();
  }
  if (!delivered2() && now() - phase2Start < PHASE2_MS) await new Promise((r) => setTimeout(r, PHASE2_MS - (now() - phase2Start)));
  await new Promise((r) => setTimeout(r, 300));
  server.closeAllConnections?.();
  server.close();
  reported = true;
  process.stdout.write('RESULT ' + JSON.stringify({ sdk, scenario: scenario.id, eventsSent: scenario.events || 1, limits, flush1, flush2, flush3, phase2Start, requests, log }) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------- parent
function runChild(sdk, scenario) {
  return new Promise((resolve) => {
    const args = [fileURLToPath(import.meta.url), '--child', sdk, scenario.id];
    if (scenario.noRejectionHandler) args.unshift('--unhandled-rejections=throw');
    const p = spawn(process.execPath, args, { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      const res = line ? JSON.parse(line.slice(7)) : { sdk, scenario: scenario.id, crashed: true, requests: [], log: [] };
      res.exitCode = code;
      if (err.trim()) res.stderr = err.trim().split('\n').slice(0, 6).join(' | ').slice(0, 600);
      resolve(res);
    });
  });
}

function summarize(r) {
  const p1 = r.requests.filter((q) => q.phase === 1 && q.events.includes('tally_probe_1'));
  const p2 = r.requests.filter((q) => q.phase === 2);
  const times = p1.map((q) => q.t);
  const delays = times.slice(1).map((t, i) => t - times[i]);
  const success = p1.some((q) => q.answer === 200);
  const resent = p2.reduce((n, q) => n + q.events.filter((e) => e === 'tally_probe_1').length, 0);
  let fate;
  if (r.crashed || (r.exitCode && r.exitCode !== 0)) fate = `PROCESS DIED (exit ${r.exitCode})`;
  else if (success) fate = 'delivered after retries';
  else if (r.flush1?.outcome?.startsWith('still')) fate = `still retrying at ${CAP_MS / 1000} s cap`;
  else if (resent) fate = `${resent} of ${r.eventsSent} kept in queue, re-sent by the next flush; ${r.eventsSent - resent} dropped`;
  else fate = 'dropped';
  const surfaced = [];
  const seen = new Set();
  for (const l of r.log) {
    const key = `${l.kind}: ${l.msg}`.replace(/\d{3,}/g, 'N');
    if (seen.has(key)) continue;
    seen.add(key);
    surfaced.push(`${l.kind}: ${l.msg}`);
  }
  const fl = (n, f) => (f ? `${n} ${f.outcome}${f.value ? ' ' + f.value : ''} (t=${f.t})` : null);
  surfaced.unshift(...[fl('flush#1', r.flush1), fl('phase-2 flush#2', r.flush2), fl('phase-2 flush#3', r.flush3)].filter(Boolean));
  if (r.stderr) surfaced.push(`stderr: ${r.stderr}`);
  return {
    sdk: r.sdk,
    scenario: r.scenario,
    attempts: p1.some((q) => q.events.length > 1) ? `${p1.length} (events per request: ${p1.map((q) => q.events.length).join(',')})` : p1.length,
    answers: [...new Set(p1.map((q) => q.answer))].join('/'),
    delays,
    retryCountHeaders: p1.map((q) => q.retryCount).filter(Boolean),
    fate,
    laterEventSent: r.crashed || r.exitCode ? 'n/a' : laterSent(r, p2),
    droppedEventResent: resent ? `yes (${resent} event(s) in ${p2.filter((q) => q.events.includes('tally_probe_1')).length} request(s))` : 'no',
    surfaced,
  };
}

function laterSent(r, p2) {
  const q = p2.find((x) => x.events.includes('tally_probe_2') && x.answer === 200);
  if (!q) return `NO (within ${PHASE2_MS / 1000} s)`;
  const how = r.flush2 && q.t <= r.flush2.t ? 'by flush#2' : r.flush3 && q.t <= r.flush3.t ? 'only by flush#3' : 'by timer / ongoing send';
  return `yes, ${how}, +${q.t - r.phase2Start} ms`;
}

function fmtDelays(d) {
  if (!d.length) return '–';
  if (d.length <= 8) return d.join(', ');
  return `${d.slice(0, 6).join(', ')}, … (${d.length} gaps), last ${d[d.length - 1]}`;
}

// file:line of the defaults in node_modules (located at run time, so the citations stay true)
const SOURCES = [
  ['segment', '@segment/analytics-node/dist/cjs/app/analytics-node.js', [/flushInterval \?\? 10000/, /maxRetries: settings\.maxRetries \?\? 10/, /flushAt: settings\.flushAt/, /_closeAndFlushDefaultTimeout =/]],
  ['segment', '@segment/analytics-node/dist/cjs/plugins/segmentio/publisher.js', [/MAX_RETRY_AFTER_SECONDS = /, /MAX_RETRY_AFTER_RETRIES = /, /httpRequestTimeout \?\? 10000/, /maxTotalBackoffDuration \?\? 43200/, /maxRateLimitDuration \?\? 43200/, /Date\.now\(\) \+ 60000/, /if \(status === 400\)/, /\[408, 410, 429, 460\]/, /\[501, 505, 511\]/, /minTimeout: 500/]],
  ['segment', '@segment/analytics-node/dist/cjs/plugins/segmentio/context-batch.js', [/MAX_EVENT_SIZE_IN_KB = /, /MAX_BATCH_SIZE_IN_KB = /]],
  ['segment', '@segment/analytics-core/dist/cjs/priority-queue/backoff.js', [/Math\.min\(random \* minTimeout/]],
  ['rudderstack', '@rudderstack/rudder-sdk-node/cjs/index.js', [/this\.flushAt = /, /this\.flushInterval = /, /this\.maxQueueSize = /, /this\.maxInternalQueueSize = /, /this\.timeout = /, /retries: retryCount \|\| 3/, /if \(!this\.flushed\)/, /data = gzip\(JSON\.stringify\(data\)\)/, /_isErrorRetryable\(error\) \{/, /error\.response\.status === 429/, /Your message must be < 32kb/]],
  ['rudderstack', 'axios-retry/dist/cjs/index.js', [/function exponentialDelay/, /Math\.max\(calculatedDelay, retryAfter\(error\)\)/]],
  ['posthog', '@posthog/core/dist/posthog-core-stateless.js', [/this\.flushAt = options\.flushAt/, /this\.maxBatchSize = /, /this\.maxQueueSize = /, /this\.flushInterval = options\.flushInterval/, /retryCount: options\.fetchRetryCount \?\? 3/, /retryDelay: options\.fetchRetryDelay \?\? 3000/, /this\.requestTimeout = options\.requestTimeout/, /function isPostHogFetchRetryableError/, /408 === err\.status \|\| 429/, /reducing batch size to/, /if \(!\(err instanceof PostHogFetchNetworkError\)\) await persistQueueChange/, /async shutdown\(shutdownTimeoutMs = 30000\)/]],
  ['posthog', 'posthog-node/dist/client.js', [/maxQueueSize: options\.maxQueueSize \?\? 10000/, /flushInterval: options\.flushInterval \?\? 5000/]],
  ['posthog', '@posthog/core/dist/utils/index.js', [/async function retriable/, /setTimeout\(r, props\.retryDelay\)/]],
];

function locateSources() {
  const out = [];
  for (const [sdk, rel, patterns] of SOURCES) {
    const file = path.join(here, 'node_modules', rel);
    let lines = [];
    try { lines = fs.readFileSync(file, 'utf8').split('\n'); } catch { out.push({ sdk, file: rel, line: '?', text: 'FILE NOT FOUND' }); continue; }
    for (const re of patterns) {
      const i = lines.findIndex((l) => re.test(l));
      out.push({ sdk, file: `node_modules/${rel}`, line: i < 0 ? '?' : i + 1, text: i < 0 ? `NOT FOUND: ${re}` : lines[i].trim().slice(0, 140) });
    }
  }
  return out;
}

async function parent() {
  const only = process.argv.slice(2);
  const sdks = ['segment', 'rudderstack', 'posthog'].filter((s) => !only.length || only.includes(s));
  const jobs = [];
  for (const sdk of sdks) for (const sc of SCENARIOS) if (!sc.only || sc.only.includes(sdk)) jobs.push([sdk, sc]);
  const started = Date.now();
  process.stderr.write(`running ${jobs.length} experiments in parallel (≈${(CAP_MS + PHASE2_MS) / 1000} s max)…\n`);
  const results = await Promise.all(jobs.map(([sdk, sc]) => runChild(sdk, sc)));
  const rows = results.map(summarize);

  const md = [];
  md.push(`# SDK behaviour on error answers (measured by src/test/sdk/measure-retries.mjs, ${new Date().toISOString().slice(0, 10)})`, '');
  md.push(`Node ${process.version}. One event per experiment (unless the scenario says otherwise), then flush(); phase-1 cap ${CAP_MS / 1000} s; afterwards the server answers 200 and a second event is sent and flushed (a third flush() if the second did not deliver it; window ${PHASE2_MS / 1000} s). RA = Retry-After (seconds). Times in ms since the child process started; attempts = requests carrying the first event while the server was failing.`, '');
  md.push('| SDK | answer | attempts | delays between attempts (ms) | X-Retry-Count | fate of the first event(s) | later event sent | first event(s) sent again after the server turned healthy | surfaced to the app |');
  md.push('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    md.push(`| ${r.sdk} | ${r.scenario} | ${r.attempts} | ${fmtDelays(r.delays)} | ${r.retryCountHeaders.length ? r.retryCountHeaders.join(',') : '–'} | ${r.fate} | ${r.laterEventSent} | ${r.droppedEventResent} | ${r.surfaced.map((s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')).join('<br>')} |`);
  }
  md.push('', '## Defaults read from the SDK instances at run time', '');
  const seenSdk = new Set();
  for (const r of results) {
    if (seenSdk.has(r.sdk) || !r.limits) continue;
    seenSdk.add(r.sdk);
    md.push(`- **${r.sdk}**: \`${JSON.stringify(r.limits)}\``);
  }
  md.push('', '## Where the defaults and retry rules are in node_modules', '', '| SDK | file:line | source |', '|---|---|---|');
  for (const s of locateSources()) md.push(`| ${s.sdk} | ${s.file}:${s.line} | \`${s.text.replace(/\|/g, '\\|')}\` |`);
  md.push('', `Total run time: ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const text = md.join('\n') + '\n';
  process.stdout.write(text);
  if (!only.length) {
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'retries.md'), text);
    fs.writeFileSync(path.join(outDir, 'retries.json'), JSON.stringify(results, null, 2) + '\n');
  }
}

if (process.argv[2] === '--child') {
  const sc = SCENARIOS.find((s) => s.id === process.argv[4]);
  child(process.argv[3], sc).catch((e) => { process.stdout.write('RESULT ' + JSON.stringify({ sdk: process.argv[3], scenario: sc.id, crashed: true, error: String(e), requests: [], log: [] }) + '\n'); process.exit(2); });
} else {
  parent().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
}
