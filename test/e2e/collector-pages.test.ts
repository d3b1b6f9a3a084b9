// The live view's pages (Live, People, Segments) at 1280 and 400 px wide, with long names and a
// person with several anonymous ids: no two sibling boxes overlap, nothing scrolls sideways, no
// table cell is squeezed until its text wraps letter by letter; the segment form shows its own
// errors beside the fields, points an unseen event at its near miss, and clears results once the
// form changes. Screenshots of each page at each width go to test-results/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { createCollector, type Collector } from '../../examples/collector/index.mjs';

const LONG_USER = 'customer-with-a-rather-long-identifier-from-the-crm-0123456789';
const LONG_EVENT = 'completed_the_onboarding_checklist_including_the_optional_integrations_step';
const LONG_URL = `https://shop.example/products/${'very-long-product-slug-'.repeat(4)}?utm_source=newsletter`;
const ANONYMOUS_IDS = [randomUUID(), randomUUID(), randomUUID()];
const WIDTHS = [1280, 400];

let browser: Browser;
let collector: Collector;
let dataDir: string;

async function seed() {
  const now = Date.now();
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  const message = (type: string, minutesAgo: number, fields: object) => ({
    type,
    messageId: randomUUID(),
    timestamp: at(minutesAgo),
    ...fields,
  });
  const batch = [
    ...ANONYMOUS_IDS.map((anonymousId, i) =>
      message('page', 30 - i, { anonymousId, properties: { url: LONG_URL, path: '/products/x', title: 'A product' } }),
    ),
    ...ANONYMOUS_IDS.map((anonymousId, i) =>
      message('identify', 20 - i, {
        anonymousId,
        userId: LONG_USER,
        traits: {
          email: 'a.customer.with.a.long.address@subdomain.example.com',
          plan: 'pro',
          address: { street: '221B Baker Street', city: 'London', postcode: 'NW1 6XE' },
        },
      }),
    ),
    message('track', 10, { userId: LONG_USER, anonymousId: ANONYMOUS_IDS[0], event: LONG_EVENT, properties: {} }),
    message('track', 9, { userId: LONG_USER, event: 'added_to_cart', properties: { sku: 'TEA-1', price: 12.5 } }),
    ...Array.from({ length: 12 }, (_, i) =>
      message('track', 8 - i / 2, {
        anonymousId: randomUUID(),
        ...(i % 3 ? { userId: `shopper-${i}` } : {}),
        event: i % 2 ? 'added_to_cart' : 'viewed_product',
        properties: { sku: `TEA-${i}` },
      }),
    ),
  ];
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    body: JSON.stringify({ writeKey: 'demo', sentAt: new Date(now).toISOString(), batch }),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tracklet-pages-'));
  mkdirSync('test-results', { recursive: true });
  collector = await createCollector({ port: 0, host: '127.0.0.1', dbPath: join(dataDir, 'pages.db'), log: () => {} });
  await seed();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await collector?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A signed-in page of the live view at this width, recording console errors. */
async function openAt(width: number, hash: string) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const session = await context.request.post(`${collector.url}/api/session`, {
    data: { site: 'demo', key: 'demo-secret' },
  });
  expect(session.status()).toBe(200);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (m) => m.type() == 'error' && errors.push(m.text()));
  await page.goto(`${collector.url}/${hash}`);
  await page.waitForSelector('#connection.live');
  return { page, errors, close: () => context.close() };
}

/**
 * What is wrong with the layout, as sentences: the page or any box scrolling sideways, content
 * spilling out of a box that does not clip it, two sibling boxes overlapping (each line box of
 * an inline element on its own), a table cell (laid out as one) narrower than 40 px, or a cell
 * of names narrower than 120 px (where they break every few letters). uPlot's chart stacks its
 * canvas and cursor layers on purpose, so its inside is left out.
 */
