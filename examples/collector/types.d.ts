// What the collector adds to Fastify's types (for the JSDoc type check, tsconfig.collector.json).
import 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The one site this request may write to or read (plugins/auth.mjs). */
    siteId: string;
  }
}
