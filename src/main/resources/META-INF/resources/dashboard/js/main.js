// The dashboard: signs in with an API key, then shows the clients that key may read. Data only from Tally's API
// (docs/dashboard.md lists the endpoints); polls with If-None-Match and pauses while the tab is hidden.
import { api, session, query, ApiError } from './api.js';
import { $, el, clear, formatNumber, formatInstant } from './dom.js';
import { rangeWindow, buckets as bucketStarts, viewerZone } from './time.js';
import { stackedBars, lineChart } from './chart.js';

const STATUSES = ['accepted', 'duplicate', 'rejected', 'conflict', 'unparseable', 'pending'];
const POLL_MS = 10_000;
const REPLAY_POLL_MS = 1_000;
const ZONES = ['UTC', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Kolkata',
  'Asia/Tokyo', 'Australia/Sydney'];

const state = {
  me: null, client: null, range: '24h', granularity: 'hour', tz: viewerZone(), stat: 'count', tab: 'overview',
  timer: null, replayTimer: null,
};

// ---------------------------------------------------------------- sign-in

async function signIn(key) {
  session.key = key;
  try {
    state.me = await api.get('/session');
  } catch (error) {
    session.key = null;
    throw error;
  }
  showApp();
}

function signOut(message = '') {
  session.key = null;
  state.me = null;
  api.forget();
  stopPolling();
  $('#app').hidden = true;
  $('#controls').hidden = true;
  $('#who').hidden = true;
  $('#sign-in').hidden = false;
  $('#sign-in-error').textContent = message;
  $('#key').value = '';
  $('#key').focus();
}

function showApp() {
  const me = state.me;
  document.body.classList.toggle('admin', me.role === 'admin');
  $('#who-role').textContent = `${me.role} key${me.scoped ? ` · ${me.clients.length} client${me.clients.length === 1 ? '' : 's'}` : ''}`;
  const clients = clear($('#client'));
  for (const id of me.clients) clients.append(el('option', { value: id }, id));
  if (me.clients.length === 0) clients.append(el('option', { value: '' }, 'no clients yet'));
  state.client = me.clients.includes(state.client) ? state.client : (me.clients[0] || null);
  clients.value = state.client || '';
  $('#sign-in').hidden = true;
  $('#app').hidden = false;
  $('#controls').hidden = false;
  $('#who').hidden = false;
  selectTab(location.hash.slice(1) || 'overview');
}

// ---------------------------------------------------------------- tabs and polling

function selectTab(tab) {
  const link = document.querySelector(`.tabs a[data-tab="${CSS.escape(tab)}"]`);
  if (!link || (link.classList.contains('admin-only') && state.me.role !== 'admin')) tab = 'overview';
  state.tab = tab;
  for (const a of document.querySelectorAll('.tabs a')) {
    a.toggleAttribute('aria-current', a.dataset.tab === tab);
    if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
  }
  for (const section of document.querySelectorAll('.tab')) section.hidden = section.id !== `tab-${tab}`;
  refresh();
}

function stopPolling() {
  clearTimeout(state.timer);
  clearTimeout(state.replayTimer);
  state.timer = null;
  state.replayTimer = null;
}

async function refresh() {
  clearTimeout(state.timer);
  if (!state.me || document.hidden) return;
  try {
    if (!state.client) {
      showEmptyClient();
    } else if (state.tab === 'overview') {
      await loadOutcomes();
    } else if (state.tab === 'metrics') {
      await loadMetrics();
    } else if (state.tab === 'replays') {
      await loadReplays();
    } else if (state.tab === 'mappings') {
      await loadMappings();
    } else if (state.tab === 'keys') {
      await loadKeys();
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut('Tally refused the key (revoked?). Sign in again.');
      return;
    }
    $('#freshness').textContent = `Could not reach Tally: ${error.message}`;
    $('#freshness').classList.add('stale');
  }
  if (state.me && (state.tab === 'overview' || state.tab === 'metrics')) {
    state.timer = setTimeout(refresh, POLL_MS);
  }
}

let resizing = null;
window.addEventListener('resize', () => {
  clearTimeout(resizing);
  resizing = setTimeout(refresh, 250);
});

document.addEventListener('visibilitychange', () => {
  if (document.hidden) {
    stopPolling();
  } else if (state.me) {
    refresh();
  }
});

function showEmptyClient() {
  $('#freshness').textContent = 'No client has sent events yet';
}

function showFreshness(asOf) {
  if (!asOf) return;
  const lag = Math.max(0, Math.round((Date.now() - new Date(asOf).getTime()) / 1000));
  const node = $('#freshness');
  node.textContent = `as of ${formatInstant(asOf, state.tz)} · ${lag < 2 ? 'live' : `${formatNumber(lag)} s behind`}`;
  node.dataset.lagSeconds = String(lag);
  node.classList.toggle('stale', lag > 60);
}

