// A reverse proxy with a body limit, in front of a collector: what nginx's client_max_body_size
// or a cloud load balancer does. A body over `maxBodyBytes` (counted as it arrives, so a chunked
// body is caught too) is answered 413 by the proxy itself, with CORS headers as a proxy set up
// for a cross-origin collector adds them, so the page can read the status; anything else,
// preflights included, is passed through to the collector unchanged.
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LimitProxy {
  url: string;
  /** Bodies refused with 413, by their size in bytes. */
  refused: number[];
  /** Bodies passed through, by their size in bytes. */
  passed: number[];
  close(): Promise<void>;
}

export async function startLimitProxy(upstreamUrl: string, maxBodyBytes: number): Promise<LimitProxy> {
  const upstream = new URL(upstreamUrl);
  const refused: number[] = [];
  const passed: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (body.length > maxBodyBytes) {
        refused.push(body.length);
        return void res
          .writeHead(413, {
            'content-type': 'text/html',
            'access-control-allow-origin': String(req.headers.origin ?? '*'),
            'access-control-allow-credentials': 'true',
          })
          .end('<html><head><title>413 Request Entity Too Large</title></head></html>');
      }
      if (req.method !== 'OPTIONS') passed.push(body.length);
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refused,
    passed,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
