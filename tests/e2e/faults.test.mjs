// End-to-end faults: what the people left in a call see when one of them
// crashes or loses the network, and what an operator sees when the server
// is stopped.  The real hyperconf binary and real headless Chromium
// participants (data/www), all in a network namespace of the test's own
// (tests/e2e/netns-run.sh: meson runs the file through it), so that one
// participant's UDP can be dropped without touching the machine.
//
//   tests/e2e/netns-run.sh node --test tests/e2e/faults.test.mjs
//
// Story, one server ([conference] media-timeout-ms 3000, sessions kept 60 s
// after their socket drops, so only the media timeout can remove anyone
// sooner):
//  1. alice and bob (one browser) and carol (a browser process of her own)
//     are in a call; carol's browser process is SIGKILLed: alice and bob
//     see her leave within the media timeout plus a margin, and keep
//     receiving each other.
//  2. dave joins; his UDP is dropped in both directions (policy-routing
//     blackholes for every UDP port of his ICE candidates) while his
//     WebSocket stays up: alice and bob see him leave likewise, and his
//     page learns from the server that it was removed.
//  3. SIGTERM: /readyz answers 503 while /healthz stays 200, the room
//     object says "closing", a new join is answered 503, the server stays
//     up while alice and bob are there and exits with status 0 once they
//     left.
//  4. A second server: SIGTERM drains, a second SIGTERM exits at once.
//
// Measured leave times are printed as TAP diagnostics ("# ...").

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';
import { startServer, ms } from './lib/server.mjs';
import {
  launchBrowser, openParticipant, waitFor, CHROMIUM_BIN, CHROMIUM_FLAGS,
} from './lib/browser.mjs';
import { waitInRoom, waitMediaFrom, waitGone } from './lib/room.mjs';

const ROOM = `faults-${randomUUID().slice(0, 8)}`;
const MEDIA_TIMEOUT_MS = 3_000;
// Detection needs the timeout plus one check (a quarter of it); the rest
// is the room object's update reaching the pages on a busy machine.
const LEAVE_LIMIT_MS = MEDIA_TIMEOUT_MS + 12_000;

let server;
let browser;
const people = [];
const extraBrowsers = [];
const cuts = [];

before(async () => {
  server = await startServer({
    config: '[node]\ngrace-period-ms=60000\n' +
      `[conference]\nmedia-timeout-ms=${MEDIA_TIMEOUT_MS}\n` +
      '[server]\ndrain-timeout-ms=60000\n',
  });
  browser = await launchBrowser();
});

after(async () => {
  for (const undo of cuts) undo();
  for (const p of people) await p.closeContext();
  for (const b of extraBrowsers) await b.close().catch(() => {});
  await browser?.close().catch(() => {});
  if (server?.running) await server.stop().catch(() => {});
});

async function join(name, { inBrowser = browser } = {}) {
  const p = await openParticipant(inBrowser, server, { name, room: ROOM });
  people.push(p);
  await p.join();
  return p;
}

/** Adds the page dumps and the server's log to a failure. */
async function explained(mark, body) {
  try {
    await body();
  } catch (error) {
    const pages = people.map((p) => p.dump()).join('\n');
    try {
      error.message += `\n${pages}\n--- hyperconf stderr ---\n${server.stderrSince(mark).slice(-8000)}`;
    } catch { /* frozen error */ }
    throw error;
  }
}

/**
 * Drops every UDP datagram from or to `ports` (both directions): rules
 * before the local table (netns-run.sh moved it), so the kernel refuses
 * to route them.  Returns the undo.
 */
function cutUdp(ports) {
  const rules = ports.flatMap((port, i) => [
    ['pref', String(10 + 2 * i), 'ipproto', 'udp', 'sport', String(port), 'blackhole'],
    ['pref', String(11 + 2 * i), 'ipproto', 'udp', 'dport', String(port), 'blackhole'],
  ]);
  for (const rule of rules) execFileSync('ip', ['rule', 'add', ...rule]);
  let undone = false;
  const undo = () => {
    if (undone) return;
    undone = true;
    for (const rule of rules) {
      try { execFileSync('ip', ['rule', 'del', ...rule]); } catch { /* gone */ }
    }
  };
  cuts.push(undo);
  return undo;
}

/** Waits until each of `watchers` sees `who` gone; returns the slowest, in ms after `since`. */
async function seenLeaving(watchers, who, since) {
  let slowest = 0;
  for (const p of watchers) {
    const took = await waitGone(p, who, { since, timeout: LEAVE_LIMIT_MS });
    slowest = Math.max(slowest, took.roomObject);
  }
  return slowest;
}

let alice;
let bob;

test('a browser killed mid-call is seen leaving within the media timeout', { timeout: ms(120_000) }, async (t) => {
  const mark = server.stderrMark;
  await explained(mark, async () => {
    // carol's browser is a process of her own, so that it can be killed.
    const carolServer = await chromium.launchServer({
      executablePath: CHROMIUM_BIN, headless: true, args: CHROMIUM_FLAGS, timeout: ms(30_000),
    });
    const carolBrowser = await chromium.connect(carolServer.wsEndpoint());
    extraBrowsers.push(carolBrowser);

    alice = await join('alice');
    bob = await join('bob');
    const carol = await join('carol', { inBrowser: carolBrowser });
    for (const p of [alice, bob, carol]) await waitInRoom(p, ['alice', 'bob', 'carol']);
    await waitMediaFrom(alice, [bob, carol]);
    await waitMediaFrom(bob, [alice, carol]);

    const pid = carolServer.process().pid;
    const since = Date.now();
    carolServer.process().kill('SIGKILL');
    carol.closed = true;
    const took = await seenLeaving([alice, bob], carol, since);
    t.diagnostic(`carol's browser (pid ${pid}) killed: alice and bob saw her leave after ${took} ms ` +
      `(media timeout ${MEDIA_TIMEOUT_MS} ms, session grace 60 s)`);
    assert.ok(took <= ms(LEAVE_LIMIT_MS), `seen leaving after ${took} ms`);
    assert.match(server.stderrSince(mark), /carol \(\w+\) removed: no RTP or RTCP for 3000 ms/);
    // The call goes on.
    await waitMediaFrom(alice, [bob]);
    await waitMediaFrom(bob, [alice]);
  });
});

