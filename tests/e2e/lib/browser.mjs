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
  const logs = consoleLog();
  page.on('console', (m) => logs.add(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.add(`[pageerror] ${e.message}`));
  await page.goto(participantUrl(server, { video, query }), { timeout: ms(10_000) });

  const textbox = (label) => page.getByRole('textbox', { name: label, exact: true });
  const button = (label) => page.getByRole('button', { name: label, exact: true });
  return participant({
    name, room, page, context, logs, browserName: 'chromium',
    ui: {
      fill: (label, value) => textbox(label).fill(value),
      click: (label) => button(label).click({ timeout: ms(5_000) }),
      pressed: (label) => button(label).getAttribute('aria-pressed'),
      enabled: (label) => button(label).isEnabled(),
      statusText: () => page.getByRole('status').textContent(),
      closeTab: () => page.close({ runBeforeUnload: true }),
      closeContext: () => context.close(),
    },
  });
}

/** The page's URL for one participant: the server's /, with the capture size. */
export function participantUrl(server, { video, query = {} }) {
  const url = new URL(`http://localhost:${server.port}/`);
  if (video) url.searchParams.set('video', video);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.href;
}

/** The last lines of a page's console, for failure messages. */
export function consoleLog(max = 2000) {
  const lines = [];
  return {
    lines,
    add(line) {
      lines.push(line);
      if (lines.length > max) lines.shift();
    },
  };
}

/**
 * What a test does with one person, whatever the browser: `ui` holds the
 * few driver-specific steps (find a control by its accessible role and
 * name, as a person would, and act on it); the rest runs in the page
 * through its read-only test hook (window.hyperconf).
 */
export function participant({ name, room, page, context, logs, browserName, ui }) {
  const p = {
    name, room, page, context, browserName, logs: logs.lines,
    closed: false,

    /** Types name and room and clicks Join, as a person would. */
    async join() {
      await ui.fill('Your name', name);
      await ui.fill('Room', room);
      await ui.click('Join');
      p.joinClickedAt = Date.now();
    },

    state: () => page.evaluate(() => window.hyperconf.state()),
    stats: () => page.evaluate(() => window.hyperconf.stats()),
    statusText: () => ui.statusText(),

    clickLeave: () => ui.click('Leave'),

    /** Clicks a toggle button ("Mute video") and returns its aria-pressed afterwards. */
    async toggle(label) {
      await ui.click(label);
      return ui.pressed(label);
    },

    /** Whether a button (by its label) can be clicked. */
    buttonEnabled: (label) => ui.enabled(label),

    /** Closes the tab, as a person would (unload handlers run). */
    async closeTab() {
      p.closed = true;
      await ui.closeTab();
    },

    async closeContext() {
      p.closed = true;
      await ui.closeContext().catch(() => {});
    },

    /** The page's console output, for failure messages. */
    dump: () => `--- ${name} (${browserName}) console ---\n${logs.lines.slice(-60).join('\n')}`,
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
