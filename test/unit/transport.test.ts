// The transport alone: Retry-After parsing, what a response is read as, the 10 s timeout,
// and the beacon's fallbacks.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTransport, parseRetryAfter } from '../../src/transport';
import type { IO } from '../../src/io';
import { BATCH_URL, setup, T0, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

const transport = (more: Partial<IO> = {}) => createTransport(BATCH_URL, { ...s.io, ...more } as IO);

describe('parseRetryAfter', () => {
  it.each<[string | null, number | undefined]>([
    ['120', 120_000],
    ['0', 0],
    [new Date(T0 + 45_000).toUTCString(), 45_000],
    ['Sun, 29 Nov 2026 09:00:00 GMT', 0], // a date already past: no wait
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('reads %j as %j ms', (value, ms) => {
    expect(parseRetryAfter(value, T0)).toBe(ms);
  });
});

describe('createTransport', () => {
  it('posts text/plain with keepalive as asked and no credentials', async () => {
    await transport().post('{"a":1}', true);
    expect(s.fetch).toHaveBeenCalledWith(
      BATCH_URL,
      expect.objectContaining({
        method: 'POST',
        body: '{"a":1}',
        keepalive: true,
        credentials: 'omit',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      }),
    );
  });

  it('reads status, Retry-After and the rejected messageIds', async () => {
    s.answers.push({
      status: 400,
      headers: { 'Retry-After': '3' },
      body: { rejected: [{ messageId: 'm1' }, { messageId: 'm2' }] },
    });
    expect(await transport().post('{}', false)).toEqual({
      status: 400,
      retryAfterMs: 3000,
      rejected: ['m1', 'm2'],
      said: '{"rejected":[{"messageId":"m1"},{"messageId":"m2"}]}',
    });
  });

  it('treats an unreadable error body as no list', async () => {
    s.answers.push({ status: 400 });
    expect(await transport().post('{}', false)).toEqual({
      status: 400,
      retryAfterMs: undefined,
      rejected: undefined,
      said: '',
    });
  });

  it('answers status 0 for a network error or when there is no fetch at all', async () => {
    s.answers.push('network-error');
    expect(await transport().post('{}', false)).toEqual({ status: 0 });
    expect(await transport({ fetch: undefined }).post('{}', false)).toEqual({ status: 0 });
  });

  it('aborts a request that has not been answered after 10 s', async () => {
    let signal: AbortSignal | undefined;
    const hanging = vi.fn((_url: string, init: RequestInit) => {
      signal = init.signal!;
      return new Promise<Response>((_, reject) =>
        signal!.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    });
    const result = transport({ fetch: hanging as any }).post('{}', false);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(signal!.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toEqual({ status: 0 });
  });

  it('beacons a text/plain Blob, and reports a beacon that throws as refused', () => {
    expect(transport().beacon('{"b":1}')).toBe(7); // the bytes handed over
    expect(s.beacons[0].url).toBe(BATCH_URL);
    expect(s.beacons[0].blob.size).toBe(7);
    const throwing = () => {
      throw new TypeError('over quota');
    };
    expect(transport({ sendBeacon: throwing }).beacon('{}')).toBe(0);
  });

  it('falls back to a keepalive fetch when there is no sendBeacon', () => {
    expect(transport({ sendBeacon: undefined }).beacon('{"c":1}')).toBe(7);
    expect(s.fetch).toHaveBeenCalledWith(BATCH_URL, expect.objectContaining({ body: '{"c":1}', keepalive: true }));
  });
});
