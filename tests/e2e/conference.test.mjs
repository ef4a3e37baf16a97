// End-to-end conference test (PROTOCOL.md §9): the real hyperconf binary,
// real headless Chromium participants with fake camera and microphone,
// each running the project's browser client (data/www) in a browser
// context of its own, and asserting what each person sees and hears.
//
//   node --test tests/e2e/conference.test.mjs      (HYPERCONF_BIN, CHROMIUM_BIN optional)
//
// The tests are one story, in order: three people join and see each other;
// the server's CPU is measured; a fourth joins late; one mutes and unmutes;
// one leaves with the Leave button, one closes the tab, one's tab crashes;
// the last one leaves and the room is gone.  They are flat (no describe)
// for meson's TAP parser and share the participants: after a failed step
// the rest of the story is skipped.  The full-room refusal at the end has
// a server of its own.
//
// Measured numbers (join-to-first-frame, server CPU) are printed as TAP
// diagnostics ("# ..."); they are not thresholds, except the 2 s of the
// issue's acceptance checks.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { startServer, ms } from './lib/server.mjs';
import { Client } from './lib/client.mjs';
import { launchBrowser, openParticipant, waitFor } from './lib/browser.mjs';
import { storySteps } from './lib/story.mjs';
import { waitInRoom, roster, waitMediaFrom, activeRemotePids, firstMedia } from './lib/room.mjs';

const DOMAIN = 'localhost';
const ROOM = `e2e-${randomUUID().slice(0, 8)}`;
// Short, so that the closed-tab case (grace period + 2 s) stays quick.
const GRACE_MS = 2_000;
// Small video: four Chromium encoders and up to twelve decoders share two
// cores with the server.
const VIDEO = '320x240@15';

let server;
let browser;
/** name -> participant (lib/browser.mjs) */
const people = new Map();
/** A scripted session listening to the room object's changes at the node. */
let watcher;
let roomUrl;

const say = (t, text) => t.diagnostic(text);

before(async () => {
  server = await startServer({ config: `[node]\ngrace-period-ms=${GRACE_MS}\n` });
  browser = await launchBrowser();
});

after(async () => {
  await watcher?.close();
  await browser?.close().catch(() => {});
  await server?.stop();
});

/**
 * test() that appends the pages' consoles and the server's log to a
 * failure, and skips the rest of the story after one.
 */
const ctest = storySteps({ server: () => server, people: () => people.values() });

// ---------------------------------------------------------------------------
// Helpers: what a person sees.

const names = () => [...people.keys()];
const present = () => [...people.values()].filter((p) => !p.gone);

async function join(name) {
  const p = await openParticipant(browser, server, { name, room: ROOM, video: VIDEO });
  people.set(name, p);
  await p.join();
  return p;
}

/** The CPU time (user + system) of a process in seconds, from /proc. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" of the command name: utime and stime are the
  // 14th and 15th fields of the line (1-based), in clock ticks.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // CLK_TCK is 100 on Linux
}

/** Our child process that runs the server (server.mjs spawns it with --config). */
function serverPid() {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes('--config') && argv.includes('--listen')) {
        return Number(entry);
      }
    } catch {
      // The process went away meanwhile.
    }
  }
  return null;
}

/** Room gauges of /metrics, if the server exposes any (hyperconf_room*). */
async function roomMetrics() {
  const res = await fetch(new URL('/metrics', server.httpUrl));
  const text = await res.text();
  return text.split('\n')
    .filter((l) => /^hyperconf_(rooms?|participants?|pipeline|media)\w*(\{[^}]*\})?\s/.test(l))
    .map((l) => l.trim());
}

// ---------------------------------------------------------------------------
// The story.

