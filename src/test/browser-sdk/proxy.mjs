// A recording HTTP proxy between the browser and Tally: every request the SDKs make is recorded (method, path,
// the headers that matter, how the body is encoded, Tally's status), and it can lose an answer: for the first
// request that matches, Tally's answer is withheld and the browser's connection cut, so the SDK sees a failed
// request although Tally stored it — its retry must count once. The Host header is passed on unchanged, so the
// configuration Tally answers points the SDKs back at this proxy.
import http from 'node:http';
import { gunzipSync } from 'node:zlib';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function readBody(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** How a request body is encoded, as the report lists it. */
function encodingOf(method, url, headers, body) {
  if (method === 'OPTIONS' || method === 'GET' || body.length === 0) {
    return method === 'GET' && url.includes('?') && /\/i\?/.test(url) ? 'query parameters' : '-';
  }
  const type = (headers['content-type'] ?? '(none)').split(';')[0];
  if (body[0] === 0x1f && body[1] === 0x8b) {
    return `gzip bytes (${type}${/compression=gzip-js/.test(url) ? ', ?compression=gzip-js' : ''})`;
  }
  if (body.toString('latin1').startsWith('data=')) {
    return `base64 form data= (${type})`;
  }
  return `JSON (${type})`;
}

/** A body as text: gzip undone, posthog-js' base64 form decoded; what a predicate or a reader looks for. */
export function bodyText(body) {
  try {
    if (body[0] === 0x1f && body[1] === 0x8b) {
      return gunzipSync(body).toString('utf8');
    }
    const text = body.toString('utf8');
    if (text.startsWith('data=')) {
      return Buffer.from(decodeURIComponent(text.slice(5).split('&')[0]), 'base64').toString('utf8');
    }
    return text;
  } catch {
    return body.toString('latin1');
  }
}

export class RecordingProxy {
  /** { seq, method, path, origin, headers, encoding, status, lost, body } in arrival order. */
  requests = [];
  #target;
  #server;
  #lose = null;

  constructor(targetUrl) {
    this.#target = new URL(targetUrl);
  }

  /** The answer to the first request for which predicate(method, path, body) holds is lost; resolves with that request. */
  loseAnswerOnce(predicate) {
    return new Promise((resolve) => {
      this.#lose = { predicate, resolve };
    });
  }

  listen(port) {
    this.#server = http.createServer((request, response) => this.#forward(request, response).catch((error) => {
      console.error(`proxy: ${request.method} ${request.url}: ${error.message}`);
      response.destroy();
    }));
    return new Promise((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
  }

  close() {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(resolve));
  }

  async #forward(request, response) {
    const body = await readBody(request);
    const record = {
      seq: this.requests.length + 1,
      method: request.method,
      path: request.url,
      origin: request.headers.origin ?? null,
      headers: Object.fromEntries(['content-type', 'authorization', 'x-api-key', 'access-control-request-method',
        'access-control-request-headers', 'anonymousid', 'sec-fetch-mode'].filter((name) => request.headers[name] !== undefined)
        .map((name) => [name, name === 'authorization' ? request.headers[name].split(' ')[0] + ' …'
          : name === 'x-api-key' ? '…' : request.headers[name]])),
      encoding: encodingOf(request.method, request.url, request.headers, body),
      allHeaders: request.headers,
      body,
      status: null,
      lost: false,
    };
    this.requests.push(record);
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
    headers['content-length'] = String(body.length);
    const answer = await new Promise((resolve, reject) => {
      const upstream = http.request({ host: this.#target.hostname, port: this.#target.port, method: request.method,
        path: request.url, headers }, resolve);
      upstream.on('error', reject);
      upstream.end(body);
    });
    const answerBody = await readBody(answer);
    record.status = answer.statusCode;
    record.answer = answerBody.toString('utf8').slice(0, 300);
    record.answerType = answer.headers['content-type'] ?? null;
    record.allowOrigin = answer.headers['access-control-allow-origin'] ?? null;
    const lose = this.#lose;
    if (lose && request.method !== 'OPTIONS' && lose.predicate(request.method, request.url, body)) {
      this.#lose = null;
      record.lost = true;
      response.destroy();
      lose.resolve(record);
      return;
    }
    response.writeHead(answer.statusCode, Object.fromEntries(Object.entries(answer.headers)
      .filter(([name]) => !HOP_BY_HOP.has(name))));
    response.end(answerBody);
  }
}
