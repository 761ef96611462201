import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BrowserServer, chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { AXE_PATH, axeSource, CHROMIUM_ARGS, findChromium } from './browser.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * Asked with GET, answers the WebSocket address of the run's Chromium (launched on the first
     * ask); at AXE_PATH, serves axe-core for checkScreen.
     */
    chromiumLauncher: string;
  }
}

/**
 * vitest's global set-up (vitest.config.ts), in the main process: one Chromium for the whole run,
 * shared by every browser test file in both workers (`launchBrowser` in browser.ts connects to it;
 * each file still has its own browser contexts, so nothing else is shared). It is launched when the
 * first file asks, so a run without browser tests starts no Chromium; the teardown closes it.
 * The same server serves axe-core (AXE_PATH), cacheable, so that a tab loads it as a script from
 * the browser's cache instead of receiving its 650 KB through the DevTools protocol on every check.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: Promise<BrowserServer> | undefined;
  const launcher = createServer((request, response) => {
    if (request.url === AXE_PATH) {
      response.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'public, max-age=86400, immutable',
      });
      response.end(axeSource());
      return;
    }
    const executablePath = findChromium();
    if (!executablePath) {
      response.writeHead(404).end('Chromium is not installed');
      return;
    }
    server ??= chromium.launchServer({ executablePath, args: CHROMIUM_ARGS });
    server.then(
      (s) => response.end(s.wsEndpoint()),
      (error: unknown) => {
        server = undefined;
        response.writeHead(500).end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => launcher.listen(0, '127.0.0.1', resolve));
  project.provide('chromiumLauncher', `http://127.0.0.1:${(launcher.address() as AddressInfo).port}/`);
  return async () => {
    launcher.close();
    await (await server?.catch(() => undefined))?.close();
  };
}
