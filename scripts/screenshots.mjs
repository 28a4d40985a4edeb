// Screenshots of every dashboard page, taken in headless Chromium (/usr/bin/chromium) against `tollgate demo`
// data (seeded history plus about 40 s of live traffic). Writes docs/screenshots/*.png. Run: npm run docs:screenshots
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startDemo } from '../dist/demo/index.js';

const OUT = new URL('../docs/screenshots/', import.meta.url);
const WARMUP_MS = Number(process.env.SCREENSHOT_WARMUP_MS ?? 40_000);
const PAGES = [
  ['overview', 'Overview'],
  ['budgets', 'Budgets'],
  ['runs', 'Runs'],
  ['teams', 'Teams & projects'],
  ['waste', 'Waste & savings'],
  ['keys', 'Keys'],
  ['models', 'Models & routes'],
];

mkdirSync(OUT, { recursive: true });
const demo = await startDemo({ port: 0, logLevel: 'silent' });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true });
try {
  console.log(`demo at ${demo.dashboardUrl}; letting traffic run for ${WARMUP_MS / 1000} s`);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const shoot = async (viewport, suffix) => {
    const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
    await page.goto(demo.dashboardUrl);
    await page.fill('input[name=key]', demo.adminKey);
    await page.click('button[type=submit]');
    for (const [id, title] of PAGES) {
      if (suffix && id !== 'overview' && id !== 'runs') continue;
      await page.click(`nav >> text="${title}"`);
      await page.waitForSelector(`[data-page="${title}"][data-ready="true"]`);
      if (id === 'runs') {
        // Open the confirmation loop the guard stopped: its evidence, call tree and timeline.
        const loop = page.locator('button[data-run^="review-loop"]').first();
        if (await loop.count()) {
          await loop.click();
          await page.waitForSelector('[data-testid="call-tree"]');
        }
      }
      await page.waitForTimeout(300);
      const path = new URL(`${id}${suffix}.png`, OUT);
      await page.screenshot({ path: path.pathname, fullPage: !suffix });
      console.log(`wrote docs/screenshots/${id}${suffix}.png`);
    }
    await page.close();
  };
  await shoot({ width: 1280, height: 860 }, '');
  await shoot({ width: 390, height: 844 }, '-phone');
  // The sign-in page.
  const page = await browser.newPage({ viewport: { width: 1280, height: 700 } });
  await page.goto(demo.dashboardUrl);
  await page.screenshot({ path: new URL('sign-in.png', OUT).pathname });
  console.log('wrote docs/screenshots/sign-in.png');
} finally {
  await browser.close();
  await demo.close();
}
