// The read side: the JSON API and the server-sent event stream (as the site's owner: auth has
// its own specs in plugins/auth.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_READ, getJson, postBatch, startCollector, track } from '../harness';

const XSS_NAME = '<img src=x onerror=alert(1)>';

let collector: Awaited<ReturnType<typeof startCollector>>;
beforeAll(async () => {
  collector = await startCollector({ staticDirs: {} });
});
afterAll(() => collector.stop());

describe('user-supplied strings', () => {
  it('stores an event named like HTML and returns it intact, as JSON that will not sniff as HTML', async () => {
    const message = track(XSS_NAME, { userId: XSS_NAME, properties: { note: '</script><script>alert(2)</script>' } });
    await postBatch(collector.url, { writeKey: 'demo', batch: [message] });
    const res = await fetch(`${collector.url}/api/events?limit=1`, { headers: DEMO_READ });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const [event] = (await res.json()).events;
    expect(event).toMatchObject({ name: XSS_NAME, person: { userId: XSS_NAME }, raw: message });
    const segment = await getJson(`${collector.url}/api/segments?event=${encodeURIComponent(XSS_NAME)}&within=1d`);
    expect(segment.body.people.map((p: any) => p.userId)).toEqual([XSS_NAME]);
    const person = await getJson(`${collector.url}/api/people/${encodeURIComponent(XSS_NAME)}`);
    expect(person.body.timeline[0].name).toBe(XSS_NAME);
  });
});

describe('GET /api/events', () => {
  it('lists the newest first, up to limit', async () => {
    const batch = [track('first'), track('second'), track('third')];
    await postBatch(collector.url, { writeKey: 'demo', batch });
    const { body } = await getJson(`${collector.url}/api/events?limit=2`);
    expect(body.events.map((e: any) => e.name)).toEqual(['third', 'second']);
  });

  it.each(['0', '-1', 'ten', '1001'])('answers 400 to limit=%s', async (limit) => {
    expect(await getJson(`${collector.url}/api/events?limit=${limit}`)).toMatchObject({
      status: 400,
      body: { error: 'invalid_field' },
    });
  });
});

describe('GET /api/stats', () => {
  // Its own collector and clock: the counts are exact whatever other specs sent, and whenever it runs.
  const NOW = Date.parse('2026-11-29T12:00:30.000Z');
  let charted: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    charted = await startCollector({ now: () => NOW, staticDirs: {} });
  });
  afterAll(() => charted.stop());

  it('counts events per minute of corrected time for the chart, the last minute being the current one', async () => {
    const at = (iso: string) => track('charted', { timestamp: iso }); // no sentAt: the time is kept as sent
    await postBatch(charted.url, {
      writeKey: 'demo',
      batch: [
        at('2026-11-29T11:57:59.999Z'), // before the window
        at('2026-11-29T11:58:00.000Z'),
        at('2026-11-29T11:58:59.000Z'),
        at('2026-11-29T12:00:10.000Z'),
      ],
    });
    const { body } = await getJson(`${charted.url}/api/stats?minutes=3`);
    expect(body).toEqual({
      minutes: [
        Date.parse('2026-11-29T11:58:00Z') / 1000,
        Date.parse('2026-11-29T11:59:00Z') / 1000,
        Date.parse('2026-11-29T12:00:00Z') / 1000,
      ],
      counts: [2, 0, 1],
    });
  });

  it.each(['0', '1441', 'x'])('answers 400 to minutes=%s', async (minutes) => {
    expect(await getJson(`${charted.url}/api/stats?minutes=${minutes}`)).toEqual({
      status: 400,
      body: { error: 'invalid_field', detail: 'minutes must be a whole number from 1 to 1440' },
    });
  });
});

describe('GET /api/stream', () => {
  it('sends each newly stored message as a server-sent event, and not its duplicate', async () => {
    const controller = new AbortController();
    const res = await fetch(`${collector.url}/api/stream`, { signal: controller.signal, headers: DEMO_READ });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const message = track('streamed', { anonymousId: 'watcher' });
    let text = '';
    const frames = async (count: number) => {
      while ((text.match(/^data: /gm) ?? []).length < count) text += (await reader.read()).value;
    };
    await postBatch(collector.url, { writeKey: 'demo', batch: [message, message] });
    await postBatch(collector.url, { writeKey: 'demo', batch: [track('after')] });
    await frames(2);
    controller.abort();
    const events = text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)));
    expect(events.map((e) => e.name)).toEqual(['streamed', 'after']);
    expect(events[0]).toMatchObject({ type: 'track', person: { id: 'watcher', userId: null }, raw: message });
  });
});
