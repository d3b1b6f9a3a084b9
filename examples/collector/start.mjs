// `npm start`: the collector with the settings of config.mjs (demo site `demo`, API key
// `demo-secret`, port 8080, data in ./data/), and what it runs with printed.
import { createCollector, DEMO_SITES } from './index.mjs';
import { readConfig } from './config.mjs';

/** @type {import('./config.mjs').StartConfig} */
let config;
try {
  config = readConfig(process.env, process.argv.slice(2));
} catch (error) {
  console.error(`tracklet collector: ${/** @type {Error} */ (error).message}`);
  process.exit(2);
}

/** @type {import('./index.mjs').Collector} */
let collector;
try {
  collector = await createCollector({ ...config });
} catch (error) {
  if (/** @type {NodeJS.ErrnoException} */ (error).code != 'EADDRINUSE') throw error;
  console.error(
    `tracklet collector: port ${config.port} on ${config.host} is taken; stop what uses it, or choose another: PORT=${config.port + 1} npm start`,
  );
  process.exit(1);
}

const base = `http://${config.host == '0.0.0.0' || config.host == '::' ? 'localhost' : config.host}:${collector.port}`;
/** The demo's key is public; any other is shown by its last 4 characters only. */
const showKey = (/** @type {import('./plugins/auth.mjs').Site} */ site) =>
  /** @type {Record<string, string>} */ (DEMO_SITES)[site.id] == site.apiKey
    ? site.apiKey
    : `…${site.apiKey.slice(-4)}`;
console.log(`tracklet collector listening on ${collector.url}
  sites        ${config.sites.map((site) => `${site.id} (API key ${showKey(site)}${site.password ? ', dashboard password set' : ''})`).join(', ')}
  database     ${config.dbPath}
  reads        ${config.readsWithoutKeyOnLoopback ? 'without a key from this machine (loopback); others need the API key' : 'need the API key or a dashboard session'}
  live view    ${base}/
  shop demo    ${base}/shop/        SPA demo ${base}/spa/
  Segment      POST ${base}/v1/batch  /v1/track  /v1/identify  /v1/page  (write key = site id)
  Track API    ${base}/api/v1/customers/ID/events  (-u SITE_ID:API_KEY)
  read API     ${base}/api/events  /api/people  /api/segments?event=added_to_cart  /api/stream
  settings     PORT, HOST, DB_PATH, SITES=id:api_key[:password],…, READS_WITHOUT_KEY=loopback|off (or --port, --host, --db, --sites, --reads-without-key)`);

const stop = () => collector.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
