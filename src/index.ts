export { createTracker } from './tracker';
export type { IO } from './io';
export type {
  EventMap,
  LiveTracker,
  Message,
  Properties,
  QueuedCall,
  Timestamp,
  Tracker,
  TrackerEvent,
  TrackerEventDetails,
  TrackerEventHandler,
  TrackerOptions,
  TrackerStub,
  TrackOptions,
  UntypedEvents,
} from './types';