test('a participant whose UDP is dropped is removed after the media timeout', { timeout: ms(120_000) }, async (t) => {
  const mark = server.stderrMark;
  await explained(mark, async () => {
    const dave = await join('dave');
    for (const p of [alice, bob, dave]) await waitInRoom(p, ['alice', 'bob', 'dave']);
    await waitMediaFrom(alice, [bob, dave]);
    await waitMediaFrom(dave, [alice, bob]);

    const ports = await dave.page.evaluate(() => window.hyperconf.udpPorts());
    assert.ok(ports.length > 0, 'dave has UDP candidates');
    const since = Date.now();
    const undo = cutUdp(ports);
    const took = await seenLeaving([alice, bob], dave, since);
    t.diagnostic(`dave's UDP (ports ${ports.join(', ')}) dropped: alice and bob saw him leave after ${took} ms`);
    assert.ok(took <= ms(LEAVE_LIMIT_MS), `seen leaving after ${took} ms`);
    const [why] = server.stderrSince(mark).match(/dave \(\w+\) removed: (no RTP or RTCP|connection failed)[^\n]*/) ?? [];
    assert.ok(why, 'the server says why it removed dave');
    t.diagnostic(`server: ${why}`);

    // His WebSocket stayed up: the server told his page it removed him.
    const st = await waitFor(async () => {
      const s = await dave.state();
      return s.status.phase === 'error' && s;
    }, { timeout: 10_000, what: 'dave\'s page to learn it was removed' });
    assert.equal(st.status.text, 'The server closed the connection');
    undo();
    await dave.closeContext();
    await waitMediaFrom(alice, [bob]);
    await waitMediaFrom(bob, [alice]);
  });
});

async function httpStatus(path) {
  const res = await fetch(new URL(path, server.httpUrl));
  await res.arrayBuffer();
  return res.status;
}

test('SIGTERM drains: joins 503, /readyz 503, exit once the room is empty', { timeout: ms(120_000) }, async (t) => {
  const mark = server.stderrMark;
  await explained(mark, async () => {
    assert.equal(await httpStatus('/readyz'), 200);
    server.signal('SIGTERM');
    await waitFor(async () => (await httpStatus('/readyz')) === 503,
      { timeout: 5_000, what: '/readyz to answer 503' });
    assert.equal(await httpStatus('/healthz'), 200, '/healthz: still alive');

    // Those in the call are told, and stay connected.
    for (const p of [alice, bob]) {
      await waitFor(async () => (await p.state()).roomStatus === 'closing',
        { timeout: 10_000, what: `${p.name} to see the room "closing"` });
    }
    await waitMediaFrom(alice, [bob]);

    // Nobody new gets in.
    const erin = await join('erin');
    const refused = await waitFor(async () => {
      const s = await erin.state();
      return s.status.phase === 'error' && s.status;
    }, { timeout: 15_000, what: 'erin\'s join to be refused' });
    assert.equal(refused.code, 503, JSON.stringify(refused));
    await erin.closeContext();
    assert.ok(server.running, 'the server waits for the room to empty');

    await alice.clickLeave();
    assert.ok(server.running, 'the server waits for bob');
    const since = Date.now();
    await bob.clickLeave();
    const { code, signal } = await Promise.race([
      server.exited,
      new Promise((resolve) => setTimeout(() => resolve({ code: 'still running' }), ms(15_000))),
    ]);
    t.diagnostic(`the server exited ${Date.now() - since} ms after the last participant left`);
    assert.equal(code, 0, `exit code (signal ${signal})`);
    assert.match(server.stderrSince(mark), /every room is empty, stopping/);
  });
});

test('a second SIGTERM stops a draining server at once', { timeout: ms(90_000) }, async (t) => {
  const second = await startServer({ config: '[server]\ndrain-timeout-ms=60000\n' });
  const mark = second.stderrMark;
  const frank = await openParticipant(browser, second, { name: 'frank', room: `${ROOM}-2` });
  people.push(frank);
  try {
    await frank.join();
    await waitInRoom(frank, ['frank']);
    second.signal('SIGTERM');
    await waitFor(async () => (await frank.state()).roomStatus === 'closing',
      { timeout: 10_000, what: 'frank to see the room "closing"' });
    assert.ok(second.running, 'draining while frank is there');
    const since = Date.now();
    second.signal('SIGTERM');
    const { code } = await Promise.race([
      second.exited,
      new Promise((resolve) => setTimeout(() => resolve({ code: 'still running' }), ms(10_000))),
    ]);
    t.diagnostic(`exited ${Date.now() - since} ms after the second SIGTERM`);
    assert.equal(code, 0);
    assert.match(second.stderrSince(mark), /second signal received, stopping now/);
  } catch (error) {
    error.message += `\n--- second hyperconf stderr ---\n${second.stderrSince(mark).slice(-6000)}`;
    throw error;
  } finally {
    if (second.running) await second.stop().catch(() => {});
  }
});
