// Consent and privacy signals: pending stores and sends nothing until consent(true); consent(false)
// deletes the library's storage, keeps only `_cio_optout`, and later page loads track nothing;
// Global Privacy Control and Do Not Track, when respected, turn tracking off.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup, settle, T0, uuid, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

const storageKeys = (s: Setup) =>
  Array.from({ length: s.win.localStorage.length }, (_, i) => s.win.localStorage.key(i)).sort();
const cookieNames = (s: Setup) =>
  s.win.document.cookie
    .split('; ')
    .filter(Boolean)
    .map((c) => c.split('=')[0])
    .sort();

/** Every `document.cookie = ...` from now on, as written (the page's own writes go through too). */
function cookieWrites(s: Setup) {
  const writes: string[] = [];
  const proto = Object.getPrototypeOf(s.win.document);
  let owner = proto;
  while (owner && !Object.getOwnPropertyDescriptor(owner, 'cookie')) owner = Object.getPrototypeOf(owner);
  const { get, set } = Object.getOwnPropertyDescriptor(owner, 'cookie')!;
  Object.defineProperty(s.win.document, 'cookie', {
    configurable: true,
    get() {
      return get!.call(this);
    },
    set(value: string) {
      writes.push(value);
      set!.call(this, value);
    },
  });
  return writes;
}

describe("consent: 'pending'", () => {
  it('stores and sends nothing, then sends what was tracked once consent(true) is given', async () => {
    s.firstVisit(); // an empty store, so that "nothing stored" means nothing
    const cio = await s.open({ consent: 'pending', autoTrackPage: true });
    cio.identify('42');
    cio.track('waiting');
    await cio.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.requests).toHaveLength(0);
    expect(storageKeys(s)).toEqual([]);
    expect(cookieNames(s)).toEqual([]);

    cio.consent(true);
    await settle();
    await cio.flush();
    expect(s.sent().map((m: any) => m.type)).toEqual(['page', 'identify', 'track']);
    expect(storageKeys(s)).toEqual(['_cio_ok', '_cioanonid', '_cioid']);
    expect(cookieNames(s)).toEqual(['_cioanonid', '_cioid']);
  });

  it('drops what was tracked and keeps only _cio_optout on consent(false)', async () => {
    const cio = await s.open({ consent: 'pending' });
    cio.track('waiting');
    cio.consent(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.requests).toHaveLength(0);
    expect(storageKeys(s)).toEqual(['_cio_optout']);
  });
});

describe('consent(false)', () => {
  it('deletes every key and cookie the library wrote, leaving only _cio_optout, and sends nothing queued', async () => {
    const cio = await s.open();
    s.win.localStorage.setItem('site_own_key', 'kept');
    cio.identify('42');
    cio.track('queued');
    await settle();
    expect(storageKeys(s)).toEqual([`_cio_ob:${uuid(2)}:${T0}:0`, '_cio_ok', '_cioanonid', '_cioid', 'site_own_key']);

    cio.consent(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(storageKeys(s)).toEqual(['_cio_optout', 'site_own_key']);
    expect(cookieNames(s)).toEqual(['_cio_optout']); // the marker, also where storage is refused
    expect(s.requests).toHaveLength(0);

    cio.track('after_refusal');
    cio.identify('43');
    cio.page();
    await cio.flush();
    expect(s.requests).toHaveLength(0);
    expect(storageKeys(s)).toEqual(['_cio_optout', 'site_own_key']);
  });

  it('is remembered: a tracker on the next page load tracks nothing', async () => {
    (await s.open()).consent(false);
    const next = await s.open({ autoTrackPage: true });
    next.identify('42');
    next.track('x');
    await next.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.requests).toHaveLength(0);
    expect(storageKeys(s)).toEqual(['_cio_optout']);
    expect(cookieNames(s)).toEqual(['_cio_optout']);
  });

  it('applies at once in the other open tabs of the origin (the storage event of the refusing tab)', async () => {
    const cio = await s.open();
    cio.track('before');
    await settle();
    // Another tab refused: the browser tells this one that _cio_optout was written.
    s.win.localStorage.setItem('_cio_optout', '1');
    s.win.dispatchEvent(new s.win.StorageEvent('storage', { key: '_cio_optout', newValue: '1' }));
    cio.identify('bob');
    cio.track('after');
    await cio.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.requests).toHaveLength(0); // not even what this tab had queued before the refusal
    expect(storageKeys(s)).toEqual(['_cio_optout']);
  });

  it('heard again in a tab that has refused already, writes nothing (two tabs would echo it back and forth)', async () => {
    const cio = await s.open();
    cio.consent(false);
    await settle();
    const setItem = vi.spyOn(s.win.localStorage, 'setItem');
    const removeItem = vi.spyOn(s.win.localStorage, 'removeItem');
    const cookies = cookieWrites(s);
    // The other tab refused too (or wrote its marker again): the browser tells this one.
    s.win.dispatchEvent(new s.win.StorageEvent('storage', { key: '_cio_optout', newValue: '1' }));
    await settle();
    expect([setItem.mock.calls, removeItem.mock.calls, cookies]).toEqual([[], [], []]);
  });

  it('called in a tab refused at its load, still forgets what another tab stored since (it consented there)', async () => {
    s.win.localStorage.setItem('_cio_optout', '1');
    const cio = await s.open();
    // Another tab of the origin: consent(true) removed the marker, and its visitor has an id.
    s.win.localStorage.removeItem('_cio_optout');
    s.win.localStorage.setItem('_cioanonid', 'other-tab');
    s.win.document.cookie = '_cioanonid=other-tab;path=/';
    cio.consent(false);
    await settle();
    expect(storageKeys(s)).toEqual(['_cio_optout']);
    expect(cookieNames(s)).toEqual(['_cio_optout']);
  });

  it('never writes an id, not even for a moment, when it comes while consent is pending', async () => {
    const cio = await s.open({ consent: 'pending' });
    cio.identify('bob');
    await settle();
    const setItem = vi.spyOn(s.win.localStorage, 'setItem');
    const cookies = cookieWrites(s);
    cio.consent(false);
    await settle();
    expect(setItem.mock.calls.map(([key]) => key)).toEqual(['_cio_optout']);
    // Deletions and the marker only (the probe finds the domain a cookie can be set on: no id).
    const written = cookies.filter((c) => !/max-age=-1/.test(c)).map((c) => c.split('=')[0]);
    expect(written).toEqual(['_cio_probe', '_cio_optout']);
  });

  it("starts a later page's consent(true) as a new, anonymous visitor, whatever ids that origin still kept", async () => {
    // Refused on another subdomain: the shared cookies are gone, this origin's localStorage is not.
    s.win.localStorage.setItem('_cioanonid', 'before-refusal');
    s.win.localStorage.setItem('_cioid', 'alice');
    s.win.document.cookie = '_cio_optout=1;path=/';
    const cio = await s.open();
    cio.consent(true);
    cio.track('back');
    await settle();
    await cio.flush();
    expect(s.sent().map((m: any) => [m.event, m.userId, m.anonymousId == 'before-refusal'])).toEqual([
      ['back', undefined, false],
    ]);
    expect(s.win.localStorage.getItem('_cioid')).toBeNull();
  });

  it('is undone by consent(true), which removes _cio_optout', async () => {
    const cio = await s.open();
    cio.consent(false);
    cio.consent(true);
    cio.track('back');
    await settle();
    await cio.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['back']);
    expect(storageKeys(s)).not.toContain('_cio_optout');
  });
});

