// The web site: a page per SDK and the SDK bundles, on an origin of its own (another port than Tally's; as
// http://127.0.0.1:<port> it is the origin the keys allow, as http://localhost:<port> one they do not).
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export function servePages(bundles, port) {
  const server = http.createServer(async (request, response) => {
    const path = new URL(request.url, 'http://pages').pathname;
    const sdk = /^\/(posthog|segment|rudderstack|snowplow)\.html$/.exec(path)?.[1];
    const bundle = /^\/bundles\/(posthog|segment|rudderstack|snowplow)\.js$/.exec(path)?.[1];
    if (sdk) {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><html><head><meta charset="utf-8"><title>${sdk}</title>`
        + `<script src="/bundles/${sdk}.js"></script></head><body><p>${sdk}</p></body></html>`);
    } else if (bundle) {
      response.writeHead(200, { 'Content-Type': 'text/javascript' });
      response.end(await readFile(join(bundles, `${bundle}.js`)));
    } else if (path === '/blank.html') {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<!doctype html><title>left</title>');
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
