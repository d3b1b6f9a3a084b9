// The SDKs measured. Each peer is an npm package bundled from entries/<id>.js (which says how it
// is configured and what "ready" means); tracklet is the built dist/cio.js loaded by its snippet.
// `isFullFeatured`: identify + a queue that batches or persists events. Plausible's tracker has
// neither (one request per call, nothing kept), so it is left out of the "fastest peer" ratio.
export const TRACKLET = 'tracklet';
/** A page whose __track does nothing: what the harness itself costs. */
export const NONE = 'none';

export const sdks = [
  { id: TRACKLET, name: 'tracklet', pkg: null, isFullFeatured: true, ready: 'cio.js `load` event (the live `_cio` is in place)' },
  { id: 'segment', name: 'Segment', pkg: '@segment/analytics-next', isFullFeatured: true, ready: 'promise from `AnalyticsBrowser.load`' },
  { id: 'customerio', name: 'Customer.io', pkg: '@customerio/cdp-analytics-browser', isFullFeatured: true, ready: 'promise from `AnalyticsBrowser.load`' },
  { id: 'posthog', name: 'PostHog', pkg: 'posthog-js', isFullFeatured: true, ready: '`loaded` callback of `init`' },
  { id: 'rudderstack', name: 'RudderStack', pkg: '@rudderstack/analytics-js', isFullFeatured: true, ready: '`rudderanalytics.ready()` callback' },
  { id: 'amplitude', name: 'Amplitude', pkg: '@amplitude/analytics-browser', isFullFeatured: true, ready: 'promise from `init()`' },
  { id: 'mixpanel', name: 'Mixpanel', pkg: 'mixpanel-browser', isFullFeatured: true, ready: '`loaded` callback of `init`' },
  { id: 'snowplow', name: 'Snowplow', pkg: '@snowplow/browser-tracker', isFullFeatured: true, ready: 'right after `newTracker()` (synchronous)' },
  { id: 'plausible', name: 'Plausible', pkg: 'plausible-tracker', isFullFeatured: false, ready: 'right after `Plausible()` (synchronous)' },
  { id: NONE, name: '(no SDK)', pkg: null, isFullFeatured: false, ready: 'immediately' },
];
