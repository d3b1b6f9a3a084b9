// Delivery events: what `on()` listens to (sent, retry, dropped, error; see TrackerEventDetails).
// A listener's exception is the page's own bug: it is swallowed, and delivery goes on.
import type { Tracker, TrackerEvent, TrackerEventDetails } from './types';
import type { Log } from './log';

/** Calls each listener of `event` with `detail`, in the order they were added. */
export type Emit = <K extends TrackerEvent>(event: K, detail: TrackerEventDetails[K]) => void;

/** `emit`, and the tracker's `on` and `off`. */
export type DeliveryEvents = [emit: Emit, on: Tracker['on'], off: Tracker['off']];

export function createDeliveryEvents(log: Log): DeliveryEvents {
  /** Each event's listeners; a handler is stored for the one event it was added with. */
  const listeners: Record<string, ((detail: unknown) => void)[] | undefined> = {};
  return [
    (event, detail) =>
      listeners[event]?.forEach((listener) => {
        try {
          listener(detail);
        } catch {
          // a listener's bug is the page's own; delivery goes on
        }
      }),
    (event, handler) => {
      if (typeof handler != 'function') return log.warn('on', 'the handler must be a function');
      (listeners[event] ||= []).push(handler as (detail: unknown) => void);
    },
    (event, handler) => {
      listeners[event] = listeners[event]?.filter((h) => h != handler);
    },
  ];
}
