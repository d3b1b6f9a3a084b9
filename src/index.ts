export { createTracker } from './tracker';
export type { IO } from './io';
export type {
  EventMap,
  Message,
  Properties,
  Timestamp,
  Tracker,
  TrackerEvent,
  TrackerOptions,
  TrackOptions,
} from './types';
