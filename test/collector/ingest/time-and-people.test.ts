// Clock-skew correction and the merge of anonymous visitors into people.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postBatch, startCollector, track } from '../harness';

const SERVER_NOW = Date.parse('2026-11-29T12:00:00.000Z');
let collector: Awaited<ReturnType<typeof startCollector>>;
beforeAll(async () => {
  collector = await startCollector({ now: () => SERVER_NOW });
});
afterAll(() => collector.stop());

const stored = (messageId: string) =>
  collector.db.prepare('SELECT * FROM messages WHERE message_id = ?').get(messageId);

describe('clock skew', () => {
  it('moves a message by receivedAt - sentAt and keeps the original time', async () => {
    // The client's clock is 1 h behind; the message was made 250 ms before the request.
    const message = track('skewed', { timestamp: '2026-11-29T10:59:59.750Z' });
    await postBatch(collector.url, { writeKey: 'demo', sentAt: '2026-11-29T11:00:00.000Z', batch: [message] });
    expect(stored(message.messageId)).toMatchObject({
      original_timestamp: '2026-11-29T10:59:59.750Z',
      timestamp_ms: Date.parse('2026-11-29T11:59:59.750Z'),
      sent_at: '2026-11-29T11:00:00.000Z',
      received_at_ms: SERVER_NOW,
      skew_ms: 3_600_000,
    });
  });

  it('keeps a backfilled event its distance from sentAt, so it lands 10 days back', async () => {
    const message = track('backfilled', { timestamp: '2026-11-19T12:00:00.000Z' });
    await postBatch(collector.url, { writeKey: 'demo', sentAt: '2026-11-29T12:00:00.000Z', batch: [message] });
    expect(stored(message.messageId)).toMatchObject({
      timestamp_ms: Date.parse('2026-11-19T12:00:00.000Z'),
      skew_ms: 0,
    });
  });

  it('prefers a message’s own sentAt over the request’s', async () => {
    const message = track('own_sent_at', { timestamp: '2026-11-29T11:00:00.000Z', sentAt: '2026-11-29T11:00:00.000Z' });
    await postBatch(collector.url, { writeKey: 'demo', sentAt: '2026-11-29T12:00:00.000Z', batch: [message] });
    expect(stored(message.messageId)).toMatchObject({ timestamp_ms: SERVER_NOW, skew_ms: 3_600_000 });
  });

  it.each([
    ['missing', undefined],
    ['not a date', 'soon'],
    ['not a string', 1234],
  ])('does not correct when sentAt is %s', async (_, sentAt) => {
    const message = track('no_correction', { timestamp: '2026-11-29T10:00:00.000Z' });
    await postBatch(collector.url, { writeKey: 'demo', sentAt, batch: [message] });
    expect(stored(message.messageId)).toMatchObject({
      timestamp_ms: Date.parse('2026-11-29T10:00:00.000Z'),
      skew_ms: null,
      sent_at: null,
    });
  });

  it('shows the corrected time, the original and the skew in the API', async () => {
    const message = track('shown', { timestamp: '2026-11-29T11:59:58.000Z' });
    await postBatch(collector.url, { writeKey: 'demo', sentAt: '2026-11-29T11:59:59.000Z', batch: [message] });
    const { body } = await getJson(`${collector.url}/api/events?limit=1`);
    expect(body.events[0]).toMatchObject({
      name: 'shown',
      timestamp: '2026-11-29T11:59:59.000Z',
      originalTimestamp: '2026-11-29T11:59:58.000Z',
      receivedAt: '2026-11-29T12:00:00.000Z',
      skewMs: 1000,
      raw: message,
    });
  });
});

describe('people', () => {
  const at = (minute: number) => `2026-11-29T11:${String(minute).padStart(2, '0')}:00.000Z`;
  const send = (batch: unknown[]) =>
    postBatch(collector.url, { writeKey: 'demo', sentAt: new Date(SERVER_NOW).toISOString(), batch });

  it('keeps a visitor with only an anonymousId as an anonymous person', async () => {
    await send([track('browsed', { anonymousId: 'visitor-a', timestamp: at(1) })]);
    const { body } = await getJson(`${collector.url}/api/people/visitor-a`);
    expect(body.person).toMatchObject({ id: 'visitor-a', userId: null, anonymousIds: ['visitor-a'], events: 1 });
  });

  it('merges earlier and later anonymous messages into the person once a message carries both ids', async () => {
    await send([track('added_to_cart', { anonymousId: 'browser-1', timestamp: at(2) })]);
    await send([
      {
        ...track('x', { anonymousId: 'browser-1', userId: 'alice', timestamp: at(3) }),
        type: 'identify',
        event: undefined,
      },
    ]);
    await send([track('checked_out', { anonymousId: 'browser-1', timestamp: at(4) })]); // no userId on it
    await send([track('on_phone', { anonymousId: 'browser-2', userId: 'alice', timestamp: at(5) })]);

    const { body } = await getJson(`${collector.url}/api/people/alice`);
    expect(body.person).toMatchObject({ id: 'alice', userId: 'alice', events: 4 });
    expect(body.person.anonymousIds.sort()).toEqual(['browser-1', 'browser-2']);
    expect(body.timeline.map((e: any) => [e.type, e.name ?? null, e.person.id])).toEqual([
      ['track', 'added_to_cart', 'alice'],
      ['identify', null, 'alice'],
      ['track', 'checked_out', 'alice'],
      ['track', 'on_phone', 'alice'],
    ]);
  });

  it('counts a visitor’s messages for the person they are identified as later in the same batch', async () => {
    await send([
      track('browsed', { anonymousId: 'browser-3', timestamp: at(6) }),
      track('signed_up', { anonymousId: 'browser-3', userId: 'bob', timestamp: at(7) }),
      track('browsed', { anonymousId: 'browser-3', timestamp: at(8) }),
    ]);
    const { body } = await getJson(`${collector.url}/api/people/browser-3`);
    expect(body.person).toMatchObject({
      id: 'bob',
      userId: 'bob',
      anonymousIds: ['browser-3'],
      events: 3,
      firstAt: at(6),
      lastAt: at(8),
    });
    expect(body.timeline.map((e: any) => e.person.id)).toEqual(['bob', 'bob', 'bob']);
    expect((await getJson(`${collector.url}/api/people?search=browser-3`)).body.people.map((p: any) => p.id)).toEqual([
      'bob',
    ]);
  });

  it('finds the merged person by any of their anonymousIds', async () => {
    const { body } = await getJson(`${collector.url}/api/people/browser-1`);
    expect(body.person.userId).toBe('alice');
  });

  it('lists people once each, identified and anonymous', async () => {
    const { body } = await getJson(`${collector.url}/api/people`);
    const ids = body.people.map((p: any) => p.id);
    // Everyone this file sent to, once each: track()'s default visitor anon-1, visitor-a, alice
    // (browser-1 and browser-2 are hers, not people of their own) and bob (browser-3).
    expect([...ids].sort()).toEqual(['alice', 'anon-1', 'bob', 'visitor-a']);
  });

  it('answers 404 for someone it never saw', async () => {
    const res = await getJson(`${collector.url}/api/people/${encodeURIComponent('nobody/..')}`);
    expect(res).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });
});
