// Plausible's npm tracker: one request per event, no queue. Plausible() is synchronous, so
// ready is right after it. trackLocalhost: the bench page is on 127.0.0.1.
import Plausible from 'plausible-tracker';

const { trackEvent } = Plausible({ domain: 'bench.test', apiHost: window.__SINK, trackLocalhost: true });
window.__track = (name, props) => trackEvent(name, { props });
window.__ready();
