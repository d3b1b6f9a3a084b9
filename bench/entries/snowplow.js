// Snowplow browser tracker posting to the sink; each call is a self-describing event carrying
// the properties. newTracker() is synchronous, so ready is right after it.
import { newTracker, trackSelfDescribingEvent } from '@snowplow/browser-tracker';

newTracker('sp', window.__SINK, { appId: 'bench', eventMethod: 'post' });
window.__track = (name, props) =>
  trackSelfDescribingEvent({ event: { schema: 'iglu:dev.tracklet/' + name + '/jsonschema/1-0-0', data: props } });
window.__ready();
