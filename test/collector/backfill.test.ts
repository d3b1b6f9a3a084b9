// examples/backfill.mjs sends historical events through the built library; the collector files
// them under their real (past) times, so segments see them where they happened.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getJson, startCollector } from './harness';

let collector: Awaited<ReturnType<typeof startCollector>>;
beforeAll(async () => {
  if (!existsSync('dist/index.mjs')) throw new Error('dist/ is missing: run "npm run build" first');
  collector = await startCollector();
});
afterAll(() => collector?.stop());

const purchasers = async (query: string) => {
  const { body } = await getJson(`${collector.url}/api/segments?event=purchased&${query}`);
  return Object.fromEntries(body.people.map((p: any) => [p.userId, p.count]));
};

it('lands backfilled purchases in the segments of their own days', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['examples/backfill.mjs'], {
    env: { ...process.env, ENDPOINT: collector.url, SITE_ID: 'demo' },
    timeout: 60_000,
  });
  expect(stdout).toContain('backfilled 4 purchases for 3 customers');

  expect(await purchasers('within=7d')).toEqual({ 'backfill-ann': 1 });
  expect(await purchasers('within=30d')).toEqual({ 'backfill-ann': 2, 'backfill-bo': 1 });
  expect(await purchasers('within=60d')).toEqual({ 'backfill-ann': 2, 'backfill-bo': 1, 'backfill-cy': 1 });
  expect(await purchasers('within=30d&negate=true')).toEqual({ 'backfill-cy': 0 });
  expect(await purchasers('within=30d&min=2')).toEqual({ 'backfill-ann': 2 });
});
