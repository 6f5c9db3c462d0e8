// Tally's dashboard in a real browser: Debian's Chromium driven by playwright-core (no bundled browser). run.sh
// starts the packaged jar and passes its URL and admin key; this script ingests events through the API, then uses
// the page as a person would and checks what it shows against what the API and the database hold.
//   1. a read key signs in and sees only its client (another client is refused, in the page and through the API);
//   2. the series of the events just ingested (counts per hour bucket), the rejected events' reason, a raw row;
//   3. polling revalidates with If-None-Match: 304 answers are taken (counted with page.on('response')); a hidden tab
//      does not poll, and polls at once when shown again;
//   4. an admin key starts a replay (after a mapping fix) and watches it finish; creates and revokes a key.
// Screenshots go to target/dashboard-screenshots/. Any failed check, page error or CSP violation fails the run.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import assert from 'node:assert/strict';

const BASE = process.env.TALLY_URL;
const ADMIN_KEY = process.env.TALLY_ADMIN_KEY;
const SHOTS = process.env.SCREENSHOTS || 'target/dashboard-screenshots';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const run = Date.now().toString(36);
const SHOP = `dash_shop_${run}`;
const OTHER = `dash_other_${run}`;

mkdirSync(SHOTS, { recursive: true });

function step(message) {
  console.log(`  ${message}`);
}

