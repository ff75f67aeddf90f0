// `npm run test:browser`: GraphiQL and the jobs page in Debian's Chromium (playwright-core) against the
// real API process (`node src/main.ts` with its worker, on a fresh database and a free port of
// 127.0.0.1). Every request that is not to that server is refused and fails the test, so the pages
// must work with no network beyond loopback; console errors (CSP violations included) fail it too.
// Screenshots go to loadtest/results/ (not committed).
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCustomersCsv, writeCustomersXlsx } from '../../seeds/customers.ts';
import { startServer, type StartedServer } from '../test/start-server.ts';

const RESULTS_DIR = fileURLToPath(new URL('../../loadtest/results/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
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

let server: StartedServer;
let context: BrowserContext;
let userDataDir: string;
const outside: string[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  server = await startServer();
  await mkdir(RESULTS_DIR, { recursive: true });
  // A fresh profile each run (Playwright passes it to Chromium as --user-data-dir).
  userDataDir = await mkdtemp(join(tmpdir(), 'hg-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${server.baseUrl}/`) || url.startsWith('blob:') || url.startsWith('data:'))
      return route.continue();
    outside.push(url);
    return route.abort('internetdisconnected');
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  await server?.stop();
});

/** An element's visible text; the editor renders spaces as no-break spaces. */
const textOf = async (locator: Locator) => (await locator.innerText()).replace(/\u00a0/g, ' ');

/** Uploads `file` (named `name`, if given) on the jobs page and waits until its job has scored all `customers`. */
async function uploadAndComplete(page: Page, file: string, customers: number, name?: string) {
  await page.locator('input[name=file]').setInputFiles(file);
  if (name) await page.locator('#upload-form input[name=name]').fill(name);
  await page.locator('#upload-form button').click();
  await expect
    .poll(() => page.locator('#upload-result').innerText(), { timeout: 30_000 })
    .toContain(`Imported ${customers} customers`);
  await expect.poll(() => page.locator('#job-status').innerText(), { timeout: 90_000 }).toBe('COMPLETED');
  expect(await page.locator('#stat-done').innerText()).toBe(String(customers));
}

async function newPage(): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

describe('GraphiQL', () => {
  it('opens with the example operations and runs RecentBatches with the demo key in its headers', async () => {
    const page = await newPage();
    await page.goto(`${server.baseUrl}/graphql`);
    const queryEditor = page.locator('.graphiql-query-editor');
    await expect.poll(() => textOf(queryEditor), { timeout: 30_000 }).toContain('mutation SignIn');

    await page.getByRole('button', { name: 'Headers' }).click();
    const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor:visible');
    await headersEditor.click();
    await page.keyboard.press('ControlOrMeta+A');
    // insertText, not type(): the editor would close the braces and quotes typed one by one.
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${server.partnerKey}` }));
    await expect.poll(() => textOf(headersEditor)).toContain('Authorization');

    // Several operations: the run button offers a menu of them.
    await page.locator('.graphiql-execute-button').click();
    await page.getByRole('menuitem', { name: 'RecentBatches' }).click();
    const response = page.locator('.graphiql-response');
    await expect.poll(() => textOf(response), { timeout: 30_000 }).toContain('"edges"');
    const text = await textOf(response);
    expect(text).toContain('"batches"');
    expect(text).toContain('"grower"');
    expect(text).not.toContain('"errors"');
    await page.screenshot({ path: join(RESULTS_DIR, 'graphiql.png') });
    await page.close();
    expect(outside).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});

describe('the jobs page', () => {
  it('signs in, uploads 200 customers, shows live progress to the end and downloads the results as CSV and XLSX; takes a pasted key and an XLSX file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hg-jobs-page-'));
    try {
      const file = join(dir, 'customers-200.csv');
      await writeCustomersCsv(file, { count: 200, quiet: true, seed: 16 });
      const page = await newPage();
      await page.goto(`${server.baseUrl}/jobs`);
      await page.locator('#sign-in-form input[name=email]').fill(server.email);
      await page.locator('#sign-in-form input[name=password]').fill(server.password);
      await page.locator('#sign-in-form button').click();
      await expect.poll(() => page.locator('#who').innerText()).toContain(`Signed in as ${server.email}`);

      // Every progress value the page shows, in order.
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { seen: string[] }).seen = seen;
        new MutationObserver(() => seen.push(document.getElementById('stat-done')!.textContent!)).observe(
          document.getElementById('stat-done')!,
          { childList: true, characterData: true, subtree: true },
        );
      });
      await uploadAndComplete(page, file, 200, 'Browser test, 200 customers');
      expect(await page.locator('#stat-failed').innerText()).toBe('0');
      expect(await page.locator('#stat-total').innerText()).toBe('200');
      expect(await page.locator('#bar').getAttribute('aria-valuenow')).toBe('100');
      expect(await page.locator('#stat-rate').innerText()).toMatch(/\/s|–/);
      const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen.map(Number));
      expect(seen.at(-1)).toBe(200);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
      // The bar animates its width: the screenshot waits until it is drawn full.
      await expect
        .poll(() =>
          page.evaluate(
            () =>
              document.getElementById('bar-done')!.getBoundingClientRect().width /
              document.getElementById('bar')!.getBoundingClientRect().width,
          ),
        )
        .toBeCloseTo(1, 2);
      await page.screenshot({ path: join(RESULTS_DIR, 'jobs-page.png'), fullPage: true });

      // Another tab with the demo API key pasted instead of signing in; a wrong key is refused.
      const keyPage = await newPage();
      await keyPage.goto(`${server.baseUrl}/jobs`);
      await keyPage.locator('#key-form input[name=key]').fill('hgk_1_not-a-real-secret');
      await keyPage.locator('#key-form button').click();
      await expect.poll(() => keyPage.locator('#credentials-error').innerText()).toMatch(/\S/);
      expect(await keyPage.locator('#upload').getAttribute('aria-disabled')).toBe('true');
      await keyPage.locator('#key-form input[name=key]').fill(server.partnerKey);
      await keyPage.locator('#key-form button').click();
      await expect.poll(() => keyPage.locator('#who').innerText()).toContain('partner API key');
      expect(await keyPage.locator('#upload').getAttribute('aria-disabled')).toBe('false');
      // The same page takes an XLSX file.
      const workbookFile = join(dir, 'customers-50.xlsx');
      await writeCustomersXlsx(workbookFile, { count: 50, quiet: true, seed: 17 });
      await uploadAndComplete(keyPage, workbookFile, 50);
      await keyPage.close();
      // The 401 of the wrong key is the browser's own console line, not a page error.
      consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !/status of 401/.test(e)));

      const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('#download-csv').click()]);
      expect(csv.suggestedFilename()).toMatch(/^recommendations-\d+\.csv$/);
      const lines = (await readFile((await csv.path())!, 'utf8')).trim().split('\n');
      expect(lines[0]).toMatch(/^customer_ref,status,card_1,/);
      expect(lines).toHaveLength(201);
      expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(200);

      const [xlsx] = await Promise.all([page.waitForEvent('download'), page.locator('#download-xlsx').click()]);
      expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile((await xlsx.path())!);
      expect(workbook.worksheets[0].actualRowCount).toBe(201);
      await page.close();
      expect(outside).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
