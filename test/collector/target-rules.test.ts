// The target test collectors (test/targets/) behave as their source or docs say: each rule's
// probe is answered as the rule says while it is on, and otherwise once it is switched off, so a
// rule dropped from a test collector fails here. Beside the refusals, each accepts what the
// target's own SDK sends, and answers a CORS preflight as its source does.
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  basicAuth,
  rulesTable,
  sampleBatch,
  sendProbe,
  type Probe,
  type Rule,
  type TargetCollector,
  type TargetOptions,
} from '../targets/target-kit';
import { startRudderStack, RUDDERSTACK_RULES } from '../targets/rudderstack';
import { startSegment, SEGMENT_RULES } from '../targets/segment';
import { startCustomerIo, CUSTOMERIO_RULES } from '../targets/customerio';
import { startJitsu, JITSU_RULES } from '../targets/jitsu';
import { startPlain, PLAIN_RULES } from '../targets/plain';

const started: TargetCollector[] = [];
afterAll(() => Promise.all(started.map((t) => t.close())));

const textPlain = { 'content-type': 'text/plain;charset=UTF-8' };
const json = { 'content-type': 'application/json' };
/** A request the target must store one message from. */
type Accepted = { as: string; request: (t: TargetCollector) => Omit<Probe, 'isApplied'> };

const TARGETS: {
  name: string;
  start: (o?: TargetOptions) => Promise<TargetCollector>;
  rules: Rule[];
  accepted: Accepted[];
}[] = [
  {
    name: 'RudderStack',
    start: startRudderStack,
    rules: RUDDERSTACK_RULES,
    accepted: [
      {
        as: 'a server SDK: /v1/batch, Basic auth, JSON',
        request: (t) => ({
          path: '/v1/batch',
          headers: { ...json, authorization: basicAuth(t.writeKey) },
          body: sampleBatch(t.writeKey),
        }),
      },
      {
        as: 'a server SDK, gzipped: Content-Encoding: gzip',
        request: (t) => ({
          path: '/v1/batch',
          headers: { ...json, authorization: basicAuth(t.writeKey), 'content-encoding': 'gzip' },
          body: gzipSync(sampleBatch(t.writeKey)),
        }),
      },
      {
        as: 'a beacon: /beacon/v1/batch?writeKey=, text/plain, no header',
        request: (t) => ({
          path: `/beacon/v1/batch?writeKey=${t.writeKey}`,
          headers: textPlain,
          body: sampleBatch(undefined),
        }),
      },
    ],
  },
  {
    name: 'Segment',
    start: startSegment,
    rules: SEGMENT_RULES,
    accepted: [
      {
        as: 'analytics-next: /v1/b, text/plain, Basic auth and writeKey',
        request: (t) => ({
          path: '/v1/b',
          headers: { 'content-type': 'text/plain', authorization: basicAuth(t.writeKey) },
          body: sampleBatch(t.writeKey),
        }),
      },
      {
        as: 'the HTTP API docs: /v1/batch, JSON, writeKey in the body',
        request: (t) => ({ path: '/v1/batch', headers: json, body: sampleBatch(t.writeKey) }),
      },
    ],
  },
  {
    name: 'Customer.io',
    start: startCustomerIo,
    rules: CUSTOMERIO_RULES,
    accepted: [
      {
        as: 'cdp-analytics-js batching: /v1/b, text/plain, { batch, writeKey }',
        request: (t) => ({ path: '/v1/b', headers: { 'content-type': 'text/plain' }, body: sampleBatch(t.writeKey) }),
      },
      {
        as: 'the Pipelines API: /v1/batch, JSON, Basic auth, X-Strict-Mode: 1',
        request: (t) => ({
          path: '/v1/batch',
          headers: { ...json, authorization: basicAuth(t.writeKey), 'x-strict-mode': '1' },
          body: sampleBatch(undefined),
        }),
      },
    ],
  },
  {
    name: 'Jitsu',
    start: startJitsu,
    rules: JITSU_RULES,
    accepted: [
      {
        as: 'a Segment-compatible client: /v1/batch, JSON, writeKey in the body',
        request: (t) => ({ path: '/v1/batch', headers: json, body: sampleBatch(t.writeKey) }),
      },
      {
        as: 'text/plain with ?writekey= and Content-Encoding: gzip',
        request: (t) => ({
          path: `/v1/b?writekey=${t.writeKey}`,
          headers: { ...textPlain, 'content-encoding': 'gzip' },
          body: gzipSync(sampleBatch(undefined)),
        }),
      },
    ],
  },
  {
    name: 'plain JSON',
    start: startPlain,
    rules: PLAIN_RULES,
    accepted: [
      {
        as: 'tracklet today, plain: /v1/batch, text/plain',
        request: (t) => ({ path: '/v1/batch', headers: textPlain, body: sampleBatch(t.writeKey) }),
      },
    ],
  },
];

const start = async (target: (typeof TARGETS)[number], options?: TargetOptions) => {
  const t = await target.start(options);
  started.push(t);
  return t;
};