ctest('§9.2-9.4 three participants join one room and each sees and hears both others', async (t) => {
  const trio = ['alice', 'bob', 'carol'];
  await Promise.all(trio.map((n) => join(n)));
  for (const n of trio) await waitInRoom(people.get(n), trio);

  // Everyone agrees on who is who (pids are the server's, usernames ours).
  const rosters = await Promise.all(trio.map((n) => roster(people.get(n))));
  for (const r of rosters) assert.deepEqual(r, rosters[0], 'every page sees the same room object');
  const s0 = await people.get('alice').state();
  roomUrl = s0.roomUrl;
  assert.match(roomUrl ?? '', new RegExp(`^comm://${DOMAIN}/`), 'the room object is a comm:// object (§9.4)');

  for (const n of trio) {
    const p = people.get(n);
    const others = trio.filter((o) => o !== n).map((o) => people.get(o));
    const media = await waitMediaFrom(p, others);
    for (const m of media) {
      say(t, `${n} <- ${m.name} (${m.pid}): framesDecoded ${m.frames}, audio packets ${m.audioPackets}, ` +
        `totalSamplesReceived ${m.samples}`);
    }
    const s = await p.state();
    assert.deepEqual(s.warnings, [], `${n}: the client noticed protocol deviations`);
    // The page shows a tile per other person, labelled with their name.
    const labels = s.tiles.map((x) => x.label).sort();
    assert.deepEqual(labels, [`You (${n})`, ...trio.filter((o) => o !== n)].sort(), `${n}'s tiles`);
  }

  // A watcher session listens to the room object's fan-out at the node
  // (§5, §6), to see its deletion once the last person has left.
  watcher = await Client.connect(server.wsUrl, 'watcher');
  const runtime = `runtime://${DOMAIN}/${randomUUID()}`;
  const open = await watcher.request({ type: 'open', from: runtime, to: 'mn:/session' });
  assert.equal(open.body?.code, 200);
  const sub = await watcher.request({
    type: 'subscribe', from: `${runtime}/sm`, to: `domain://msg-node.${DOMAIN}/sm`,
    body: { resources: [`${roomUrl}/changes`] },
  });
  assert.equal(sub.body?.code, 200, `node subscription to the room's changes: ${JSON.stringify(sub)}`);
});

ctest('server CPU time over 10 s with three browser participants (measured, no threshold)', async (t) => {
  const pid = serverPid();
  assert.ok(pid, 'found the server process');
  say(t, `server pid ${pid}`);
  const before = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, 10_000));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const used = cpuSeconds(pid) - before;
  say(t, `server CPU with 3 participants (6 forwarded streams in, 12 out): ${used.toFixed(2)} s ` +
    `in ${wall.toFixed(1)} s wall = ${((100 * used) / wall).toFixed(1)}% of one core`);
  // Media kept flowing meanwhile.
  const alice = people.get('alice');
  await waitMediaFrom(alice, [people.get('bob'), people.get('carol')], { timeout: 5_000 });
});

ctest('§9.2-9.3 a fourth participant decodes every other video within 2 s of joining', async (t) => {
  const dave = await openParticipant(browser, server, { name: 'dave', room: ROOM, video: VIDEO });
  people.set('dave', dave);
  const others = ['alice', 'bob', 'carol'];
  await dave.join();
  // The page's own click time: Playwright's actionability checks before
  // the click are not the person's wait.
  const clicked = (await dave.state()).clicks.join;
  const seen = await firstMedia(dave, others, { timeout: 10_000, interval: 25 });
  const firstFrame = seen.video;
  const joinedAt = seen.pidKnown;
  for (const o of others) {
    say(t, `join-to-first-frame dave <- ${o}: ${firstFrame[o] - clicked} ms from clicking Join` +
      (joinedAt ? ` (${firstFrame[o] - joinedAt} ms after the page knew its pid)` : ''));
  }
  say(t, `dave's join milestones (ms after the client started joining): ${JSON.stringify((await dave.state()).timeline)}`);
  const worst = Math.max(...others.map((o) => firstFrame[o] - clicked));
  say(t, `join-to-first-frame (worst of 3): ${worst} ms from clicking Join`);
  // "Within 2 s of joining": from the moment the server accepted the join
  // (its 200 to the invitation, §9.2).  Before that the page spends its
  // own time (camera, offer, session, allocation), which the server does
  // not control; that figure is printed above.
  const accepted = (await dave.state()).timelineAt.accepted;
  assert.ok(accepted, 'the page recorded when the server accepted the join');
  const sinceJoin = Math.max(...others.map((o) => firstFrame[o] - accepted));
  say(t, `join-to-first-frame (worst of 3): ${sinceJoin} ms from the server accepting the join`);
  assert.ok(sinceJoin <= ms(2_000), `dave decoded every other video ${sinceJoin} ms after the server accepted his join (limit 2000 ms)`);

  const all = ['alice', 'bob', 'carol', 'dave'];
  await waitInRoom(dave, all, 5_000);
  for (const n of all) {
    const p = people.get(n);
    await waitInRoom(p, all, 5_000);
    const media = await waitMediaFrom(p, all.filter((o) => o !== n).map((o) => people.get(o)));
    say(t, `${n} receives: ${media.map((m) => `${m.name} ${m.frames}f/${m.audioPackets}a`).join(', ')}`);
  }
});