function range() {
  const { from, to } = rangeWindow(state.range, state.granularity, state.tz);
  return { from, to, starts: bucketStarts(from, to, state.granularity, state.tz) };
}

function bucketIndex(starts) {
  return new Map(starts.map((start, i) => [start.getTime(), i]));
}

// ---------------------------------------------------------------- overview: outcomes

async function loadOutcomes() {
  const { from, to, starts } = range();
  const path = `/outcomes?${query({ clientId: state.client, granularity: state.granularity, tz: state.tz,
    from: from.toISOString(), to: to.toISOString(), limit: 10000 })}`;
  const { data, asOf } = await api.poll(path);
  showFreshness(data.asOf || asOf);
  const index = bucketIndex(starts);
  const series = STATUSES.map((key) => ({ key, values: new Array(starts.length).fill(0) }));
  const totals = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const bucket of data.buckets) {
    const i = index.get(new Date(bucket.bucket).getTime());
    for (const s of series) {
      if (i !== undefined) s.values[i] += bucket[s.key];
      totals[s.key] += bucket[s.key];
    }
  }
  renderStats(totals);
  stackedBars($('#outcome-chart'), { buckets: starts, series, unit: state.granularity, timeZone: state.tz,
    title: `Raw events of ${state.client} by status` });
  renderLegend();
  renderRejections(data.rejections);
}

function renderStats(totals) {
  const all = STATUSES.reduce((sum, s) => sum + totals[s], 0);
  const stats = clear($('#outcome-stats'));
  stats.append(el('div', { class: 'stat', 'data-status': 'received' },
    el('div', { class: 'label' }, 'received'), el('div', { class: 'value' }, formatNumber(all)),
    el('div', { class: 'share' }, 'raw rows in range')));
  for (const s of STATUSES) {
    stats.append(el('div', { class: 'stat', 'data-status': s },
      el('div', { class: 'label' }, el('span', { class: `swatch s-${s}` }), s),
      el('div', { class: 'value' }, formatNumber(totals[s])),
      el('div', { class: 'share' }, all ? `${formatNumber((100 * totals[s]) / all)} %` : '–')));
  }
}

function renderLegend() {
  const legend = clear($('#outcome-legend'));
  for (const s of STATUSES) legend.append(el('span', {}, el('i', { class: `swatch s-${s}` }), s));
}

function renderRejections(rejections) {
  const body = clear($('#rejections tbody'));
  $('#rejections-empty').hidden = rejections.length > 0;
  $('#rejections').hidden = rejections.length === 0;
  for (const r of rejections) {
    const links = r.examples.map((id) => el('a', { href: `#raw-${id}`, 'data-raw': id, title: 'Show the raw event' }, `#${id}`));
    body.append(el('tr', { 'data-code': r.code },
      el('td', {}, el('code', {}, r.code)),
      el('td', {}, formatNumber(r.rows)),
      el('td', { class: 'reason' }, r.message || ''),
      el('td', { class: 'examples' }, links)));
  }
}

// ---------------------------------------------------------------- raw rows

async function showRaw(id) {
  const row = await api.get(`/raw-events/${encodeURIComponent(id)}`);
  $('#raw-title').textContent = `Raw event #${row.id}`;
  const facts = clear($('#raw-facts'));
  const fact = (name, value) => { if (value !== undefined && value !== null) facts.append(el('dt', {}, name), el('dd', {}, value)); };
  fact('Client', row.clientId);
  fact('Status', el('span', { class: `state ${row.status}` }, row.status));
  fact('Received', formatInstant(row.receivedAt, state.tz));
  fact('Processed', formatInstant(row.processedAt, state.tz));
  fact('Mapping version', row.mappingVersion);
  fact('Settle error', row.settleError);
  const reasons = clear($('#raw-reasons tbody'));
  for (const r of row.reasons || []) {
    reasons.append(el('tr', {}, el('td', {}, r.field || '—'), el('td', {}, el('code', {}, r.code)), el('td', { class: 'reason' }, r.message)));
  }
  $('#raw-reasons').hidden = !(row.reasons && row.reasons.length);
  $('#raw-body').textContent = row.payload !== undefined ? JSON.stringify(row.payload, null, 2) : (row.rawText ?? '');
  $('#raw-dialog').showModal();
}

// ---------------------------------------------------------------- metrics: aggregates

