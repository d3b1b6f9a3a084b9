// Customer.io's Data Pipelines browser SDK (a fork of analytics-next). Settings are passed in, so
// nothing is fetched from Customer.io's CDN; events go to the sink's /v1/*. Ready: the promise
// AnalyticsBrowser.load returns.
import { AnalyticsBrowser } from '@customerio/cdp-analytics-browser';

const apiHost = window.__SINK.replace(/^https?:\/\//, '') + '/v1';
const analytics = AnalyticsBrowser.load({
  writeKey: 'bench',
  cdnURL: window.__SINK,
  cdnSettings: { integrations: { 'Customer.io Data Pipelines': { apiKey: 'bench', apiHost, protocol: 'http' } } },
});
window.__track = (name, props) => void analytics.track(name, props);
analytics.then(() => window.__ready());
