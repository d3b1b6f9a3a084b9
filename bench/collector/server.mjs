// The collector under load, in its own process: rate limit lifted, no demo pages, a fresh
// database (DB_PATH). Prints its URL on the first line of stdout.
import { createCollector } from '../../examples/collector/index.mjs';

const collector = await createCollector({
  port: 0,
  dbPath: /** @type {string} */ (process.env.DB_PATH),
  rateLimit: false,
  staticDirs: {},
});
console.log(collector.url);
process.on('SIGTERM', () => collector.close().then(() => process.exit(0)));
