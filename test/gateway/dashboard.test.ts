import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStory } from '../../gateway/demo';
import { orgToken, startDemoNode, type DemoNode } from './demoNode';

/**
 * Every dashboard view in Debian's Chromium against the standalone demo world, at desktop and phone width.
 * Screenshots go to test-artifacts/dashboard/<view>-<width>.png (gitignored).
 */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-artifacts/dashboard';
const WIDTHS = [1280, 390] as const;
let d: DemoNode;
let browser: Browser;
let stopStory: () => void = () => undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error('Debian chromium is missing: apt-get install -y chromium');
  mkdirSync(SHOTS, { recursive: true });
  d = await startDemoNode();
  // The demo story: an Emlite sweep, an open NO_CREDIT issue on mtr-n6, a commissioning and a batch (the top-up that closes the issue is left to the test).
  stopStory = await startDemoStory({ runtime: d.node.runtime, sweeper: d.node.sweeper, db: d.node.db, logger: d.node.logger, issueClosesAfterMs: 3_600_000 });
  await d.call('POST', '/api/plants/plant-solis-3/poll', {});
  await d.call('POST', '/api/plants/plant-huawei-1/poll', {});
  for (const m of ['mtr-n1', 'mtr-n2', 'mtr-l3']) await d.call('POST', `/api/meters/${m}/interactions`, { type: 'READ_CREDIT' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}, 180_000);
afterAll(async () => {
  stopStory();
  await browser?.close();
  await d?.stop();
});

/** Opens a view at a width, waits until it has rendered (and `ready` holds), checks for overflow, and screenshots it. */
async function visit(width: number, hash: string, name: string, ready: (p: Page) => Promise<unknown>, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  page.on('pageerror', (e) => errors.push(`${name}@${width}: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${name}@${width}: ${m.text()}`); });
  await page.goto(`${d.url}/${hash}`);
  await expect.poll(() => page.getAttribute('#view', 'aria-busy'), { timeout: 30_000 }).toBe('false');
  await ready(page);
  await expect.poll(() => page.textContent('#conn-state')).toBe('connected');
  // Nothing wider than the viewport: tables scroll inside their section, the page itself does not.
  expect(await page.evaluate<number>('document.documentElement.scrollWidth'), `${name} overflows at ${width}px`).toBeLessThanOrEqual(width);
  await page.waitForTimeout(300); // let uPlot draw before the screenshot (drawing is not a condition a test could wait on)
  await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
  return page;
}

const canvases = (p: Page, sel: string) => p.locator(`${sel} canvas`).count();