async function loadMetrics() {
  const { from, to, starts } = range();
  const path = `/aggregates?${query({ clientId: state.client, granularity: state.granularity, tz: state.tz,
    from: from.toISOString(), to: to.toISOString(), limit: 10000 })}`;
  const { data, asOf } = await api.poll(path);
  showFreshness(data.asOf || asOf);
  const index = bucketIndex(starts);
  const byMetric = new Map();
  for (const row of data.rows) {
    if (!byMetric.has(row.metric)) byMetric.set(row.metric, []);
    byMetric.get(row.metric).push(row);
  }
  const charts = clear($('#metric-charts'));
  $('#metrics-empty').hidden = byMetric.size > 0;
  for (const [metric, rows] of byMetric) {
    const values = new Array(starts.length).fill(null);
    let count = 0;
    let sum = 0;
    for (const row of rows) {
      const i = index.get(new Date(row.bucket).getTime());
      if (i !== undefined) values[i] = Number(row[state.stat]);
      count += row.count;
      sum += Number(row.sum);
    }
    const chart = el('div', { class: 'chart' });
    charts.append(el('div', { class: 'card metric-card', 'data-metric': metric },
      el('div', { class: 'card-head' }, el('h2', {}, metric),
        el('span', { class: 'total' }, `${formatNumber(count)} events · sum ${formatNumber(sum)}`)),
      chart));
    lineChart(chart, { buckets: starts, values, unit: state.granularity, timeZone: state.tz, title: `${metric} ${state.stat}` });
  }
}

// ---------------------------------------------------------------- replays (admin)

async function loadReplays() {
  clearTimeout(state.replayTimer);
  const page = await api.get(`/replays?${query({ clientId: state.client, limit: 20 })}`);
  const body = clear($('#replays tbody'));
  $('#replays-empty').hidden = page.items.length > 0;
  for (const r of page.items) {
    const cancel = r.state === 'running'
      ? el('button', { type: 'button', class: 'danger', 'data-cancel': r.id }, 'Cancel') : '';
    body.append(el('tr', { 'data-replay': r.id, 'data-state': r.state },
      el('td', {}, `#${r.id}`),
      el('td', {}, r.statuses.join(', ')),
      el('td', {}, el('span', { class: `state ${r.state}` }, r.state)),
      el('td', {}, el('progress', { class: 'meter', max: Math.max(r.total, 1), value: r.state === 'succeeded' ? Math.max(r.total, 1) : r.processed }),
        ` ${formatNumber(r.processed)} / ${formatNumber(r.total)}`),
      el('td', {}, formatNumber(r.accepted)), el('td', {}, formatNumber(r.duplicates)),
      el('td', {}, formatNumber(r.rejected)), el('td', {}, formatNumber(r.conflicts)), el('td', {}, formatNumber(r.failed)),
      el('td', {}, formatInstant(r.startedAt, state.tz)),
      el('td', {}, cancel)));
  }
  if (page.items.some((r) => r.state === 'running') && state.tab === 'replays' && !document.hidden) {
    state.replayTimer = setTimeout(() => loadReplays().catch(() => {}), REPLAY_POLL_MS);
  }
}

async function startReplay(form) {
  const data = new FormData(form);
  const body = { clientId: state.client, statuses: data.getAll('statuses') };
  if (data.get('from')) body.from = new Date(data.get('from')).toISOString();
  if (data.get('to')) body.to = new Date(data.get('to')).toISOString();
  await api.post('/replays', body);
  await loadReplays();
}

// ---------------------------------------------------------------- mappings (admin)

