// Starts the real collector on 127.0.0.1:0 with a fresh SQLite file, and speaks the protocol to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
// @ts-ignore: plain ESM with JSDoc types
import { createCollector } from '../../examples/collector/index.mjs';

export interface Collector {
  url: string;
  port: number;
  db: any;
  close(): Promise<void>;
}

export async function startCollector(
  options: Record<string, unknown> = {},
): Promise<Collector & { stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'tracklet-collector-'));
  const collector: Collector = await createCollector({
    port: 0,
    host: '127.0.0.1',
    dbPath: join(dir, 'data', 'test.db'),
    log: () => {},
    ...options,
  });
  return {
    ...collector,
    async stop() {
      await collector.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A valid track message; override any field. */
export function track(event: string, fields: Record<string, unknown> = {}) {
  return {
    type: 'track',
    messageId: randomUUID(),
    timestamp: new Date().toISOString(),
    anonymousId: 'anon-1',
    event,
    properties: {},
    ...fields,
  };
}

export async function postBatch(url: string, body: unknown, init: RequestInit = {}) {
  const res = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    body: typeof body == 'string' || body instanceof Uint8Array ? (body as any) : JSON.stringify(body),
    ...init,
  });
  return { status: res.status, headers: res.headers, body: await res.json().catch(() => null) };
}

export async function getJson(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}