ctest('§9.3-9.4 mute: the others see it in the room object, unmute brings it back', async (t) => {
  const bob = people.get('bob');
  const others = ['alice', 'carol', 'dave'].map((n) => people.get(n));
  const seen = (want) => Promise.all(others.map((p) => waitFor(async () => {
    const s = await p.state();
    const entry = Object.values(s.participants).find((x) => x.username === 'bob');
    const tile = s.tiles.find((x) => x.label === 'bob');
    return entry?.publishing?.video === want && entry?.publishing?.audio === true && tile?.video === want;
  }, { timeout: 2_000, what: `${p.name} to see bob's video ${want ? 'on' : 'off'} (room object and tile)` })));
  assert.equal(await bob.toggle('Mute video'), 'true');
  await seen(false);
  assert.equal(await bob.toggle('Mute video'), 'false');
  await seen(true);
  say(t, 'bob muted and unmuted his video; alice, carol and dave saw both in the room object');
});

ctest('§9.5 one leaves with the Leave button: gone for the others within 2 s, media between the rest flows', async (t) => {
  const alice = people.get('alice');
  const rest = ['bob', 'carol', 'dave'].map((n) => people.get(n));
  await alice.clickLeave();
  alice.gone = true;
  const started = (await alice.state()).clicks.leave;
  await Promise.all(rest.map(async (p) => {
    await waitFor(async () => {
      const s = await p.state();
      return !Object.values(s.participants).some((x) => x.username === 'alice') &&
        !s.tiles.some((x) => x.label === 'alice');
    }, { timeout: 4_000, interval: 50, what: `${p.name} to see alice gone from the room object and the tiles` });
    const took = Date.now() - started;
    // The server renegotiates to make her m-lines inactive (§9.3).
    await waitFor(async () => !(await activeRemotePids(p)).has(alice.pid),
      { timeout: 5_000, interval: 50, what: `${p.name}'s tracks from alice to become inactive` });
    say(t, `${p.name} saw alice gone ${took} ms after she clicked Leave; ` +
      `her tracks inactive after ${Date.now() - started} ms`);
    assert.ok(took <= ms(2_000), `${p.name} saw alice gone ${took} ms after she clicked Leave (limit 2000 ms)`);
  }));
  // Alice's page is back at the form and says so.
  assert.match(await alice.statusText(), /left/i);
  assert.equal(await alice.buttonEnabled('Join'), true);
  for (const p of rest) await waitMediaFrom(p, rest.filter((o) => o !== p), { timeout: 5_000 });
});

ctest('§9.5 one closes the tab: gone for the others within the grace period + 2 s', async (t) => {
  const bob = people.get('bob');
  const rest = ['carol', 'dave'].map((n) => people.get(n));
  const started = Date.now();
  await bob.closeTab();
  bob.gone = true;
  await Promise.all(rest.map(async (p) => {
    await waitFor(async () => {
      const s = await p.state();
      const inRoom = Object.values(s.participants).some((x) => x.username === 'bob');
      const tracks = (await activeRemotePids(p)).has(bob.pid);
      return !inRoom && !tracks;
    }, { timeout: GRACE_MS + 2_000, interval: 50, what: `${p.name} to see bob gone` });
    say(t, `${p.name} saw bob gone ${Date.now() - started} ms after the tab closed (grace period ${GRACE_MS} ms)`);
  }));
  for (const p of rest) await waitMediaFrom(p, rest.filter((o) => o !== p), { timeout: 5_000 });
});

