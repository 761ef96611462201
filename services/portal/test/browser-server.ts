import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BrowserServer, chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { CHROMIUM_ARGS, findChromium } from './browser.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Asked with GET, answers the WebSocket address of the run's Chromium (launched on the first ask). */
    chromiumLauncher: string;
  }
}

/**
 * vitest's global set-up (vitest.config.ts), in the main process: one Chromium for the whole run,
 * shared by every browser test file in both workers (`launchBrowser` in browser.ts connects to it;
 * each file still has its own browser contexts, so nothing else is shared). It is launched when the
 * first file asks, so a run without browser tests starts no Chromium; the teardown closes it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: Promise<BrowserServer> | undefined;
  const launcher = createServer((_request, response) => {
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
