// RudderStack's JavaScript SDK v3 with its plugins bundled (nothing loaded from RudderStack's CDN): configUrl and
// dataPlaneUrl are Tally, the write key a Tally ingest key.
import { RudderAnalytics } from '@rudderstack/analytics-js/bundled';

const rudder = new RudderAnalytics();

window.TallySdk = {
  name: '@rudderstack/analytics-js',
  init({ host, key, useBeacon }) {
    rudder.load(key, host, {
      configUrl: host,
      useBeacon: Boolean(useBeacon),
      plugins: useBeacon ? ['BeaconQueue'] : ['XhrQueue'],
      logLevel: 'WARN',
    });
  },
  ready() {
    return new Promise((resolve) => rudder.ready(resolve));
  },
  track(event, properties) {
    rudder.track(event, properties);
  },
  identify(userId, traits) {
    rudder.identify(userId, traits);
  },
};
