// posthog-js as a web page uses it: api_host is Tally, the project API key a Tally ingest key. Nothing but
// capturing: no autocapture, no automatic pageviews, no session recording, no surveys (Tally's config says so too).
import posthog from 'posthog-js';

window.TallySdk = {
  name: 'posthog-js',
  init({ host, key }) {
    posthog.init(key, {
      api_host: host,
      autocapture: false,
      capture_pageview: false,
      capture_pageleave: false,
      disable_session_recording: true,
      persistence: 'memory',
      // posthog-js drops events from user agents that look like bots, headless Chromium's included.
      opt_out_useragent_filter: true,
    });
  },
  track(event, properties) {
    posthog.capture(event, properties);
  },
};
