/**
 * The analysts' dashboard end to end: real headless Chromium (Debian's, driven by
 * playwright-core) against the real service on PGlite, with the demo report loaded over HTTP.
 * Screenshots of every view, at 1280 px and at phone width, go to artifacts/screenshots/.
 *
 * Needs /usr/bin/chromium (scripts/install-browser.sh installs it); skipped, saying so, without.
 * Needs the dashboard served at / (registerDashboard wired into createApp), built by
 * test/global-setup.ts before the workers start.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_COMMANDS, DEMO_IDS } from '../../db/seeds/demo-report';
import { startTestApp, TEST_KEYS, type TestApp } from '../app-harness';
import { storesUnderTest } from '../store-harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = join(__dirname, '..', '..');
const SHOTS = join(ROOT, 'artifacts', 'screenshots');
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const WAIT = { timeout: 20_000 };

// The dashboard only reads the public API: one store is enough, and PGlite is always there.
const IN_THIS_PASS = storesUnderTest().includes('pglite');

if (!HAVE_CHROMIUM) {
  console.warn(
    `SKIPPED: the dashboard's browser tests need Chromium at ${CHROMIUM}, which is missing. ` +
      'Install it with scripts/install-browser.sh (Debian: apt-get install chromium).',
  );
}

/** Waits until the timeline lists `op` n items (a string expression: no DOM types here). */
const items = (target: Page, op: '===' | '>=', n: number) =>
  target.waitForFunction(
    `document.querySelectorAll('.items .item').length ${op} ${n}`,
    undefined,
    WAIT,
  );

/** Waits until the element with this test id reads `text`. */
const textIsOn = (target: Page, testId: string, text: string) =>
  target.waitForFunction(
    `document.querySelector('[data-testid="${testId}"]')?.textContent === ${JSON.stringify(text)}`,
    undefined,
    WAIT,
  );

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

