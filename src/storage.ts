// Every read and write of localStorage and cookies goes through here, with a memory copy that
// takes over when the browser refuses (Safari private mode, a full quota, a storage policy, a
// sandboxed iframe): the page keeps working, it only forgets on reload.
// `persist(false)` keeps writes in memory only, while consent is pending or refused.

export interface Storage {
  /** The value from memory, localStorage, or (for `alsoCookie` keys) the cookie, whichever survived. */
  get(key: string, alsoCookie?: boolean): string | null;
  /** Write (null deletes) to localStorage and, with `alsoCookie`, a first-party cookie. */
  set(key: string, value: string | null, alsoCookie?: boolean): void;
  /** The cookie alone (null when absent or unreadable). */
  cookie(key: string): string | null;
  /** Keys in localStorage that start with `prefix`. */
  keys(prefix: string): string[];
  /**
   * Turn writes to the browser on (writing what memory holds, or with `forget`, dropping it: a
   * refusal must not store what was kept while consent was pending) or off.
   */
  persist(on: boolean, forget?: boolean): void;
}

const COOKIE_MAX_AGE_S = 365 * 86400;
/** Set and deleted at once, to find the domain cookies can be set on. */
const PROBE_KEY = '_cio_probe';

export function createStorage(w: Window, isPersisting: boolean): Storage {
  // What the browser did not take (or was not asked to: no consent yet). A Map, and an object
  // without a prototype: a page that extended Object.prototype (`Object.prototype.extend = ...`,
  // as old libraries do) must not have its names found by a lookup, and so written to a cookie or
  // to localStorage. (An object's new key is interned: a property set and deleted for each outbox
  // write cost more than the Map.)
  const memory = new Map<string, string | null>();
  const cookieKeys: Record<string, 1> = Object.create(null);
  const { hostname, protocol } = w.location;
  let cookieDomain: string | undefined;

  // Reading `window.localStorage` itself throws where storage is blocked; read once it works (a
  // getter of the page's, each time: a setItem cost ~5 % more).
  let area: globalThis.Storage | undefined;
  const ls = () => (area ||= w.localStorage);

  const readCookie = (key: string) => {
    try {
      const m = w.document.cookie.match('(?:^|; )' + key + '=([^;]*)');
      return m && decodeURIComponent(m[1]);
    } catch {
      return null; // a sandboxed document's cookie getter throws
    }
  };

  const setCookie = (key: string, value: string | null, domain: string) =>
    (w.document.cookie = `${key}=${encodeURIComponent(value || '')};path=/;max-age=${value == null ? -1 : COOKIE_MAX_AGE_S};SameSite=Lax${protocol == 'https:' ? ';Secure' : ''}${domain && ';domain=' + domain}`);
  // Parent domains from the shortest ("co.uk", "0.1") up, then host-only ('').
  const labels = hostname.split('.');
  const domains = labels
    .map((_, i) => labels.slice(~i - 1).join('.'))
    .slice(0, -1)
    .concat('');

  // Sets the cookie on the registrable domain: the shortest parent domain the browser accepts
  // (it refuses public suffixes such as "co.uk"), so every subdomain shares the visitor's id.
  // Hosts without a parent (localhost, IP addresses) get a host-only cookie. The domain is found
  // once, with a probe cookie of a fresh value: reading back the key itself was fooled by the
  // cookie an earlier page load had left with the same value, took the refused "co.uk" (or "0.1"
  // on an IP) for the domain, and every later write and deletion went nowhere (a logout undone).
  const writeCookie = (key: string, value: string | null) => {
    // A deletion goes to every candidate: the cookie may have been set by an earlier page load.
    if (value == null) return domains.forEach((domain) => setCookie(key, null, domain));
    if (cookieDomain == null) {
      const probe = '' + Math.random();
      cookieDomain = domains.find((domain) => (setCookie(PROBE_KEY, probe, domain), readCookie(PROBE_KEY) == probe));
      if (cookieDomain != null) setCookie(PROBE_KEY, null, cookieDomain);
    }
    if (cookieDomain != null) setCookie(key, value, cookieDomain);
  };

  const writeBrowser = (key: string, value: string | null) => {
    try {
      // A copy of a cookie (an id) is deleted first (removal needs no quota): were the write to
      // fail, the older value, with the cookies cleared, would bring the previous person back on
      // the next load.
      if (value == null || cookieKeys[key]) ls().removeItem(key);
      if (value != null) ls().setItem(key, value);
      memory.delete(key);
    } catch {
      memory.set(key, value); // quota, private mode or no storage: the value stays in memory
    }
    try {
      if (cookieKeys[key]) writeCookie(key, value);
    } catch {
      // cookies blocked: localStorage or memory still hold the value
    }
  };

  return {
    get(key, alsoCookie) {
      if (memory.has(key)) return memory.get(key)!;
      try {
        const v = ls().getItem(key);
        if (v != null) return v;
      } catch {
        // storage blocked: the cookie may still know
      }
      return alsoCookie ? readCookie(key) : null;
    },
    set(key, value, alsoCookie) {
      if (alsoCookie) cookieKeys[key] = 1;
      if (isPersisting) writeBrowser(key, value);
      else memory.set(key, value);
    },
    cookie: readCookie,
    keys(prefix) {
      try {
        return Object.keys(ls()).filter((k) => k.startsWith(prefix));
      } catch {
        return []; // no storage: nothing left by other tabs can be read
      }
    },
    persist(on, forget) {
      isPersisting = on;
      if (on) memory.forEach((value, k) => (forget ? memory.delete(k) : writeBrowser(k, value)));
    },
  };
}
