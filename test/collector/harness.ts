// Starts the real collector on 127.0.0.1:0 with a fresh SQLite file, and speaks the protocol to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createCollector, type CollectorOptions } from '../../examples/collector/index.mjs';

/** The real collector with the demo's site (`demo`, API key `demo-secret`) unless `sites` says otherwise. */
export async function startCollector(options: CollectorOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tracklet-collector-'));
  const collector = await createCollector({
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

/** The demo site's read credentials, as the read API takes them. */
export const DEMO_READ = { Authorization: 'Bearer demo-secret' };

/** GETs a read API path with the demo site's API key (pass `headers: {}` to send none). */
export async function getJson(url: string, { headers = DEMO_READ as Record<string, string> } = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.json() };
}
