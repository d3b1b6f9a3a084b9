// Turns whatever a page passes as event data into plain JSON values, without throwing and without
// touching any prototype. Rules (docs/security.md lists each hostile input and its outcome):
// cycles -> "[Circular]"; BigInt -> string; functions, symbols, undefined, DOM nodes and windows
// -> dropped; Date -> ISO string (invalid -> null); NaN/Infinity -> null; typed arrays -> arrays;
// a getter or Proxy trap that throws -> that key (or object) dropped; nesting deeper than
// MAX_DEPTH -> "[Truncated]". A "__proto__" key is copied as a computed key, so it stays a
// plain data key. The walk gives up after MAX_NODES values and throws TOO_LARGE: each value costs
// at least 2 bytes of JSON ("0,"), so such data can never fit in a 32 KB message, and the caller
// drops the message with a warning instead of walking a million keys.

export const MAX_DEPTH = 20;
const MAX_NODES = 16384;
export const TOO_LARGE: RangeError = new RangeError('too large');

/** Plain JSON data from anything; throws TOO_LARGE, or what a hostile top-level object throws. */
export function sanitize(value: unknown): unknown {
  const seen: unknown[] = [];
  let nodes = 0;
  const walk = (v: unknown, depth: number): unknown => {
    if (++nodes > MAX_NODES) throw TOO_LARGE;
    const t = typeof v;
    if (t == 'string' || t == 'boolean' || v === null) return v;
    if (t == 'number') return isFinite(v as number) ? v : null;
    if (t == 'bigint') return String(v);
    if (t != 'object') return; // undefined, function, symbol: dropped, as JSON.stringify does
    const o: any = v;
    if (o instanceof Date) return isNaN(+o) ? null : o.toISOString();
    if (seen.indexOf(o) >= 0) return '[Circular]';
    if (depth > MAX_DEPTH) return '[Truncated]';
    if (typeof o.nodeType == 'number' || o.window === o) return; // DOM node or window
    seen.push(o);
    let out: any;
    if (Array.isArray(o) || ArrayBuffer.isView(o as unknown)) {
      out = [];
      for (let i = 0; i < o.length; i++) out.push(walk(o[i], depth + 1) ?? null); // dropped -> null, as JSON.stringify does
    } else {
      out = {};
      // Not for...of: in code that runs a few hundred times, its iterator allocates per key.
      Object.keys(o).forEach((k) => {
        let x: unknown;
        try {
          x = walk(o[k], depth + 1);
        } catch (e) {
          if (e === TOO_LARGE) throw e;
          return; // a throwing getter: this key is dropped, the rest is kept
        }
        if (x === undefined) return;
        // A computed key in a literal defines an own property, even "__proto__" (assigning it would
        // set the prototype); plain assignment for every other key: a copy per key would be slow.
        if (k == '__proto__') out = { ...out, [k]: x };
        else out[k] = x;
      });
    }
    seen.pop();
    return out;
  };
  return walk(value, 0);
}