(HAVE_CHROMIUM && IN_THIS_PASS ? describe : describe.skip)('dashboard (headless Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let demoLoadedAt = 0;
  /** A whole second after the demo was recorded and before the correction: for "as of". */
  let beforeCorrection: Date | undefined;

  const textIs = (testId: string, text: string) => textIsOn(page, testId, text);
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name, exact: true });
  const shot = (name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  const signIn = async (target: Page, key: string) => {
    await target.goto(`${t.url}/`);
    await target.locator('#api-key').fill(key);
    await target.getByRole('button', { name: 'Open the dashboard' }).click();
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    t = await startTestApp('pglite');
    const index = await fetch(`${t.url}/`);
    const html = await index.text();
    if (index.status !== 200 || !html.includes('id="app"') || !html.includes('/assets/'))
      throw new Error(
        'The dashboard is not served at /: registerDashboard(app) (src/http/dashboard.ts) must be called in createApp (src/http/create-app.ts) before listen.',
      );
    for (const { command, body } of DEMO_COMMANDS) {
      const answer = await t.request('POST', `/v1/commands/${command}`, { key: 'writer', body });
      expect([command, answer.status]).toEqual([command, 201]);
    }
    demoLoadedAt = Date.now();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('serves the static files without a key, with long caching for hashed assets', async () => {
    const html = await (await fetch(`${t.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${t.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // The API's own answers are untouched: no static wildcard route swallows them.
    const api = await fetch(`${t.url}/v1/nothing-here`);
    expect([401, 404]).toContain(api.status);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
  });

  it('says clearly when a key is wrong, and hides the ops panel from a reader key', async () => {
    const other = await browser.newPage({ viewport: DESKTOP });
    await signIn(other, 'not-a-real-key-0123456789');
    const message = other.getByTestId('login-error');
    await message.waitFor(WAIT);
    expect(await message.textContent()).toMatch(/did not accept this API key \(401/);
    await other.screenshot({ path: join(SHOTS, 'login-wrong-key.png') });
    await other.locator('#api-key').fill(TEST_KEYS.reader);
    await other.getByRole('button', { name: 'Open the dashboard' }).click();
    await other.getByTestId('released-RU').waitFor(WAIT);
    expect(
      await other
        .getByRole('navigation', { name: 'Views' })
        .getByRole('link', { name: 'Ops', exact: true })
        .count(),
    ).toBe(0);
    // The key is not in the URL, and sits in sessionStorage.
    expect(other.url()).not.toContain(TEST_KEYS.reader);
    expect(await other.evaluate("sessionStorage.getItem('timeline.apiKey')")).toBe(
      TEST_KEYS.reader,
    );
    await other.close();
  });

  it('overview: 307 released by each side and 30.7% of the agreement', async () => {
    await signIn(page, TEST_KEYS.ops);
    await page.getByTestId('released-RU').waitFor(WAIT);
    expect(await page.getByTestId('released-RU').locator('.figure-value').textContent()).toBe(
      '307',
    );
    expect(await page.getByTestId('released-UA').locator('.figure-value').textContent()).toBe(
      '307',
    );
    expect(await page.getByTestId('agreement-progress').textContent()).toBe('30.7%');
    // Unknown is not 0: the report gave no launched figure for Russia's drones.
    expect(await page.getByTestId('strike-RU-drone-launched').textContent()).toBe('unknown');
    expect(await page.getByTestId('strike-RU-drone-intercepted').textContent()).toBe('245');
    await shot('overview-1280');
  });

  it('downloads the CSV of a card with the key', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download', WAIT),
      page
        .locator('section', { has: page.getByRole('heading', { name: 'Prisoners released' }) })
        .getByRole('button', { name: 'Download CSV' })
        .click(),
    ]);
    expect(download.suggestedFilename()).toBe('prisoners.csv');
    const text = readFileSync(await download.path(), 'utf8');
    expect(text).toContain(DEMO_IDS.agreement);
  });

  it('a figure links to the timeline of the incidents behind it', async () => {
    await page.getByTestId('released-RU').click();
    await page.locator('.items .item').first().waitFor(WAIT);
    expect(page.url()).toContain('view=timeline');
    expect(page.url()).toContain('type=PrisonersExchanged');
    expect(await page.locator('.items .item').count()).toBe(1);
  });

  it('timeline: filtering by Kyiv shows the overnight strike; the URL keeps the filters', async () => {
    await nav('Timeline').click();
    await items(page, '===', 9);
    await page.getByLabel('Region', { exact: true }).fill('Kyiv');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await items(page, '===', 1);
    const item = page.locator('.items .item');
    expect(await item.textContent()).toContain(
      'Overnight, Russian drones and missiles struck Kyiv',
    );
    expect(new URL(page.url()).searchParams.get('region')).toBe('Kyiv');
    await shot('timeline-kyiv-1280');
    // Back goes to the unfiltered timeline; forward comes back to Kyiv.
    await page.goBack();
    await items(page, '===', 9);
    await page.goForward();
    await items(page, '===', 1);
    expect(await page.getByLabel('Region', { exact: true }).inputValue()).toBe('Kyiv');
  });

  it('drawer: a correction posted through the API appears with its change, without a reload', async () => {
    await page.locator('.items .item-open').first().click();
    const drawer = page.locator('#drawer');
    await drawer.getByTestId('history').waitFor(WAIT);
    expect(await drawer.locator('.history li').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('incident')).toBe(DEMO_IDS.kyivStrike);
    await page.evaluate('window.notReloaded = true');

    // A whole second after the demo, then one before the correction: the "as of" instant.
    await sleep(Math.max(0, demoLoadedAt + 1100 - Date.now()));
    beforeCorrection = new Date(Math.floor(Date.now() / 1000) * 1000);
    await sleep(1200);
    const correction = await t.request('POST', '/v1/commands/correct-incident', {
      key: 'writer',
      body: {
        incidentId: DEMO_IDS.kyivStrike,
        changes: {
          weapons: [
            { kind: 'drone', intercepted: 250 },
            { kind: 'ballistic_missile', intercepted: 6 },
          ],
        },
        reason: 'The air force revised the number of drones downed.',
      },
    });
    expect(correction.status).toBe(201);

    await drawer.locator('.history li').nth(1).waitFor(WAIT);
    const step = drawer.locator('.history li').nth(1);
    expect(await step.textContent()).toContain(
      'The air force revised the number of drones downed.',
    );
    const change = step.locator('.changes tbody tr');
    expect(await change.count()).toBe(1);
    expect(await change.locator('th').textContent()).toBe('weapons[0].intercepted');
    expect(await change.locator('.before').textContent()).toBe('245');
    expect(await change.locator('.after').textContent()).toBe('250');
    await page.locator('.items .item .status-badge', { hasText: 'corrected' }).waitFor(WAIT);
    expect(await page.evaluate('window.notReloaded === true')).toBe(true);
    await shot('timeline-drawer-correction-1280');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached', ...WAIT });
  });

  it('"as of" brings back the figure from before the correction', async () => {
    await nav('Overview').click();
    const intercepted = page.getByTestId('strike-RU-drone-intercepted');
    await textIs('strike-RU-drone-intercepted', '250');
    const local = await page.evaluate((iso) => {
      const d = new Date(iso);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    }, beforeCorrection!.toISOString());
    await page.getByLabel('As of').fill(local);
    await textIs('strike-RU-drone-intercepted', '245');
    expect(new URL(page.url()).searchParams.get('asOf')).toBe(beforeCorrection!.toISOString());
    expect(await page.getByTestId('live').getAttribute('data-mode')).toBe('paused');
    expect(await page.getByTestId('released-RU').locator('.figure-value').textContent()).toBe(
      '307',
    );
    await shot('overview-as-of-1280');
    // The timeline as of then has the strike uncorrected.
    await nav('Timeline').click();
    await items(page, '===', 9);
    expect(await page.locator('.items .status-badge', { hasText: 'corrected' }).count()).toBe(0);
    await nav('Overview').click();
    await page.getByRole('button', { name: 'Now', exact: true }).click();
    await textIs('strike-RU-drone-intercepted', '250');
    expect(await intercepted.textContent()).toBe('250');
    expect(['stream', 'polling']).toContain(
      await page.getByTestId('live').getAttribute('data-mode'),
    );
  });

  it('new incidents appear live in the timeline', async () => {
    await nav('Timeline').click();
    await items(page, '===', 9);
    const answer = await t.request('POST', '/v1/commands/report-casualties', {
      key: 'writer',
      body: {
        occurredAt: '2025-05-25',
        location: { country: 'UA', regions: ['UA-51'] },
        casualties: [{ region: 'UA-51', injured: 2 }],
        summary: 'Two people were injured in Odesa region (a test report).',
        sources: [{ name: 'Dashboard test' }],
      },
    });
    expect(answer.status).toBe(201);
    await items(page, '===', 10);
    expect(await page.locator('.items .item').last().textContent()).toContain('Odesa region');
  });

  it('falls back to polling the log where the event stream route is missing', async () => {
    const other = await browser.newContext({ viewport: DESKTOP });
    await other.route('**/v1/events/live**', (route) =>
      route.fulfill({
        status: 404,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: '/problems/not-found', title: 'Not found', status: 404 }),
      }),
    );
    const polled = await other.newPage();
    await signIn(polled, TEST_KEYS.reader);
    await polled.getByTestId('released-RU').waitFor(WAIT);
    await polled.locator('[data-testid="live"][data-mode="polling"]').waitFor(WAIT);
    await polled
      .getByRole('navigation', { name: 'Views' })
      .getByRole('link', { name: 'Timeline', exact: true })
      .click();
    await polled.locator('.items .item').first().waitFor(WAIT);
    const before = await polled.locator('.items .item').count();
    const answer = await t.request('POST', '/v1/commands/warn-sanctions', {
      key: 'writer',
      body: {
        occurredAt: '2025-05-26',
        location: { country: 'BE', place: 'Brussels' },
        issuer: 'EU',
        target: 'RU',
        summary: 'The EU warned of further sanctions (a test report).',
        sources: [{ name: 'Dashboard test' }],
      },
    });
    expect(answer.status).toBe(201);
    await items(polled, '===', before + 1);
    await other.close();
  });

  it('strikes and casualties draw their charts', async () => {
    await nav('Strikes').click();
    await page.locator('.chart svg').first().waitFor(WAIT);
    expect(await page.locator('#strikes-chart-title').textContent()).toContain(
      'Launched vs intercepted',
    );
    await shot('strikes-1280');
    await nav('Casualties').click();
    await page.locator('.chart svg').first().waitFor(WAIT);
    expect(await page.locator('.chart').textContent()).toContain('Kyiv (UA-30)');
    await shot('casualties-1280');
  });

  it('ops panel lists the projections (or says the routes are missing)', async () => {
    await nav('Ops').click();
    await page.locator('.ops-grid .card, .notice').first().waitFor(WAIT);
    await shot('ops-1280');
  });

  it('is usable at phone width', async () => {
    await page.setViewportSize(PHONE);
    await nav('Overview').click();
    await page.getByTestId('released-RU').waitFor(WAIT);
    await shot('overview-phone');
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(PHONE.width);
    await nav('Timeline').click();
    await page.locator('.items .item').first().waitFor(WAIT);
    await shot('timeline-phone');
    await page.locator('.items .item-open').nth(3).click();
    await page.locator('#drawer').getByTestId('history').waitFor(WAIT);
    await shot('drawer-phone');
    await page.keyboard.press('Escape');
    await nav('Strikes').click();
    await page.locator('.chart svg').first().waitFor(WAIT);
    await shot('strikes-phone');
    await page.setViewportSize(DESKTOP);
  });

  it('scrolls endlessly through the cursor, a page at a time', async () => {
    const commands = Array.from({ length: 120 }, (_, i) => ({
      command: 'record-statement',
      body: {
        occurredAt: `2025-06-${String(1 + (i % 28)).padStart(2, '0')}`,
        location: { country: 'UA' },
        speaker: 'Test speaker',
        text: `Test statement ${i + 1}.`,
        summary: `Test statement number ${i + 1}.`,
        sources: [{ name: 'Dashboard test' }],
      },
    }));
    const batch = await t.request('POST', '/v1/batch', { key: 'writer', body: { commands } });
    expect(batch.status).toBe(201);
    await nav('Overview').click();
    await page.getByTestId('released-RU').waitFor(WAIT);
    await nav('Timeline').click();
    const count = () => page.locator('.items .item').count();
    await items(page, '>=', 50);
    await sleep(500);
    expect(await count()).toBe(50); // one page, not everything
    await page.locator('.items .item').last().scrollIntoViewIfNeeded();
    await items(page, '>=', 100);
    for (let i = 0; i < 5 && (await count()) < 131; i++) {
      await page.mouse.wheel(0, 20_000);
      await sleep(400);
    }
    await page.getByText('End of the timeline.').waitFor(WAIT);
    const ids = await page
      .locator('.items .item')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-incident')));
    expect(ids.length).toBe(131);
    expect(new Set(ids).size).toBe(131);
  });

  it('works from the keyboard: arrows move, Enter opens, Escape closes, digits switch views', async () => {
    await nav('Timeline').click();
    await items(page, '>=', 50);
    const buttons = page.locator('.items .item-open');
    await buttons.first().focus();
    await page.keyboard.press('ArrowDown');
    const second = await page.locator('.items .item').nth(1).getAttribute('data-incident');
    const focused = () =>
      page.evaluate(
        "document.activeElement?.closest('[data-incident]')?.getAttribute('data-incident')",
      );
    expect(await focused()).toBe(second);
    await page.keyboard.press('Enter');
    await page.locator('#drawer').getByTestId('history').waitFor(WAIT);
    expect(new URL(page.url()).searchParams.get('incident')).toBe(second);
    await page.keyboard.press('Escape');
    await page.locator('#drawer').waitFor({ state: 'detached', ...WAIT });
    expect(await focused()).toBe(second);
    await page.keyboard.press('1');
    await page.getByTestId('released-RU').waitFor(WAIT);
    expect(new URL(page.url()).searchParams.get('view')).toBeNull();
  });
});
