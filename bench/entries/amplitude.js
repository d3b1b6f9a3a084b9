// Amplitude Browser SDK 2 with remote config off and serverUrl on the sink. Ready: the promise
// init() returns.
import * as amplitude from '@amplitude/analytics-browser';

amplitude
  .init('bench', {
    serverUrl: window.__SINK + '/2/httpapi',
    fetchRemoteConfig: false,
    remoteConfig: { fetchRemoteConfig: false },
  })
  .promise.then(() => window.__ready());
window.__track = (name, props) => void amplitude.track(name, props);
