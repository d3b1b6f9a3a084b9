// What each collector answer means for its batch, status by status (src/answer.ts), without a
// tracker around it. The rules: docs/protocol.md ("Responses" and "Gzip bodies").
import { describe, expect, it } from 'vitest';
import { classifyStatus, type Verdict } from '../../src/answer';

describe.each<[number, Verdict]>([
  [200, 'sent'],
  [202, 'sent'],
  [204, 'sent'],
  [207, 'sent'],
  [299, 'sent'],
  [0, 'retry'], // a network error or a timeout
  [408, 'retry'],
  [429, 'retry'],
  [500, 'retry'],
  [503, 'retry'],
  [599, 'retry'],
  [199, 'dropped'],
  [300, 'dropped'],
  [400, 'dropped'],
  [401, 'dropped'],
  [404, 'dropped'],
  [413, 'dropped'],
  [415, 'dropped'],
])('a plain JSON body answered %i', (status, verdict) => {
  it(`is ${verdict}, whether or not the answer names rejected messages`, () => {
    expect(classifyStatus(status, false, false)).toBe(verdict);
    expect(classifyStatus(status, false, true)).toBe(verdict);
  });
});

describe('a gzip body', () => {
  it.each<[number, boolean, Verdict]>([
    [415, false, 'plain'],
    [415, true, 'plain'],
    [400, false, 'plain'], // a collector that parsed the gzip bytes as JSON
    [400, true, 'dropped'], // an answer about the messages: gzip stays on
    [200, false, 'sent'],
    [503, false, 'retry'],
    [413, false, 'dropped'],
  ])('answered %i (names rejected: %s) is %s', (status, namesRejected, verdict) => {
    expect(classifyStatus(status, true, namesRejected)).toBe(verdict);
  });
});
