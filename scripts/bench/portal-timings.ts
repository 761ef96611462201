// `pnpm bench:portal [--runs 5] [--baseline DIR] [--throttle]`
// (= `node --import tsx scripts/bench/portal-timings.ts …`)
//
// Page timings of the web portal, "click to content": from the user's click (or the address
// typed) until what they came for is on screen, for the main screens of each user group, in
// Chromium (playwright-core, Debian's chromium). Each run is a fresh browser context (empty
// cache, as on a first visit). Prints the median per screen, and the bytes of JavaScript and
// CSS the first load downloads (as sent: compressed when the gateway compresses).
//
// `--baseline DIR`: another checkout of this repository (e.g. `git worktree add --detach DIR main`,
// dependencies installed) is started too, in this process, and its runs are interleaved with this
// checkout's, so a machine shared with other work slows both alike: compare the two columns of
// one run, not numbers between runs. `--throttle`: a slow phone connection (150 ms latency,
// 1.6 Mbit/s down, 0.75 Mbit/s up, Chromium's network emulation) instead of loopback.
//
// Also prints the bytes of JavaScript and CSS the gateway serves for the portal's page, as sent
// when the browser accepts no compression, gzip, or brotli (a checkout whose gateway does not
// compress sends the same bytes three times).
//
// Needs DATABASE_URL (each hub gets fresh databases from @hub/testkit) or falls back to PGlite.
import { existsSync, mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    baseline: { type: 'string' },
    throttle: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const here = resolve(import.meta.dirname, '..', '..');

interface Hub {
  label: string;
  base: string;
  dataset: {
    children: {
      id: string;
      givenName: string;
      familyName: string;
      schoolId: string | null;
      parentCarerSubs: string[];
    }[];
  };
  close: () => Promise<void>;
}

async function startCheckout(label: string, dir: string): Promise<Hub> {
  const { startHub } = await import(join(dir, 'services', 'gateway', 'test', 'hub.ts'));
  const { buildPortal } = await import(join(dir, 'services', 'portal', 'src', 'build.ts'));
  const portal = await buildPortal({ outDir: mkdtempSync(join(tmpdir(), `portal-${label}-`)) });
  const hub = await startHub({ portal: { dir: portal } });
  await hub.gateway.listen({ host: '127.0.0.1', port: 0 });
  const address = hub.gateway.server.address();
  return {
    label,
    base: `http://127.0.0.1:${address.port}/`,
    dataset: hub.dataset,
    close: () => hub.close(),
  };
}

const executablePath = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => existsSync(p));
if (!executablePath) throw new Error('Chromium not found: apt-get install -y chromium');
const browser: Browser = await chromium.launch({
  executablePath,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-dev-shm-usage',
  ],
});

async function newPage(): Promise<{ page: Page; bytes: () => { js: number; css: number } }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  page.on('request', (request) => {
    if (/\/(graphql|capabilities|auth\/|demo-idp\/)/.test(request.url())) apiRequests++;
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  if (values.throttle) {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6 * 1024 * 1024) / 8,
      uploadThroughput: (750 * 1024) / 8,
    });
  }
  // Bytes as they crossed the wire (encoded), per type.
  const sizes = { js: 0, css: 0 };
  const kinds = new Map<string, 'js' | 'css'>();
  cdp.on('Network.responseReceived', (e) => {
    if (/\.js$/.test(e.response.url)) kinds.set(e.requestId, 'js');
    if (/\.css$/.test(e.response.url)) kinds.set(e.requestId, 'css');
  });
  cdp.on('Network.loadingFinished', (e) => {
    const kind = kinds.get(e.requestId);
    if (kind) sizes[kind] += e.encodedDataLength;
  });
  return { page, bytes: () => sizes };
}

// Requests to the hub's API (GraphQL, /capabilities, sign-in) made during each timed step, in
// the order of the steps: on a slow connection each round trip costs its latency.
let apiRequests = 0;
const stepRequests: number[] = [];

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  const before = apiRequests;
  await work();
  const ms = performance.now() - start;
  // Requests still to come after the step's content is drawn are not counted.
  stepRequests.push(apiRequests - before);
  return ms;
}

