// Mixpanel with api_host on the sink and batching on. Ready: the `loaded` callback.
import mixpanel from 'mixpanel-browser';

mixpanel.init('bench', { api_host: window.__SINK, batch_requests: true, loaded: () => window.__ready() });
window.__track = (name, props) => mixpanel.track(name, props);