describe.each([
  [
    'respectGPC',
    'navigator.globalPrivacyControl = true',
    (s: Setup) => Object.defineProperty(s.win.navigator, 'globalPrivacyControl', { value: true, configurable: true }),
  ],
  [
    'respectDNT',
    'navigator.doNotTrack = "1"',
    (s: Setup) => Object.defineProperty(s.win.navigator, 'doNotTrack', { value: '1', configurable: true }),
  ],
] as const)('%s with %s', (option, _, signal) => {
  it('stores and sends nothing, even after consent(true)', async () => {
    s.firstVisit(); // an empty store, so that "nothing stored" means nothing
    signal(s);
    const cio = await s.open({ [option]: true, autoTrackPage: true });
    cio.identify('42');
    cio.track('x');
    cio.consent(true);
    cio.track('y');
    await cio.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    s.hide();
    expect(s.requests).toHaveLength(0);
    expect(s.sendBeacon).not.toHaveBeenCalled();
    expect(storageKeys(s)).toEqual([]);
    expect(cookieNames(s)).toEqual([]);
  });

  it('tracks as usual when the option is off', async () => {
    signal(s);
    const cio = await s.open();
    cio.track('x');
    await cio.flush();
    expect(s.requests).toHaveLength(1);
  });
});

describe('consent(false) when localStorage refuses writes (a full quota, old Safari private mode)', () => {
  it('is still remembered on the next page load', async () => {
    vi.spyOn(s.win.localStorage, 'setItem').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    (await s.open()).consent(false);
    const next = await s.open();
    next.track('after_refusal');
    await next.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.requests).toHaveLength(0);
  });
});

describe('consent(false) then consent(true) on the same page', () => {
  it('starts as a new, anonymous visitor: the deleted ids do not come back', async () => {
    const cio = await s.open();
    cio.identify('42');
    await cio.flush();
    expect(s.sent()[0]).toMatchObject({ anonymousId: uuid(1), userId: '42' });
    cio.consent(false);
    cio.consent(true);
    cio.track('after');
    await cio.flush();
    const { anonymousId, userId } = s.sent().at(-1);
    expect({ anonymousId, userId }).toEqual({ anonymousId: uuid(4), userId: undefined }); // ids 2, 3: tab key, messageIds
  });

  it('never writes the outbox or _cio_ok to a cookie', async () => {
    const cio = await s.open();
    s.answers.push(500); // the collector is down: the message stays in the outbox
    cio.track('a', { email: 'x@y.z' });
    await cio.flush();
    cio.consent(false);
    cio.consent(true);
    cio.track('b', { email: 'x@y.z' });
    await settle();
    expect(s.win.document.cookie).not.toMatch(/_cio_ob:|_cio_ok=/);
  });
});
