// Which waiting entries go in a batch (src/drain.ts pickBatch): the oldest that fit in the limit,
// counting the request body around them, and never none.
import { describe, expect, it } from 'vitest';
import { pickBatch } from '../../src/drain';
import type { Entry } from '../../src/outbox';

/** An entry whose JSON is `bytes` long. */
const entry = (bytes: number): Entry => ({ m: {} as Entry['m'], s: 'x'.repeat(bytes), b: bytes, t: 0 });
/** A body of 10 bytes around its entries, plus one byte per entry (the comma), as the sender counts. */
const toBody = (batch: Entry[]) => '{"b":[]}..' + batch.map((e) => e.s).join();

describe('pickBatch', () => {
  it.each<[string, number[], number, number]>([
    ['all of them when they fit', [10, 10, 10], 100, 3],
    ['the oldest that fit, exactly at the limit', [10, 10, 10], 10 + 11 + 11, 2],
    ['the oldest that fit, one byte short of the next', [10, 10, 10], 10 + 11 + 11 + 10, 2],
    ['the oldest alone when even it does not fit', [500, 10], 100, 1],
    ['none from an empty list', [], 100, 0],
  ])('picks %s', (_, sizes, limitBytes, count) => {
    const from = sizes.map(entry);
    expect(pickBatch(from, limitBytes, toBody([]).length)).toEqual(from.slice(0, count));
  });
});
