// End-to-end test of one mixed room (PROTOCOL.md §9): two headless
// Chromium participants (playwright-core) and two headless Firefox ESR
// participants (puppeteer-core over WebDriver BiDi), each in a browser
// context of its own running the project's page at / (data/www), with the
// real hyperconf binary in between.  Each person must see and hear every
// other, whatever browser either side runs.
//
//   node --test tests/e2e/mixed.test.mjs   (HYPERCONF_BIN, CHROMIUM_BIN, FIREFOX_BIN optional)
//
// One story, in order: ada and ben (Chromium) and fay (Firefox) join at
// once; finn (Firefox) joins late; fay mutes and unmutes her video and ben
// his audio; fay leaves first, then ada closes her tab; fay joins again;
// ben leaves, then finn, then fay.  After a failed step the rest are
// skipped.
//
// Time to first media (video decoded and audio received from every other
// person) is printed as TAP diagnostics ("# ..."), from clicking Join and
// from the server accepting the join; they are measurements, not
// thresholds.  Every wait allows 10-30 s: a loaded machine is slow, not
// wrong.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer } from './lib/server.mjs';
import { launchBrowser, openParticipant, waitFor } from './lib/browser.mjs';
import { launchFirefox, openFirefoxParticipant } from './lib/firefox.mjs';
import { storySteps } from './lib/story.mjs';
import { waitInRoom, roster, waitMediaFrom, waitGone, firstMedia } from './lib/room.mjs';

const ROOM = `mixed-${randomUUID().slice(0, 8)}`;
const GRACE_MS = 2_000;
// Small video where the browser takes the hint: two encoders and up to
// twelve decoders in each browser share two cores with the server.
const VIDEO = '320x240@15';
const WAIT_MS = 20_000;

let server;
let chromium;
let firefox;
/** name -> participant (lib/browser.mjs interface, either browser) */
const people = new Map();

const say = (t, text) => t.diagnostic(text);
const step = storySteps({ server: () => server, people: () => people.values() });

before(async () => {
  server = await startServer({ config: `[node]\ngrace-period-ms=${GRACE_MS}\n` });
  [chromium, firefox] = await Promise.all([launchBrowser(), launchFirefox()]);
});

after(async () => {
  await Promise.all([chromium?.close().catch(() => {}), firefox?.close().catch(() => {})]);
  await server?.stop();
});

const BROWSER_OF = { ada: 'chromium', ben: 'chromium', fay: 'firefox', finn: 'firefox' };

async function open(name) {
  const opts = { name, room: ROOM, video: VIDEO };
  const p = BROWSER_OF[name] === 'firefox'
    ? await openFirefoxParticipant(firefox, server, opts)
    : await openParticipant(chromium, server, opts);
  people.set(name, p);
  return p;
}

const person = (name) => people.get(name);
const others = (name, names) => names.filter((o) => o !== name);

/**
 * Everyone in `names` is connected, sees exactly `names` in the room
 * object and a tile per other person, noticed no protocol deviation, and
 * decodes video and receives audio from each of the others.
 */
async function allSeeAndHear(t, names) {
  await Promise.all(names.map((n) => waitInRoom(person(n), names, WAIT_MS)));
  const rosters = await Promise.all(names.map((n) => roster(person(n))));
  for (const r of rosters) assert.deepEqual(r, rosters[0], 'every page sees the same room object');
  await Promise.all(names.map(async (n) => {
    const p = person(n);
    const media = await waitMediaFrom(p, others(n, names).map(person), { timeout: WAIT_MS });
    const [s, stats] = await Promise.all([p.state(), p.stats()]);
    assert.deepEqual(s.warnings, [], `${n}: the client noticed protocol deviations`);
    assert.deepEqual(p.logs.filter((l) => l.startsWith('[pageerror]')), [], `${n}: errors in the page's scripts`);
    const labels = s.tiles.map((x) => x.label).sort();
    assert.deepEqual(labels, [`You (${n})`, ...others(n, names)].sort(), `${n}'s tiles`);
    const size = (pid) => {
      const v = stats.find((x) => x.pid === pid && x.kind === 'video' && x.active && x.frameWidth);
      return v ? `${v.frameWidth}x${v.frameHeight}` : 'size unknown';
    };
    say(t, `${n} (${p.browserName}) receives: ` +
      media.map((m) => `${m.name} ${m.frames} frames (${size(m.pid)})/${m.audioPackets} audio packets`).join(', '));
  }));
}

/** Prints when `p` first had media from each of `from`, and returns the worst. */
async function reportFirstMedia(t, p, from) {
  const seen = await firstMedia(p, from, { timeout: WAIT_MS, interval: 100 });
  const s = await p.state();
  const clicked = s.clicks.join;
  const accepted = s.timelineAt.accepted;
  assert.ok(clicked && accepted, `${p.name}'s page recorded the Join click and the server's accept`);
  for (const o of from) {
    say(t, `time to first media ${p.name} (${p.browserName}) <- ${o} (${person(o).browserName}): ` +
      `${seen.media[o] - clicked} ms from clicking Join, ${seen.media[o] - accepted} ms from the server's accept ` +
      `(video ${seen.video[o] - clicked} ms, audio ${seen.audio[o] - clicked} ms from the click)`);
  }
  const worst = Math.max(...from.map((o) => seen.media[o]));
  say(t, `time to first media ${p.name} (${p.browserName}), all of ${from.join(', ')}: ` +
    `${worst - clicked} ms from clicking Join, ${worst - accepted} ms from the server's accept; ` +
    `milestones ${JSON.stringify(s.timeline)}`);
}

