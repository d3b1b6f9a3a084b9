export { createTracker } from './tracker';
export type { TrackerIO } from './tracker';
export type { EventMap, Message, Properties, Timestamp, Tracker, TrackerEvent, TrackerOptions, TrackOptions } from './types';
