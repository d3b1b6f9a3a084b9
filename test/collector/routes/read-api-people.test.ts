// GET /api/people and /api/people/:id: everyone the site has seen, a page at a time, found by id,
// email or anonymousId, each with the latest value of every trait and attribute by its own time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../harness';
import { DAY_MS, HOUR_MS, NOW, ago, identifyAt, readApi, secondsAgo, send, trackApi, trackAt } from '../people-harness';

let collector: Awaited<ReturnType<typeof startCollector>>;
beforeAll(async () => {
  collector = await startCollector({ now: () => NOW });
});
afterAll(() => collector.stop());

const person = async (id: string) =>
  (await readApi(collector.url, `/api/people/${encodeURIComponent(id)}`)).body.person;

describe('attributes', () => {
  it('shows the traits of identify as the person’s attributes, objects and booleans as sent', async () => {
    const traits = {
      email: 'ann@example.com',
      plan: 'pro',
      age: 34,
      vip: true,
      address: { city: 'Lyon' },
      tags: ['a'],
    };
    await send(collector.url, [identifyAt(ago(DAY_MS), { userId: 'ann', anonymousId: 'a-ann', traits })]);
    expect(await person('ann')).toMatchObject({ id: 'ann', email: 'ann@example.com', attributes: traits });
  });

  it('keeps the latest value by each message’s own time, whatever order they arrive in', async () => {
    const id = 'late-arrivals';
    await send(collector.url, [identifyAt(ago(5 * DAY_MS), { userId: id, traits: { plan: 'pro', seats: 5 } })]);
    await send(collector.url, [identifyAt(ago(9 * DAY_MS), { userId: id, traits: { plan: 'trial', team: 'A' } })]);
    await send(collector.url, [identifyAt(ago(2 * DAY_MS), { userId: id, traits: { seats: 8 } })]);
    expect((await person(id)).attributes).toEqual({ plan: 'pro', seats: 8, team: 'A' });
  });

  it('takes the latest of two values in one batch by their times, not their order', async () => {
    await send(collector.url, [
      identifyAt(ago(HOUR_MS), { userId: 'one-batch', traits: { plan: 'pro' } }),
      identifyAt(ago(2 * HOUR_MS), { userId: 'one-batch', traits: { plan: 'free' } }),
    ]);
    expect((await person('one-batch')).attributes).toEqual({ plan: 'pro' });
  });

  it('takes Track API PUT attributes at _timestamp, and an older _timestamp does not overwrite', async () => {
    await trackApi(collector.url, 'PUT', '/customers/put-1', { email: 'put@example.com', plan: 'pro' });
    await trackApi(collector.url, 'PUT', '/customers/put-1', { plan: 'free', _timestamp: secondsAgo(DAY_MS) });
    const form = new URLSearchParams([
      ['created_at', '1359389415'],
      ['age', '41'],
    ]);
    await trackApi(collector.url, 'PUT', '/customers/put-1', form);
    expect(await person('put-1')).toMatchObject({
      email: 'put@example.com',
      attributes: { email: 'put@example.com', plan: 'pro', created_at: 1359389415, age: '41' },
    });
  });

  it('removes an attribute sent as null', async () => {
    await send(collector.url, [identifyAt(ago(3 * HOUR_MS), { userId: 'nulled', traits: { plan: 'pro', team: 'A' } })]);
    await send(collector.url, [identifyAt(ago(HOUR_MS), { userId: 'nulled', traits: { team: null } })]);
    expect((await person('nulled')).attributes).toEqual({ plan: 'pro' });
  });

  it('gives a visitor’s traits to the person they log in as, unless the person’s value is later', async () => {
    await send(collector.url, [
      identifyAt(ago(3 * DAY_MS), { userId: 'merged', traits: { plan: 'pro', lang: 'fr' } }),
      identifyAt(ago(2 * DAY_MS), { anonymousId: 'a-merged', traits: { lang: 'de', coupon: 'X1' } }),
      identifyAt(ago(4 * DAY_MS), { anonymousId: 'a-merged', traits: { plan: 'free' } }),
    ]);
    expect((await person('a-merged')).attributes).toEqual({ lang: 'de', coupon: 'X1', plan: 'free' });
    await send(collector.url, [trackAt('logged_in', ago(DAY_MS), { userId: 'merged', anonymousId: 'a-merged' })]);
    expect(await person('a-merged')).toMatchObject({
      id: 'merged',
      anonymousIds: ['a-merged'],
      attributes: { plan: 'pro', lang: 'de', coupon: 'X1' },
    });
  });
});

describe('the list', () => {
  const list = async (query = '') => (await readApi(collector.url, `/api/people${query}`)).body;

  it('pages through everyone, most recently seen first, with the total', async () => {
    await send(collector.url, [
      trackAt('browsed', ago(30 * DAY_MS), { anonymousId: 'pager-old' }),
      trackAt('browsed', ago(29 * DAY_MS), { userId: 'pager-mid', anonymousId: 'a-pager-1' }),
      trackAt('browsed', ago(29 * DAY_MS), { userId: 'pager-mid', anonymousId: 'a-pager-2' }),
    ]);
    const all = await list('?limit=1000');
    const ids = all.people.map((p: any) => p.id);
    expect(all.total).toBe(ids.length);
    expect(ids.slice(-2)).toEqual(['pager-mid', 'pager-old']);
    expect((await list(`?limit=2&offset=${all.total - 2}`)).people.map((p: any) => p.id)).toEqual(ids.slice(-2));
    expect(all.people.find((p: any) => p.id == 'pager-mid')).toEqual({
      id: 'pager-mid',
      userId: 'pager-mid',
      anonymousIds: ['a-pager-1', 'a-pager-2'],
      email: null,
      events: 2,
      firstAt: ago(29 * DAY_MS),
      lastAt: ago(29 * DAY_MS),
    });
  });

  it.each([
    ['part of an id, in any case', 'PAGER-m', ['pager-mid']],
    ['part of an email, in any case', 'EXAMPLE.com', ['ann', 'put-1']],
    ['a whole anonymousId', 'a-pager-2', ['pager-mid']],
    ['the anonymousId of a visitor', 'pager-old', ['pager-old']],
    ['nothing known', 'nobody-at-all', []],
  ])('finds people by %s', async (_, search, expected) => {
    const found = await list(`?search=${encodeURIComponent(search)}`);
    expect(found.people.map((p: any) => p.id).sort()).toEqual(expected);
    expect(found.total).toBe(expected.length);
  });

  it.each([
    ['limit=0', 'limit must be a whole number from 1 to 1000'],
    ['offset=-1', 'offset must be a whole number from 0'],
  ])('refuses %s naming the field', async (query, detail) => {
    expect(await readApi(collector.url, `/api/people?${query}`)).toEqual({
      status: 400,
      body: { error: 'invalid_field', detail },
    });
  });
});