// A closed tab still says goodbye (pagehide); a crashed one cannot: its
// socket just drops and the session ends when the grace period is over (§3),
// which the server must take as a leave (§9.5).
ctest('§3/§9.5 one tab crashes: gone for the others within the grace period + 2 s', async (t) => {
  const carol = people.get('carol');
  const dave = people.get('dave');
  const cdp = await carol.context.newCDPSession(carol.page);
  const started = Date.now();
  cdp.send('Page.crash').catch(() => {}); // never answered: the renderer is gone
  carol.gone = true;
  await waitFor(async () => {
    const s = await dave.state();
    return !Object.values(s.participants).some((x) => x.username === 'carol') &&
      !(await activeRemotePids(dave)).has(carol.pid);
  }, { timeout: GRACE_MS + 2_000, interval: 50, what: 'dave to see carol gone' });
  const took = Date.now() - started;
  say(t, `dave saw carol gone ${took} ms after her tab crashed (grace period ${GRACE_MS} ms)`);
  // Sooner than the grace period would mean the crash was not a socket drop.
  assert.ok(took >= GRACE_MS - 200, `carol left after ${took} ms, before the grace period was over`);
  await carol.closeContext();
});

ctest('§9.4-9.5 when the last participant leaves the room object is deleted and the room freed', async (t) => {
  const dave = people.get('dave');
  const metricsBefore = await roomMetrics();
  await dave.clickLeave();
  dave.gone = true;
  const started = (await dave.state()).clicks.leave;
  // §9.5: the room object is deleted (delete from <room>/subscription to <room>/changes).
  const del = await watcher.next((m) => m.type === 'delete' && m.to === `${roomUrl}/changes`,
    { what: `the delete of the room object ${roomUrl}`, timeout: 2_000 });
  assert.equal(del.from, `${roomUrl}/subscription`, 'the room object is deleted by its reporter (§8)');
  say(t, `room object deleted ${Date.now() - started} ms after the last Leave`);

  // The pages are back at the form (dave's may still be finishing its own
  // leave when the room's delete arrives); the node holds no participant session.
  for (const n of ['alice', 'dave']) {
    await waitFor(async () => /left/i.test(await people.get(n).statusText()),
      { timeout: 2_000, what: `${n}'s page to say it left` });
  }
  const health = await (await fetch(new URL('/healthz', server.httpUrl))).json();
  say(t, `/healthz after the last leave: ${JSON.stringify(health)}`);
  // Room gauges, where the server exposes them, drop to zero: the pipeline is freed.
  if (metricsBefore.length > 0) {
    say(t, `room metrics before the last leave: ${metricsBefore.join('; ')}`);
    await waitFor(async () => {
      const m = await roomMetrics();
      return m.every((l) => /\s0(\.0+)?$/.test(l)) && m;
    }, { timeout: 2_000, what: 'room and media gauges of /metrics back to 0' });
  } else {
    say(t, '/metrics exposes no room or media gauges: pipeline teardown not observable from outside');
  }
});

// ---------------------------------------------------------------------------
// Apart from the story: a refused join shows the server's code and desc.

test('§9.2 a join to a full room shows 486 and the server\'s desc in the status line', { timeout: ms(60_000) }, async () => {
  const small = await startServer({
    config: `[node]\ngrace-period-ms=${GRACE_MS}\n[conference]\nmax-participants=1\n`,
  });
  const pages = [];
  try {
    const room = `full-${randomUUID().slice(0, 8)}`;
    const first = await openParticipant(browser, small, { name: 'erin', room, video: VIDEO });
    pages.push(first);
    await first.join();
    await waitFor(async () => (await first.state()).pid, { timeout: 10_000, what: 'erin to join the small room' });
    const second = await openParticipant(browser, small, { name: 'frank', room, video: VIDEO });
    pages.push(second);
    await second.join();
    const st = await waitFor(async () => {
      const s = await second.state();
      return s.status.phase === 'error' && s;
    }, { timeout: 10_000, what: 'frank to be refused' });
    assert.equal(st.status.code, 486, `refusal code: ${JSON.stringify(st.status)}`);
    const text = await second.statusText();
    assert.match(text, /486/, 'the status line names the code');
    if (st.status.desc) assert.ok(text.includes(st.status.desc), `the status line carries the server's desc: ${text}`);
    // Back at the form, free to try again.
    assert.equal(await second.buttonEnabled('Join'), true);
    await first.clickLeave();
  } finally {
    for (const p of pages) await p.closeContext();
    await small.stop();
  }
});
