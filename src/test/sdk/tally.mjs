// The Tally that run.sh started, as e2e.mjs uses it: its admin API, its database (through psql, so the suite
// needs no database driver) and its process (killed here, started again by run.sh on request).
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function setting(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the suite through src/test/sdk/run.sh`);
  }
  return value;
}

export const TALLY_URL = setting('TALLY_URL');
const HEALTH_URL = setting('TALLY_HEALTH_URL');
const ADMIN_KEY = setting('TALLY_ADMIN_KEY');
const PID_FILE = setting('TALLY_PID_FILE');
const RUNNER_PID = Number(setting('TALLY_RUNNER_PID'));
const DB = setting('TALLY_DB');
const OUT = setting('SDK_E2E_OUT');
const PSQL = ['-h', '127.0.0.1', '-U', 'postgres', '-d', DB, '-v', 'ON_ERROR_STOP=1', '-qAt'];

/** An admin request; returns { status, json, text }. */
export async function api(method, path, body) {
  const response = await fetch(TALLY_URL + path, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

async function expectStatus(statuses, method, path, body) {
  const answer = await api(method, path, body);
  if (!statuses.includes(answer.status)) {
    throw new Error(`${method} ${path} answered ${answer.status}: ${answer.text}`);
  }
  return answer.json;
}

/** A new ingest key bound to one client: { id, secret } (the secret is what the SDKs call write key or api_key). */
export async function createIngestKey(clientId) {
  const created = await expectStatus([201, 200], 'POST', '/keys',
    { role: 'ingest', clientIds: [clientId], description: `SDK end-to-end: ${clientId}` });
  return { id: created.id, secret: created.key };
}

/** Stores a mapping that starts from an SDK preset; returns its version. */
export async function putPresetMapping(clientId, preset, fields) {
  const stored = await expectStatus([201, 200], 'PUT', `/clients/${clientId}/mapping`, { preset, fields });
  return stored.version;
}

/** Refreshes the aggregates, then reads a client's totals: { metric: { count, sum } }. */
export async function totals(clientId) {
  await expectStatus([200], 'POST', '/aggregates/refresh');
  const page = await expectStatus([200], 'GET', `/aggregates?clientId=${clientId}&granularity=total`);
  return Object.fromEntries(page.rows.map((row) => [row.metric, { count: row.count, sum: row.sum }]));
}

/** Runs one statement through psql; returns its unaligned output. */
export function psql(statement) {
  return new Promise((resolve, reject) => {
    execFile('psql', [...PSQL, '-c', statement],
      { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`psql: ${stderr || error.message}`)) : resolve(stdout.trim())));
  });
}

/** The rows of a query as objects (json_agg on the database side, so types and text survive exactly). */
export async function rows(query) {
  return JSON.parse(await psql(`SELECT coalesce(json_agg(q), '[]') FROM (${query}) q`));
}

/**
 * Holds a SHARE lock on events in a psql session of its own until release(): Tally's ingest then commits its raw
 * rows and waits at the events insert, so a kill leaves the rows pending (as PipelineFaultsTest does in-process).
 */
export async function lockEvents() {
  const session = spawn('psql', PSQL, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(session, 'exit');
  session.stdin.write("BEGIN; LOCK TABLE events IN SHARE MODE; SELECT 'locked';\n");
  let output = '';
  const locked = new Promise((resolve) => {
    session.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('locked')) {
        resolve(true);
      }
    });
  });
  const outcome = await Promise.race([locked, exited.then(() => false), sleep(30_000).then(() => false)]);
  if (!outcome) {
    session.kill();
    throw new Error('could not lock the events table within 30 s');
  }
  return {
    async release() {
      if (session.exitCode === null) {
        session.stdin.end('COMMIT;\n');
        await exited;
      }
    },
  };
}

/** What the recovery job says it did in the logs of every Tally started so far: the sum of "Recovered N". */
export function recoveredInLogs() {
  let total = 0;
  for (const name of readdirSync(OUT).filter((file) => /^tally-\d+\.log$/.test(file))) {
    for (const match of readFileSync(join(OUT, name), 'utf8').matchAll(/Recovered (\d+) pending raw events/g)) {
      total += Number(match[1]);
    }
  }
  return total;
}

/** A SQL string literal. */
export function literal(text) {
  return `'${String(text).replaceAll("'", "''")}'`;
}

/** The pid run.sh wrote for the running java process, or null while there is none. */
function currentPid() {
  const text = readFileSync(PID_FILE, 'utf8').trim();
  // Never 0 or negative: process.kill would signal a whole process group.
  return /^[1-9][0-9]*$/.test(text) && Number(text) > 1 ? Number(text) : null;
}

function isGone(pid) {
  // Killed, the java process stays a zombie until run.sh reaps it: dead all the same.
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
  } catch {
    return true;
  }
}

/** SIGKILL to the running java process; resolves with its pid once it is dead. */
export async function kill() {
  const pid = currentPid();
  if (pid === null) {
    throw new Error(`no Tally pid in ${PID_FILE}`);
  }
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (!isGone(pid)) {
    if (Date.now() > deadline) {
      throw new Error(`Tally (pid ${pid}) still alive 10 s after SIGKILL`);
    }
    await sleep(10);
  }
  return pid;
}

/** Asks run.sh for a new Tally (same port, same database); resolves with its pid once it is ready. */
export async function restart(oldPid) {
  process.kill(RUNNER_PID, 'SIGUSR1');
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (Date.now() > deadline) {
      throw new Error('no ready Tally within 120 s of asking run.sh for a restart');
    }
    const pid = currentPid();
    if (pid === null || pid === oldPid) {
      await sleep(100);
      continue;
    }
    if (isGone(pid)) {
      throw new Error(`the restarted Tally (pid ${pid}) exited during startup; see its log in target/sdk-e2e`);
    }
    if (await ready()) {
      return pid;
    }
    await sleep(100);
  }
}

async function ready() {
  try {
    const response = await fetch(HEALTH_URL, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}
