// The Segment, RudderStack and PostHog Node SDKs against a running Tally, asserted in PostgreSQL and through
// GET /aggregates. Started by run.sh, which provides Tally and the TALLY_* variables.
//
// Per SDK, each with a client (and an ingest key) of its own:
//   send and flush      N tracked events and two calls that are not events (identify, page / $pageview) are sent
//                       and flushed; every message must be one raw row under the key's client with the protocol's
//                       envelope, every tracked event accepted exactly once with its metric, amount, messageId and
//                       timestamp, the other calls kept raw and rejected, and the aggregates exactly what was sent;
//   Tally killed        N tracked events through KillProxy, which has Tally killed (SIGKILL) once it has forwarded
//   mid-flush           the flush's body (at one of three KILL_POINTS, one per SDK) and holds the SDK's retries until
//                       a restarted Tally is ready: the SDK's retry must deliver the batch again, what the kill left
//                       pending must be settled once (by the recovery job, or by the settle statement PostgreSQL
//                       completes without its client), and every event must still count exactly once.
// All SDK traffic passes the proxy, which records each request's messages: the messageIds checked are the ones
// the SDKs generated and put on the wire.
import { setTimeout as sleep } from 'node:timers/promises';
import { KillProxy } from './proxy.mjs';
import { SDKS, isTracked } from './sdks.mjs';
import { TALLY_URL, createIngestKey, literal, lockEvents, psql, putPresetMapping, recoveredInLogs, rows, totals } from './tally.mjs';

const EVENTS = 20; // tracked events per scenario
// Event names as the SDKs send them -> the metric Tally must count them under. The presets snake_case names
// (metricFormat snake_case), so prose as Segment's docs write it is counted too; a valid metric stays as it is.
const METRICS = { 'Order Completed': 'order_completed', 'cart.checkout': 'cart.checkout' };
const EVENT_NAMES = Object.keys(METRICS);
const REJECTED_CODE = 'unsupported_message_type';

let passed = 0;
let failed = 0;

function check(ok, text) {
  if (ok) {
    passed += 1;
    console.log(`  ok: ${text}`);
  } else {
    failed += 1;
    console.log(`  FAIL: ${text}`);
  }
  return ok;
}

process.on('unhandledRejection', (error) => {
  check(false, `unhandled rejection (an SDK's promise nobody awaited): ${error?.stack ?? error}`);
});

/** N events with amounts of two decimals (as the SDK sends them: JSON numbers), alternating over METRICS. */
function plannedEvents(offset) {
  return Array.from({ length: EVENTS }, (_, i) => {
    const cents = 100 + ((i + offset) * 7919) % 99_900;
    return { event: EVENT_NAMES[i % EVENT_NAMES.length], cents, revenue: cents / 100 };
  });
}