async function signIn(page: Page, sub: string, ready: (page: Page) => Promise<void>): Promise<number> {
  await page.getByLabel('Who do you want to sign in as?').selectOption(sub);
  return timed(async () => {
    await page.getByRole('button', { name: 'Sign in' }).click();
    await ready(page);
  });
}

/** One run of every journey against one hub: screen name → milliseconds. */
async function journeys(hub: Hub): Promise<Record<string, number>> {
  const t: Record<string, number> = {};
  stepRequests.length = 0;
  const child = hub.dataset.children.find((c) => c.schoolId === 'school-1' && c.parentCarerSubs.length > 0)!;
  const name = `${child.givenName} ${child.familyName}`;

  const senco = await newPage();
  t['first load: sign-in page usable'] = await timed(async () => {
    await senco.page.goto(hub.base);
    await senco.page.locator('#user option[value="demo-senco-1"]').waitFor({ state: 'attached' });
  });
  t['first load: JS KB (as sent)'] = senco.bytes().js / 1024;
  t['first load: CSS KB (as sent)'] = senco.bytes().css / 1024;
  t['SENCO: sign in → Find a child'] = await signIn(senco.page, 'demo-senco-1', (p) =>
    p.getByLabel('Child’s name').waitFor(),
  );
  await senco.page.getByLabel('Child’s name').fill(child.familyName);
  t['SENCO: search → results'] = await timed(async () => {
    await senco.page.getByRole('button', { name: 'Search' }).click();
    await senco.page.getByRole('link', { name }).waitFor();
  });
  t['SENCO: result → record'] = await timed(async () => {
    await senco.page.getByRole('link', { name }).click();
    await senco.page.locator('[data-section="education"]').getByText('School', { exact: true }).waitFor();
  });
  await senco.page.context().close();

  const parent = await newPage();
  await parent.page.goto(hub.base);
  t['family: sign in → your children'] = await signIn(parent.page, child.parentCarerSubs[0]!, (p) =>
    p.getByRole('link', { name: new RegExp(child.givenName) }).waitFor(),
  );
  t['family: child → record and sharing'] = await timed(async () => {
    await parent.page.getByRole('link', { name: new RegExp(child.givenName) }).click();
    await parent.page.locator('main h1').getByText(name).waitFor();
    await parent.page.getByRole('heading', { name: 'Who has looked at the record' }).waitFor();
    await parent.page
      .getByText(/Looked|at school-1|Nobody outside/)
      .first()
      .waitFor();
  });
  await parent.page.context().close();

  const la = await newPage();
  await la.page.goto(hub.base);
  t['council: sign in → dashboard'] = await signIn(la.page, 'demo-la-1', (p) =>
    p.getByTestId('kpis').waitFor(),
  );
  await la.page.context().close();

  const auditor = await newPage();
  await auditor.page.goto(hub.base);
  t['auditor: sign in → access log'] = await signIn(auditor.page, 'demo-auditor-1', (p) =>
    p.locator('main table tbody tr').first().waitFor(),
  );
  await auditor.page.context().close();
  const steps = Object.keys(t).filter((k) => !k.includes('KB'));
  steps.forEach((step, i) => {
    t[`${step} (API requests)`] = stepRequests[i] ?? 0;
  });
  return t;
}

