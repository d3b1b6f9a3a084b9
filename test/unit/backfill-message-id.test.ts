// Idempotent backfills: `track(name, data, { timestamp, messageId })` sends the caller's
// messageId, so a backfill run twice sends the same ids, and a collector that drops repeated
// messageIds (Segment's HTTP API deduplicates on messageId) counts each event once.
// examples/backfill.mjs passes one per order. The first two specs failed before TrackOptions took
// `messageId` (the library ignored the option and made a new id each run). The collector's rule
// for a messageId (examples/collector/validate.mjs: a string of 1 to MAX_ID_BYTES bytes) is the
// library's too, blank ids refused as for identify(): an id it would refuse is warned about and replaced by a made one.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TrackOptions } from '../../src/index';
import { MAX_ID_BYTES } from '../../src/limits';
import { setup } from './harness';

afterEach(() => vi.useRealTimers());

describe('a caller-given messageId', () => {
  it('is the messageId sent, so a re-run of the same backfill sends the same ids', async () => {
    const run = async () => {
      const s = setup();
      const cio = await s.open();
      const options = { timestamp: 1700000000, messageId: 'backfill-order-1001' } as TrackOptions;
      cio.track('purchased', { sku: 'TEA-SEN' }, options);
      await cio.flush();
      return s.sent().map((m: any) => [m.messageId, m.timestamp]);
    };
    const first = await run();
    expect(first).toEqual([['backfill-order-1001', '2023-11-14T22:13:20.000Z']]);
    expect(await run()).toEqual(first);
  });

  it('examples/backfill.mjs, run twice, sends each purchase with the same messageId', async () => {
    vi.useRealTimers();
    const received: any[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const json = req.url?.includes('encoding=gzip') ? gunzipSync(raw) : raw;
        if (req.url?.startsWith('/v1/batch')) received.push(...JSON.parse(json.toString()).batch);
        res.writeHead(req.url?.startsWith('/v1/batch') ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const purchaseIds = async () => {
        received.length = 0;
        await promisify(execFile)(process.execPath, ['examples/backfill.mjs'], {
          env: { ...process.env, ENDPOINT: endpoint, SITE_ID: 'demo' },
          timeout: 60_000,
        });
        return received.filter((m) => m.event == 'purchased').map((m) => m.messageId);
      };
      const first = await purchaseIds();
      expect(first).toHaveLength(4);
      expect(await purchaseIds()).toEqual(first);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([
    ['an empty string', ''],
    ['a blank string', '  '],
    ['a number', 1001],
    [`a string over ${MAX_ID_BYTES} bytes`, 'é'.repeat(MAX_ID_BYTES / 2 + 1)],
  ])('refuses %s with one warning and sends the event with a made id', async (_, messageId) => {
    const s = setup();
    const cio = await s.open();
    cio.track('purchased', {}, { messageId } as unknown as TrackOptions);
    await cio.flush();
    expect(s.sent().map((m: any) => [m.event, typeof m.messageId, m.messageId == messageId])).toEqual([
      ['purchased', 'string', false],
    ]);
    expect(s.warnings()).toEqual([
      `tracklet: track(): messageId must be a non-empty string of at most ${MAX_ID_BYTES} bytes; one is made`,
    ]);
  });

  it('reads only a messageId the options object has itself, not one a page put on Object.prototype', async () => {
    const s = setup();
    const cio = await s.open();
    (Object.prototype as any).messageId = 'from-the-prototype';
    try {
      cio.track('a', {}, {});
      await cio.flush();
    } finally {
      delete (Object.prototype as any).messageId;
    }
    expect(s.sent()[0].messageId).not.toBe('from-the-prototype');
  });
});
