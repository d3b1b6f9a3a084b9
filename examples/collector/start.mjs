// `npm start`: the collector with the demo's settings on PORT (default 8080), data in ./data/.
import { createCollector } from './index.mjs';

const port = Number(process.env.PORT ?? 8080);
const collector = await createCollector({ port, host: process.env.HOST ?? '127.0.0.1', dbPath: './data/tracklet.db' });
const base = `http://localhost:${collector.port}`;
console.log(`tracklet collector listening on ${collector.url}
  live view   ${base}/
  shop demo   ${base}/shop/
  SPA demo    ${base}/spa/
  batch API   POST ${base}/v1/batch
  JSON API    ${base}/api/events  /api/people  /api/segments?event=added_to_cart&within=30d  /api/stream
  database    ./data/tracklet.db`);

const stop = () => collector.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
