// Who may write and who may read. A site is `{ id, apiKey, password? }`:
// - writes: the Segment side needs a known site id as write key (in the body, or as the Basic
//   auth user as Segment's HTTP API sends it; the write key is public, in every page's snippet);
//   the Track API needs Basic `site_id:api_key`, as Customer.io's does.
// - reads (the read API, its event stream, so the live view): the site's API key (Bearer, or Basic
//   `site_id:api_key`), or a session cookie the live view gets by signing in with the API key or
//   the site's dashboard password. A cookie is what EventSource can send. Every read is of the
//   authenticated site only. `readsWithoutKeyOnLoopback` lets loopback clients read without a
//   key, for the demo on one's own machine (`npm start`); it is off unless asked for.
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../errors.mjs';

/** @typedef {{ id: string, apiKey: string, password?: string }} Site */
/** @typedef {ReturnType<typeof createSites>} Sites */

export const SESSION_COOKIE = 'tracklet_session';
export const SESSION_MS = 12 * 3_600_000;

/** Compares secrets in constant time (hashes first, so lengths do not leak either). */
const isSameSecret = (/** @type {string} */ a, /** @type {string} */ b) =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/**
 * @param {Record<string, string> | Site[]} sites `{ id: apiKey }`, or a list of sites
 */
export function createSites(sites) {
  /** @type {Site[]} */
  const list = Array.isArray(sites) ? sites : Object.entries(sites).map(([id, apiKey]) => ({ id, apiKey }));
  if (!list.length) throw new Error('createCollector: at least one site is needed');
  for (const site of list) {
    if (!site.id || !site.apiKey)
      throw new Error(`createCollector: site ${JSON.stringify(site.id)} needs an id and an apiKey`);
  }
  const byId = new Map(list.map((site) => [site.id, site]));
  return {
    list,
    /** @param {string} id */
    isKnown: (id) => byId.has(id),
    /** @param {string} id */
    byId: (id) => byId.get(id) ?? null,
    /**
     * The site whose API key this is.
     * @param {string} apiKey
     */
    byApiKey: (apiKey) => list.find((site) => isSameSecret(site.apiKey, apiKey)) ?? null,
    /**
     * The site when `secret` is its API key (or, with `orPassword`, its dashboard password).
     * @param {string} id
     * @param {string} secret
     * @param {{ orPassword?: boolean }} [options]
     */
    check(id, secret, { orPassword = false } = {}) {
      const site = byId.get(id);
      if (!site) return null;
      if (isSameSecret(site.apiKey, secret)) return site;
      return orPassword && site.password && isSameSecret(site.password, secret) ? site : null;
    },
  };
}

/**
 * `Authorization: Basic base64(user:password)`, or null.
 * @param {string | undefined} header
 */
export function parseBasicAuth(header) {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0
    ? { user: decoded, password: '' }
    : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export const isLoopback = (/** @type {string | undefined} */ address) =>
  !!address && (/^(::ffff:)?127\./.test(address) || address == '::1');

/**
 * The hook of the Track API: Basic `site_id:api_key`; sets `request.siteId`.
 * @param {Sites} sites
 */
export function authenticateTrackApi(sites) {
  /** @param {import('fastify').FastifyRequest} request */
  return async function checkTrackApiKey(request) {
    const credentials = parseBasicAuth(request.headers.authorization);
    if (!credentials)
      throw new HttpError(401, 'unauthorized', 'the Track API needs Basic auth: site_id:api_key', {}, AUTHENTICATE);
    const site = sites.check(credentials.user, credentials.password);
    if (!site) throw new HttpError(401, 'unauthorized', 'the site id or API key is wrong', {}, AUTHENTICATE);
    request.siteId = site.id;
  };
}

/** Tells a client how to authenticate; Basic, so curl -u and the Customer.io libraries work. */
const AUTHENTICATE = { 'WWW-Authenticate': 'Basic realm="tracklet", charset="UTF-8"' };
/** For reads: Bearer, so that a browser never opens its own password prompt over the live view. */
const AUTHENTICATE_READ = { 'WWW-Authenticate': 'Bearer realm="tracklet"' };

/**
 * The hook of the read API: sets `request.siteId` to the one site the caller may read.
 * @param {{ sites: Sites, readsWithoutKeyOnLoopback: boolean, now: () => number }} options
 */
export function authenticateReads({ sites, readsWithoutKeyOnLoopback, now }) {
  /** @param {import('fastify').FastifyRequest} request */
  return async function checkReadKey(request) {
    const site = siteFromAuthorization(sites, request.headers.authorization) ?? siteFromSession(sites, request, now());
    if (site) return void (/** @type {any} */ (request.siteId = site.id));
    if (request.headers.authorization)
      throw new HttpError(401, 'unauthorized', 'the API key is wrong', {}, AUTHENTICATE_READ);
    if (readsWithoutKeyOnLoopback && isLoopback(request.socket.remoteAddress)) {
      const asked = /** @type {{ site?: string }} */ (request.query).site;
      const chosen = asked === undefined ? sites.list[0] : sites.byId(asked);
      if (!chosen) throw new HttpError(404, 'not_found', 'site is not a known site id');
      return void (/** @type {any} */ (request.siteId = chosen.id));
    }
    throw new HttpError(
      401,
      'unauthorized',
      "reads need the site's API key (Authorization: Bearer API_KEY, or Basic SITE_ID:API_KEY) or a session (POST /api/session)",
      {},
      AUTHENTICATE_READ,
    );
  };
}

/**
 * @param {Sites} sites
 * @param {string | undefined} header
 */
function siteFromAuthorization(sites, header) {
  if (!header) return null;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return sites.byApiKey(bearer[1]);
  const basic = parseBasicAuth(header);
  return basic ? sites.check(basic.user, basic.password) : null;
}

/**
 * The site of a valid, unexpired session cookie (signed by @fastify/cookie: `siteId|expiresAtMs`).
 * @param {Sites} sites
 * @param {import('fastify').FastifyRequest} request
 * @param {number} nowMs
 */
function siteFromSession(sites, request, nowMs) {
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return null;
  const unsigned = request.unsignCookie(cookie);
  if (!unsigned.valid || unsigned.value == null) return null;
  const bar = unsigned.value.lastIndexOf('|');
  const expiresAtMs = Number(unsigned.value.slice(bar + 1));
  if (!(expiresAtMs > nowMs)) return null;
  return sites.byId(unsigned.value.slice(0, bar));
}