/** `leaver` is gone for everyone in `rest`, who still see and hear each other. */
async function goneForTheRest(t, leaver, rest, since) {
  await Promise.all(rest.map(async (n) => {
    const took = await waitGone(person(n), leaver, { since, timeout: WAIT_MS });
    say(t, `${n} (${person(n).browserName}) saw ${leaver.name} (${leaver.browserName}) gone: ` +
      `room object ${took.roomObject} ms, tile ${took.tile} ms, tracks ${took.tracks} ms`);
  }));
  if (rest.length > 1) await allSeeAndHear(t, rest);
}

/** Clicks Leave; the page is back at the form and says it left. */
async function leaveWithButton(p) {
  await p.clickLeave();
  const since = (await p.state()).clicks.leave;
  await waitFor(async () => /left/i.test(await p.statusText()),
    { timeout: WAIT_MS, what: `${p.name}'s page to say it left` });
  assert.equal(await p.buttonEnabled('Join'), true, `${p.name} can join again`);
  return since;
}

/** Every one of `watchers` sees `who`'s publishing state `want` in the room object (and tile). */
async function seePublishing(watchers, who, want) {
  const since = Date.now();
  await Promise.all(watchers.map((n) => waitFor(async () => {
    const s = await person(n).state();
    const entry = Object.values(s.participants).find((x) => x.username === who);
    const tile = s.tiles.find((x) => x.label === who);
    return entry?.publishing?.audio === want.audio && entry?.publishing?.video === want.video &&
      tile?.video === want.video;
  }, { timeout: WAIT_MS, what: `${n} to see ${who} publishing ${JSON.stringify(want)} (room object and tile)` })));
  return Date.now() - since;
}

// ---------------------------------------------------------------------------
// The story.

step('§9.2-9.4 two Chromium and one Firefox join at once: each sees and hears both others', async (t) => {
  const trio = ['ada', 'ben', 'fay'];
  const pages = await Promise.all(trio.map(open));
  await Promise.all(pages.map((p) => p.join()));
  await Promise.all(pages.map((p) => reportFirstMedia(t, p, others(p.name, trio))));
  await allSeeAndHear(t, trio);
});

step('§9.2-9.3 a second Firefox joins late: all four see and hear the three others', async (t) => {
  const finn = await open('finn');
  await finn.join();
  await reportFirstMedia(t, finn, ['ada', 'ben', 'fay']);
  await allSeeAndHear(t, ['ada', 'ben', 'fay', 'finn']);
});

step('§9.3-9.4 mute and unmute, in Firefox and in Chromium: the others see it in the room object', async (t) => {
  const all = ['ada', 'ben', 'fay', 'finn'];
  const fay = person('fay');
  assert.equal(await fay.toggle('Mute video'), 'true');
  const off = await seePublishing(others('fay', all), 'fay', { audio: true, video: false });
  assert.equal(await fay.toggle('Mute video'), 'false');
  const on = await seePublishing(others('fay', all), 'fay', { audio: true, video: true });
  say(t, `fay (Firefox) muted and unmuted her video; ada, ben and finn saw both (after ${off} and ${on} ms)`);

  const ben = person('ben');
  assert.equal(await ben.toggle('Mute audio'), 'true');
  const aoff = await seePublishing(others('ben', all), 'ben', { audio: false, video: true });
  assert.equal(await ben.toggle('Mute audio'), 'false');
  const aon = await seePublishing(others('ben', all), 'ben', { audio: true, video: true });
  say(t, `ben (Chromium) muted and unmuted his audio; ada, fay and finn saw both (after ${aoff} and ${aon} ms)`);

  // Fay's video comes back for everyone after her unmute.
  await Promise.all(others('fay', all).map((n) => waitMediaFrom(person(n), [fay], { timeout: WAIT_MS })));
});

step('§9.5 a Firefox leaves first (Leave button): gone for the others, the rest still see and hear each other', async (t) => {
  const since = await leaveWithButton(person('fay'));
  await goneForTheRest(t, person('fay'), ['ada', 'ben', 'finn'], since);
});

step('§9.5 then a Chromium closes her tab: gone for the others, the rest still see and hear each other', async (t) => {
  const ada = person('ada');
  const since = Date.now();
  await ada.closeTab();
  await goneForTheRest(t, ada, ['ben', 'finn'], since);
  people.delete('ada');
});

step('§9.2 the Firefox that left joins again: the three see and hear each other', async (t) => {
  const fay = person('fay');
  await fay.join();
  await reportFirstMedia(t, fay, ['ben', 'finn']);
  await allSeeAndHear(t, ['ben', 'fay', 'finn']);
});

step('§9.5 the Chromium leaves, then one Firefox, then the other: each time the rest see it', async (t) => {
  const ben = person('ben');
  await goneForTheRest(t, ben, ['fay', 'finn'], await leaveWithButton(ben));
  const finn = person('finn');
  await goneForTheRest(t, finn, ['fay'], await leaveWithButton(finn));
  await leaveWithButton(person('fay'));
});
