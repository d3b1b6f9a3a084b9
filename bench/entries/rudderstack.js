// RudderStack v3, the `bundled` export: the default export loads its plugins from RudderStack's
// CDN at run time, which a page here cannot reach. The source config comes from the sink
// (configUrl). Ready: rudderanalytics.ready().
import { RudderAnalytics } from '@rudderstack/analytics-js/bundled';

const rudderanalytics = new RudderAnalytics();
rudderanalytics.load('bench', window.__SINK, { configUrl: window.__SINK, loadIntegration: false });
rudderanalytics.ready(() => window.__ready());
window.__track = (name, props) => rudderanalytics.track(name, props);
