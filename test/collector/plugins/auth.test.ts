// Only a site's owner reads the site's data: every read path refuses a request without the site's
// API key (or a session cookie from it, or the dashboard password), and a key reads its own site
// only. Reads without a key are a switch for the demo on loopback, off unless asked for.
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postBatch, startCollector, track } from '../harness';

const SITES = [
  { id: 'demo', apiKey: 'demo-secret', password: 'demo-password' },
  { id: 'other', apiKey: 'other-secret' },
];
const READ_PATHS = [
  '/api/events',
  '/api/people',
  '/api/people/u-1',
  '/api/segments?event=a',
  '/api/stats',
  '/api/stream',
];
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});
const NO_KEY =
  "reads need the site's API key (Authorization: Bearer API_KEY, or Basic SITE_ID:API_KEY) or a session (POST /api/session)";

let now = Date.parse('2026-11-29T12:00:00.000Z');
let collector: Awaited<ReturnType<typeof startCollector>>;
beforeAll(async () => {
  collector = await startCollector({ sites: SITES, now: () => now });
  const send = (writeKey: string, event: string) =>
    postBatch(collector.url, { writeKey, batch: [track(event, { userId: 'u-1', anonymousId: `a-${writeKey}` })] });
  await send('demo', 'demo_event');
  await send('other', 'other_event');
});
afterAll(() => collector.stop());

/** GET without reading a stream to its end: the status, the error body, WWW-Authenticate. */
async function read(path: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(`${collector.url}${path}`, { headers, signal: controller.signal });
  const answer = {
    status: res.status,
    authenticate: res.headers.get('www-authenticate'),
    body: res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : null,
  };
  controller.abort();
  return answer;
}

describe.each(READ_PATHS)('GET %s', (path) => {
  it.each([
    ['no credentials', {}, NO_KEY],
    ['a wrong API key', bearer('nope'), 'the API key is wrong'],
    ['the write key (the public site id) as a key', bearer('demo'), 'the API key is wrong'],
    ['Basic with another site’s API key', basic('demo', 'other-secret'), 'the API key is wrong'],
    ['Basic with the write key alone', basic('demo', ''), 'the API key is wrong'],
  ])('refuses %s with 401', async (_, headers, detail) => {
    expect(await read(path, headers)).toEqual({
      status: 401,
      authenticate: 'Bearer realm="tracklet"',
      body: { error: 'unauthorized', detail },
    });
  });

  it.each([
    ['Bearer API_KEY', bearer('demo-secret')],
    ['Basic SITE_ID:API_KEY', basic('demo', 'demo-secret')],
  ])('answers 200 to %s', async (_, headers) => {
    expect((await read(path, headers)).status).toBe(200);
  });
});

describe('one site’s key', () => {
  it.each([
    ['demo-secret', 'demo_event', 'a-demo'],
    ['other-secret', 'other_event', 'a-other'],
  ])('%s reads its own events, people and segments only', async (key, event, anonymousId) => {
    const headers = bearer(key);
    const events = (await getJson(`${collector.url}/api/events`, { headers })).body.events;
    expect(events.map((e: any) => e.name)).toEqual([event]);
    const people = (await getJson(`${collector.url}/api/people`, { headers })).body.people;
    expect(people.map((p: any) => [p.id, p.anonymousIds])).toEqual([['u-1', [anonymousId]]]);
    const person = (await getJson(`${collector.url}/api/people/u-1`, { headers })).body;
    expect(person.timeline.map((e: any) => e.name)).toEqual([event]);
    const otherEvent = event == 'demo_event' ? 'other_event' : 'demo_event';
    const segment = (await getJson(`${collector.url}/api/segments?event=${otherEvent}&within=3650d`, { headers })).body;
    expect(segment.people).toEqual([]);
  });

  it('streams its own site’s new events, not another’s', async () => {
    const controller = new AbortController();
    const res = await fetch(`${collector.url}/api/stream`, {
      headers: bearer('other-secret'),
      signal: controller.signal,
    });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    await postBatch(collector.url, { writeKey: 'demo', batch: [track('not_for_other')] });
    await postBatch(collector.url, { writeKey: 'other', batch: [track('for_other')] });
    let text = '';
    while (!text.includes('for_other')) text += (await reader.read()).value;
    controller.abort();
    expect(text).not.toContain('not_for_other');
  });
});

describe('sessions (POST /api/session)', () => {
  const signIn = (site: string, key: string) =>
    fetch(`${collector.url}/api/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ site, key }),
    });
  const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0];

  it('trades the API key for an HttpOnly, SameSite=Strict cookie that reads, the stream included', async () => {
    const res = await signIn('demo', 'demo-secret');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ site: 'demo', expiresAt: new Date(now + 12 * 3_600_000).toISOString() });
    expect(res.headers.get('set-cookie')).toMatch(
      /^tracklet_session=[^;]+; Max-Age=43200; Path=\/api\/; HttpOnly; SameSite=Strict$/,
    );
    for (const path of READ_PATHS) expect((await read(path, { Cookie: cookieOf(res) })).status).toBe(200);
  });

  it('takes the site’s dashboard password too', async () => {
    const res = await signIn('demo', 'demo-password');
    expect((await read('/api/events', { Cookie: cookieOf(res) })).status).toBe(200);
  });

  it.each([
    ['a wrong key', 'demo', 'nope'],
    ['another site’s key', 'demo', 'other-secret'],
    ['an unknown site', 'nobody', 'demo-secret'],
    ['a password on a site that has none', 'other', 'demo-password'],
  ])('refuses %s with 401 and no cookie', async (_, site, key) => {
    const res = await signIn(site, key);
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.json()).toEqual({ error: 'unauthorized', detail: 'the site id, API key or password is wrong' });
  });

  it('refuses a cookie after 12 hours, and a cookie whose site was edited', async () => {
    const cookie = cookieOf(await signIn('demo', 'demo-secret'));
    const edited = cookie.replace('tracklet_session=demo', 'tracklet_session=other');
    expect((await read('/api/events', { Cookie: edited })).status).toBe(401);
    now += 12 * 3_600_000;
    try {
      expect((await read('/api/events', { Cookie: cookie })).status).toBe(401);
    } finally {
      now -= 12 * 3_600_000;
    }
  });
});

describe('reads without a key (the demo switch)', () => {
  let open: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    open = await startCollector({ sites: SITES, readsWithoutKeyOnLoopback: true, host: '0.0.0.0' });
    await postBatch(`http://127.0.0.1:${open.port}`, { writeKey: 'other', batch: [track('on_other')] });
  });
  afterAll(() => open.stop());
  const local = (path: string, headers = {}) => getJson(`http://127.0.0.1:${open.port}${path}`, { headers });

  it('lets a loopback client read the first site, or the one it names', async () => {
    expect(await local('/api/events')).toEqual({ status: 200, body: { events: [] } });
    expect((await local('/api/events?site=other')).body.events.map((e: any) => e.name)).toEqual(['on_other']);
    expect(await local('/api/events?site=nobody')).toEqual({
      status: 404,
      body: { error: 'not_found', detail: 'site is not a known site id' },
    });
  });

  it('still refuses a wrong key', async () => {
    expect((await local('/api/events', bearer('nope'))).status).toBe(401);
  });

  // The machine's own non-loopback address: the same process, but not a loopback client.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family == 'IPv4' && !address.internal)?.address;
  it.skipIf(!external)('refuses a client that is not on loopback', async () => {
    expect(await getJson(`http://${external}:${open.port}/api/events`, { headers: {} })).toEqual({
      status: 401,
      body: { error: 'unauthorized', detail: NO_KEY },
    });
  });
});
