// Saved, named segments counted live, and the event names a site has seen: /api/saved-segments,
// /api/event-names and /api/attribute-names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../harness';
import { DAY_MS, HOUR_MS, NOW, ago, identifyAt, readApi, send, trackAt } from '../people-harness';

let collector: Awaited<ReturnType<typeof startCollector>>;
beforeAll(async () => {
  collector = await startCollector({
    now: () => NOW,
    sites: [
      { id: 'demo', apiKey: 'demo-secret' },
      { id: 'other', apiKey: 'other-secret' },
    ],
  });
  await send(collector.url, [
    identifyAt(ago(2 * DAY_MS), { userId: 'ann', traits: { plan: 'pro' } }),
    trackAt('added_to_cart', ago(2 * DAY_MS), { userId: 'ann' }),
    trackAt('added_to_cart', ago(DAY_MS), { userId: 'ann' }),
    trackAt('purchased', ago(DAY_MS), { userId: 'ann' }),
    trackAt('added_to_cart', ago(HOUR_MS), { anonymousId: 'visitor' }),
  ]);
});
afterAll(() => collector.stop());

const carted = { conditions: [{ kind: 'event', event: 'added_to_cart', within: '7d' }] };
const save = (body: unknown) => readApi(collector.url, '/api/saved-segments', { method: 'POST', body });

describe('saved segments', () => {
  let id: number;

  it('saves a named segment and answers 201 with its id, count and people', async () => {
    const { status, body } = await save({ name: 'Carts this week', segment: carted });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      name: 'Carts this week',
      segment: carted,
      total: 2,
      createdAt: new Date(NOW).toISOString(),
      warnings: [],
    });
    expect(body.people.map((p: any) => p.id)).toEqual(['visitor', 'ann']);
    id = body.id;
  });

  it('lists saved segments with live counts that follow new events', async () => {
    const list = async () => (await readApi(collector.url, '/api/saved-segments')).body.segments;
    expect((await list()).map((s: any) => [s.name, s.total])).toEqual([['Carts this week', 2]]);
    await send(collector.url, [trackAt('added_to_cart', ago(HOUR_MS), { userId: 'bo' })]);
    expect((await list()).map((s: any) => [s.name, s.total])).toEqual([['Carts this week', 3]]);
  });

  it('reads one with a page of its people', async () => {
    const { status, body } = await readApi(collector.url, `/api/saved-segments/${id}?limit=1&offset=1`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id, name: 'Carts this week', total: 3, limit: 1, offset: 1 });
    expect(body.people.map((p: any) => p.id)).toEqual(['visitor']);
  });

  it('refuses a second segment of the same name with 409', async () => {
    expect(await save({ name: 'Carts this week', segment: carted })).toEqual({
      status: 409,
      body: { error: 'name_taken', detail: 'name: a saved segment is already called "Carts this week"' },
    });
  });

  it('replaces one (PUT), keeping its id, and warns about an unseen event', async () => {
    const renamed = { name: 'Buyers', segment: { conditions: [{ kind: 'event', event: 'Purchased' }] } };
    const { status, body } = await readApi(collector.url, `/api/saved-segments/${id}`, {
      method: 'PUT',
      body: renamed,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ id, ...renamed, total: 0, updatedAt: new Date(NOW).toISOString() });
    expect(body.warnings.map((w: any) => w.didYouMean)).toEqual([['purchased']]);
  });

  it('keeps one site’s saved segments from another site’s key', async () => {
    const res = await getJson(`${collector.url}/api/saved-segments/${id}`, {
      headers: { Authorization: 'Bearer other-secret' },
    });
    expect(res).toEqual({ status: 404, body: { error: 'not_found', detail: `no saved segment ${id}` } });
    const list = await getJson(`${collector.url}/api/saved-segments`, {
      headers: { Authorization: 'Bearer other-secret' },
    });
    expect(list.body.segments).toEqual([]);
  });

  it('deletes one', async () => {
    expect(await readApi(collector.url, `/api/saved-segments/${id}`, { method: 'DELETE' })).toEqual({
      status: 200,
      body: {},
    });
    expect((await readApi(collector.url, `/api/saved-segments/${id}`)).status).toBe(404);
  });

  it.each([
    ['no name', { segment: carted }, 400, 'name is missing'],
    ['a blank name', { name: '   ', segment: carted }, 400, 'name must be a name of 1 to 100 characters'],
    ['no segment', { name: 'x' }, 400, 'segment is missing'],
  ])('refuses %s naming the field', async (_, body, status, detail) => {
    const res = await save(body);
    expect(res.status).toBe(status);
    expect(res.body.detail).toBe(detail);
  });

  it('needs the site’s key', async () => {
    const res = await fetch(`${collector.url}/api/saved-segments`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
  });
});

describe('event and attribute names', () => {
  it('lists the event names seen, the most frequent first, with counts and last times', async () => {
    expect((await readApi(collector.url, '/api/event-names')).body.events).toEqual([
      { name: 'added_to_cart', count: 4, lastAt: ago(HOUR_MS) },
      { name: 'purchased', count: 1, lastAt: ago(DAY_MS) },
    ]);
  });

  it('forgets the events of a deleted person', async () => {
    const basic = `Basic ${Buffer.from('demo:demo-secret').toString('base64')}`;
    const res = await fetch(`${collector.url}/api/v1/customers/ann`, {
      method: 'DELETE',
      headers: { Authorization: basic },
    });
    expect(res.status).toBe(200);
    expect((await readApi(collector.url, '/api/event-names')).body.events).toEqual([
      { name: 'added_to_cart', count: 2, lastAt: ago(HOUR_MS) },
    ]);
    expect((await readApi(collector.url, '/api/people?search=ann')).body.total).toBe(0);
  });

  it('lists the attribute names people have, with how many have each', async () => {
    await send(collector.url, [
      identifyAt(ago(HOUR_MS), { userId: 'cy', traits: { plan: 'free', email: 'cy@x.test' } }),
    ]);
    expect((await readApi(collector.url, '/api/attribute-names')).body.attributes).toEqual([
      { name: 'email', people: 1 },
      { name: 'plan', people: 1 },
    ]);
  });
});
