// sanitize alone: whatever a page passes becomes plain JSON values, without throwing.
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, sanitize, TOO_LARGE } from '../../src/sanitize';

describe('sanitize', () => {
  it.each<[string, unknown, unknown]>([
    [
      'strings, booleans, null and finite numbers',
      { s: 'a', b: true, n: null, x: 1.5 },
      { s: 'a', b: true, n: null, x: 1.5 },
    ],
    ['NaN and Infinity to null', { a: NaN, b: Infinity, c: -Infinity }, { a: null, b: null, c: null }],
    ['BigInt to a string', { big: 12345678901234567890n }, { big: '12345678901234567890' }],
    ['functions, symbols and undefined dropped', { f: () => 1, s: Symbol('x'), u: undefined, k: 1 }, { k: 1 }],
    ['undefined in arrays to null', [1, undefined, () => 1], [1, null, null]],
    [
      'Dates to ISO strings, invalid ones to null',
      { d: new Date(0), bad: new Date('x') },
      { d: '1970-01-01T00:00:00.000Z', bad: null },
    ],
    ['typed arrays to arrays', { t: new Uint8Array([1, 2]) }, { t: [1, 2] }],
  ])('turns %s', (_, input, output) => {
    expect(sanitize(input)).toStrictEqual(output);
  });

  it('replaces a cycle with "[Circular]" but keeps a value seen twice side by side', () => {
    const shared = { x: 1 };
    const o: any = { a: shared, b: shared };
    o.self = o;
    expect(sanitize(o)).toStrictEqual({ a: { x: 1 }, b: { x: 1 }, self: '[Circular]' });
  });

  it('cuts nesting deeper than MAX_DEPTH with "[Truncated]"', () => {
    let deep: any = 'bottom';
    for (let i = 0; i < MAX_DEPTH + 5; i++) deep = { d: deep };
    let out: any = sanitize(deep);
    let depth = 0;
    while (typeof out == 'object') {
      out = out.d;
      depth++;
    }
    expect(out).toBe('[Truncated]');
    expect(depth).toBe(MAX_DEPTH + 1);
  });

  it('drops a key whose getter throws and keeps the others', () => {
    const o = { ok: 1 };
    Object.defineProperty(o, 'bad', {
      enumerable: true,
      get: () => {
        throw new Error('x');
      },
    });
    expect(sanitize(o)).toStrictEqual({ ok: 1 });
  });

  it('keeps "__proto__" as a plain key without touching any prototype', () => {
    const out: any = sanitize(JSON.parse('{"__proto__":{"polluted":true},"a":1}'));
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as any).polluted).toBeUndefined();
  });

  it('drops DOM nodes and windows', () => {
    expect(sanitize({ el: document.createElement('div'), w: window, k: 1 })).toStrictEqual({ k: 1 });
  });

  it('throws TOO_LARGE for data with more values than could fit in a message', () => {
    expect(() => sanitize({ list: new Array(20_000).fill(1) })).toThrow(TOO_LARGE);
  });
});
