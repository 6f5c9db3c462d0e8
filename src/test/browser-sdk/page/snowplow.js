// Snowplow's browser tracker: the collector is Tally. The key travels in a header (customHeaders) or, for setups
// that cannot add one, in the collector's path (endpoint <tally>/k/<key>).
import { newTracker, trackStructEvent, trackSelfDescribingEvent, trackPageView } from '@snowplow/browser-tracker';

let tracker = 0;

window.TallySdk = {
  name: '@snowplow/browser-tracker',
  init({ host, key, keyInPath, eventMethod }) {
    tracker += 1;
    newTracker('tally' + tracker, keyInPath ? host + '/k/' + key : host, {
      appId: 'browser-suite',
      eventMethod: eventMethod || 'post',
      customHeaders: keyInPath ? undefined : { 'X-Api-Key': key },
      bufferSize: 1,
      stateStorageStrategy: 'none',
      contexts: { webPage: false, session: false, browser: false },
    });
  },
  structured(category, action, value) {
    trackStructEvent({ category, action, value }, ['tally' + tracker]);
  },
  selfDescribing(schema, data) {
    trackSelfDescribingEvent({ event: { schema, data } }, ['tally' + tracker]);
  },
  pageView() {
    trackPageView({}, ['tally' + tracker]);
  },
};
