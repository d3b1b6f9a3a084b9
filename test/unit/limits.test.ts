// src/limits.js holds the value of every limit the library and the collector share; the
// library's type check reads their types from src/limits.d.ts. The two must name the same limits.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import * as limits from '../../src/limits';

it('limits.d.ts declares, as numbers, exactly the limits that limits.js exports', () => {
  const declarations = readFileSync('src/limits.d.ts', 'utf8').matchAll(/^export declare const (\w+): number;$/gm);
  const declared = [...declarations].map(([, name]) => name);
  expect(declared.sort()).toEqual(Object.keys(limits).sort());
  for (const name of declared) expect(typeof limits[name as keyof typeof limits]).toBe('number');
});
