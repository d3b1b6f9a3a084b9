// GET /api/segments: who did (or did not do) an event, at least N times, ever or within a window
// of corrected event time, so backfilled events count where they happened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postBatch, startCollector, track } from '../harness';

const NOW = Date.parse('2026-11-29T12:00:00.000Z');
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const ago = (ms: number) => new Date(NOW - ms).toISOString();

let collector: Awaited<ReturnType<typeof startCollector>>;
beforeAll(async () => {
  collector = await startCollector({ now: () => NOW });
  // Backfilled through the protocol as the library sends them: old timestamps, sentAt = now.
  const send = (batch: unknown[]) =>
    postBatch(collector.url, { writeKey: 'demo', sentAt: new Date(NOW).toISOString(), batch });
  await send([
    track('purchased', { userId: 'recent', anonymousId: 'a-recent', timestamp: ago(2 * HOUR_MS) }),
    track('purchased', { userId: 'twice', anonymousId: 'a-twice', timestamp: ago(3 * DAY_MS) }),
    track('purchased', { userId: 'twice', anonymousId: 'a-twice', timestamp: ago(20 * DAY_MS) }),
    track('purchased', { userId: 'long-ago', anonymousId: 'a-long-ago', timestamp: ago(45 * DAY_MS) }),
    track('browsed', { userId: 'never', anonymousId: 'a-never', timestamp: ago(HOUR_MS) }),
    track('purchased', { anonymousId: 'guest', timestamp: ago(5 * DAY_MS) }),
  ]);
});
afterAll(() => collector.stop());

const segment = async (query: string) => {
  const { status, body } = await getJson(`${collector.url}/api/segments?${query}`);
  expect(status).toBe(200);
  return body;
};
const ids = (body: any) => body.people.map((p: any) => p.id).sort();

describe('have performed', () => {
  it.each([
    ['within=30d', ['guest', 'recent', 'twice']],
    ['within=14d', ['guest', 'recent', 'twice']],
    ['within=1d', ['recent']],
    ['within=12h', ['recent']],
    ['within=1h', []],
    ['within=60d', ['guest', 'long-ago', 'recent', 'twice']],
  ])('event=purchased&%s', async (within, expected) => {
    expect(ids(await segment(`event=purchased&${within}`))).toEqual(expected);
  });

  it('answers with the query, each person’s ids, count and last time', async () => {
    const body = await segment('event=purchased&within=30d');
    expect(body).toMatchObject({ event: 'purchased', within: '30d', negate: false, min: 1 });
    expect(body.people.find((p: any) => p.id == 'twice')).toEqual({
      id: 'twice',
      userId: 'twice',
      anonymousIds: ['a-twice'],
      count: 2,
      lastAt: ago(3 * DAY_MS),
    });
    expect(body.people.find((p: any) => p.id == 'guest')).toMatchObject({ userId: null, anonymousIds: ['guest'] });
  });

  it('counts only events inside the window toward min', async () => {
    expect(ids(await segment('event=purchased&within=30d&min=2'))).toEqual(['twice']);
    expect(ids(await segment('event=purchased&within=7d&min=2'))).toEqual([]);
  });
});

describe('have not performed (negate=true)', () => {
  it('lists everyone known without the event in the window, anonymous visitors included', async () => {
    const body = await segment('event=purchased&within=30d&negate=true');
    expect(ids(body)).toEqual(['long-ago', 'never']);
    expect(body.people.find((p: any) => p.id == 'long-ago')).toMatchObject({ count: 0, lastAt: null });
  });

  it('with min, lists those with fewer than min such events', async () => {
    expect(ids(await segment('event=purchased&within=30d&negate=true&min=2'))).toEqual([
      'guest',
      'long-ago',
      'never',
      'recent',
    ]);
  });

  it('lists a person whose only such event is older than the window', async () => {
    expect(ids(await segment('event=purchased&within=1d&negate=true'))).toEqual([
      'guest',
      'long-ago',
      'never',
      'twice',
    ]);
  });
});

it('puts the anonymous history of a person who later logs in into their segment', async () => {
  const send = (batch: unknown[]) =>
    postBatch(collector.url, { writeKey: 'demo', sentAt: new Date(NOW).toISOString(), batch });
  await send([track('wishlisted', { anonymousId: 'later-known', timestamp: ago(2 * DAY_MS) })]);
  await send([
    {
      ...track('x', { anonymousId: 'later-known', userId: 'bob', timestamp: ago(HOUR_MS) }),
      type: 'identify',
      event: undefined,
    },
  ]);
  const body = await segment('event=wishlisted&within=7d');
  expect(body.people).toEqual([
    { id: 'bob', userId: 'bob', anonymousIds: ['later-known'], count: 1, lastAt: ago(2 * DAY_MS) },
  ]);
});

describe('invalid queries', () => {
  it.each([
    ['within=30d', 'event'],
    ['event=purchased&within=30', 'within'],
    ['event=purchased&within=2w', 'within'],
    ['event=purchased&within=0d', 'within'],
    ['event=purchased&within=-3d', 'within'],
    ['event=purchased&within=1000000d', 'within'],
    ['event=purchased&anonymous=only', 'anonymous'],
    ['event=purchased&negate=yes', 'negate'],
    ['event=purchased&min=0', 'min'],
    ['event=purchased&min=1.5', 'min'],
    ['event=purchased&min=abc', 'min'],
  ])('%s → 400 naming %s', async (query, field) => {
    const { status, body } = await getJson(`${collector.url}/api/segments?${query}`);
    expect(status).toBe(400);
    expect(body.detail).toMatch(new RegExp(`^${field}`));
  });
});

describe('without a window: ever', () => {
  it('counts every such event, the 2013 one of Customer.io’s example included', async () => {
    const example = new URLSearchParams([
      ['name', 'purchased'],
      ['data[price]', '23.45'],
      ['timestamp', '1359389415'],
    ]);
    const res = await fetch(`${collector.url}/api/v1/customers/5/events`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from('demo:demo-secret').toString('base64')}` },
      body: example,
    });
    expect(res.status).toBe(200);
    const body = await segment('event=purchased');
    expect(body).toMatchObject({ event: 'purchased', within: null, negate: false, min: 1 });
    expect(ids(body)).toEqual(['5', 'guest', 'long-ago', 'recent', 'twice']);
    expect(body.people.find((p: any) => p.id == '5')).toEqual({
      id: '5',
      userId: '5',
      anonymousIds: [],
      count: 1,
      lastAt: '2013-01-28T16:10:15.000Z',
    });
    expect(ids(await segment('event=purchased&negate=true'))).toEqual(['bob', 'never']);
  });
});

describe('anonymous visitors', () => {
  it('are in by default, and out with anonymous=exclude', async () => {
    expect(ids(await segment('event=purchased&within=30d&anonymous=exclude'))).toEqual(['recent', 'twice']);
    expect(ids(await segment('event=purchased&within=30d&anonymous=include'))).toEqual(['guest', 'recent', 'twice']);
  });
});
