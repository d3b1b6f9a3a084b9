// Delivery events: what `on()` listens to (sent, retry, dropped, error; see TrackerEventDetails).
// A name that is not one of the four (a typo, or `constructor` and the other names every object
// inherits) is warned about, once, and the listeners live in an object without a prototype, where
// no inherited name can be found. A listener's exception is the page's own bug: it is swallowed,
// and delivery goes on.
import type { Tracker, TrackerEvent, TrackerEventDetails } from './types';
import type { Log } from './log';

/** Calls each listener of `event` with `detail`, in the order they were added. */
export type Emit = <K extends TrackerEvent>(event: K, detail: TrackerEventDetails[K]) => void;

/** `emit`, and the tracker's `on` and `off`. */
export type DeliveryEvents = [emit: Emit, on: Tracker['on'], off: Tracker['off']];

type Listener = (detail: unknown) => void;

export function createDeliveryEvents(log: Log): DeliveryEvents {
  const listeners: Record<string, Listener[] | undefined> = Object.create(null);
  /**
   * Whether `event` is a delivery event; a warning for `call` when it is not. Customer.io's in-app
   * messages (turned on by `data-use-in-app` on their script tag, which cio.js passes on as
   * `off('in-app:')`, heard with `_cio.on('in-app:message-opened', ...)`; docs.customer.io,
   * JavaScript legacy, "In-app messages") are not part of tracklet: one warning says so, under
   * `_cio`, whichever of them the page uses.
   */
  const isEvent = (call: string, event: string) =>
    /^(sent|retry|dropped|error)$/.test(event) ||
    (/^in-app:/.test(event)
      ? log.warnOnce('_cio', 'tracklet has no in-app messages')
      : log.warnOnce(call, `"${event}" is not a delivery event`));
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
      if (isEvent('on', event)) (listeners[event] ||= []).push(handler as Listener);
    },
    (event, handler) => {
      if (isEvent('off', event)) listeners[event] = listeners[event]?.filter((h) => h != handler);
    },
  ];
}
