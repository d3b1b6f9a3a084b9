// PostHog with flags, surveys and session recording off; its remote config and any extension
// script come from the sink (api_host). Ready: the `loaded` callback.
import posthog from 'posthog-js';

posthog.init('phc_bench', {
  api_host: window.__SINK,
  advanced_disable_flags: true,
  disable_surveys: true,
  disable_session_recording: true,
  loaded: () => window.__ready(),
});
window.__track = (name, props) => void posthog.capture(name, props);
