// The Tally run.sh started, as e2e.mjs uses it: its admin API and its database (through psql: no database driver).
import { execFile } from 'node:child_process';

function setting(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the suite through src/test/browser-sdk/run.sh`);
  }
  return value;
}

export const TALLY_URL = setting('TALLY_URL');
const ADMIN_KEY = setting('TALLY_ADMIN_KEY');
const DB = setting('TALLY_DB');
const PSQL = ['-h', '127.0.0.1', '-U', 'postgres', '-d', DB, '-v', 'ON_ERROR_STOP=1', '-qAt'];

async function api(method, path, body, statuses) {
  const response = await fetch(TALLY_URL + path, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!statuses.includes(response.status)) {
    throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  }
  return JSON.parse(text);
}

/** An ingest key for one client that browsers may send from these origins only: { id, secret }. */
export async function browserKey(clientId, allowedOrigins) {
  const created = await api('POST', '/keys',
    { role: 'ingest', clientIds: [clientId], allowedOrigins, description: `browser suite: ${clientId}` }, [201]);
  return { id: created.id, secret: created.key };
}

export async function presetMapping(clientId, preset, fields) {
  await api('PUT', `/clients/${clientId}/mapping`, { preset, fields }, [200, 201]);
}

/** Refreshes the aggregates, then a client's totals: { metric: count }. */
export async function counts(clientId) {
  await api('POST', '/aggregates/refresh', undefined, [200]);
  const page = await api('GET', `/aggregates?clientId=${clientId}&granularity=total`, undefined, [200]);
  return Object.fromEntries(page.rows.map((row) => [row.metric, row.count]));
}

export function psql(statement) {
  return new Promise((resolve, reject) => {
    execFile('psql', [...PSQL, '-c', statement], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`psql: ${stderr || error.message}`)) : resolve(stdout.trim())));
  });
}

export async function rows(query) {
  return JSON.parse(await psql(`SELECT coalesce(json_agg(q), '[]') FROM (${query}) q`));
}

export function literal(text) {
  return `'${String(text).replaceAll("'", "''")}'`;
}
