// `npm start`'s settings, from flags or the environment (a flag wins), so a collector for other
// sites needs no code: SITES=id:api_key[:dashboard_password],… PORT, HOST, DB_PATH, and
// READS_WITHOUT_KEY (loopback | off; the demo default lets the live view on this machine read
// without signing in).
import { parseArgs } from 'node:util';
import { DEMO_SITES } from './app.mjs';

/**
 * @typedef {object} StartConfig
 * @property {number} port
 * @property {string} host
 * @property {string} dbPath
 * @property {import('./plugins/auth.mjs').Site[]} sites
 * @property {boolean} readsWithoutKeyOnLoopback
 */

/**
 * `id:api_key[:dashboard_password]`, comma-separated.
 * @param {string} text
 * @param {string} [from] what the text came from, for the error (`SITES` or `--sites`)
 * @returns {import('./plugins/auth.mjs').Site[]}
 */
export function parseSites(text, from = 'SITES') {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [id, apiKey, password, ...rest] = entry.split(':');
      if (!id || !apiKey || rest.length)
        throw new Error(`${from}: "${entry}" is not id:api_key or id:api_key:dashboard_password`);
      return password ? { id, apiKey, password } : { id, apiKey };
    });
}

/**
 * @param {Record<string, string | undefined>} env
 * @param {string[]} argv the arguments after the script
 * @returns {StartConfig}
 */
export function readConfig(env, argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      sites: { type: 'string' },
      'reads-without-key': { type: 'string' },
    },
  });
  /** A refusal names where the value came from: the flag if given, else the variable. */
  const from = (/** @type {keyof typeof values} */ flag, /** @type {string} */ variable) =>
    values[flag] === undefined ? variable : `--${flag}`;
  const portText = values.port ?? env.PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535)
    throw new Error(`${from('port', 'PORT')}: "${portText}" is not a port number`);
  const sitesText = values.sites ?? env.SITES;
  const sites = sitesText
    ? parseSites(sitesText, from('sites', 'SITES'))
    : Object.entries(DEMO_SITES).map(([id, apiKey]) => ({ id, apiKey }));
  if (!sites.length) throw new Error(`${from('sites', 'SITES')}: name at least one site, e.g. SITES=demo:demo-secret`);
  const keyless = values['reads-without-key'] ?? env.READS_WITHOUT_KEY ?? 'loopback';
  if (keyless != 'loopback' && keyless != 'off')
    throw new Error(`${from('reads-without-key', 'READS_WITHOUT_KEY')}: "${keyless}" is not loopback or off`);
  return {
    port,
    host: values.host ?? env.HOST ?? '127.0.0.1',
    dbPath: values.db ?? env.DB_PATH ?? './data/tracklet.db',
    sites,
    readsWithoutKeyOnLoopback: keyless == 'loopback',
  };
}
