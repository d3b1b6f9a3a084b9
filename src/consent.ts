// Consent: whether this page may store and send. Global Privacy Control or Do Not Track (when
// the site asks to respect them) and an earlier refusal turn tracking off entirely; `consent:
// 'pending'` holds calls in memory until consent(true). A refusal deletes what the library wrote
// and keeps one marker, in a cookie too, so that later page loads of the site track nothing.
import type { TrackerOptions } from './types';
import type { Storage } from './storage';
import { ANONYMOUS_ID_KEY, USER_ID_KEY, type Identity } from './identity';
import { OUTBOX_PREFIX, type Outbox } from './outbox';
import { ANSWERED_KEY, ENDPOINT_KEY } from './answer';

/** The one key kept after consent(false), so later page loads track nothing. */
export const OPT_OUT_KEY = '_cio_optout';

/** `'denied'` sends and stores nothing; `'pending'` keeps calls in memory until consent(true). */
export type Consent = 'granted' | 'pending' | 'denied';

/** The browser sends a privacy signal the site asked to respect (GPC, or Do Not Track). */
export const isPrivacySignalled = (options: TrackerOptions, win: Window): boolean | undefined =>
  (options.respectGPC && (win.navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl) ||
  (options.respectDNT &&
    (win.navigator.doNotTrack == '1' || (win as { doNotTrack?: string | null }).doNotTrack == '1'));

/** The consent a page starts with: denied by a signal or an earlier refusal, else as configured. */
export const initialConsent = (options: TrackerOptions, isSignalled: boolean | undefined, store: Storage): Consent =>
  isSignalled || store.get(OPT_OUT_KEY, true) ? 'denied' : options.consent == 'pending' ? 'pending' : 'granted';

/**
 * consent(false): empties the outbox, deletes every key and cookie the library wrote but the
 * opt-out marker, stores nothing more, and forgets the visitor in memory too: a later
 * consent(true) starts as a new, anonymous visitor.
 */
export function forgetVisitor(store: Storage, outbox: Outbox, identity: Identity): void {
  outbox.remove(outbox.entries());
  for (const key of store.keys(OUTBOX_PREFIX).concat(store.keys(ENDPOINT_KEY), ANSWERED_KEY)) store.set(key, null);
  store.set(ANONYMOUS_ID_KEY, null, true);
  store.set(USER_ID_KEY, null, true);
  store.set(OPT_OUT_KEY, '1', true); // in a cookie too: it must hold where storage is refused
  store.persist(false);
  identity.reset();
}
