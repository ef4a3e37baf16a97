// Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi, with
// fake camera and microphone, running the project's own browser client
// (data/www).  Participants have the same interface as the Chromium ones
// of browser.mjs:
//
//   const firefox = await launchFirefox();
//   const fay = await openFirefoxParticipant(firefox, server, { name: 'fay', room: 'r1' });
//   await fay.join();
//
// Environment: FIREFOX_BIN (default /usr/bin/firefox-esr).
//
// Firefox's host candidates are mDNS `.local` names, which the server's
// libnice cannot resolve; the connection comes up through peer-reflexive
// candidates and the server's own candidates reaching Firefox.  That is how
// a Firefox user connects, so the test leaves it so (no pref exposes the
// host addresses).

import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { ms } from './server.mjs';
import { consoleLog, participant, participantUrl } from './browser.mjs';

export const FIREFOX_BIN = process.env.FIREFOX_BIN || '/usr/bin/firefox-esr';

// The Firefox side of browser.mjs's CHROMIUM_FLAGS: fake devices without a
// permission prompt, autoplay of remote audio without a gesture, and no
// throttling of the pages that are not in front (each participant is a tab
// of its own, and only one can be in front).
export const FIREFOX_PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'dom.min_background_timeout_value': 4,
  'dom.timeout.enable_budget_timer_throttling': false,
  'media.suspend-background-video.enabled': false,
};

/** Launches one headless Firefox; participants are browser contexts inside it. */
export async function launchFirefox({ prefs = {} } = {}) {
  if (!existsSync(FIREFOX_BIN)) {
    throw new Error(`${FIREFOX_BIN} does not exist: apt-get install -y firefox-esr, or set FIREFOX_BIN`);
  }
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_BIN,
    headless: true,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...prefs },
    timeout: ms(30_000),
    protocolTimeout: ms(30_000),
  });
}

/** One person: a browser context of their own, one page of the client. */
export async function openFirefoxParticipant(browser, server, { name, room, video = '320x240@15', query = {} }) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const logs = consoleLog();
  page.on('console', (m) => logs.add(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.add(`[pageerror] ${e.message ?? e}`));
  await page.goto(participantUrl(server, { video, query }), { timeout: ms(10_000) });

  // Puppeteer's ARIA selectors match the accessible role and name exactly.
  // Firefox runs no animation frames in a tab that is not in front (every
  // participant but one), and Puppeteer's checks before an action (stable
  // bounding box, in the viewport) count frames: a person brings the tab
  // to the front before clicking, and the checks are left out (the page's
  // controls do not move).
  const control = (role, label) => page.locator(`::-p-aria([name="${label}"][role="${role}"])`)
    .setWaitForStableBoundingBox(false)
    .setEnsureElementIsInTheViewport(false)
    .setTimeout(ms(5_000));
  const act = async (action) => {
    await page.bringToFront();
    await action();
  };
  return participant({
    name, room, page, context, logs, browserName: 'firefox',
    ui: {
      fill: (label, value) => act(() => control('textbox', label).fill(value)),
      click: (label) => act(() => control('button', label).click()),
      pressed: (label) => control('button', label).map((el) => el.getAttribute('aria-pressed')).wait(),
      enabled: (label) => control('button', label).map((el) => !el.disabled).wait(),
      statusText: () => page.locator('::-p-aria([role="status"])').setTimeout(ms(5_000))
        .map((el) => el.textContent).wait(),
      closeTab: () => page.close({ runBeforeUnload: true }),
      closeContext: () => context.close(),
    },
  });
}
