// The four browser SDKs from npm, bundled unmodified, on a page of another origin in Debian's Chromium
// (playwright-core), against the Tally run.sh started, asserted in PostgreSQL and through GET /aggregates:
//   - each SDK loads its configuration from Tally and sends its events there (through a recording proxy, whose
//     log is the list of what each SDK requested and what Tally answered: target/browser-sdk/requests.md);
//   - every event counted exactly once; what is not a measurement (identify, page views) kept raw, refused;
//   - a retry after a lost answer (the proxy withholds Tally's answer and cuts the connection) counts once;
//   - unload: events sent as the page goes away (sendBeacon, fetch keepalive) arrive;
//   - the same page on an origin the key does not allow: refused, nothing stored.
import { chromium } from 'playwright-core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { servePages } from './pages.mjs';
import { RecordingProxy, bodyText } from './proxy.mjs';
import { TALLY_URL, browserKey, counts, literal, presetMapping, psql, rows } from './tally.mjs';

const OUT = process.env.BROWSER_E2E_OUT;
const BUNDLES = process.env.BROWSER_BUNDLES;
const [PROXY_PORT, PAGES_PORT] = [Number(process.env.PROXY_PORT), Number(process.env.PAGES_PORT)];
const TALLY = `http://127.0.0.1:${PROXY_PORT}`; // what the pages are told Tally's address is
const ALLOWED = `http://127.0.0.1:${PAGES_PORT}`;
const DISALLOWED = `http://localhost:${PAGES_PORT}`;
const RUN = Date.now().toString(36);

const proxy = new RecordingProxy(TALLY_URL);
let browser;
let failures = 0;
const consoleLog = [];

function check(condition, message) {
  console.log(`  ${condition ? 'ok' : 'FAIL'}: ${message}`);
  if (!condition) {
    failures += 1;
  }
}

/** A promise that must settle within seconds. */
function within(what, promise, seconds = 30) {
  return Promise.race([promise, sleep(seconds * 1000).then(() => { throw new Error(`timed out after ${seconds} s waiting for ${what}`); })]);
}

async function waitFor(what, probe, seconds = 30) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    }
    await sleep(250);
  }
}

/** A page of one SDK on an origin, its SDK initialized with the key; console errors kept for the log. */
async function open(origin, sdk, options) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (message) => consoleLog.push(`[${sdk} ${origin}] ${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleLog.push(`[${sdk} ${origin}] pageerror: ${error.message}`));
  await page.goto(`${origin}/${sdk}.html`);
  await page.evaluate((o) => window.TallySdk.init(o), { host: TALLY, ...options });
  return { page, close: () => context.close() };
}

async function rawCount(clientId, where = 'true') {
  return Number(await psql(`SELECT count(*) FROM raw_events WHERE client_id = ${literal(clientId)} AND ${where}`));
}

/** Raw rows of a client by event name expression: { name: { accepted, duplicate, rejected, pending } }. */
async function rawByName(clientId, nameSql) {
  const found = await rows(`SELECT ${nameSql} AS name, status, count(*)::int AS n FROM raw_events
    WHERE client_id = ${literal(clientId)} GROUP BY 1, 2`);
  const byName = {};
  for (const row of found) {
    (byName[row.name] ??= {})[row.status] = row.n;
  }
  return byName;
}

async function settled(clientId) {
  return waitFor(`${clientId}'s rows to settle`, async () => (await rawCount(clientId, "status = 'pending'")) === 0, 30);
}

/** Every counted event once: events rows and GET /aggregates, per metric. */
async function countedOnce(clientId, expected) {
  const events = Object.fromEntries((await rows(`SELECT metric, count(*)::int AS n, count(DISTINCT event_id)::int AS ids
    FROM events WHERE client_id = ${literal(clientId)} GROUP BY metric`)).map((row) => [row.metric, row]));
  const aggregates = await counts(clientId);
  for (const [metric, n] of Object.entries(expected)) {
    check(events[metric]?.n === n && events[metric]?.ids === n,
      `${clientId}: ${n} ${metric} events counted, each event id once (events: ${events[metric]?.n ?? 0})`);
    check(aggregates[metric] === n, `${clientId}: GET /aggregates counts ${metric} ${n} times (${aggregates[metric] ?? 0})`);
  }
  check(Object.keys(events).length === Object.keys(expected).length, `${clientId}: no other metric counted (${Object.keys(events)})`);
}

