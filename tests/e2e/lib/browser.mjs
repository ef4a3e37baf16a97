// Debian's Chromium driven by playwright-core, with fake camera and
// microphone, running the project's own browser client (data/www).
//
//   const browser = await launchBrowser();
//   const alice = await openParticipant(browser, server, { name: 'alice', room: 'r1' });
//   await alice.join();                 // fills the form and clicks Join, like a person
//   await alice.state();                // window.hyperconf.state() of the page
//   await alice.stats();                // inbound RTP per remote track, with pids
//   await alice.closeContext();
//
// Environment: CHROMIUM_BIN (default /usr/bin/chromium).
//
// Every wait is bounded; the bounds are scaled like the server's (server.mjs
// ms()) so that a run under valgrind still fits.

import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { ms } from './server.mjs';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

// TESTING.md's flags, plus: no throttling of pages that are not in front
// (every participant's page must keep decoding), autoplay without a
// gesture (remote audio plays in <video> elements), and `localhost` mapped
// to the IPv4 loopback the server listens on (Chromium would otherwise
// try ::1 as well).
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  '--host-resolver-rules=MAP localhost 127.0.0.1',
];

/** Launches one headless Chromium; participants are contexts inside it. */
export async function launchBrowser({ args = [] } = {}) {
  if (!existsSync(CHROMIUM_BIN)) {
    throw new Error(`${CHROMIUM_BIN} does not exist: apt-get install -y chromium, or set CHROMIUM_BIN`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...args],
    timeout: ms(30_000),
  });
}

/** Polls `fn` until it returns a truthy value; throws `what` after `timeout`. */
export async function waitFor(fn, { timeout = 5_000, interval = 100, what = 'a condition' } = {}) {
  const limit = ms(timeout);
  const deadline = Date.now() + limit;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last)?.slice(0, 1500);
      throw new Error(`timed out after ${limit} ms waiting for ${what} (last: ${detail})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * One person: a browser context of their own (separate storage, separate
 * fake devices), one page of the client.
 */
export async function openParticipant(browser, server, { name, room, video = '320x240@15', query = {} }) {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => {
    logs.push(`[${m.type()}] ${m.text()}`);
    if (logs.length > 2000) logs.shift();
  });
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));

  const url = new URL(`http://localhost:${server.port}/`);
  url.searchParams.set('video', video);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  await page.goto(url.href, { timeout: ms(10_000) });

  const p = {
    name, room, context, page, logs,
    closed: false,

    /** Types name and room and clicks Join, as a person would. */
    async join() {
      await page.getByRole('textbox', { name: 'Your name', exact: true }).fill(name);
      await page.getByRole('textbox', { name: 'Room', exact: true }).fill(room);
      await page.getByRole('button', { name: 'Join', exact: true }).click({ timeout: ms(5_000) });
      p.joinClickedAt = Date.now();
    },

    state: () => page.evaluate(() => window.hyperconf.state()),
    stats: () => page.evaluate(() => window.hyperconf.stats()),
    statusText: () => page.getByRole('status').textContent(),

    async clickLeave() {
      await page.getByRole('button', { name: 'Leave', exact: true }).click({ timeout: ms(5_000) });
    },

    /** Closes the tab, as a person would (unload handlers run). */
    async closeTab() {
      p.closed = true;
      await page.close({ runBeforeUnload: true });
    },

    async closeContext() {
      p.closed = true;
      await context.close().catch(() => {});
    },

    /** The page's console output, for failure messages. */
    dump: () => `--- ${name} console ---\n${logs.slice(-60).join('\n')}`,
  };
  return p;
}

/**
 * Sum of a counter over one person's inbound streams from `pid` of `kind`.
 * Several inbound-rtp entries can exist for one m-line (a reused m-line
 * keeps its old SSRC's entry): counting only active ones, the sum rises
 * exactly when media from that person flows.
 */
export function counter(stats, pid, kind, field) {
  return stats
    .filter((s) => s.pid === pid && s.kind === kind && s.active)
    .reduce((sum, s) => sum + (s[field] ?? 0), 0);
}