describe.each(TARGETS)('the $name test collector', (target) => {
  it('names each rule once, says what it does and cites where that is written', () => {
    const names = target.rules.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const r of target.rules) {
      expect(r.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(r.says.length).toBeGreaterThan(10);
      expect(r.cite.length).toBeGreaterThan(10);
    }
  });

  it.each(target.rules.map((r) => [r.name, r] as const))(
    'rule %s: its probe shows the rule while it is on, and not once it is switched off',
    async (name, rule) => {
      const on = await start(target);
      const onProbe = rule.probe(on);
      const onAnswer = await sendProbe(on, onProbe);
      expect(onProbe.isApplied(onAnswer, on), `${name} on: ${onAnswer.status} ${onAnswer.text}`).toBe(true);
      const off = await start(target, { off: [name] });
      const offProbe = rule.probe(off);
      const offAnswer = await sendProbe(off, offProbe);
      expect(offProbe.isApplied(offAnswer, off), `${name} off: ${offAnswer.status} ${offAnswer.text}`).toBe(false);
    },
  );

  it.each(target.accepted.map((a) => [a.as, a] as const))('accepts and stores a batch sent as %s', async (_, a) => {
    const t = await start(target);
    const answer = await sendProbe(t, { ...a.request(t), isApplied: () => true });
    expect(answer.status, answer.text).toBe(200);
    expect(t.stored).toHaveLength(1);
    expect(t.requests.map((r) => r.storedIds.length)).toEqual([1]);
  });

  it('refuses to switch off a rule it does not have', async () => {
    await expect(target.start({ off: ['no-such-rule'] })).rejects.toThrow(/no rule "no-such-rule"/);
  });
});

describe('CORS answers, as each source sends them', () => {
  const preflight = (headers: string) => ({
    method: 'OPTIONS',
    path: '/v1/batch',
    headers: {
      origin: 'http://shop.test',
      'access-control-request-method': 'POST',
      'access-control-request-headers': headers,
    },
    isApplied: () => true,
  });

  it('RudderStack (rs/cors, AllowedHeaders ["*"]) allows any requested header and exposes none', async () => {
    const t = await start(TARGETS[0]);
    const a = await sendProbe(t, preflight('authorization,content-type,sentry-trace,baggage'));
    expect(a.status).toBe(204);
    expect(a.headers).toMatchObject({
      'access-control-allow-origin': 'http://shop.test',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'authorization,content-type,sentry-trace,baggage',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '900',
    });
    expect(t.exposesRetryAfter()).toBe(false);
  });

  it('Jitsu answers every preflight 200 with its fixed list, whatever was asked', async () => {
    const t = await start(TARGETS[3]);
    const a = await sendProbe(t, preflight('sentry-trace,baggage'));
    expect(a.status).toBe(200);
    expect(a.headers).toMatchObject({
      'access-control-allow-origin': 'http://shop.test',
      'access-control-allow-methods': 'GET,POST,HEAD,OPTIONS',
      'access-control-allow-headers':
        'x-enable-debug, x-write-key, authorization, content-type, x-ip-policy, cache-control, x-jitsu-custom',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '86400',
    });
    expect(t.exposesRetryAfter()).toBe(false);
  });

  it('no target but the plain collector (tracklet-like) lets a page read Retry-After', async () => {
    const exposes = await Promise.all(
      TARGETS.map(async (target) => [target.name, (await start(target)).exposesRetryAfter()]),
    );
    expect(Object.fromEntries(exposes)).toEqual({
      RudderStack: false,
      Segment: false,
      'Customer.io': false,
      Jitsu: false,
      'plain JSON': true,
    });
  });
});

describe('what each target answers to the bodies tracklet sends today (gzip to ?encoding=gzip, no Content-Encoding)', () => {
  const gzipToday = (t: TargetCollector) => ({
    path: '/v1/batch?encoding=gzip',
    headers: textPlain,
    body: gzipSync(sampleBatch(t.writeKey)),
    isApplied: () => true,
  });

  it.each([
    ['RudderStack', 401, 'the key is not in Basic auth'],
    ['Segment', 400, 'a JSON error'],
    ['Customer.io', 200, 'permissive mode: logged, not kept'],
    ['Jitsu', 400, 'error parsing message'],
    ['plain JSON', 400, 'invalid_json'],
  ])('%s answers %i (%s) and stores nothing', async (name, status) => {
    const t = await start(TARGETS.find((x) => x.name === name)!);
    const a = await sendProbe(t, gzipToday(t));
    expect(a.status).toBe(status);
    expect(t.stored).toHaveLength(0);
    expect(t.requests[0].isReadable).toBe(false);
  });
});

describe('the rules table', () => {
  it('lists every rule of every target, for docs/protocol.md (written to test-results/issue-12/rules.md)', () => {
    const table = rulesTable(TARGETS);
    for (const target of TARGETS) for (const r of target.rules) expect(table).toContain(`| \`${r.name}\` |`);
    mkdirSync('test-results/issue-12', { recursive: true });
    writeFileSync('test-results/issue-12/rules.md', table + '\n');
  });
});
