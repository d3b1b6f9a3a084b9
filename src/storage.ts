// Every read and write of localStorage and cookies goes through here, with a memory copy that
// takes over when the browser refuses (Safari private mode, a full quota, a storage policy, a
// sandboxed iframe): the page keeps working, it only forgets on reload.
// `persist(false)` keeps writes in memory only, for consent that is still pending.

export interface Storage {
  /** The value from memory, localStorage, or (for `alsoCookie` keys) the cookie, whichever survived. */
  get(key: string, alsoCookie?: boolean): string | null;
  set(key: string, value: string | null, alsoCookie?: boolean): void;
  /** Keys in localStorage that start with `prefix`. */
  keys(prefix: string): string[];
  /** Turn writes to the browser on (writing what memory holds) or off. */
  persist(on: boolean): void;
}

export interface StorageIO {
  localStorage: () => globalThis.Storage | undefined;
  document: () => Document | undefined;
  hostname: string;
  isSecure: boolean;
}

const COOKIE_DAYS = 365;

export function createStorage(io: StorageIO, isPersisting: boolean): Storage {
  const memory: Record<string, string | null> = {};
  const cookieKeys: Record<string, boolean | undefined> = {};
  let cookieDomain: string | undefined;

  const ls = () => {
    try {
      return io.localStorage();
    } catch {
      return undefined; // reading `window.localStorage` itself throws when storage is blocked
    }
  };

  const readCookie = (key: string) => {
    try {
      const m = io.document()!.cookie.match('(?:^|; )' + key + '=([^;]*)');
      return m ? decodeURIComponent(m[1]) : null;
    } catch {
      return null; // no document, or a document whose cookie getter throws
    }
  };

  // Writes the cookie on the registrable domain: the shortest parent domain the browser accepts
  // (it refuses public suffixes such as "co.uk"), so every subdomain shares the visitor's id.
  const writeCookie = (key: string, value: string | null) => {
    const doc = io.document();
    if (!doc) return;
    const tail = `=${value == null ? '' : encodeURIComponent(value)};path=/;max-age=${value == null ? 0 : COOKIE_DAYS * 86400};SameSite=Lax${io.isSecure ? ';Secure' : ''}`;
    const labels = io.hostname.split('.');
    const candidates = cookieDomain !== undefined ? [cookieDomain] : labels.map((_, i) => labels.slice(-i - 2).join('.')).slice(0, -1).concat('');
    for (const domain of candidates) {
      try {
        doc.cookie = key + tail + (domain ? ';domain=' + domain : '');
      } catch {
        return; // cookies blocked: localStorage or memory still hold the value
      }
      if (value == null || readCookie(key) === value) return void (cookieDomain = domain);
    }
  };

  const writeBrowser = (key: string, value: string | null) => {
    try {
      const s = ls()!;
      if (value == null) s.removeItem(key);
      else s.setItem(key, value);
      if (memory[key] === value) delete memory[key];
    } catch {
      // quota, private mode or no storage: the value stays in memory
    }
    if (cookieKeys[key]) writeCookie(key, value);
  };

  return {
    get(key, alsoCookie) {
      if (key in memory) return memory[key];
      try {
        const v = ls()!.getItem(key);
        if (v != null) return v;
      } catch {
        // fall through to the cookie
      }
      return alsoCookie ? readCookie(key) : null;
    },
    set(key, value, alsoCookie) {
      if (alsoCookie) cookieKeys[key] = true;
      memory[key] = value;
      if (isPersisting) writeBrowser(key, value);
    },
    keys(prefix) {
      const found: string[] = [];
      try {
        const s = ls()!;
        for (let i = 0; i < s.length; i++) {
          const k = s.key(i);
          if (k && k.indexOf(prefix) == 0) found.push(k);
        }
      } catch {
        // no storage: nothing left by other tabs can be read
      }
      return found;
    },
    persist(on) {
      isPersisting = on;
      if (on) for (const k of Object.keys(memory)) writeBrowser(k, memory[k]);
    },
  };
}
