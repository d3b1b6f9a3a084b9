// A page whose fetch another library wrapped: @sentry/browser (the exact devDependency) set up
// with tracing before the snippet, its trace propagation targets matching the collector's host,
// as Sentry's issues #5868 and #6077 describe. Its fetch instrumentation then adds sentry-trace
// and baggage headers to the tracker's requests, which makes them preflighted. The bundle is
// built with esbuild when a test starts; Sentry's own envelopes go to a stub ingest server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';

/** The query parameter of the shop page that carries `SentrySetup` as JSON. */
export const SENTRY_QUERY = 'sentry';

export interface SentrySetup {
  dsn: string;
  /** A tracePropagationTargets entry: a string matches any URL that contains it. */
  traceTarget: string;
}

/** The page's script: Sentry.init with browserTracingIntegration, read from the page's query. */
const ENTRY = `
import * as Sentry from '@sentry/browser';
const setup = JSON.parse(new URLSearchParams(location.search).get(${JSON.stringify(SENTRY_QUERY)}));
Sentry.init({
  dsn: setup.dsn,
  integrations: [Sentry.browserTracingIntegration()],
  tracesSampleRate: 1.0,
  tracePropagationTargets: [setup.traceTarget],
});
window.__sentryReady = true;
`;

/** Bundles @sentry/browser and the set-up above into one classic script (an IIFE). */
export async function buildSentryScript(): Promise<string> {
  const out = await build({
    stdin: { contents: ENTRY, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2020',
    minify: true,
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

export interface SentryIngest {
  /** A DSN whose envelopes come here. */
  dsn: string;
  /** Envelopes received. */
  envelopes: number;
  close(): Promise<void>;
}

/** Answers Sentry's envelope POSTs (and their preflights) with 200, so the SDK runs as it would in production. */
export async function startSentryIngest(): Promise<SentryIngest> {
  const state = { envelopes: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST') state.envelopes++;
      res
        .writeHead(200, {
          'access-control-allow-origin': '*',
          'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? '*'),
          'content-type': 'application/json',
        })
        .end('{}');
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://public@127.0.0.1:${port}/1`,
    get envelopes() {
      return state.envelopes;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
