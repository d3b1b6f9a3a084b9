// Size budgets for every shipped file, checked by `npm test` (which builds first): a change that
// makes the snippet, cio.js or the npm entry grow past its budget fails the build.
// The targets of issue 6 are 600 B for the snippet and 3,072 B brotli for cio.js; the second is
// not met (about 6.2 KB), and with every feature in it cannot be (docs/size.md: the floor is ~5.3 KB).
import { describe, expect, it } from 'vitest';
import { parse } from 'acorn';
import { readFileSync } from 'node:fs';
import { sizes, SNIPPET_PLACEHOLDERS } from '../../scripts/sizes.mjs';

const BUDGET = {
  // 600 until issue 13: Trusted Types and the drop-in fixes took it from 486 to 649 B, and the
  // issue allows 650 at most (docs/size.md, Issue 13).
  snippetMinifiedBytes: 650,
  // 5,900 until stop 9, raised for the fixes of a logout that did not stick (cookie domain probe,
  // cookies first for the ids): 5,889 -> ~5,960 B. 6,000 until issues 11, 12, 13 and 16, raised
  // by what each measured alone (docs/size.md): issue 11's module boundaries, restructuring and
  // three fixes +235 B; issue 12's gzip by agreement, endpoints, split refusals and own fetch
  // +489 B; issue 13's drop-in fixes +548 B (items 1, 2, 5, 6: +220; items 3, 4, 5, 8, 9: +328);
  // issue 16's outbox +93 B. Together 5,996 -> 7,327 B (brotli overlaps between them); +26 B for
  // Back then Forward within one task sending Back's view with its own title (7,353 B); issue 13's
  // items then cut from 548 to 370 B, taken out one by one (docs/size.md, Issue 13): 7,235 B; +364 B
  // for issue 12's item 6, parallel requests and gzip bodies made ahead for the page hide: 7,599 B;
  // two trims of issue 11's own parts (one catch for a failed post, one offline check) and issue 13's
  // second round of cuts (the restore's view, an id's copy, data-use-in-app): 7,578 B; the end-of-task
  // work as promise jobs instead of queueMicrotask (issue 16, one call a task): 7,576 B; the sender
  // told the page is visible whatever the consent (a bug: a hide during pending consent): 7,577 B;
  // a refusal that drops what pending consent kept, and is not echoed between tabs: 7,595 B; the
  // failures of requests in flight together counted once in the backoff: 7,610 B; gzip as one pipe
  // from a Response's body (no writer, no TextEncoder, no catch handlers): 7,578 B; an outbox key
  // per task, not per millisecond: 7,577 B; a request fitted before its contexts are compared:
  // 7,581 B. Issue 16, one call a task: request bodies by concatenation and a request's context cut
  // from the message's JSON: 7,606 B. The drain started without an async wait by each task's
  // schedule: 7,606 B. Storage's memory as a Map and localStorage read once: 7,616 B. Sanitize's
  // keys walked by forEach: 7,615 B. No gzip body made ahead while the outbox holds less than one
  // request carries: 7,644 B. A write each key's value as one string, and a request body's size
  // counted from its messages' (no flattened copy of the body): 7,668 B. A page's context and its
  // JSON made once and shared by its messages (issue 16, one call a task: 1.25x -> 1.15x of the
  // floor in 30 alternating rounds): 7,795 B. gzip only while what no request carries yet is more
  // than a batch (a trickle goes plain): 7,805 B. One reducer for every sum of entries' bytes (no
  // closure made per call): 7,804 B.
  cioBrotliBytes: 7_804,
  // 8,000 until stop 9: the same fixes, 8,007 B (this file is readable, not minified). 8,200
  // until issues 11, 12, 13 and 16: 8,050 -> 10,068 B, mostly issue 11's self-explaining local
  // names, which only the minified cio.js gets back, and the same features with readable names;
  // 9,971 B after issue 13's cuts, 10,650 B with issue 12's item 6, 10,617 B with issue 11's trims
  // and issue 13's second round, 10,616 B with promise jobs, 10,612 B with the visibility fix,
  // 10,654 B with the refusal fix, 10,677 B with one backoff step for parallel failures, 10,635 B
  // with gzip as one pipe, 10,631 B with a key per task. 10,677 B with request bodies by
  // concatenation. 10,683 B with the drain started without an async wait. 10,694 B with storage's
  // memory as a Map. 10,692 B with sanitize's forEach. 10,734 B with no body made ahead for a small
  // outbox; 10,742 B with its check named for what it is and comments on the context cut from a
  // message's JSON. 10,777 B with a write's one string per key and a body's size from its messages.
  // 10,977 B with a page's context shared by its messages. 11,004 B with gzip only for more than a
  // batch. 11,020 B with one reducer for entries' bytes (its docstring).
  entryBrotliBytes: 11_020,
};