/** A decimal's text without trailing fraction zeros (as Tally prints numerics): 270.50 -> 270.5, 270.00 -> 270. */
function plain(text) {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** Exact decimal text of an amount in cents. */
function decimal(cents) {
  return plain(`${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`);
}

function expectedTotals(planned) {
  const expected = {};
  for (const { event, cents } of planned) {
    const metric = METRICS[event];
    expected[metric] ??= { count: 0, cents: 0 };
    expected[metric].count += 1;
    expected[metric].cents += cents;
  }
  return expected;
}

function idList(ids) {
  return `ARRAY[${ids.map(literal).join(',')}]::text[]`;
}

function rawRowsOf(ids) {
  return rows(`SELECT coalesce(payload->>'messageId', payload->>'uuid') AS id, client_id, status, envelope, reasons, key_id
                 FROM raw_events WHERE coalesce(payload->>'messageId', payload->>'uuid') = ANY(${idList(ids)})`);
}

function eventsOf(clientId) {
  return rows(`SELECT event_id, metric, amount::text AS amount, (extract(epoch FROM ts) * 1000)::bigint AS ms
                 FROM events WHERE client_id = ${literal(clientId)}`);
}

function count(list, predicate) {
  return list.filter(predicate).length;
}

function tally(values) {
  const counts = {};
  for (const value of values) {
    counts[value] = (counts[value] ?? 0) + 1;
  }
  return Object.entries(counts).map(([value, n]) => `${n} ${value}`).join(', ') || 'none';
}

/** The wire messages of all deliveries, one entry per distinct id (the first delivery that carried it). */
function distinctMessages(deliveries) {
  const byId = new Map();
  for (const delivery of deliveries) {
    for (const message of delivery.messages) {
      if (!byId.has(message.id)) {
        byId.set(message.id, message);
      }
    }
  }
  return [...byId.values()];
}

async function onboard(sdk, clientId) {
  const key = await createIngestKey(clientId);
  const version = await putPresetMapping(clientId, sdk.preset, { amount: '/properties/revenue' });
  return { keyId: key.id, writeKey: key.secret, version };
}

/** Sends the planned events (and optionally the non-event calls) through a proxy and flushes. */
async function send(sdk, writeKey, planned, { others, proxySetup = () => {} }) {
  const proxy = new KillProxy(TALLY_URL);
  const host = await proxy.listen();
  proxySetup(proxy);
  const client = sdk.open({ host, writeKey });
  const userId = `user-${sdk.sdk}`;
  for (const { event, revenue } of planned) {
    client.track(userId, event, revenue);
  }
  if (others) {
    client.others(userId);
  }
  const started = Date.now();
  try {
    await client.flush();
    const flushMs = Date.now() - started;
    await proxy.outageOver();
    return { deliveries: proxy.deliveries, failures: client.failures, failure: proxy.failure, flushMs };
  } finally {
    await proxy.close();
  }
}

/** Every tracked event in events exactly once, with the content on the wire; nothing else for the client. */
async function checkEvents(sdk, clientId, tracked) {
  const stored = await eventsOf(clientId);
  const byId = new Map(stored.map((row) => [row.event_id, row]));
  const wrong = [];
  for (const { id, event, message } of tracked) {
    const row = byId.get(id);
    const cents = Math.round(message.properties.revenue * 100);
    const sentAt = message[sdk.timestampField];
    if (!row) {
      wrong.push(`${id} missing`);
    } else if (row.metric !== METRICS[event] || plain(row.amount) !== decimal(cents)
        || Number(row.ms) !== Date.parse(sentAt)) {
      wrong.push(`${id} stored as ${row.metric} ${row.amount} at ${new Date(Number(row.ms)).toISOString()}, sent as ${event} ${decimal(cents)} at ${sentAt}`);
    }
  }
  const extra = stored.length - count(stored, (row) => tracked.some((m) => m.id === row.event_id));
  check(stored.length === tracked.length && byId.size === stored.length && wrong.length === 0 && extra === 0,
    `events: ${stored.length} rows for ${tracked.length} tracked events (${tally(stored.map((row) => row.metric))}), `
      + `each messageId once with its metric, amount and ${sdk.timestampField}`
      + (wrong.length ? `; wrong: ${wrong.slice(0, 3).join('; ')}` : '') + (extra ? `; ${extra} rows nobody sent` : ''));
}

async function checkAggregates(clientId, planned) {
  const expected = expectedTotals(planned);
  const actual = await totals(clientId);
  const lines = [];
  let ok = Object.keys(actual).length === Object.keys(expected).length;
  for (const [metric, { count: n, cents }] of Object.entries(expected)) {
    const got = actual[metric];
    const same = got && got.count === n && String(got.sum) === decimal(cents);
    ok &&= Boolean(same);
    lines.push(`${metric} count ${got?.count ?? 'none'} sum ${got?.sum ?? 'none'}` + (same ? '' : ` (sent: count ${n} sum ${decimal(cents)})`));
  }
  check(ok, `aggregates (total, after POST /aggregates/refresh): ${lines.join('; ')}`);
}

async function sendAndFlush(sdk) {
  const clientId = `sdk-${sdk.sdk}`;
  const { keyId, writeKey, version } = await onboard(sdk, clientId);
  console.log(`  ingest key ${keyId} for ${clientId}; mapping version ${version} from preset ${sdk.preset} (amount <- /properties/revenue)`);
  const planned = plannedEvents(0);
  const { deliveries, failures, failure, flushMs } = await send(sdk, writeKey, planned, { others: true });
  if (failure) {
    throw failure;
  }

  const messages = distinctMessages(deliveries);
  const tracked = messages.filter(isTracked);
  const others = messages.filter((m) => !isTracked(m));
  const answers = deliveries.map((d) => d.answer ?? {});
  const sum = (key) => answers.reduce((total, a) => total + (a[key] ?? 0), 0);
  check(failures.length === 0 && deliveries.every((d) => d.status === 200) && deliveries.every((d) => d.path === sdk.endpoint),
    `flushed in ${flushMs} ms: ${messages.length} messages in ${deliveries.length} request(s) to ${tally(deliveries.map((d) => d.path))}, `
      + `answers ${tally(deliveries.map((d) => d.status))}; Tally counted accepted ${sum('accepted')}, duplicates ${sum('duplicates')}, `
      + `rejected ${sum('rejected')}, conflicts ${sum('conflicts')}; SDK-reported failures: ${tally(failures)}`);
  check(tracked.length === EVENTS && others.length === 2 && messages.every((m) => typeof m.id === 'string' && m.id.length > 0)
      && count(deliveries.flatMap((d) => d.messages), () => true) === messages.length,
    `on the wire: ${tracked.length} tracked events (of ${EVENTS} sent) and ${others.length} other calls `
      + `(${others.map((m) => m.event ?? m.type).join(', ')}), each once, every one with its own SDK-generated id`);

  const raw = await rawRowsOf(messages.map((m) => m.id));
  const rawIds = new Set(raw.map((r) => r.id));
  check(raw.length === messages.length && rawIds.size === messages.length
      && raw.every((r) => r.client_id === clientId && r.key_id === keyId && r.envelope?.protocol === sdk.protocol && r.envelope?.endpoint === sdk.endpoint),
    `raw_events: ${raw.length} rows for ${messages.length} messages, client_id ${tally(raw.map((r) => r.client_id))}, key ${tally(raw.map((r) => r.key_id))}, `
      + `envelope protocol ${tally(raw.map((r) => r.envelope?.protocol))}, endpoint ${tally(raw.map((r) => r.envelope?.endpoint))}`);
  const leaks = await psql(`SELECT count(*) FROM raw_events WHERE strpos(concat(payload::text, envelope::text), ${literal(writeKey)}) > 0
      OR position(convert_to(${literal(writeKey)}, 'UTF8') IN coalesce(raw_body, ''::bytea)) > 0`);
  check(leaks === '0', `the write key (sent as ${sdk.protocol === 'posthog' ? 'api_key in the body' : 'Basic auth user name and writeKey in the body'}) `
    + `is in ${leaks} stored raw rows`);
  const trackedRaw = raw.filter((r) => tracked.some((m) => m.id === r.id));
  check(trackedRaw.length === EVENTS && trackedRaw.every((r) => r.status === 'accepted'),
    `raw rows of tracked events: ${tally(trackedRaw.map((r) => r.status))}`);
  const otherRaw = raw.filter((r) => others.some((m) => m.id === r.id));
  const codes = otherRaw.map((r) => (r.reasons ?? []).map((reason) => reason.code).join('+') || 'no reason');
  check(otherRaw.length === 2 && otherRaw.every((r) => r.status === 'rejected') && codes.every((c) => c === REJECTED_CODE),
    `raw rows of the other calls: ${tally(otherRaw.map((r) => r.status))}, code ${tally(codes)}`);

  await checkEvents(sdk, clientId, tracked);
  await checkAggregates(clientId, planned);
}

/** Waits (bounded) until no raw row of the client is pending; returns how long that took. */
async function settled(clientId) {
  const started = Date.now();
  while (Number(await psql(`SELECT count(*) FROM raw_events WHERE client_id = ${literal(clientId)} AND status = 'pending'`)) > 0) {
    if (Date.now() - started > 60_000) {
      break;
    }
    await sleep(250);
  }
  return Date.now() - started;
}

// Where in Tally's work on the flush the kill strikes.
const KILL_POINTS = {
  // Right after the body was forwarded: Tally has usually stored nothing, the retry stores the batch.
  forwarded: 'at once',
  // The events table is locked (lockEvents), so Tally commits the raw rows and waits at the events insert: the
  // kill leaves them pending, they must be settled once (the recovery job, or the dead Tally's settle statement once
  // the lock is gone), the retry must not count twice.
  pending: 'once its raw rows were committed, the events insert held back by a lock',
  // Tally has committed the raw rows and is settling them, unhindered: depending on a few milliseconds the kill
  // leaves them pending, or settled and answered (the answer withheld: an acknowledgement lost on the way).
  stored: 'once its raw rows were committed',
};

async function killMidFlush(sdk, killPoint) {
  const clientId = `sdk-${sdk.sdk}-kill`;
  const { writeKey } = await onboard(sdk, clientId);
  const planned = plannedEvents(1000);
  const recoveredBefore = recoveredInLogs();
  const lock = killPoint === 'pending' ? await lockEvents() : null;
  let atKill = null;
  const arm = (proxy) => {
    // The flush's batch, not RudderStack's first message, which it sends alone the moment it is tracked.
    const isFlush = (delivery) => count(delivery.messages, isTracked) >= 2;
    const rawCommitted = async (delivery) => {
      const ids = idList(delivery.messages.map((m) => m.id));
      const deadline = Date.now() + 10_000;
      while (Number(await psql(`SELECT count(*) FROM raw_events WHERE coalesce(payload->>'messageId', payload->>'uuid') = ANY(${ids})`)) === 0
          && Date.now() < deadline) {
        await sleep(5);
      }
    };
    proxy.killAfter(isFlush, killPoint === 'forwarded' ? undefined : rawCommitted);
    proxy.onKilled = async (delivery) => {
      const ids = idList(delivery.messages.map((m) => m.id));
      [atKill] = await rows(`SELECT count(*) AS raw, count(*) FILTER (WHERE status = 'pending') AS pending,
          (SELECT count(*) FROM events WHERE client_id = ${literal(clientId)} AND event_id = ANY(${ids})) AS events
          FROM raw_events WHERE coalesce(payload->>'messageId', payload->>'uuid') = ANY(${ids})`);
      await lock?.release(); // Tally is dead: the lock has done its work, and the next Tally must not meet it
    };
  };
  let sent;
  try {
    sent = await send(sdk, writeKey, planned, { others: false, proxySetup: arm });
  } finally {
    await lock?.release();
  }
  const { deliveries, failures, failure, flushMs } = sent;
  if (failure) {
    throw failure;
  }

  const killed = deliveries.find((d) => d.outcome === 'killed');
  if (!check(Boolean(killed), 'Tally was killed mid-flush')) {
    return;
  }
  const batch = killed.messages.length;
  const reached = { forwarded: true, pending: atKill?.pending === batch && atKill?.events === 0, stored: atKill?.raw === batch }[killPoint];
  check(reached, `killed after forwarding the flush's ${batch} events (${KILL_POINTS[killPoint]}): `
    + `SIGKILL to pid ${killed.killedPid} ${killed.killedAt - killed.forwardedAt} ms after the body was forwarded, `
    + `${killed.answeredBeforeKill ? `Tally's answer ${killed.answeredBeforeKill} withheld` : 'no answer yet'}; `
    + `at the kill: ${atKill?.raw} raw rows committed (${atKill?.pending} pending), ${atKill?.events} events stored; `
    + `new Tally (pid ${killed.restartedPid}) ready ${((killed.readyAt - killed.killedAt) / 1000).toFixed(1)} s later`);

  const killedIds = new Set(killed.messages.map((m) => m.id));
  const later = deliveries.filter((d) => d.seq > killed.seq && d.messages.some((m) => killedIds.has(m.id)));
  const redelivered = [...killedIds].filter((id) => later.some((d) => d.messages.some((m) => m.id === id)));
  const describe = (d) => `#${d.seq} ${d.outcome}${d.heldMs !== undefined ? ` after being held ${(d.heldMs / 1000).toFixed(1)} s` : ''}`
    + (d.retryCount ? ` (X-Retry-Count ${d.retryCount})` : '')
    + (d.answer?.accepted !== undefined ? `: ${d.status}, accepted ${d.answer.accepted}, duplicates ${d.answer.duplicates}` : d.status ? `: ${d.status}` : '');
  check(redelivered.length === killedIds.size && later.some((d) => d.outcome === 'answered' && d.status === 200),
    `the SDK sent the killed batch again: ${redelivered.length} of ${killedIds.size} of its messageIds delivered `
      + `${1 + later.length} time${later.length ? 's' : ''} in all; after the kill: ${later.map(describe).join('; ') || 'nothing'}`);
  check(failures.length === 0, `the SDK reported the flush delivered (took ${(flushMs / 1000).toFixed(1)} s); `
    + `SDK-reported failures: ${tally(failures)}`);

  const waitedMs = await settled(clientId);
  const messages = distinctMessages(deliveries);
  const tracked = messages.filter(isTracked);
  const raw = await rawRowsOf(messages.map((m) => m.id));
  const perId = new Map();
  for (const row of raw) {
    perId.set(row.id, [...(perId.get(row.id) ?? []), row.status]);
  }
  const oneAccepted = tracked.every((m) => count(perId.get(m.id) ?? [], (s) => s === 'accepted') === 1
    && (perId.get(m.id) ?? []).every((s) => s === 'accepted' || s === 'duplicate'));
  check(tracked.length === EVENTS && oneAccepted && raw.every((r) => r.client_id === clientId),
    `raw_events after recovery (waited ${(waitedMs / 1000).toFixed(1)} s for no pending row): ${raw.length} rows for `
      + `${tracked.length} distinct messageIds: ${tally(raw.map((r) => r.status))}; each messageId accepted exactly once`);
  // The log line follows the recovery's commit: give it a moment.
  let recovered = recoveredInLogs() - recoveredBefore;
  for (let waited = 0; recovered < (atKill?.pending ?? 0) && waited < 5_000; waited += 100) {
    await sleep(100);
    recovered = recoveredInLogs() - recoveredBefore;
  }
  // The settle the dead Tally had sent is one autocommitted statement (tally_settle): waiting on the lock, its backend
  // does not know the client is gone, and once the lock is released PostgreSQL completes and commits it on its own.
  // Either way each row is settled once (checked above: no row pending, each messageId accepted exactly once); the
  // recovery job settles what that statement did not.
  const pendingAtKill = Number(atKill?.pending ?? 0);
  check(recovered <= pendingAtKill, `the ${pendingAtKill} raw rows the kill left pending were settled once: ${recovered} by `
    + `the restarted Tally's recovery job ("Recovered N pending raw events" in its log), ${pendingAtKill - recovered} by `
    + `the settle statement in flight at the kill, which PostgreSQL completed without its client`);
  await checkEvents(sdk, clientId, tracked);
  await checkAggregates(clientId, planned);
}

async function scenario(title, run) {
  console.log(`== ${title}`);
  try {
    await run();
  } catch (error) {
    check(false, `${title} could not be carried out: ${error?.stack ?? error}`);
  }
}

const started = Date.now();
for (const sdk of SDKS) {
  await scenario(`${sdk.name}: ${EVENTS} tracked events and 2 other calls, flushed`, () => sendAndFlush(sdk));
}
const killPoints = { segment: 'forwarded', rudderstack: 'stored', posthog: 'pending' };
for (const sdk of SDKS) {
  await scenario(`${sdk.name}: Tally killed mid-flush (kill point: ${killPoints[sdk.sdk]}), the SDK retries`,
    () => killMidFlush(sdk, killPoints[sdk.sdk]));
}
console.log(`${failed === 0 ? 'PASS' : 'FAIL'}: SDK end-to-end checks in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`sdk-e2e: ${passed} passed, ${failed} failed`);
// Explicitly: an SDK whose delivery failed may keep retry timers or sockets alive, and the verdict is in.
process.exit(failed === 0 ? 0 : 1);
