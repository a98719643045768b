import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, token, type TestWorld } from './helpers';

const CHROMIUM = '/usr/bin/chromium';
let w: TestWorld;
let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error('Debian chromium is missing: apt-get install -y chromium');
  w = await startWorld();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});
afterAll(async () => {
  await browser?.close();
  await w?.close();
});

describe('operator dashboard in Chromium', () => {
  it('shows live state, changes a meter after a command, acks an alert', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const tk = await token();
    await page.goto(`${w.gateway.url}/?token=${tk}&grids=g1&plants=p1`);

    await expect.poll(() => page.textContent('#conn-state')).toBe('connected');
    await expect.poll(() => page.textContent('#nats-state')).toBe('connected');
    const relay = page.locator('tr[data-meter="m1"] .relay');
    await expect.poll(() => relay.textContent()).toBe('ON');
    expect(await page.textContent('tr[data-meter="m1"] .credit')).toBe('12.50');
    expect(await page.textContent('tr[data-meter="m1"] .health')).toBe('GREEN');
    expect(await page.textContent('.plant[data-plant="p1"] .status')).toBe('GREEN');

    // Command: turn m1 off; the fake runtime publishes the interaction's progress and the new meter state.
    await page.selectOption('#cmd-meter', 'm1');
    await page.selectOption('#cmd-type', 'TURN_OFF');
    await page.click('#cmd-send');
    await expect.poll(() => page.textContent('#cmd-result')).toBe('TURN_OFF for m1: QUEUED');
    await expect.poll(() => relay.textContent()).toBe('OFF');
    await expect.poll(() => page.textContent('#stream tbody tr:first-child .status')).toBe('SUCCESSFUL');
    expect(await page.locator('#stream tbody tr').count()).toBe(1);

    // Top up m2 by 5 kWh.
    await page.selectOption('#cmd-meter', 'm2');
    await page.selectOption('#cmd-type', 'TOP_UP');
    await page.fill('#cmd-amount', '5');
    await page.click('#cmd-send');
    await expect.poll(() => page.textContent('tr[data-meter="m2"] .credit')).toBe('17.50');

    // A plant turning RED shows up live.
    w.runtime.publishPlantStatus('p1', 'RED');
    await expect.poll(() => page.textContent('.plant[data-plant="p1"] .status')).toBe('RED');

    // Alerts of the token's organization, with an ack button.
    const alert = page.locator('#alerts li[data-alert="a1"]');
    await expect.poll(() => alert.locator('.state').textContent()).toBe('NEW');
    await alert.locator('button.ack').click();
    await expect.poll(() => alert.locator('.state').textContent()).toBe('ACKED');
    expect(await alert.locator('button.ack').isDisabled()).toBe(true);
    expect(w.runtime.alerts.get('a1')!.state).toBe('ACKED');

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
