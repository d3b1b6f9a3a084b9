// Segment analytics-next from npm. Settings are passed in (cdnSettings), so nothing is fetched
// from Segment's CDN; events go to the sink's /v1/{t,p,i} with the default delivery (one request
// per event). Ready: the promise AnalyticsBrowser.load returns.
import { AnalyticsBrowser } from '@segment/analytics-next';

const apiHost = window.__SINK.replace(/^https?:\/\//, '') + '/v1';
const analytics = AnalyticsBrowser.load({
  writeKey: 'bench',
  cdnURL: window.__SINK,
  cdnSettings: { integrations: { 'Segment.io': { apiKey: 'bench', apiHost, protocol: 'http' } } },
});
window.__track = (name, props) => void analytics.track(name, props);
analytics.then(() => window.__ready());
