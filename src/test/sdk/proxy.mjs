// An HTTP proxy between one SDK and Tally. It records every delivery (each request with the messages in its
// body, and what became of it) and, once armed, has Tally killed mid-flush: it forwards a matching request's
// whole body, kills Tally with SIGKILL, withholds whatever Tally may have answered and cuts the SDK's
// connection, so the SDK sees a failed request. Until a restarted Tally is ready, new requests (the SDK's
// retries) are held; then they are forwarded to it. The proxy never sends anything on its own: every delivery
// after the kill is one the SDK made.
// Holding is what a queueing load balancer in front of Tally does, and it matters: RudderStack's default retries
// (3, within about 2 s) would all meet a refused connection during a restart of several seconds and give up
// (src/test/resources/sdk/measured/retries.md, "reset"); held, its first retry simply waits for the new Tally.
import http from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import { kill, restart } from './tally.mjs';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function endToEnd(headers) {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

/** The SDK messages in a request body: a batch's elements, or the body itself for single calls. */
function messagesOf(headers, body) {
  try {
    const encoding = (headers['content-encoding'] ?? '').toLowerCase();
    const bytes = encoding === 'gzip' ? gunzipSync(body) : encoding === 'deflate' ? inflateSync(body) : body;
    const json = JSON.parse(bytes.toString('utf8'));
    return (Array.isArray(json.batch) ? json.batch : [json]).map((message) => ({
      id: message.messageId ?? message.uuid,
      type: message.type ?? 'capture',
      event: message.event,
      message,
    }));
  } catch {
    return [];
  }
}

function readBody(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export class KillProxy {
  /** { seq, path, retryCount, messages, outcome, status, answer, heldMs, ... } per request, in arrival order. */
  deliveries = [];
  /** Called (awaited) after the kill, before the restart: a look at the database while Tally is down. */
  onKilled = null;
  /** The error that broke the kill and restart, if any. */
  failure = null;

  #target;
  #server;
  #armed = null;
  #down = null;
  #outage = null;

  constructor(targetUrl) {
    this.#target = new URL(targetUrl);
  }

  async listen() {
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch((error) => {
        this.failure ??= error;
        res.destroy();
      });
    });
    await new Promise((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${this.#server.address().port}`;
  }

  /**
   * Arms the kill: the next request for which matches(delivery) is true is forwarded whole, then Tally is killed;
   * when killAt(delivery) is given, the kill waits for it to resolve (e.g. until the batch is in the database).
   */
  killAfter(matches, killAt = async () => {}) {
    this.#armed = { matches, killAt };
  }

  /** Resolves when the kill and the restart are over (rejects if they failed). */
  async outageOver() {
    await this.#outage;
  }

  async close() {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #handle(req, res) {
    const body = await readBody(req);
    const delivery = {
      seq: this.deliveries.length + 1,
      path: req.url,
      retryCount: req.headers['x-retry-count'],
      messages: messagesOf(req.headers, body),
      receivedAt: Date.now(),
      outcome: 'in flight',
    };
    this.deliveries.push(delivery);
    if (this.#down) {
      const heldFrom = Date.now();
      let closedAt = null;
      req.socket.once('close', () => {
        closedAt = Date.now();
      });
      await this.#down;
      if (closedAt !== null) {
        // The SDK gave up waiting (its request timeout) before Tally was back: nothing is forwarded.
        delivery.outcome = 'abandoned by the SDK';
        delivery.heldMs = closedAt - heldFrom;
        return;
      }
      delivery.heldMs = Date.now() - heldFrom;
    }
    const upstream = http.request({
      host: this.#target.hostname,
      port: this.#target.port,
      method: req.method,
      path: req.url,
      headers: { ...endToEnd(req.headers), host: this.#target.host, 'content-length': body.length },
      agent: false,
    });
    const armed = this.#armed;
    if (armed?.matches(delivery)) {
      this.#armed = null;
      this.#outage = this.#killDuring(delivery, upstream, body, req, armed.killAt);
      this.#down = this.#outage.catch(() => {});
      this.#down.then(() => {
        this.#down = null;
      });
      await this.#outage.catch((error) => {
        this.failure ??= error;
      });
      return;
    }
    upstream.on('response', async (answer) => {
      const bytes = await readBody(answer);
      delivery.status = answer.statusCode;
      try {
        delivery.answer = JSON.parse(bytes.toString('utf8'));
      } catch {
        delivery.answer = bytes.toString('utf8');
      }
      delivery.outcome = req.socket.destroyed ? 'answered after the SDK gave up' : 'answered';
      const headers = endToEnd(answer.headers);
      delete headers['content-length'];
      res.writeHead(answer.statusCode, { ...headers, 'content-length': bytes.length });
      res.end(bytes);
    });
    upstream.on('error', (error) => {
      delivery.outcome = 'upstream error';
      delivery.error = error.code ?? error.message;
      res.destroy();
    });
    upstream.end(body);
  }

  async #killDuring(delivery, upstream, body, req, killAt) {
    upstream.on('response', (answer) => {
      delivery.answeredBeforeKill = answer.statusCode; // withheld: the SDK never sees it
      answer.resume();
    });
    upstream.on('error', () => {}); // the connection dies with Tally
    // 'finish': the whole request, body included, has been handed to the operating system towards Tally.
    await new Promise((resolve) => {
      upstream.on('finish', resolve);
      upstream.end(body);
    });
    delivery.forwardedAt = Date.now();
    await killAt(delivery);
    delivery.killedPid = await kill();
    delivery.killedAt = Date.now();
    delivery.outcome = 'killed';
    req.socket.destroy();
    if (this.onKilled) {
      await this.onKilled(delivery);
    }
    delivery.restartedPid = await restart(delivery.killedPid);
    delivery.readyAt = Date.now();
  }
}
