// Segment's analytics.js (analytics-next) as a web page loads it: cdnURL is Tally, which answers the project
// settings that send every event to Tally's /v1 routes; the write key is a Tally ingest key.
import { AnalyticsBrowser } from '@segment/analytics-next';

let analytics;

window.TallySdk = {
  name: '@segment/analytics-next',
  init({ host, key, batching }) {
    // batching: analytics.js' batched delivery, which sends what it holds with fetch keepalive on page unload.
    const integrations = batching
      ? { 'Segment.io': { deliveryStrategy: { strategy: 'batching', config: { size: 10, timeout: 5000 } } } }
      : undefined;
    analytics = AnalyticsBrowser.load({ writeKey: key, cdnURL: host }, { integrations });
  },
  async ready() {
    await analytics.ready();
  },
  track(event, properties) {
    return analytics.track(event, properties);
  },
  identify(userId, traits) {
    return analytics.identify(userId, traits);
  },
  page() {
    return analytics.page();
  },
};
