// Captures the HTTP requests the real Segment, RudderStack and PostHog Node SDKs send.
//
//   cd src/test/sdk && npm ci --no-audit --no-fund && node capture.mjs
//
// One recording server (node:http only) per SDK, each on a free port of 127.0.0.1. Every request is
// answered 200 with the body its SDK expects and written, in order of arrival, to
// src/test/resources/sdk/captured/<sdk>-<n>.json (existing <sdk>-*.json files are replaced):
//   { sdk, sdkVersion, method, path, headers, bodyBase64, decodedBody }
// decodedBody is the body text after undoing Content-Encoding (gzip/deflate, or gzip magic bytes).
// Nothing in those files is edited by hand; rerun this script to regenerate them.
import http from 'node:http';
import zlib from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, '../resources/sdk/captured');
const require = createRequire(import.meta.url);

const SDKS = {
  segment: { pkg: '@segment/analytics-node', okBody: '{"success":true}' },
  rudderstack: { pkg: '@rudderstack/rudder-sdk-node', okBody: '{"success":true}' },
  posthog: { pkg: 'posthog-node', okBody: '{"status":1}' },
};

function sdkVersion(pkg) {
  // package.json is not always exported; read it from node_modules directly
  const file = path.join(here, 'node_modules', pkg, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

export function decodeBody(headers, raw) {
  const enc = String(headers['content-encoding'] || '').toLowerCase().trim();
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return zlib.gunzipSync(raw).toString('utf8');
    if (enc === 'deflate') {
      try { return zlib.inflateSync(raw).toString('utf8'); } catch { return zlib.inflateRawSync(raw).toString('utf8'); }
    }
    if (enc === 'br') return zlib.brotliDecompressSync(raw).toString('utf8');
    if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) return zlib.gunzipSync(raw).toString('utf8');
  } catch (e) {
    return `<<could not decode (${enc || 'gzip magic'}): ${e.message}>>`;
  }
  return raw.toString('utf8');
}

/** Starts a recording server; resolves to { port, requests, close }. */
export function startRecorder(okBody) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      requests.push({
        method: req.method,
        path: req.url,
        headers: req.headers,
        bodyBase64: raw.toString('base64'),
        decodedBody: decodeBody(req.headers, raw),
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(okBody);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: server.address().port,
        requests,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}

async function driveSegment(host) {
  const { Analytics } = require('@segment/analytics-node');
  const analytics = new Analytics({ writeKey: 'tally_capture_segment_key', host });
  analytics.on('error', (e) => console.error('[segment] error event', e?.reason ?? e));
  analytics.track({ userId: 'user-42', event: 'Item Purchased', properties: { revenue: 12.5, currency: 'EUR' } });
  analytics.identify({ userId: 'user-42', traits: { name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' } });
  analytics.page({ userId: 'user-42', category: 'Docs', name: 'Getting Started', properties: { url: 'https://example.com/docs/start', title: 'Getting Started' } });
  analytics.track({ anonymousId: 'anon-7', event: 'order.completed', properties: { orderId: 'o-1001', total: 30, currency: 'EUR' } });
  await analytics.closeAndFlush();
}

async function driveRudderstack(host) {
  const Analytics = require('@rudderstack/rudder-sdk-node');
  const client = new Analytics('tally_capture_rudderstack_key', { dataPlaneUrl: host });
  client.track({ userId: 'user-42', event: 'Item Purchased', properties: { revenue: 12.5, currency: 'EUR' } });
  client.identify({ userId: 'user-42', traits: { name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' } });
  client.page({ userId: 'user-42', category: 'Docs', name: 'Getting Started', properties: { url: 'https://example.com/docs/start', title: 'Getting Started' } });
  client.track({ anonymousId: 'anon-7', event: 'order.completed', properties: { orderId: 'o-1001', total: 30, currency: 'EUR' } });
  await client.flush();
}

async function drivePosthog(host) {
  const { PostHog } = require('posthog-node');
  const client = new PostHog('tally_capture_posthog_key', { host });
  client.on('error', (e) => console.error('[posthog] error event', e?.message ?? e));
  client.capture({ distinctId: 'user-42', event: 'item purchased', properties: { revenue: 12.5 } });
  client.identify({ distinctId: 'user-42', properties: { name: 'Ada Lovelace', email: 'ada@example.com' } });
  client.alias({ distinctId: 'user-42', alias: 'anon-7' });
  if (typeof client.groupIdentify === 'function') {
    client.groupIdentify({ groupType: 'company', groupKey: 'acme', properties: { name: 'Acme Inc', employees: 42 } });
  }
  await client.shutdown();
}

const DRIVERS = { segment: driveSegment, rudderstack: driveRudderstack, posthog: drivePosthog };

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const only = process.argv.slice(2);
  for (const [sdk, { pkg, okBody }] of Object.entries(SDKS)) {
    if (only.length && !only.includes(sdk)) continue;
    const version = sdkVersion(pkg);
    const rec = await startRecorder(okBody);
    const host = `http://127.0.0.1:${rec.port}`;
    await DRIVERS[sdk](host);
    await new Promise((r) => setTimeout(r, 300)); // let late requests land
    await rec.close();
    for (const f of fs.readdirSync(outDir)) if (f.startsWith(`${sdk}-`) && f.endsWith('.json')) fs.unlinkSync(path.join(outDir, f));
    rec.requests.forEach((r, i) => {
      const file = path.join(outDir, `${sdk}-${i + 1}.json`);
      fs.writeFileSync(file, JSON.stringify({ sdk, sdkVersion: version, ...r }, null, 2) + '\n');
      console.log(`${sdk} ${version}: ${r.method} ${r.path} (${r.headers['content-encoding'] || 'identity'}, ${Buffer.from(r.bodyBase64, 'base64').length} bytes) -> ${path.relative(process.cwd(), file)}`);
    });
    if (!rec.requests.length) console.log(`${sdk} ${version}: NO REQUESTS RECORDED`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
}