async function loadMappings() {
  const client = encodeURIComponent(state.client);
  let current = null;
  try {
    current = await api.get(`/clients/${client}/mapping`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  $('#mapping-version').textContent = current ? `version ${current.version} · since ${formatInstant(current.createdAt, state.tz)}`
    : 'no mapping: the default rules apply';
  $('#mapping-current').textContent = current ? JSON.stringify(current.definition, null, 2) : '{}';
  const { versions } = await api.get(`/clients/${client}/mapping/versions`);
  const history = clear($('#mapping-history'));
  for (const v of [...versions].reverse()) {
    history.append(el('li', { value: v.version },
      el('strong', {}, `Version ${v.version}`), el('span', { class: 'when' }, formatInstant(v.createdAt, state.tz)),
      el('pre', { class: 'code' }, JSON.stringify(v.definition, null, 2))));
  }
  if (versions.length === 0) history.append(el('li', { class: 'empty' }, 'No versions yet.'));
}

// ---------------------------------------------------------------- API keys (admin)

async function loadKeys() {
  const { items } = await api.get('/keys');
  const body = clear($('#keys tbody'));
  for (const k of items) {
    const revoke = k.revokedAt || k.id === 'bootstrap' ? ''
      : el('button', { type: 'button', class: 'danger', 'data-revoke': k.id }, 'Revoke');
    body.append(el('tr', { 'data-key': k.id },
      el('td', {}, el('code', {}, k.id)), el('td', {}, k.role),
      el('td', {}, k.clientIds ? k.clientIds.join(', ') : (k.role === 'read' ? 'all' : '—')),
      el('td', {}, k.description || ''), el('td', {}, formatInstant(k.createdAt, state.tz)),
      el('td', {}, el('span', { class: `state ${k.revokedAt ? 'revoked' : 'succeeded'}` }, k.revokedAt ? 'revoked' : 'active')),
      el('td', {}, revoke)));
  }
}

async function createKey(form) {
  const data = new FormData(form);
  const body = { role: data.get('role') };
  const clients = String(data.get('clientIds') || '').split(',').map((s) => s.trim()).filter(Boolean);
  if (clients.length) body.clientIds = clients;
  if (data.get('description')) body.description = data.get('description');
  const created = await api.post('/keys', body);
  $('#key-secret-value').textContent = created.key;
  $('#key-secret').hidden = false;
  form.reset();
  await loadKeys();
}

// ---------------------------------------------------------------- wiring

function problemText(error) {
  const errors = error.problem?.errors;
  return errors?.length ? errors.map((e) => e.message).join('; ') : error.message;
}

function wire() {
  $('#sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('#sign-in-error').textContent = '';
    try {
      await signIn($('#key').value.trim());
    } catch (error) {
      $('#sign-in-error').textContent = error instanceof ApiError && (error.status === 401 || error.status === 403)
        ? 'Tally did not accept this key for the dashboard (it needs a read or admin key).' : `Sign-in failed: ${error.message}`;
    }
  });
  $('#sign-out').addEventListener('click', () => signOut());
  const onChange = (id, apply) => $(id).addEventListener('change', (event) => { apply(event.target.value); refresh(); });
  onChange('#client', (v) => { state.client = v; });
  onChange('#range', (v) => {
    state.range = v;
    state.granularity = v === '30d' || v === '90d' ? 'day' : state.granularity;
    $('#granularity').value = state.granularity;
  });
  onChange('#granularity', (v) => { state.granularity = v; });
  onChange('#tz', (v) => { state.tz = v; });
  for (const button of document.querySelectorAll('#stat button')) {
    button.addEventListener('click', () => {
      state.stat = button.dataset.stat;
      for (const b of document.querySelectorAll('#stat button')) b.setAttribute('aria-pressed', String(b === button));
      refresh();
    });
  }
  window.addEventListener('hashchange', () => {
    const tab = location.hash.slice(1);
    if (state.me && document.querySelector(`.tabs a[data-tab="${CSS.escape(tab)}"]`)) selectTab(tab);
  });
  document.addEventListener('click', (event) => {
    const raw = event.target.closest('[data-raw]');
    if (raw) {
      event.preventDefault();
      showRaw(raw.dataset.raw).catch((error) => { $('#freshness').textContent = error.message; });
    }
    const cancel = event.target.closest('[data-cancel]');
    if (cancel) {
      cancel.disabled = true;
      api.post(`/replays/${cancel.dataset.cancel}/cancel`).then(loadReplays)
        .catch((error) => { $('#replay-error').textContent = problemText(error); });
    }
    const revoke = event.target.closest('[data-revoke]');
    if (revoke && window.confirm(`Revoke ${revoke.dataset.revoke}? Requests with it are refused from now on.`)) {
      api.delete(`/keys/${revoke.dataset.revoke}`).then(loadKeys)
        .catch((error) => { $('#key-error').textContent = problemText(error); });
    }
  });
  $('#raw-close').addEventListener('click', () => $('#raw-dialog').close());
  $('#replay-form').addEventListener('submit', (event) => {
    event.preventDefault();
    $('#replay-error').textContent = '';
    startReplay(event.target).catch((error) => { $('#replay-error').textContent = problemText(error); });
  });
  $('#key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    $('#key-error').textContent = '';
    $('#key-secret').hidden = true;
    createKey(event.target).catch((error) => { $('#key-error').textContent = problemText(error); });
  });
  $('#key-secret-copy').addEventListener('click', () => navigator.clipboard?.writeText($('#key-secret-value').textContent));

  const zones = new Set([viewerZone(), ...ZONES, ...(Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : [])]);
  const tz = $('#tz');
  for (const zone of zones) tz.append(el('option', { value: zone }, zone === viewerZone() ? `${zone} (yours)` : zone));
  tz.value = state.tz;
}

wire();
if (session.key) {
  signIn(session.key).catch(() => signOut('Sign in again: the key kept for this tab was refused.'));
} else {
  signOut();
}
