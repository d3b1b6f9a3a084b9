// Property-based specs (fast-check) over the public API: for any sequence of calls with any
// arguments, no exception reaches the caller, and whatever leaves the page is valid JSON within
// the protocol's limits (docs/protocol.md): a message at most 32 KB, a request body at most
// 500 KB, a beacon at most 64 KiB (and all beacons of one page together within that quota), and
// every message one that the reference collector accepts (it would otherwise be dropped there).
// Runs are bounded so the suite stays fast; a failure prints the seed and the shrunk calls.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { MAX_BATCH_BYTES, MAX_MESSAGE_BYTES } from '../../src/limits';
import { KEEPALIVE_QUOTA_BYTES } from '../../src/sender';
import { bytes, ENDPOINT, setup, settle, type Setup } from './harness';
import { validateBatch } from '../../examples/collector/validate.mjs';

const METHODS = ['identify', 'track', 'page', 'reset', 'flush', 'consent', 'on', 'off'] as const;

/** Any JS value, including the awkward ones: BigInt, Dates, typed arrays, sparse arrays, lone surrogates. */
const anyValue = fc.anything({
  maxDepth: 4,
  maxKeys: 6,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: 'binary',
});
/** Data near and over the message limit. */
const bigString = fc.integer({ min: 0, max: 40_000 }).map((n) => 'é'.repeat(n));
const argument = fc.oneof(
  { weight: 6, arbitrary: anyValue },
  { weight: 2, arbitrary: fc.string({ maxLength: 120 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(anyValue, bigString), { maxKeys: 4 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(JSON.parse('{"__proto__":{"polluted":1}}'), { timestamp: 'x' }, { id: 'u' }),
  },
  { weight: 1, arbitrary: fc.record({ timestamp: fc.oneof(fc.double(), fc.date(), fc.string({ maxLength: 30 })) }) },
);
/** A backfill time in any unit or shape: seconds, milliseconds, microseconds, far future or past, NaN. */
const anyTimestamp = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.nat().map((n) => n * 1e6),
  fc.date(),
  fc.date().map((d) => (isNaN(+d) ? 'x' : d.toISOString())),
  fc.string({ maxLength: 30 }),
);
const call = fc.record({ method: fc.constantFrom(...METHODS), args: fc.array(argument, { maxLength: 4 }) });
/** Besides calls, the page hides and shows, and time passes. */
const step = fc.oneof(
  { weight: 8, arbitrary: call },
  {
    weight: 1,
    arbitrary: fc.constantFrom({ method: 'hide' as const, args: [] }, { method: 'show' as const, args: [] }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ method: fc.constant('wait' as const), args: fc.tuple(fc.integer({ min: 0, max: 5000 })) }),
  },
);

/** Checks one request or beacon body against the protocol; returns its messages. */
function checkBody(body: string, limitBytes: number) {
  expect(bytes(body)).toBeLessThanOrEqual(limitBytes);
  const parsed = JSON.parse(body); // throws, and fails the property, on anything but valid JSON
  expect(parsed.writeKey).toBe('site-1');
  expect(Array.isArray(parsed.batch) && parsed.batch.length).toBeGreaterThan(0);
  for (const m of parsed.batch) expect(bytes(JSON.stringify(m))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  const verdict = validateBatch(parsed, () => true);
  expect(verdict).toMatchObject({ problem: null, rejected: [] });
  return parsed.batch;
}

describe('the npm entry under arbitrary calls', () => {
  let s: Setup;
  beforeEach(() => (s = setup()));
  afterEach(() => vi.useRealTimers());

  it('throws nothing, and every body sent is valid JSON within the size limits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), fc.boolean(), async (steps, isPending) => {
        s = setup();
        const bodies: string[] = [];
        const fetch = async (_url: string, init: RequestInit) => {
          bodies.push(init.body as string);
          return { status: 200, headers: { get: () => null }, text: async () => '{}' } as unknown as Response;
        };
        const cio: any = await s.open({ consent: isPending ? 'pending' : 'granted' }, { fetch: fetch as any });
        for (const { method, args } of steps) {
          if (method == 'hide') s.hide();
          else if (method == 'show') s.show();
          else if (method == 'wait') await vi.advanceTimersByTimeAsync(args[0] as number);
          else {
            let result: unknown;
            expect(() => (result = cio[method](...args))).not.toThrow();
            if (method == 'flush') expect(result).toBeInstanceOf(Promise);
          }
        }
        await expect(cio.flush()).resolves.toBeUndefined();
        await vi.advanceTimersByTimeAsync(120_000);
        await settle();

        for (const body of bodies) checkBody(body, MAX_BATCH_BYTES);
        const beaconBodies = await s.beaconBodies();
        for (const body of beaconBodies) checkBody(body, KEEPALIVE_QUOTA_BYTES);
        expect(({} as any).polluted).toBeUndefined();
        (s.win as any).happyDOM?.abort?.();
      }),
      { numRuns: 250, seed: Number(process.env.FC_SEED) || undefined },
    );
  }, 120_000);

  it('any event data: the message is sent whole when it fits, dropped with a warning when not, never thrown', async () => {
    await fc.assert(
      fc.asyncProperty(argument, async (data) => {
        s = setup();
        const cio = await s.open();
        expect(() => cio.track('prop', data as any)).not.toThrow();
        await cio.flush();
        const sent = s.requests.flatMap((r) => checkBody(r.body, MAX_BATCH_BYTES));
        // Either the event went out, or a warning says why (not an object, or over the limit).
        if (!sent.length) expect(s.warnings().length).toBeGreaterThan(0);
        else expect(sent.map((m: any) => m.event)).toEqual(['prop']);
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('any backfill timestamp: the event is sent with a time the collector accepts, never dropped there', async () => {
    await fc.assert(
      fc.asyncProperty(anyTimestamp, async (timestamp) => {
        s = setup();
        const cio = await s.open();
        expect(() => cio.track('backfilled', {}, { timestamp: timestamp as any })).not.toThrow();
        await cio.flush();
        const sent = s.requests.flatMap((r) => checkBody(r.body, MAX_BATCH_BYTES)); // the collector's verdict included
        expect(sent.map((m: any) => m.event)).toEqual(['backfilled']);
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('a page-hide with any amount queued beacons at most 64 KiB in all, and loses nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 1, maxLength: 12 }),
        async (sizes) => {
          s = setup();
          // Like a browser: sendBeacon refuses (returns false) what would go over the page's quota.
          const accepted: string[] = [];
          let usedBytes = 0;
          const sendBeacon = (_url: string, blob: Blob) => {
            if (usedBytes + blob.size > KEEPALIVE_QUOTA_BYTES) return false;
            usedBytes += blob.size;
            accepted.push(blob as any);
            return true;
          };
          const cio = await s.open({ flushAt: 1000, flushIntervalMs: 60_000 }, { sendBeacon: sendBeacon as any });
          for (const n of sizes) cio.track('sized', { pad: 'x'.repeat(n) });
          s.hide();
          await settle();
          const beaconed = (await Promise.all(accepted.map((b: any) => b.text()))).flatMap((body: string) =>
            checkBody(body, KEEPALIVE_QUOTA_BYTES),
          );
          expect(usedBytes).toBeLessThanOrEqual(KEEPALIVE_QUOTA_BYTES);
          // What no beacon took is still in the outbox (or in the keepalive fetch tried last).
          const fetched = s.requests.flatMap((r) => checkBody(r.body, MAX_BATCH_BYTES));
          const stored = Object.values(s.outboxes()).flatMap((o: any) => o.q.map(([, m]: [number, any]) => m));
          const ids = new Set([...beaconed, ...fetched, ...stored].map((m: any) => m.messageId));
          expect(ids.size).toBe(sizes.length);
        },
      ),
      { numRuns: 200 },
    );
  }, 120_000);
});

describe('cio.js (_cio.push) under arbitrary method names and arguments', () => {
  const w = window as any;
  /** Object.prototype's own names: the ones a lookup on the API object finds without being methods. */
  const inherited = Object.getOwnPropertyNames(Object.prototype);
  let s: Setup;

  beforeEach(async () => {
    s = setup();
    vi.resetModules();
    vi.stubGlobal('fetch', s.fetch);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    document.head.innerHTML = '';
    delete w._cio;
    const el = document.createElement('script');
    el.id = 'cio-tracker';
    el.type = 'text/plain'; // never executed nor fetched: src/browser.ts below is cio.js
    el.setAttribute('data-site-id', 'site-1');
    el.setAttribute('data-endpoint', ENDPOINT);
    document.head.appendChild(el);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    delete w._cio;
  });

  const item = (names: fc.Arbitrary<string>) =>
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc.tuple(names, fc.array(argument, { maxLength: 3 })).map(([name, args]) => [name, ...args]),
      },
      {
        weight: 1,
        arbitrary: anyValue.filter((v) => !Array.isArray(v) || (typeof v[0] == 'string' && !inherited.includes(v[0]))),
      },
    );
  const ownNames = fc.oneof(
    fc.constantFrom(...METHODS, 'load', 'sidentify', 'push', 'nope'),
    fc.string({ maxLength: 12 }).filter((n) => !inherited.includes(n)),
  );

  /** Pushes each item (before cio.js, into the stub array; after, into the live API) and checks every body. */
  async function run(before: unknown[], after: unknown[]) {
    w._cio = [];
    for (const i of before) w._cio.push(i);
    await import('../../src/browser');
    await settle();
    for (const i of after) expect(() => w._cio.push(i)).not.toThrow();
    expect(w._cio.__tracklet).toBe(1);
    await expect(w._cio.flush()).resolves.toBeUndefined();
    for (const r of s.requests) checkBody(r.body, MAX_BATCH_BYTES);
  }

  it('throws nothing, before or after the script loads, for names that are not inherited', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(item(ownNames), { maxLength: 8 }),
        fc.array(item(ownNames), { maxLength: 8 }),
        async (before, after) => {
          vi.resetModules();
          delete w._cio;
          await run(before, after);
        },
      ),
      { numRuns: 200 },
    );
  }, 120_000);

  it('throws nothing for method names that are not strings (Symbol, null-prototype object)', async () => {
    const names = fc.oneof(
      fc.constant(Symbol('m')),
      fc.constant(Object.create(null)),
      fc.constant({
        toString: () => {
          throw new Error('x');
        },
      }),
    );
    await fc.assert(
      fc.asyncProperty(names, fc.array(argument, { maxLength: 2 }), fc.boolean(), async (name, args, isBefore) => {
        vi.resetModules();
        delete w._cio;
        await run(isBefore ? [[name, ...args]] : [], isBefore ? [] : [[name, ...args]]);
      }),
      { numRuns: 30 },
    );
  }, 120_000);

  it('throws nothing for names Object.prototype has (hasOwnProperty, constructor, ...)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...inherited),
        fc.array(argument, { maxLength: 2 }),
        fc.boolean(),
        async (name, args, isBefore) => {
          vi.resetModules();
          delete w._cio;
          await run(isBefore ? [[name, ...args]] : [], isBefore ? [] : [[name, ...args]]);
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