/** The same page on an origin the key does not allow: Tally refuses with 403 and stores nothing. */
async function refusedElsewhere(sdk, clientId, key, send, options = {}) {
  const before = await rawCount(clientId);
  const from = proxy.requests.length;
  const { page, close } = await open(DISALLOWED, sdk, { key, ...options });
  await send(page);
  await waitFor(`a 403 for ${sdk} from ${DISALLOWED}`, () => proxy.requests.slice(from)
    .some((r) => r.origin === DISALLOWED && r.status === 403));
  await sleep(2000);
  await close();
  await waitFor('the answers to the refused page', () => proxy.requests.slice(from).every((r) => r.status !== null), 10);
  const refused = proxy.requests.slice(from).filter((r) => r.origin === DISALLOWED && r.method !== 'OPTIONS');
  check(refused.length > 0 && refused.every((r) => r.status === 403),
    `${sdk} from ${DISALLOWED}: every request refused (${refused.map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`).join(', ')})`);
  check(refused.every((r) => r.allowOrigin === DISALLOWED), `${sdk}: the refusals are readable by the page (Access-Control-Allow-Origin), so the SDK does not retry them`);
  check(await rawCount(clientId) === before, `${sdk} from ${DISALLOWED}: nothing stored (raw rows ${before} → ${await rawCount(clientId)})`);
}

async function posthog() {
  console.log('== posthog-js');
  const client = `browser_posthog_${RUN}`;
  const key = await browserKey(client, [ALLOWED]);
  await presetMapping(client, 'posthog', { amount: '/properties/revenue' });
  const { page, close } = await open(ALLOWED, 'posthog', { key: key.secret });
  for (let i = 1; i <= 5; i += 1) {
    await page.evaluate((n) => window.TallySdk.track('item purchased', { revenue: n }), i);
  }
  await page.evaluate(() => window.TallySdk.track('$pageview', {}));
  await waitFor('5 purchases stored', async () => (await rawCount(client, "payload->>'event' = 'item purchased'")) >= 5);

  const lost = proxy.loseAnswerOnce((method, path, body) => method === 'POST' && bodyText(body).includes('retried purchase'));
  await page.evaluate(() => { window.TallySdk.track('retried purchase', { revenue: 7 }); window.TallySdk.track('retried purchase', { revenue: 8 }); });
  const dropped = await within('the request whose answer is lost', lost);
  await waitFor('the retry of the lost request', async () => (await rawCount(client, "payload->>'event' = 'retried purchase'")) >= 4, 60);

  await page.evaluate(() => { for (let n = 1; n <= 3; n += 1) window.TallySdk.track('left page', { revenue: n }); });
  await page.goto(`${ALLOWED}/blank.html`);
  await waitFor('the unload beacon', async () => (await rawCount(client, "payload->>'event' = 'left page'")) >= 3);
  await close();
  await settled(client);
  const byName = await rawByName(client, "payload->>'event'");
  check(byName['retried purchase']?.accepted === 2 && byName['retried purchase']?.duplicate >= 2,
    `posthog-js retried ${dropped.method} ${dropped.path.split('?')[0]} after its answer was lost: accepted 2, duplicates ${byName['retried purchase']?.duplicate}`);
  check(byName.$pageview?.rejected >= 1, 'posthog-js $pageview kept raw, refused');
  const beacon = proxy.requests.find((r) => r.method === 'POST' && bodyText(r.body).includes('left page'));
  check(beacon !== undefined, `posthog-js unload delivered (${beacon?.method} ${beacon?.path}, ${beacon?.encoding})`);
  await countedOnce(client, { item_purchased: 5, retried_purchase: 2, left_page: 3 });
  await refusedElsewhere('posthog', client, key.secret, (p) => p.evaluate(() => window.TallySdk.track('item purchased', { revenue: 1 })));
}

async function segment() {
  console.log('== Segment analytics.js');
  const client = `browser_segment_${RUN}`;
  const key = await browserKey(client, [ALLOWED]);
  await presetMapping(client, 'segment', { amount: '/properties/revenue' });
  const { page, close } = await open(ALLOWED, 'segment', { key: key.secret });
  await page.evaluate(() => window.TallySdk.ready());
  for (let i = 1; i <= 5; i += 1) {
    await page.evaluate((n) => window.TallySdk.track('Order Completed', { revenue: n }), i);
  }
  await page.evaluate(() => Promise.all([window.TallySdk.identify('u-1', { plan: 'pro' }), window.TallySdk.page()]));
  await waitFor('5 orders stored', async () => (await rawCount(client, "payload->>'event' = 'Order Completed'")) >= 5);

  const lost = proxy.loseAnswerOnce((method, path, body) => method === 'POST' && bodyText(body).includes('Retried Order'));
  await page.evaluate(() => { window.TallySdk.track('Retried Order', { revenue: 9 }); });
  const dropped = await within('the request whose answer is lost', lost);
  await waitFor('the retry of the lost request', async () => (await rawCount(client, "payload->>'event' = 'Retried Order'")) >= 2, 60);
  await close();

  // Unload: analytics.js' batching delivery sends what it holds with fetch keepalive as the page goes away.
  const batchingFrom = proxy.requests.length;
  const batching = await open(ALLOWED, 'segment', { key: key.secret, batching: true });
  await batching.page.evaluate(() => window.TallySdk.ready());
  await batching.page.evaluate(() => { for (let n = 1; n <= 3; n += 1) window.TallySdk.track('Left Page', { revenue: n }); });
  await sleep(500); // into the batch, which holds them for up to 5 s: the unload is what sends them
  await batching.page.goto(`${ALLOWED}/blank.html`);
  await waitFor('the unload batch', async () => (await rawCount(client, "payload->>'event' = 'Left Page'")) >= 3);
  await batching.close();
  await settled(client);
  const byName = await rawByName(client, "coalesce(payload->>'event', payload->>'type')");
  check(byName['Retried Order']?.accepted === 1 && byName['Retried Order']?.duplicate >= 1,
    `analytics.js retried ${dropped.method} ${dropped.path} after its answer was lost: accepted 1, duplicates ${byName['Retried Order']?.duplicate}`);
  check(byName.identify?.rejected === 1 && byName.page?.rejected === 1, 'analytics.js identify and page kept raw, refused');
  const unload = proxy.requests.slice(batchingFrom).find((r) => r.method === 'POST' && bodyText(r.body).includes('Left Page'));
  check(unload !== undefined, `analytics.js unload delivered (${unload?.method} ${unload?.path}, ${unload?.encoding})`);
  await countedOnce(client, { order_completed: 5, retried_order: 1, left_page: 3 });
  await refusedElsewhere('segment', client, key.secret, async () => {});
}

async function rudderstack() {
  console.log('== RudderStack JS');
  const client = `browser_rudder_${RUN}`;
  const key = await browserKey(client, [ALLOWED]);
  await presetMapping(client, 'rudderstack', { amount: '/properties/revenue' });
  const { page, close } = await open(ALLOWED, 'rudderstack', { key: key.secret });
  await page.evaluate(() => window.TallySdk.ready());
  for (let i = 1; i <= 5; i += 1) {
    await page.evaluate((n) => window.TallySdk.track('Order Completed', { revenue: n }), i);
  }
  await page.evaluate(() => window.TallySdk.identify('u-1', { plan: 'pro' }));
  await waitFor('5 orders stored', async () => (await rawCount(client, "payload->>'event' = 'Order Completed'")) >= 5);

  const lost = proxy.loseAnswerOnce((method, path, body) => method === 'POST' && bodyText(body).includes('Retried Order'));
  await page.evaluate(() => window.TallySdk.track('Retried Order', { revenue: 9 }));
  const dropped = await within('the request whose answer is lost', lost);
  await waitFor('the retry of the lost request', async () => (await rawCount(client, "payload->>'event' = 'Retried Order'")) >= 2, 60);
  await close();

  const beaconFrom = proxy.requests.length;
  const beacon = await open(ALLOWED, 'rudderstack', { key: key.secret, useBeacon: true });
  await beacon.page.evaluate(() => window.TallySdk.ready());
  await beacon.page.evaluate(() => { for (let n = 1; n <= 3; n += 1) window.TallySdk.track('Left Page', { revenue: n }); });
  await beacon.page.goto(`${ALLOWED}/blank.html`);
  await waitFor('the unload beacon', async () => (await rawCount(client, "payload->>'event' = 'Left Page'")) >= 3);
  await beacon.close();
  await settled(client);
  const byName = await rawByName(client, "coalesce(payload->>'event', payload->>'type')");
  check(byName['Retried Order']?.accepted === 1 && byName['Retried Order']?.duplicate >= 1,
    `RudderStack retried ${dropped.method} ${dropped.path} after its answer was lost: accepted 1, duplicates ${byName['Retried Order']?.duplicate}`);
  check(byName.identify?.rejected === 1, 'RudderStack identify kept raw, refused');
  const sent = proxy.requests.slice(beaconFrom).find((r) => r.method === 'POST' && bodyText(r.body).includes('Left Page'));
  check(sent?.path.startsWith('/beacon/v1/batch'), `RudderStack unload delivered by sendBeacon (${sent?.method} ${sent?.path.split('?')[0]}, ${sent?.encoding})`);
  await countedOnce(client, { order_completed: 5, retried_order: 1, left_page: 3 });
  await refusedElsewhere('rudderstack', client, key.secret, async () => {});
}

async function snowplow() {
  console.log('== Snowplow browser tracker');
  const client = `browser_snowplow_${RUN}`;
  const key = await browserKey(client, [ALLOWED]);
  await presetMapping(client, 'snowplow', { amount: '/self_describing/data/total' });
  const schema = 'iglu:com.acme/checkout_completed/jsonschema/1-0-0';
  const { page, close } = await open(ALLOWED, 'snowplow', { key: key.secret });
  for (let i = 1; i <= 5; i += 1) {
    await page.evaluate(([s, n]) => window.TallySdk.selfDescribing(s, { total: n }), [schema, i]);
  }
  await page.evaluate(() => window.TallySdk.pageView());
  await waitFor('5 checkouts stored', async () => (await rawCount(client, "payload->'self_describing'->>'name' = 'checkout_completed'")) >= 5);

  const retried = 'iglu:com.acme/retried_checkout/jsonschema/1-0-0';
  const lost = proxy.loseAnswerOnce((method, path, body) => method === 'POST' && bodyText(body).includes('retried_checkout'));
  await page.evaluate(([s]) => window.TallySdk.selfDescribing(s, { total: 4 }), [retried]);
  const dropped = await within('the request whose answer is lost', lost);
  await waitFor('the retry of the lost request', async () => (await rawCount(client, "payload->'self_describing'->>'name' = 'retried_checkout'")) >= 2, 60);
  await close();

  // The key in the collector path, POST and the GET pixel.
  for (const eventMethod of ['post', 'get']) {
    const inPath = await open(ALLOWED, 'snowplow', { key: key.secret, keyInPath: true, eventMethod });
    await inPath.page.evaluate(([s]) => window.TallySdk.selfDescribing(s, { total: 10 }),
      [`iglu:com.acme/checkout_${eventMethod}/jsonschema/1-0-0`]);
    await waitFor(`the ${eventMethod} with the key in the path`, async () => (await rawCount(client,
      `payload->'self_describing'->>'name' = 'checkout_${eventMethod}'`)) >= 1);
    await inPath.close();
  }
  await settled(client);
  const byName = await rawByName(client, "coalesce(payload->'self_describing'->>'name', payload->>'e')");
  check(byName.retried_checkout?.accepted === 1 && byName.retried_checkout?.duplicate >= 1,
    `Snowplow retried ${dropped.method} ${dropped.path} after its answer was lost: accepted 1, duplicates ${byName.retried_checkout?.duplicate}`);
  check(byName.pv?.rejected === 1, 'Snowplow page view kept raw, refused');
  const pixel = proxy.requests.find((r) => r.method === 'GET' && /\/k\/[^/]+\/i\?/.test(r.path));
  check(pixel?.status === 200 && pixel?.answerType === 'image/gif', `Snowplow GET pixel answered ${pixel?.status} ${pixel?.answerType}`);
  check(Number(await psql(`SELECT count(*) FROM raw_events WHERE strpos(envelope::text || payload::text, ${literal(key.secret)}) > 0`)) === 0,
    'Snowplow: the key in the collector path is in no stored row');
  await countedOnce(client, { checkout_completed: 5, retried_checkout: 1, checkout_post: 1, checkout_get: 1 });
  await refusedElsewhere('snowplow', client, key.secret, (p) => p.evaluate(([s]) => window.TallySdk.selfDescribing(s, { total: 1 }), [schema]));
}

/** What each SDK requested and what Tally answered, from the proxy's log: target/browser-sdk/requests.md. */
function writeRequestLog() {
  const lines = ['| # | origin | method | path | headers that matter | body | status | answer |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of proxy.requests) {
    const path = r.path.replace(/tally_[A-Za-z0-9_-]+/g, '<key>').replace(/writeKey=[^&]+/, 'writeKey=<key>');
    const headers = Object.entries(r.headers).map(([n, v]) => `${n}: ${v}`).join('; ');
    const answer = (r.answerType ?? '') + (r.lost ? ' (answer lost by the proxy)' : '');
    lines.push(`| ${r.seq} | ${r.origin === ALLOWED ? 'allowed' : r.origin === DISALLOWED ? 'disallowed' : r.origin ?? '-'} | ${r.method} | \`${path}\` | ${headers} | ${r.encoding} | ${r.status} | ${answer} |`);
  }
  writeFileSync(join(OUT, 'requests.md'), lines.join('\n') + '\n');
  writeFileSync(join(OUT, 'console.log'), consoleLog.join('\n') + '\n');
  writeFileSync(join(OUT, 'requests.json'), JSON.stringify(proxy.requests.map(({ body, ...r }) => ({ ...r, bodyText: bodyText(body).slice(0, 2000) })), null, 1));
}

try {
  await proxy.listen(PROXY_PORT);
  const pages = await servePages(BUNDLES, PAGES_PORT);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const only = process.env.BROWSER_SDKS?.split(',');
  for (const [name, scenario] of Object.entries({ posthog, segment, rudderstack, snowplow })) {
    if (!only || only.includes(name)) {
      try {
        await scenario();
      } catch (error) {
        check(false, `${name}: ${error.stack}`);
      }
    }
  }
  await browser.close();
  pages.close();
} finally {
  writeRequestLog();
  await proxy.close();
}
console.log(failures === 0 ? 'all browser checks passed' : `${failures} browser check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