describe('operator dashboard in Chromium', () => {
  for (const width of WIDTHS) {
    it(`every view renders at ${width}px`, { timeout: 300_000 }, async () => {
      const errors: string[] = [];
      const overview = await visit(width, '', 'overview', async (p) => {
        await expect.poll(() => p.locator('#tile-meters .value').textContent()).toBe('16');
        expect(await p.locator('#tile-plants .value').textContent()).toBe('24');
        expect(Number(await p.locator('#tile-issues .value').textContent())).toBe(1);
        await expect.poll(() => p.locator('#stream tbody tr').count()).toBeGreaterThan(0);
        expect(await canvases(p, '#chart-polls')).toBeGreaterThan(0);
      }, errors);
      await overview.close();

      const plants = await visit(width, '#/plants', 'plants', async (p) => {
        await expect.poll(() => p.locator('#plant-table tbody tr').count()).toBe(24);
        expect(await canvases(p, '#chart-energy')).toBeGreaterThan(0);
        expect(await p.locator('tr[data-plant="plant-solis-3"] .energy').textContent()).not.toBe('—');
      }, errors);
      await plants.close();

      const plant = await visit(width, '#/plant/plant-solis-3', 'plant', async (p) => {
        await expect.poll(() => canvases(p, '#chart-plant-energy')).toBeGreaterThan(0);
        expect(await canvases(p, '#chart-plant-power')).toBeGreaterThan(0);
      }, errors);
      await plant.close();

      const meters = await visit(width, '#/meters', 'meters', async (p) => {
        await expect.poll(() => p.locator('#meter-table tbody tr').count()).toBe(16);
      }, errors);
      await meters.close();

      const meter = await visit(width, '#/meter/mtr-n6', 'meter', async (p) => {
        await expect.poll(() => p.locator('#meter-issues').textContent()).toContain('NO_CREDIT');
        expect(await canvases(p, '#chart-credit')).toBeGreaterThan(0);
        expect(await p.locator('#twin').textContent()).toContain('Reported');
      }, errors);
      await meter.close();

      const emliteMeter = await visit(width, '#/meter/mtr-e1', 'meter-emlite', async (p) => {
        await expect.poll(() => p.locator('#chart-reads').count()).toBe(1);
        expect(await p.locator('#meter-facts').textContent()).toContain('healthy');
      }, errors);
      await emliteMeter.close();

      const emlite = await visit(width, '#/emlite', 'emlite', async (p) => {
        await expect.poll(() => p.locator('#emlite-table tbody tr').count()).toBe(4);
        await expect.poll(() => p.locator('.sweep[data-esco="demo-esco"]').textContent(), { timeout: 60_000 }).toMatch(/finished/);
      }, errors);
      await emlite.close();

      const alerts = await visit(width, '#/alerts?sort=severity', 'alerts', async (p) => {
        await expect.poll(() => p.locator('#alert-table tbody tr').count()).toBeGreaterThan(0);
      }, errors);
      await alerts.close();
      expect(errors).toEqual([]);
    });
  }

  it('commands from the meter page: a top-up closes the open issue, desired relay shows in the twin', { timeout: 120_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${d.url}/#/meter/mtr-n6`);
    await expect.poll(() => page.locator('#meter-issues').textContent()).toContain('NO_CREDIT');
    await page.selectOption('#cmd-type', 'TOP_UP');
    await page.fill('#cmd-amount', '20');
    await page.click('#cmd-send');
    await expect.poll(() => page.textContent('#cmd-result')).toMatch(/^TOP_UP for mtr-n6: /);
    await expect.poll(async () => (await d.call('GET', '/api/meters/mtr-n6')).body.data.openIssues.length, { timeout: 30_000 }).toBe(0);
    // Desired relay off: the twin shows the intent.
    await page.click('#desired-off');
    await expect.poll(() => page.locator('#twin').textContent()).toContain('"relay": "off"');
    await page.close();
  });

  it('alerts: filter by state, ack from the list', { timeout: 120_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${d.url}/#/alerts?state=NEW`);
    const first = page.locator('#alert-table tbody tr').first();
    await expect.poll(() => first.locator('.state').textContent()).toBe('NEW');
    const id = await first.getAttribute('data-alert');
    await first.locator('button.ack').click();
    await expect.poll(() => page.locator(`tr[data-alert="${id}"] .state`).textContent()).toBe('ACKED');
    const acked = await d.call('GET', '/api/alerts?organizationId=demo-esco&state=ACKED');
    expect(acked.body.data.alerts.map((a: { id: string }) => a.id)).toContain(id);
    await page.close();
  });

  it('sign-in keeps the token out of the URL and another organization sees nothing of the demo fleet', { timeout: 120_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${d.url}/#/meters`);
    await expect.poll(() => page.locator('#meter-table tbody tr').count()).toBe(16);
    await page.click('#who');
    await page.fill('#signin-token', await orgToken('org-other'));
    await page.screenshot({ path: `${SHOTS}/signin-390.png` });
    await page.click('#signin-submit');
    await expect.poll(() => page.textContent('#who')).toContain('org-other');
    await expect.poll(() => page.locator('#meter-table tbody tr').count()).toBe(0);
    await expect.poll(() => page.textContent('#conn-state')).toBe('connected');
    expect(await page.evaluate<string | null>("sessionStorage.getItem('gridtwin.token')")).toMatch(/^ey/);
    expect(requests.filter((u) => /token=|ey[A-Za-z0-9_-]{10,}\./.test(u))).toEqual([]);
    expect(page.url()).not.toContain('token');
    await page.close();
  });
});
