// `npm start` without code: settings from flags or the environment, printed at start; a taken
// port is one line of advice, not a stack.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSites, readConfig } from '../../examples/collector/config.mjs';
import { startCollector } from './harness';

describe('readConfig', () => {
  it('defaults to the demo: site demo with API key demo-secret, 127.0.0.1:8080, keyless reads on loopback', () => {
    expect(readConfig({}, [])).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dbPath: './data/tracklet.db',
      sites: [{ id: 'demo', apiKey: 'demo-secret' }],
      readsWithoutKeyOnLoopback: true,
    });
  });

  it('reads SITES, PORT, HOST, DB_PATH and READS_WITHOUT_KEY from the environment', () => {
    const env = {
      SITES: 'shop:k1, blog:k2:pw',
      PORT: '9000',
      HOST: '0.0.0.0',
      DB_PATH: '/tmp/x.db',
      READS_WITHOUT_KEY: 'off',
    };
    expect(readConfig(env, [])).toEqual({
      port: 9000,
      host: '0.0.0.0',
      dbPath: '/tmp/x.db',
      sites: [
        { id: 'shop', apiKey: 'k1' },
        { id: 'blog', apiKey: 'k2', password: 'pw' },
      ],
      readsWithoutKeyOnLoopback: false,
    });
  });

  it('lets a flag win over the environment', () => {
    const config = readConfig({ PORT: '9000', SITES: 'a:b' }, ['--port', '9100', '--sites', 'c:d', '--db', 'x.db']);
    expect(config).toMatchObject({ port: 9100, sites: [{ id: 'c', apiKey: 'd' }], dbPath: 'x.db' });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT: "eighty" is not a port number'],
    [{ PORT: '70000' }, 'PORT: "70000" is not a port number'],
    [{ SITES: 'demo' }, 'SITES: "demo" is not id:api_key or id:api_key:dashboard_password'],
    [{ SITES: 'a:b:c:d' }, 'SITES: "a:b:c:d" is not id:api_key or id:api_key:dashboard_password'],
    [{ SITES: ' , ' }, 'SITES: name at least one site, e.g. SITES=demo:demo-secret'],
    [{ READS_WITHOUT_KEY: 'yes' }, 'READS_WITHOUT_KEY: "yes" is not loopback or off'],
  ])('refuses %o: %s', (env, message) => {
    expect(() => readConfig(env, [])).toThrow(message);
  });

  it.each([
    [['--port', 'abc'], '--port: "abc" is not a port number'],
    [['--sites', 'demo'], '--sites: "demo" is not id:api_key or id:api_key:dashboard_password'],
    [['--reads-without-key', 'yes'], '--reads-without-key: "yes" is not loopback or off'],
  ])('names the flag, not the variable, when a flag is refused: %o', (argv, message) => {
    expect(() => readConfig({}, argv)).toThrow(message);
  });

  it('parseSites keeps the order, so the first site is the demo pages’ site', () => {
    expect(parseSites('b:1,a:2').map((site) => site.id)).toEqual(['b', 'a']);
  });
});

describe('start.mjs', () => {
  let dir: string;
  let taken: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tracklet-start-'));
    taken = await startCollector({ staticDirs: {} });
  });
  afterAll(async () => {
    await taken.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a taken port with one line naming another port, and exit code 1', async () => {
    const run = promisify(execFile)(process.execPath, ['examples/collector/start.mjs'], {
      env: { ...process.env, PORT: String(taken.port), DB_PATH: join(dir, 'a.db') },
    });
    const error = await run.then(
      () => null,
      (e) => e,
    );
    expect(error.code).toBe(1);
    expect(error.stderr).toBe(
      `tracklet collector: port ${taken.port} on 127.0.0.1 is taken; stop what uses it, or choose another: PORT=${taken.port + 1} npm start\n`,
    );
  });

  it('prints the sites, database and read mode it runs with', async () => {
    const child = spawn(process.execPath, ['examples/collector/start.mjs', '--port', '0'], {
      env: {
        ...process.env,
        SITES: 'shop:shop-key-1234,demo:demo-secret',
        DB_PATH: join(dir, 'b.db'),
        READS_WITHOUT_KEY: 'off',
      },
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    await new Promise<void>((resolve) => child.stdout.on('data', () => out.includes('settings') && resolve()));
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(out).toMatch(/^tracklet collector listening on http:\/\/127\.0\.0\.1:\d+\n/);
    expect(out).toContain('  sites        shop (API key …1234), demo (API key demo-secret)\n');
    expect(out).toContain(`  database     ${join(dir, 'b.db')}\n`);
    expect(out).toContain('  reads        need the API key or a dashboard session\n');
  });
});