/** Bytes of the page's JS and CSS as the gateway sends them for one Accept-Encoding. */
async function servedBytes(hub: Hub): Promise<Record<string, number>> {
  const get = (path: string, encoding: string) =>
    new Promise<number>((resolvePromise, reject) => {
      const headers: Record<string, string> = encoding ? { 'accept-encoding': encoding } : {};
      const req = httpRequest(new URL(path, hub.base), { headers }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolvePromise(bytes) : reject(new Error(`${path}: ${res.statusCode}`)),
        );
      });
      req.on('error', reject);
      req.end();
    });
  const html = await (await fetch(hub.base, { headers: { accept: 'text/html' } })).text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map(
    (m) => m[1] as string,
  );
  const out: Record<string, number> = {};
  for (const [label, encoding] of [
    ['raw', ''],
    ['gzip', 'gzip'],
    ['br', 'br, gzip'],
  ] as const) {
    for (const kind of ['js', 'css'] as const) {
      let total = 0;
      for (const asset of assets.filter((a) => a.endsWith(`.${kind}`))) total += await get(asset, encoding);
      out[`${kind.toUpperCase()} bytes served, ${label === 'raw' ? 'no compression asked' : label}`] = total;
    }
  }
  return out;
}

const hubs = [await startCheckout('this', here)];
if (values.baseline) hubs.push(await startCheckout('baseline', resolve(values.baseline)));
const bytes = new Map<string, Record<string, number>>();
for (const hub of hubs) bytes.set(hub.label, await servedBytes(hub));
const results = new Map<string, Map<string, number[]>>();
const failedRounds: string[] = [];
for (let run = 0; run < RUNS + 1; run++) {
  for (const hub of run % 2 ? hubs : [...hubs].reverse()) {
    // A round that fails (a page not there within 60 s on an overloaded machine) is reported and
    // left out, rather than losing the whole run; the medians say how many rounds they cover.
    const t = await journeys(hub).catch((error: unknown) => {
      failedRounds.push(`${hub.label} round ${run}: ${String(error).split('\n')[0]}`);
      return null;
    });
    if (run === 0 || !t) continue; // warm-up: JIT, database caches
    for (const [screen, ms] of Object.entries(t)) {
      const byHub = results.get(screen) ?? new Map<string, number[]>();
      byHub.set(hub.label, [...(byHub.get(hub.label) ?? []), ms]);
      results.set(screen, byHub);
    }
  }
}
const median = (xs: number[]) => {
  const s = xs.toSorted((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(
  `portal timings, median of ${RUNS} runs (390 px, cold cache${values.throttle ? ', slow phone connection' : ', loopback'}); ms unless KB or requests`,
);
for (const failure of failedRounds) console.log(`left out: ${failure}`);
const ratio = (a: number, b: number) => (b > 0 ? `×${(a / b).toFixed(2)}` : '–');
const withRatio = hubs.length === 2;
console.log(['screen', ...hubs.map((h) => h.label), ...(withRatio ? ['this/baseline'] : [])].join(' | '));
const summary: string[] = [];
for (const [screen, byHub] of results) {
  const medians = hubs.map((h) => median(byHub.get(h.label) ?? []));
  console.log(
    [
      screen,
      ...medians.map((m) => m.toFixed(screen.includes('KB') ? 1 : 0)),
      ...(withRatio ? [ratio(medians[0]!, medians[1]!)] : []),
    ].join(' | '),
  );
  if (!screen.includes('KB') && !screen.includes('requests'))
    summary.push(
      `${screen
        .toLowerCase()
        .replace(/[^a-z]+/g, '-')
        .replace(/^-|-$/g, '')}=${medians[0]!.toFixed(0)}ms`,
    );
}
console.log(`\nbytes served for the portal page (sum over its JS or CSS files)`);
console.log(['what', ...hubs.map((h) => h.label), ...(withRatio ? ['this/baseline'] : [])].join(' | '));
for (const what of Object.keys(bytes.get('this') ?? {})) {
  const b = hubs.map((h) => bytes.get(h.label)?.[what] ?? 0);
  console.log([what, ...b.map(String), ...(withRatio ? [ratio(b[0]!, b[1]!)] : [])].join(' | '));
}
const thisBytes = bytes.get('this') ?? {};
console.log(
  `SUMMARY portal: ${summary.join(' ')} js-br=${thisBytes['JS bytes served, br'] ?? 0}B js-raw=${thisBytes['JS bytes served, no compression asked'] ?? 0}B (median of ${RUNS}, this checkout)`,
);
await browser.close();
for (const hub of hubs) await hub.close();
