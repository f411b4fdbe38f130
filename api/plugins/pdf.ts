// PDFs of HTML pages (the monthly 通报) as `app.pdf`: printed by headless Chromium through
// playwright-core. One browser per API process, launched on the first PDF asked for (most API
// processes never print one) and closed with the app. Where no browser is installed, or it
// does not start, a PDF request is answered 503 with the reason; HTML and JSON still answer.
// CHROMIUM_PATH (runtime/config.ts) names the browser (default: Debian's /usr/bin/chromium) — docs/reports.md.
import { existsSync } from 'node:fs';
import fp from 'fastify-plugin';
import type { Browser } from 'playwright-core';
import { HttpProblem } from '../errors.js';

export interface PdfPrinter {
  /** An A4 PDF of a self-contained HTML page (nothing is fetched while printing). */
  print(html: string): Promise<Buffer>;
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    pdf: PdfPrinter;
  }
}

const unavailable = (why: string) => new HttpProblem(503, 'pdf-unavailable', 'PDF rendering unavailable', `no PDF can be printed on this server: ${why}; ask for text/html or application/json instead`, 60);

/** The printer over a lazily launched, shared Chromium. */
export function chromiumPrinter(executablePath: string): PdfPrinter {
  let browser: Promise<Browser> | undefined;
  let closed = false;
  const launch = async (): Promise<Browser> => {
    if (!existsSync(executablePath)) throw unavailable(`the browser ${executablePath} is not installed (set CHROMIUM_PATH)`);
    const { chromium } = await import('playwright-core');
    const b = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    b.on('disconnected', () => {
      browser = undefined; // a crashed browser is launched again by the next request
    });
    return b;
  };
  return {
    async print(html) {
      if (closed) throw unavailable('the server is shutting down');
      browser ??= launch().catch((err: unknown) => {
        browser = undefined;
        throw err instanceof HttpProblem ? err : unavailable(`the browser did not start (${(err as Error).message.split('\n')[0]})`);
      });
      const context = await (await browser).newContext({ javaScriptEnabled: false, offline: true });
      try {
        const page = await context.newPage();
        await page.setContent(html, { waitUntil: 'load' });
        return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
      } finally {
        await context.close();
      }
    },
    async close() {
      closed = true;
      const b = browser;
      browser = undefined;
      if (b) await (await b.catch(() => undefined))?.close();
    },
  };
}

export default fp<{ pdf?: PdfPrinter; chromiumPath: string }>(
  async (app, { pdf, chromiumPath }) => {
    const printer = pdf ?? chromiumPrinter(chromiumPath);
    app.decorate('pdf', printer);
    if (!pdf) app.addHook('onClose', () => printer.close());
  },
  { name: 'pdf' },
);
