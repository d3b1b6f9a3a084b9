// Who the browser is: an anonymous id from the first visit, and the person's id after identify().
// Each id lives in a first-party cookie (readable by the site's server, shared by subdomains) and
// in localStorage, and is written back to both on every load, so either survives the other's loss.
import type { Storage } from './storage';

export const ANONYMOUS_ID_KEY = '_cioanonid';
export const USER_ID_KEY = '_cioid';

export interface Identity {
  anonymousId(): string;
  userId(): string | undefined;
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

export function createIdentity(store: Storage, newId: () => string): Identity {
  const save = (key: string, value: string | null) => (store.set(key, value, true), value);
  const storedUserId = readUserId(store); // before the anonymous id is written back to its cookie
  let anonymousId = save(ANONYMOUS_ID_KEY, store.cookie(ANONYMOUS_ID_KEY) || store.get(ANONYMOUS_ID_KEY) || newId())!;
  let userId = save(USER_ID_KEY, storedUserId) || undefined;
  return {
    anonymousId: () => anonymousId,
    userId: () => userId,
    identify(id) {
      if (id !== userId) userId = save(USER_ID_KEY, id)!;
    },
    reset() {
      userId = save(USER_ID_KEY, null) || undefined;
      anonymousId = save(ANONYMOUS_ID_KEY, newId())!;
    },
  };
}
