// The three SDKs behind one small interface, used as their READMEs (and Tally's) show. Batching is configured: a
// batch size above what a scenario sends and a long flush interval, so a scenario's messages leave in the flush
// the test calls (RudderStack still sends its very first message at once, on its own); so are RudderStack's
// errorHandler and log level. Retry settings and request timeouts are the SDKs' defaults throughout.
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { PostHog } from 'posthog-node';

const FLUSH_AT = 200;
const FLUSH_INTERVAL_MS = 600_000;
// How long a flush may take: long enough for a kill, a restart and the SDKs' retries on a loaded machine.
const FLUSH_TIMEOUT_MS = 120_000;

function failureText(error) {
  return String(error?.reason?.message ?? error?.message ?? error);
}

// Segment's calls, which RudderStack's SDK takes over unchanged; delivered(error) is their callback.
function segmentCalls(client, delivered) {
  return {
    track: (userId, event, revenue) => client.track({ userId, event, properties: { revenue } }, delivered),
    others: (userId) => {
      client.identify({ userId, traits: { plan: 'pro' } }, delivered);
      client.page({ userId, name: 'pricing', properties: { path: '/pricing' } }, delivered);
    },
  };
}

function segment({ host, writeKey }) {
  const client = new SegmentAnalytics({ writeKey, host, flushAt: FLUSH_AT, flushInterval: FLUSH_INTERVAL_MS });
  const failures = [];
  const delivered = (error) => error && failures.push(failureText(error));
  return {
    failures,
    ...segmentCalls(client, delivered),
    flush: () => client.closeAndFlush({ timeout: FLUSH_TIMEOUT_MS }),
  };
}

function rudderstack({ host, writeKey }) {
  const failures = [];
  const delivered = (error) => error && failures.push(failureText(error));
  // errorHandler as Tally's README advises: without it a failed flush that nobody awaits (the SDK's own first
  // one) is an unhandled rejection. It changes nothing about retries, which happen before it is called.
  // logLevel none: its console output would only repeat what the proxy records.
  const client = new RudderAnalytics(writeKey, { dataPlaneUrl: host, flushAt: FLUSH_AT, flushInterval: FLUSH_INTERVAL_MS,
    logLevel: 'none', errorHandler: delivered });
  return {
    failures,
    ...segmentCalls(client, delivered),
    flush: async () => {
      // flush() sends at most flushAt messages and waits for the flush before it: call it until the queue is empty.
      const deadline = Date.now() + FLUSH_TIMEOUT_MS;
      do {
        await client.flush().catch((error) => failures.push(failureText(error)));
      } while (client.queue.length > 0 && Date.now() < deadline);
    },
  };
}

function posthog({ host, writeKey }) {
  const client = new PostHog(writeKey, { host, flushAt: FLUSH_AT, flushInterval: FLUSH_INTERVAL_MS });
  const failures = [];
  client.on('error', (error) => failures.push(failureText(error)));
  return {
    failures,
    track: (distinctId, event, revenue) => client.capture({ distinctId, event, properties: { revenue } }),
    others: (distinctId) => {
      client.identify({ distinctId, properties: { plan: 'pro' } });
      client.capture({ distinctId, event: '$pageview', properties: { $current_url: 'https://shop.example/pricing' } });
    },
    // shutdown() waits for captures still being prepared, then flushes until the queue is empty.
    flush: () => client.shutdown(FLUSH_TIMEOUT_MS),
  };
}

/**
 * Per SDK: its name and short id, the mapping preset, the protocol and endpoint its raw rows' envelope must name
 * (RudderStack speaks Segment's protocol), the message member the preset reads the timestamp from, and
 * open({ host, writeKey }).
 */
export const SDKS = [
  { name: 'Segment', sdk: 'segment', preset: 'segment', protocol: 'segment', endpoint: '/v1/batch',
    timestampField: 'timestamp', open: segment },
  { name: 'RudderStack', sdk: 'rudderstack', preset: 'rudderstack', protocol: 'segment', endpoint: '/v1/batch',
    timestampField: 'originalTimestamp', open: rudderstack },
  { name: 'PostHog', sdk: 'posthog', preset: 'posthog', protocol: 'posthog', endpoint: '/batch/',
    timestampField: 'timestamp', open: posthog },
];

/** Whether an SDK message is a tracked event (what Tally counts), as opposed to identify, page, $-events, ... */
export function isTracked(message) {
  return message.type === 'track' || (message.type === 'capture' && !String(message.event).startsWith('$'));
}