describe('size budgets', () => {
  const s = sizes();
  it(`keeps the snippet within ${BUDGET.snippetMinifiedBytes} B minified`, () => {
    expect(s.snippet).toBeLessThanOrEqual(BUDGET.snippetMinifiedBytes);
  });
  it(`keeps dist/cio.js within ${BUDGET.cioBrotliBytes} B brotli`, () => {
    expect(s.cio.brotli).toBeLessThanOrEqual(BUDGET.cioBrotliBytes);
  });
  it(`keeps the npm entry within ${BUDGET.entryBrotliBytes} B brotli`, () => {
    expect(s.entry.brotli).toBeLessThanOrEqual(BUDGET.entryBrotliBytes);
  });
});

describe('the generated snippet', () => {
  const snippet = readFileSync('dist/snippet.html', 'utf8');
  it('keeps the three placeholders literally', () => {
    for (const p of SNIPPET_PLACEHOLDERS) expect(snippet).toContain(p);
  });
  it('is the one the README shows', () => {
    expect(readFileSync('README.md', 'utf8')).toContain('```html\n' + snippet + '```');
  });
  it('is ES5: it and its source parse as ECMAScript 5 (no arrows, let/const, spread, for…of)', () => {
    const script = /<script>([\s\S]*)<\/script>/.exec(snippet)![1];
    expect(() => parse(script, { ecmaVersion: 5 })).not.toThrow();
    expect(() => parse(readFileSync('src/snippet.js', 'utf8'), { ecmaVersion: 5 })).not.toThrow();
    // The check can fail: ES2015 syntax is refused at this level.
    expect(() => parse('for (var x of y) {}', { ecmaVersion: 5 })).toThrow();
  });
  it('has an SRI variant whose integrity matches dist/cio.js', async () => {
    const { createHash } = await import('node:crypto');
    const hash = 'sha384-' + createHash('sha384').update(readFileSync('dist/cio.js')).digest('base64');
    expect(readFileSync('dist/snippet-sri.html', 'utf8')).toContain(`integrity="${hash}"`);
    expect(readFileSync('dist/cio.js.sri', 'utf8').trim()).toBe(hash);
  });
});

describe('the npm entry', () => {
  it('ships ESM, CJS and one bundled .d.ts with no runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.exports['.'].types).toBe('./dist/index.d.ts');
    expect(readFileSync('dist/index.mjs', 'utf8')).toMatch(/export \{ *createTracker *\}/);
    expect(readFileSync('dist/index.cjs', 'utf8')).toContain('exports.createTracker');
    expect(readFileSync('dist/index.d.ts', 'utf8')).toContain('declare function createTracker');
  });
  it('can be imported in Node without a window, and ignores calls there', async () => {
    const built: string = '../../dist/index.mjs'; // the shipped file, not src/
    const { createTracker } = (await import(built)) as typeof import('../../src/index');
    const warnings: string[] = [];
    const t = createTracker({ siteId: 'x' }, { console: { warn: (m: string) => void warnings.push(m), log() {} } });
    t.track('a');
    t.identify('b');
    await t.flush();
    expect(warnings).toEqual(['tracklet: createTracker(): ignored outside a browser']);
  });
});
