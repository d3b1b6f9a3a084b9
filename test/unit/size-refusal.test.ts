// A request refused for its size (a 413, or a 400 that says so: RudderStack's "request size
// exceeds max limit", rudder-server gateway/handle.go) is sent again in halves (requests no bigger
// than its first half), down to one message; only one message still refused is dropped, with a warning. The size is
// kept per endpoint (`_cio_ep:<batch URL>`), so later pages start within it, page hide included.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BATCH_URL, bytes, setup, settle, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

const MEMORY_KEY = '_cio_ep:' + BATCH_URL;
const blob = 'x'.repeat(2000);
const events = (requests: { json: any }[]) => requests.map((r) => r.json.batch.map((m: any) => m.event));

describe.each<[string, { status: number; body?: unknown }]>([
  ['a 413', { status: 413 }],
  ['a 400 that says the body is too big', { status: 400, body: 'request size exceeds max limit' }],
])('%s', (_, tooBig) => {
  it('sends the batch again in halves, loses nothing, and remembers the size of its first half', async () => {
    const cio = await s.open();
    s.answers.push(tooBig);
    for (let i = 0; i < 4; i++) cio.track('e' + i, { blob });
    await cio.flush();
    expect(events(s.requests)).toEqual([
      ['e0', 'e1', 'e2', 'e3'],
      ['e0', 'e1'],
      ['e2', 'e3'],
    ]);
    const halfBytes = bytes(s.requests[1].body);
    expect(bytes(s.requests[2].body)).toBeLessThanOrEqual(halfBytes + 1);
    expect(s.win.localStorage.getItem(MEMORY_KEY)).toBe(' ' + (halfBytes + 1));
    expect(s.warnings()).toEqual([]);
    await settle();
    expect(s.outboxes()).toEqual({});
  });
});

it('halves again while the halves are refused, down to one message', async () => {
  const cio = await s.open();
  s.answers.push(413, 413, 413);
  for (let i = 0; i < 4; i++) cio.track('e' + i, { blob });
  await cio.flush();
  // After the first refusal the halves go in parallel, each refused, then the quarters.
  expect(events(s.requests)).toEqual([
    ['e0', 'e1', 'e2', 'e3'],
    ['e0', 'e1'],
    ['e2', 'e3'],
    ['e0'],
    ['e1'],
    ['e2'],
    ['e3'],
  ]);
});

it('drops one message that is still refused, warning with what the collector said', async () => {
  const cio = await s.open();
  const dropped = vi.fn();
  cio.on('dropped', dropped);
  s.answers.push({ status: 413, body: 'too large' });
  cio.track('huge', { blob });
  await cio.flush();
  await settle();
  expect(s.requests).toHaveLength(1);
  expect(s.outboxes()).toEqual({});
  expect(dropped).toHaveBeenCalledWith({ count: 1, status: 413 });
  expect(s.warnings()).toEqual(['tracklet: flush(): HTTP 413: 1 messages dropped; the collector said: "too large"']);
});

it('starts a later page within the remembered size, for fetches and page-hide beacons alike', async () => {
  s.win.localStorage.setItem(MEMORY_KEY, ' 6000');
  const cio = await s.open();
  for (let i = 0; i < 4; i++) cio.track('e' + i, { blob });
  await cio.flush();
  for (let i = 4; i < 8; i++) cio.track('e' + i, { blob });
  await settle();
  s.hide();
  const beacons = await s.beaconBodies();
  for (const body of [...s.requests.map((r) => r.body), ...beacons]) expect(bytes(body)).toBeLessThanOrEqual(6000);
  expect([...events(s.requests), ...beacons.map((b) => JSON.parse(b).batch.map((m: any) => m.event))].flat()).toEqual([
    'e0',
    'e1',
    'e2',
    'e3',
    'e4',
    'e5',
    'e6',
    'e7',
  ]);
});
