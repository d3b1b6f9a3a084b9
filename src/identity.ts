// Who the browser is: an anonymous id from the first visit, and the person's id after identify().
// Each id lives in a first-party cookie (readable by the site's server, shared by subdomains) and
// in localStorage, and is written back to both on every load, so either survives the other's loss.
import type { Storage } from './storage';

export const ANONYMOUS_ID_KEY = '_cioanonid';
export const USER_ID_KEY = '_cioid';

export interface Identity {
  anonymousId(): string;
  userId(): string | undefined;
  /** Each lone surrogate of `userId` becomes U+FFFD (see `wellFormed`); the id used is that. */
  identify(userId: string): void;
  /** Logout: forget the person, start a new anonymous id. */
  reset(): void;
}

/**
 * The stored person's id, or null. The cookies are shared by every subdomain of the site and
 * localStorage is not, so while the cookies hold an id they are the truth: a logout on one
 * subdomain deletes `_cioid` for all of them, and this origin's older copy must not bring the
 * person back. localStorage stands in only where cookies are refused or were cleared.
 */
export const readUserId = (store: Storage): string | null =>
  store.cookie(ANONYMOUS_ID_KEY) ? store.cookie(USER_ID_KEY) : store.get(USER_ID_KEY, true);

/**
 * The id with each lone surrogate (a string cut in the middle of an emoji: 'bob-😀'.slice(0, 5))
 * replaced by U+FFFD. A cookie cannot hold a lone surrogate (encodeURIComponent throws a URIError),
 * localStorage can: the two copies would disagree, and the next page load would take the
 * cookie's previous person. UTF-8 encoders (TextEncoder, the collector's JSON) make the same
 * replacement, so the id's byte length and what a collector stores are unchanged.
 */
const wellFormed = (id: string | null) => id && id.replace(/\p{Cs}/gu, '\ufffd');

export function createIdentity(store: Storage, newId: () => string): Identity {
  const save = (key: string, value: string | null) => (store.set(key, value, true), value);
  const storedUserId = readUserId(store); // before the anonymous id is written back to its cookie
  let anonymousId = save(ANONYMOUS_ID_KEY, store.cookie(ANONYMOUS_ID_KEY) || store.get(ANONYMOUS_ID_KEY) || newId())!;
  let userId = save(USER_ID_KEY, wellFormed(storedUserId)) || undefined;
  return {
    anonymousId: () => anonymousId,
    userId: () => userId,
    identify(id) {
      id = wellFormed(id)!;
      if (id !== userId) userId = save(USER_ID_KEY, id)!;
    },
    reset() {
      userId = save(USER_ID_KEY, null) || undefined;
      anonymousId = save(ANONYMOUS_ID_KEY, newId())!;
    },
  };
}
