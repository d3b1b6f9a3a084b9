// The SDKs measured. Each peer is an npm package bundled from entries/<id>.js (which says how it
// is configured and what "ready" means); tracklet is the built dist/cio.js loaded by its snippet.
// `setup` and `ready` are quoted in docs/benchmarks.md.
// `isFullFeatured`: identify + a queue that batches or persists events. Plausible's tracker has
// neither (one request per call, nothing kept), so it is left out of the "fastest peer" ratio.
export const TRACKLET = 'tracklet';
/** A page whose __track does nothing: what the harness itself costs. */
export const NONE = 'none';
/** The floor tracker of issue 16 (bench/floor.js): what persisting every task and batching cost at least. */
export const FLOOR = 'floor';
/** The rows that are not SDKs: left out of the peer ratios, the sizes and the unload scenarios. */
export const isReference = (sdk) => sdk.id == NONE || sdk.id == FLOOR;

export const sdks = [
  {
    id: TRACKLET,
    name: 'tracklet',
    pkg: null,
    isFullFeatured: true,
    ready: 'cio.js `load` event (the live `_cio` is in place)',
    setup: 'the snippet with the site id, `/tracklet/cio.js` and the sink as endpoint; defaults otherwise',
  },
  {
    id: 'segment',
    name: 'Segment',
    pkg: '@segment/analytics-next',
    isFullFeatured: true,
    ready: 'promise from `AnalyticsBrowser.load`',
    setup:
      '`AnalyticsBrowser.load` with `cdnSettings` (no CDN fetch), Segment.io `apiHost` on the sink; default delivery',
  },
  {
    id: 'customerio',
    name: 'Customer.io',
    pkg: '@customerio/cdp-analytics-browser',
    isFullFeatured: true,
    ready: 'promise from `AnalyticsBrowser.load`',
    setup: 'as Segment, with the `Customer.io Data Pipelines` integration on the sink',
  },
  {
    id: 'posthog',
    name: 'PostHog',
    pkg: 'posthog-js',
    isFullFeatured: true,
    ready: '`loaded` callback of `init`',
    setup:
      '`api_host` on the sink (its remote config and extension scripts come from there), flags, surveys and recording off; defaults otherwise, so its client-side rate limit applies: past a burst it drops events and sends `$$client_ingestion_warning` events instead',
  },
  {
    id: 'rudderstack',
    name: 'RudderStack',
    pkg: '@rudderstack/analytics-js',
    isFullFeatured: true,
    ready: '`rudderanalytics.ready()` callback',
    setup:
      '`/bundled` export (the default export fetches plugins from a CDN), `configUrl` on the sink answering a minimal source config',
  },
  {
    id: 'amplitude',
    name: 'Amplitude',
    pkg: '@amplitude/analytics-browser',
    isFullFeatured: true,
    ready: 'promise from `init()`',
    setup: '`serverUrl` on the sink, remote config off; defaults otherwise',
  },
  {
    id: 'mixpanel',
    name: 'Mixpanel',
    pkg: 'mixpanel-browser',
    isFullFeatured: true,
    ready: '`loaded` callback of `init`',
    setup: '`api_host` on the sink, `batch_requests: true`',
  },
  {
    id: 'snowplow',
    name: 'Snowplow',
    pkg: '@snowplow/browser-tracker',
    isFullFeatured: true,
    ready: 'right after `newTracker()` (synchronous)',
    setup: 'collector on the sink, POST; each call a self-describing event',
  },
  {
    id: 'plausible',
    name: 'Plausible',
    pkg: 'plausible-tracker',
    isFullFeatured: false,
    ready: 'right after `Plausible()` (synchronous)',
    setup: '`apiHost` on the sink, `trackLocalhost: true`; one request per event by design',
  },
  {
    id: FLOOR,
    name: 'floor tracker',
    pkg: null,
    isFullFeatured: false,
    ready: 'immediately (an inline script)',
    setup:
      'bench/floor.js inline: per call a message and its JSON, per task one new localStorage key with that task’s messages, one plain fetch per 20 messages (or 1 s after the last call), a key deleted once all its messages are answered',
  },
  {
    id: NONE,
    name: '(no SDK)',
    pkg: null,
    isFullFeatured: false,
    ready: 'immediately',
    setup: '',
  },
];