async function call(method, path, body, key = ADMIN_KEY) {
  const response = await fetch(BASE + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function expectStatus(method, path, body, status, key) {
  const answer = await call(method, path, body, key);
  assert.equal(answer.status, status, `${method} ${path}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

// ---------------------------------------------------------------- data, through the API

const now = Date.now();
const hoursAgo = (h) => new Date(now - h * 3600e3).toISOString();
// Received now, whatever their timestamps: the outcome counts are by arrival; the aggregates by event time.
const orders = [
  { amount: 10, ts: hoursAgo(0.1) }, { amount: 12.5, ts: hoursAgo(0.2) }, { amount: 7, ts: hoursAgo(2.1) },
  { amount: 30, ts: hoursAgo(5.1) }, { amount: 1, ts: hoursAgo(5.2) }, { amount: 2, ts: hoursAgo(5.3) },
];
for (const o of orders) {
  await expectStatus('POST', '/events', { clientId: SHOP, metric: 'orders', amount: o.amount, timestamp: o.ts }, 201);
}
await expectStatus('POST', '/events', { clientId: SHOP, metric: 'orders', amount: 'ten', timestamp: hoursAgo(1) }, 422);
// Priced instead of amounted: rejected until the mapping names the field, then a replay accepts them.
const priced = 3;
for (let i = 0; i < priced; i++) {
  await expectStatus('POST', '/events', { clientId: SHOP, metric: 'refunds', price: i + 1, timestamp: hoursAgo(3) }, 422);
}
await expectStatus('POST', '/events', { clientId: OTHER, metric: 'secret_sales', amount: 99, timestamp: hoursAgo(1) }, 201);
await expectStatus('POST', '/aggregates/refresh', undefined, 200);
const readKey = (await expectStatus('POST', '/keys', { role: 'read', clientIds: [SHOP], description: 'dashboard test' }, 201)).key;
const rejectedRows = (await expectStatus('GET', `/raw-events?clientId=${SHOP}&status=rejected&limit=100`, undefined, 200)).items;
assert.equal(rejectedRows.length, 1 + priced);
const wordAmount = rejectedRows.find((r) => r.payload?.amount === 'ten');
const reason = wordAmount.reasons[0];
step(`ingested ${orders.length} orders, ${1 + priced} rejected (e.g. ${reason.code}: ${reason.message}) for ${SHOP}; 1 event for ${OTHER}`);

// ---------------------------------------------------------------- the browser

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const problems = [];
let notModified = 0;
let conditional = 0;
let polls = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, timezoneId: 'UTC', locale: 'en-GB' });
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 40[134]/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname === '/aggregates' || url.pathname === '/outcomes') {
      polls++;
      if (response.request().headers()['if-none-match']) conditional++;
      if (response.status() === 304) notModified++;
    }
  });

  // 1. Sign in with the read key.
  const first = await page.goto(`${BASE}/dashboard`);
  assert.equal(new URL(page.url()).pathname, '/dashboard/');
  assert.match(first.headers()['content-security-policy'], /frame-ancestors 'none'/);
  await page.fill('#key', readKey);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#app:not([hidden])');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tally.key') !== null), true, 'the key is kept in sessionStorage');
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
  const clients = await page.$$eval('#client option', (options) => options.map((o) => o.value));
  assert.deepEqual(clients, [SHOP], 'a read key lists only its own client');
  assert.equal(await page.isVisible('.tabs a[data-tab="keys"]'), false, 'no admin tabs for a read key');
  const refused = await page.evaluate(async (other) => {
    const key = sessionStorage.getItem('tally.key');
    const answers = [];
    for (const path of [`/outcomes?clientId=${other}`, `/aggregates?clientId=${other}`, `/raw-events?clientId=${other}`]) {
      answers.push((await fetch(path, { headers: { Authorization: `Bearer ${key}` } })).status);
    }
    const all = await (await fetch('/aggregates', { headers: { Authorization: `Bearer ${key}` } })).json();
    return { answers, clientsSeen: [...new Set(all.rows.map((r) => r.clientId))] };
  }, OTHER);
  assert.deepEqual(refused.answers, [403, 403, 403], `another client's data is refused to the read key`);
  assert.deepEqual(refused.clientsSeen, [SHOP]);
  step(`read key signed in: sees ${clients.join(', ')}; ${OTHER} refused (403) and absent from every answer`);

  // 2. What happened to the events: received counts and the rejected event's reason.
  await page.waitForFunction(() => document.querySelector('#outcome-stats [data-status="accepted"] .value')?.textContent === '6');
  const shown = await page.$$eval('#outcome-stats .stat', (stats) => Object.fromEntries(
    stats.map((s) => [s.dataset.status, s.querySelector('.value').textContent])));
  assert.equal(shown.accepted, String(orders.length));
  assert.equal(shown.rejected, String(1 + priced));
  assert.equal(shown.received, String(orders.length + 1 + priced));
  const bars = await page.$$eval('#outcome-chart rect.bar', (rects) => rects.map((r) => [r.dataset.status, Number(r.dataset.value)]));
  const barTotal = (status) => bars.filter(([s]) => s === status).reduce((sum, [, v]) => sum + v, 0);
  assert.equal(barTotal('accepted'), orders.length, 'the chart draws every accepted row');
  assert.equal(barTotal('rejected'), 1 + priced, 'the chart draws every rejected row');
  const row = page.locator(`#rejections tr[data-code="${reason.code}"]`);
  await row.waitFor();
  const reasonShown = (await row.locator('.reason').textContent()).trim();
  assert.ok(reasonShown.length > 0, 'a rejection reason is shown');
  const codes = await page.$$eval('#rejections tbody tr', (rows) => rows.map((r) => r.dataset.code));
  step(`outcomes: ${JSON.stringify(shown)}; rejection codes ${codes.join(', ')}`);
  await page.screenshot({ path: `${SHOTS}/1-overview-read-key.png`, fullPage: true });

  // The example links into the raw row, with its reasons.
  await row.locator(`.examples a[data-raw="${wordAmount.id}"]`).click();
  await page.waitForSelector('#raw-dialog[open]');
  const dialogReason = await page.locator('#raw-reasons tbody tr').first().textContent();
  assert.ok(dialogReason.includes(reason.code) && dialogReason.includes(reason.message),
    `the raw row shows its reason (${dialogReason})`);
  await page.screenshot({ path: `${SHOTS}/2-raw-event.png` });
  await page.click('#raw-close');
  step(`raw event #${wordAmount.id} opened from its code: "${reason.message}"`);

  // 3. Metrics: the series of the events just ingested, per hour; then the 304 path.
  await page.click('.tabs a[data-tab="metrics"]');
  await page.waitForSelector('.metric-card[data-metric="orders"] circle.dot');
  const expectedHours = new Map();
  const expectedSums = {};
  for (const o of orders) {
    const hour = new Date(Math.floor(new Date(o.ts).getTime() / 3600e3) * 3600e3).toISOString();
    expectedHours.set(hour, (expectedHours.get(hour) || 0) + 1);
    expectedSums[hour] = (expectedSums[hour] || 0) + o.amount;
  }
  const dots = await page.$$eval('.metric-card[data-metric="orders"] circle.dot',
    (circles) => circles.map((c) => [new Date(c.dataset.bucket).toISOString(), Number(c.dataset.value)]));
  assert.deepEqual(new Map(dots), expectedHours, 'one point per hour with events, valued by its count');
  assert.equal(await page.locator('.metric-card[data-metric="secret_sales"]').count(), 0);
  await page.click('#stat button[data-stat="sum"]');
  await page.waitForFunction((sums) => {
    const circles = [...document.querySelectorAll('.metric-card[data-metric="orders"] circle.dot')];
    return circles.length === Object.keys(sums).length
      && circles.every((c) => Number(c.dataset.value) === sums[new Date(c.dataset.bucket).toISOString()]);
  }, expectedSums);
  step(`metrics: orders per hour ${JSON.stringify(dots)}; the sum view shows ${JSON.stringify(expectedSums)}`);
  await page.screenshot({ path: `${SHOTS}/3-metrics.png`, fullPage: true });
  const deadline = Date.now() + 30_000;
  while (notModified === 0 && Date.now() < deadline) await page.waitForTimeout(500);
  assert.ok(notModified > 0, `a poll was answered 304 (conditional requests: ${conditional})`);
  step(`polling: ${conditional} conditional request(s), ${notModified} answered 304 Not Modified`);

  // A hidden tab does not poll; shown again, it asks at once.
  const setHidden = (hidden) => page.evaluate((value) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => value });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (value ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
  await setHidden(true);
  const whileHidden = polls;
  await page.waitForTimeout(12_000);
  assert.equal(polls, whileHidden, 'no poll while the tab is hidden (the interval is 10 s)');
  await setHidden(false);
  const shownAgain = Date.now();
  while (polls === whileHidden && Date.now() - shownAgain < 5_000) await page.waitForTimeout(100);
  assert.ok(polls > whileHidden, 'shown again, the page polls at once');
  step(`hidden for 12 s: no poll; shown again: polled after ${Date.now() - shownAgain} ms`);

  // 4. The admin key: replay after a mapping fix, watch it finish; keys.
  await page.click('#sign-out');
  await page.waitForSelector('#sign-in:not([hidden])');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tally.key')), null, 'signing out forgets the key');
  await expectStatus('PUT', `/clients/${SHOP}/mapping`, { fields: { amount: '/price' } }, 201);
  await page.fill('#key', ADMIN_KEY);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#app:not([hidden])');
  const adminClients = await page.$$eval('#client option', (options) => options.map((o) => o.value));
  assert.ok(adminClients.includes(SHOP) && adminClients.includes(OTHER), 'an admin key sees every client');
  await page.selectOption('#client', SHOP);
  await page.click('.tabs a[data-tab="mappings"]');
  await page.waitForFunction(() => document.querySelector('#mapping-version').textContent.startsWith('version 1'));
  assert.match(await page.textContent('#mapping-current'), /"amount": "\/price"/);
  await page.click('.tabs a[data-tab="replays"]');
  await page.click('#replay-form button[type=submit]');
  const replayRow = page.locator('#replays tbody tr').first();
  await page.waitForFunction(() => document.querySelector('#replays tbody tr')?.dataset.state === 'succeeded', null, { timeout: 60_000 });
  const replayId = Number(await replayRow.getAttribute('data-replay'));
  const replay = await expectStatus('GET', `/replays/${replayId}`, undefined, 200);
  assert.equal(replay.state, 'succeeded');
  assert.equal(replay.accepted, priced, 'the priced events are accepted by the replay');
  assert.equal((await replayRow.locator('td').nth(4).textContent()).trim(), String(priced));
  step(`replay #${replayId} started from the page, shown succeeded: ${replay.processed} processed, ${replay.accepted} accepted`);
  await page.screenshot({ path: `${SHOTS}/4-replays-admin.png`, fullPage: true });

  await page.click('.tabs a[data-tab="keys"]');
  await page.selectOption('#key-form select[name=role]', 'read');
  await page.fill('#key-form input[name=clientIds]', SHOP);
  await page.fill('#key-form input[name=description]', 'made in the browser test');
  await page.click('#key-form button[type=submit]');
  await page.waitForSelector('#key-secret:not([hidden])');
  const secret = (await page.textContent('#key-secret-value')).trim();
  assert.match(secret, /^tally_/);
  assert.equal((await call('GET', '/session', undefined, secret)).status, 200, 'the new key works');
  const keys = (await expectStatus('GET', '/keys', undefined, 200)).items;
  const made = keys.find((k) => k.description === 'made in the browser test');
  page.once('dialog', (dialog) => dialog.accept());
  await page.click(`button[data-revoke="${made.id}"]`);
  await page.waitForSelector(`#keys tr[data-key="${made.id}"] .state.revoked`);
  step(`key ${made.id} created (secret shown once) and revoked from the page`);

  await page.click('.tabs a[data-tab="overview"]');
  await page.waitForFunction(() => document.querySelector('#outcome-stats [data-status="accepted"] .value')?.textContent === '9');
  // The row left rejected now lacks the price the mapping points at: its code changed, and it is the only example left.
  await page.waitForFunction((id) => {
    const links = [...document.querySelectorAll('#rejections .examples a')].map((a) => a.dataset.raw);
    return links.length === 1 && links[0] === String(id);
  }, wordAmount.id);
  await page.screenshot({ path: `${SHOTS}/5-overview-admin.png`, fullPage: false });

  // Narrow screens: the same page, one column.
  await page.setViewportSize({ width: 420, height: 900 });
  await page.screenshot({ path: `${SHOTS}/6-overview-narrow.png`, fullPage: false });
  step(`after the replay: 9 accepted, 1 rejected; its only example is raw event #${wordAmount.id}`);
} finally {
  await browser.close();
}
assert.deepEqual(problems, [], 'no page errors and no CSP violations');
console.log(`  ok: screenshots in ${SHOTS}`);