function layoutProblems(page: Page) {
  return page.evaluate(() => {
    const problems: string[] = [];
    const name = (e: Element) =>
      `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && typeof e.className == 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : ''}`;
    const isShown = (e: Element) => {
      const style = getComputedStyle(e);
      return style.display != 'none' && style.visibility != 'hidden' && e.getClientRects().length > 0;
    };
    const root = document.scrollingElement!;
    if (root.scrollWidth > root.clientWidth)
      problems.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
    const all = [...document.body.querySelectorAll('*')].filter((e) => !e.closest('.uplot') && isShown(e));
    for (const e of all) {
      const style = getComputedStyle(e);
      const clips = ['hidden', 'clip'].includes(style.overflowX);
      const isInline =
        style.display.startsWith('inline') && !['inline-block', 'inline-flex', 'inline-grid'].includes(style.display);
      if (!clips && !isInline && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
        problems.push(`${name(e)} is wider inside than its box: ${e.scrollWidth} > ${e.clientWidth}`);
      const width = e.getBoundingClientRect().width;
      if (style.display == 'table-cell' && width < 40) problems.push(`${name(e)} is only ${Math.round(width)} px wide`);
      // A column of names this narrow breaks them every few letters.
      if (e.matches('td.name, td.cell-person, td.cell-email') && width < 120)
        problems.push(`${name(e)} is only ${Math.round(width)} px wide for a name`);
      const children = [...e.children].filter(
        (c) => isShown(c) && !['absolute', 'fixed'].includes(getComputedStyle(c).position) && !c.closest('.uplot'),
      );
      const boxes = children.map((c) => [...c.getClientRects()].filter((r) => r.width > 0 && r.height > 0));
      for (let i = 0; i < children.length; i++)
        for (let j = i + 1; j < children.length; j++)
          for (const a of boxes[i])
            for (const b of boxes[j]) {
              const overlapX = Math.min(a.right, b.right) - Math.max(a.left, b.left);
              const overlapY = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
              if (overlapX > 1 && overlapY > 1)
                problems.push(
                  `${name(children[i])} and ${name(children[j])} overlap by ${Math.round(overlapX)}×${Math.round(overlapY)} px in ${name(e)}`,
                );
            }
    }
    return [...new Set(problems)];
  });
}

describe.each(WIDTHS)('at %i px wide', (width) => {
  it('Live: the messages, the event names with counts and a raw message, side by side or stacked', async () => {
    const { page, errors, close } = await openAt(width, '#live');
    await page.locator('#events tbody tr', { hasText: LONG_EVENT }).first().click();
    await page.waitForSelector('#chart canvas');
    const names = page.locator('#event-names tbody tr');
    await expect
      .poll(() => names.allTextContents(), { timeout: 10_000 })
      .toEqual(['added_to_cart7', 'viewed_product6', `${LONG_EVENT}1`]);
    expect(await page.locator('#raw').textContent()).toContain(LONG_EVENT);
    await page.screenshot({ path: `test-results/collector-live-${width}.png`, fullPage: true });
    expect(await layoutProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
    await close();
  });

  it('People: a person with three anonymous ids, long attributes and timeline', async () => {
    const { page, errors, close } = await openAt(width, `#people/${LONG_USER}`);
    await expect
      .poll(() => page.locator('#person-ids').textContent(), { timeout: 10_000 })
      .toBe(`anonymous ids: ${[...ANONYMOUS_IDS].sort().join(', ')} · 8 messages`); // linked at one time: by id
    expect(await page.locator('#person-attributes dt').allTextContents()).toEqual(['address', 'email', 'plan']);
    expect(await page.locator('#people tbody tr').count()).toBe(13);
    await page.screenshot({ path: `test-results/collector-people-${width}.png`, fullPage: true });
    expect(await layoutProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
    await close();
  });

  it('Segments: the app’s own errors, a near miss, results cleared when the form changes', async () => {
    const { page, errors, close } = await openAt(width, '#segments');
    const form = page.locator('#segment-form');
    const summary = page.locator('#segment-summary');
    // Nothing filled in: the app says what is missing, beside the field, and asks nothing.
    await form.locator('button[type=submit]').click();
    expect(await form.locator('.field-error').allTextContents()).toEqual(['name the event']);
    expect(await page.locator('#segment-problem').textContent()).toBe('One field needs fixing.');
    expect(await summary.textContent()).toBe('');

    // A name in another case: found nobody, and the near miss is offered.
    await form.locator('input[name=event]').fill('Added To Cart');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => summary.textContent(), { timeout: 10_000 }).toBe('0 people in this segment');
    expect(await form.locator('.field-warning').textContent()).toBe(
      'no event named "Added To Cart" has been received (names are case-sensitive); did you mean "added_to_cart" (7 events)?use added_to_cart',
    );
    await form.locator('.field-warning button').click();
    await expect.poll(() => summary.textContent(), { timeout: 10_000 }).toBe('7 people in this segment');
    expect(await page.locator('#segment-results tbody tr').count()).toBe(7);

    // Changed: the results no longer answer the form, so they go; a wrong number is the app's to say.
    await form.locator('input[name=min]').fill('0');
    expect(await summary.textContent()).toBe('The conditions changed: press Find people.');
    expect(await page.locator('#segment-results tbody tr').count()).toBe(0);
    await form.locator('button[type=submit]').click();
    expect(await form.locator('.field-error').allTextContents()).toEqual(['must be a whole number from 1']);
    await form.locator('input[name=min]').fill('1');

    // What only the API refuses is shown beside its field too.
    await form.locator('input[name=within]').fill('1000000');
    await form.locator('button[type=submit]').click();
    await expect
      .poll(() => form.locator('.field-error').allTextContents(), { timeout: 10_000 })
      .toEqual(['must be a whole number of days or hours, e.g. 30d or 12h (leave it out for ever)']);
    expect(await summary.textContent()).toBe('');
    expect(errors.splice(0)).toEqual([
      'Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
    await form.locator('input[name=within]').fill('');

    // A group, a long event name, and a saved segment with its live count.
    await form.locator('button[data-add=group]').click();
    await form.locator('.group select[name=kind]').selectOption('attribute');
    await form.locator('.group input[name=attribute]').fill('plan');
    await form.locator('.group input[name=value]').fill('pro');
    await form.locator('.group button[data-add=in-group]').click();
    await form.locator('.group .condition >> nth=1').locator('input[name=event]').fill(LONG_EVENT);
    const name = `Carts of pro customers who finished the onboarding checklist (${width} px)`;
    await form.locator('input[name=name]').fill(name);
    await form.locator('#save-segment').click();
    await expect.poll(() => summary.textContent(), { timeout: 10_000 }).toBe('1 person in this segment');
    await expect
      .poll(() => page.locator('#saved-segments li').allTextContents(), { timeout: 10_000 })
      .toContain(`${name}1 person×`);
    await page.screenshot({ path: `test-results/collector-segments-${width}.png`, fullPage: true });
    expect(await layoutProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
    await close();
  });
});
