// The `endpoint` option (and the snippet's data-endpoint): an origin or path keeps meaning
// `{endpoint}/v1/batch`; a URL whose path ends in /batch is used as it is (Segment's, Customer.io's,
// Jitsu's batch URLs); RudderStack's beacon path gets the write key in its query, where
// rudderlabs/rudder-server gateway/handle_http_beacon.go reads it. A malformed value is warned about
// once, naming it, and sent where it always went.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup, type Setup } from './harness';
import { resolveEndpoint } from '../../src/transport';

let s: Setup;
beforeEach(() => (s = setup('https://shop.example/p/a-1?ref=mail')));
afterEach(() => vi.useRealTimers());

const resolve = (endpoint: string | undefined) => {
  const problems: string[] = [];
  const url = resolveEndpoint(endpoint, s.win.location, 'KEY 1', (p) => problems.push(p));
  return { url, problems };
};

describe('resolveEndpoint', () => {
  it.each([
    ['an origin', 'https://collect.example', 'https://collect.example/v1/batch'],
    ['an origin with a slash', 'https://collect.example/', 'https://collect.example/v1/batch'],
    ['an origin and a path', 'https://example.com/tracking/', 'https://example.com/tracking/v1/batch'],
    ['a path of this site', '/collect', 'https://shop.example/collect/v1/batch'],
    ['nothing: the page origin', undefined, 'https://shop.example/v1/batch'],
    ['Segment US', 'https://api.segment.io/v1/batch', 'https://api.segment.io/v1/batch'],
    ['Segment EU', 'https://events.eu1.segmentapis.com', 'https://events.eu1.segmentapis.com/v1/batch'],
    ['Customer.io US', 'https://cdp.customer.io/v1/batch', 'https://cdp.customer.io/v1/batch'],
    ['Customer.io EU', 'https://cdp-eu.customer.io', 'https://cdp-eu.customer.io/v1/batch'],
    ['Jitsu ingest', 'https://ingest.example/v1/batch', 'https://ingest.example/v1/batch'],
    [
      'RudderStack beacon path',
      'https://dp.example/beacon/v1/batch',
      'https://dp.example/beacon/v1/batch?writeKey=KEY+1',
    ],
  ])('%s: %s -> %s', (_, endpoint, expected) => {
    expect(resolve(endpoint)).toEqual({ url: expected, problems: [] });
  });

  it.each([
    ['a host without its scheme', 'collect.example.com', 'collect.example.com/v1/batch'],
    ['another scheme', 'ftp://collect.example', 'ftp://collect.example/v1/batch'],
    ['no URL at all', 'https://exa mple.com', 'https://exa mple.com/v1/batch'],
  ])('warns about %s, naming it, and sends where it always went', (_, endpoint, expected) => {
    expect(resolve(endpoint)).toEqual({ url: expected, problems: [`endpoint "${endpoint}" is not an http(s) URL`] });
  });
});

describe('the endpoint option', () => {
  it('posts to the RudderStack beacon path with the write key in the query, and beacons there too', async () => {
    const cio = await s.open({ endpoint: 'https://dp.example/beacon/v1/batch' });
    cio.track('a');
    await cio.flush();
    cio.track('b');
    s.hide();
    const url = 'https://dp.example/beacon/v1/batch?writeKey=site-1';
    expect(s.requests.map((r) => r.url)).toEqual([url]);
    expect(s.beacons.map((b) => b.url)).toEqual([url]);
  });

  it('warns once through createTracker about a malformed endpoint', async () => {
    await s.open({ endpoint: 'collect.example.com' });
    expect(s.warnings()).toEqual(['tracklet: createTracker(): endpoint "collect.example.com" is not an http(s) URL']);
  });
});
