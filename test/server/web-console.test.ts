/**
 * The web console in a real browser: Debian's chromium driven by playwright-core
 * (`.ci/run` installs chromium when it is missing). The page loads from the server
 * with nothing from elsewhere, runs a statement and shows its table, marks a syntax
 * error's position, and shows partitions appearing in a lane and moving lanes after
 * `ALTER PIPELINE` and `REBALANCE`. A screenshot is kept in test-artifacts/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { batch, serve, type Served } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');

let browser: Browser;
let s: Served;
beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  s = await serve({ config: { interval: 1000n } });
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

test('the console runs statements, marks errors, and shows partitions moving between lanes', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const outside: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(s.server.url)) outside.push(r.url());
  });
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(e.message));
  await page.goto(s.server.url);
  await page.locator('.lane[data-storage="main"]').waitFor();

  // a statement and its table
  await page.fill('#sql', 'SHOW STORAGES');
  await page.click('#run');
  await page.locator('#result table td', { hasText: 'main' }).first().waitFor();
  expect(await page.locator('#result th').allTextContents()).toEqual(expect.arrayContaining(['name', 'config.path', 'stats.events']));

  // a syntax error, its position marked with a caret under the column
  await page.fill('#sql', 'SHOW STORAGES;\nSHOW FOO BAR');
  await page.keyboard.press('Control+Enter');
  await page.locator('#error:not([hidden])').waitFor();
  const error = await page.locator('#error').textContent();
  expect(error).toContain('SYNTAX');
  expect(error!.split('\n').slice(-2)).toEqual(['SHOW FOO BAR', `${' '.repeat(9)}^`]);

  // events written through the API appear as partitions in the lane of main
  await s.client.write(batch(0, 3000));
  await s.db.checkpoint();
  for (const min of ['0', '1000', '2000']) await page.locator(`.lane[data-storage="main"] .place[data-location="local"] .block[data-min="${min}"]`).waitFor();

  // a pipeline main (1 partition), cold: REBALANCE moves the older two into cold's lane
  await page.fill('#sql', 'CREATE STORAGE cold; ALTER PIPELINE main (partitions 1), cold; REBALANCE');
  await page.click('#run');
  await page.locator('.lane[data-storage="cold"] .block[data-min="0"]').waitFor();
  await page.locator('.lane[data-storage="cold"] .block[data-min="1000"]').waitFor();
  expect(await page.locator('.lane[data-storage="main"] .block').evaluateAll((b) => b.map((x) => x.getAttribute('data-min')))).toEqual(['2000']);
  expect(await page.locator('.lane').evaluateAll((lanes) => lanes.map((l) => l.getAttribute('data-storage')))).toEqual(['main', 'cold']);

  // the charts are drawn from /metrics
  await page.locator('#chart-memory polyline').waitFor({ state: 'attached' });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'web-console.png'), fullPage: true });
  expect(outside).toEqual([]); // nothing fetched from anywhere but the server
  expect(failures).toEqual([]);
  await page.close();
});

test('with a token, the page asks for it and then works', async () => {
  const token = 'a-console-token-0123456789';
  const t = await serve({ token });
  try {
    const page = await browser.newPage();
    await page.goto(t.server.url);
    await page.locator('#token-form:not([hidden])').waitFor();
    await page.fill('#token', token);
    await page.click('#token-form button');
    await page.locator('.lane[data-storage="main"]').waitFor();
    await page.locator('#status', { hasText: 'connected' }).waitFor();
    await page.close();
  } finally {
    await t.close();
  }
});
