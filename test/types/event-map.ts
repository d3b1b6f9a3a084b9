// Compile-time checks of typed event maps, run by `tsc --noEmit` (npm test). Each
// `@ts-expect-error` fails the type check if the line below it ever stops being an error.
import { createTracker, type Tracker } from '../../src/index';

type Events = { purchased: { price: number }; signed_up: { plan?: string } };

export function typedTracker(): Tracker<Events> {
  const cio = createTracker<Events>({ siteId: 'abc', endpoint: 'https://collect.example' });

  cio.track('purchased', { price: 19.5 });
  cio.track('purchased', { price: 1 }, { timestamp: 1700000000 });
  cio.track('purchased', { price: 1 }, { timestamp: new Date() });
  cio.track('purchased', { price: 1 }, { timestamp: '2026-11-29T10:00:00.000Z' });
  cio.track('signed_up', {});
  cio.track('signed_up');

  // @ts-expect-error a misspelt event name is not in the map
  cio.track('purchsed', { price: 1 });
  // @ts-expect-error a property of the wrong type
  cio.track('purchased', { price: 'x' });
  // @ts-expect-error a missing required property
  cio.track('purchased', {});
  // @ts-expect-error a timestamp must be seconds, a Date or an ISO string
  cio.track('purchased', { price: 1 }, { timestamp: true });

  cio.identify('42', { email: 'a@b.co' });
  cio.identify({ id: 42, email: 'a@b.co' });
  // @ts-expect-error identify needs an id
  cio.identify({ email: 'a@b.co' });
  // @ts-expect-error consent takes a boolean
  cio.consent('yes');
  // @ts-expect-error only the four delivery events can be listened to
  cio.on('sending', () => {});
  cio.on('sent', ({ count, status }) => void (count + status));
  cio.on('retry', ({ status, delayMs }) => void (status + delayMs));
  cio.on('dropped', ({ count, status }) => void (count + (status ?? 0)));
  cio.on('error', ({ call, error }) => void [call.length, error]);
  // @ts-expect-error a retry says when, not how many
  cio.on('retry', ({ count }) => count);
  // @ts-expect-error a dropped batch may have no status (the outbox's own limits)
  cio.on('dropped', ({ status }) => status.toFixed());
  return cio;
}

interface Product {
  sku: string;
  price: number;
}

export function untypedTracker(product: Product): void {
  const cio = createTracker({ siteId: 'abc' });
  cio.track('anything_at_all', { whatever: [1, 'two'] });
  cio.track('viewed', product); // data typed by an interface (no index signature) is accepted
  cio.track('purchsed');
  const done: Promise<void> = cio.flush();
  void done;
}
