// End-to-end shutdown test: what a server operator checks.  The real
// hyperconf binary and real headless Chromium participants (data/www);
// SIGTERM while a renegotiation is in flight must still end the process
// cleanly and quickly.
//
//   node --test tests/e2e/shutdown.test.mjs      (HYPERCONF_BIN, CHROMIUM_BIN optional)
//
// Story: alice and bob join one room and see each other; bob's page stops
// answering the server's offers (window.hyperconf.holdAnswers(), a test
// hook); carol joins, so the server offers bob her tracks and that offer
// stays unanswered while her media flows into the server (alice decodes
// it) and bob's branches for her stay un-negotiated.  Then SIGTERM: the
// server drains ([server] drain-timeout-ms, 1 s here), removes the three
// at the deadline, and must exit with status 0 within 5 s of the signal;
// the pages must see their session end.  (With a queue per branch, media
// waited in webrtcbin's blocked sink pads and the teardown deadlocked
// unless hc_branch_free deactivated the pad before releasing it.)
//
// The measured shutdown time is printed as a TAP diagnostic ("# ...").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ms } from './lib/server.mjs';
import { waitFor, counter } from './lib/browser.mjs';
import { roomSession } from './lib/session.mjs';

const ROOM = `shutdown-${randomUUID().slice(0, 8)}`;
const VIDEO = '320x240@15';
const STOP_LIMIT_MS = 5_000;

const session = roomSession({
  room: ROOM, video: VIDEO,
  config: '[node]\ngrace-period-ms=2000\n[server]\ndrain-timeout-ms=1000\n',
});
const { people, join } = session;

/** Waits until `p` is connected and sees exactly `names` in the room object. */
async function waitInRoom(p, names, timeout = 15_000) {
  const want = JSON.stringify([...names].sort());
  await waitFor(async () => {
    const st = await p.state();
    if (st.status.phase === 'error') throw new Error(`${p.name}: ${st.status.text}`);
    const got = JSON.stringify(Object.values(st.participants).map((x) => x.username).sort());
    return st.status.phase === 'connected' && st.pid && got === want;
  }, { timeout, what: `${p.name} connected, seeing ${names.join(', ')} in the room` });
}

/** Waits until `p` decodes video frames and receives audio packets from `other`, rising between two polls. */
async function waitMediaFrom(p, other, timeout = 15_000) {
  const pid = (await pidsByName(p))[other];
  assert.ok(pid, `${p.name} has no room entry for ${other}`);
  let prev = await p.stats();
  await waitFor(async () => {
    const now = await p.stats();
    const rising = ['video:framesDecoded', 'audio:packetsReceived'].every((k) => {
      const [kind, field] = k.split(':');
      return counter(now, pid, kind, field) > counter(prev, pid, kind, field);
    });
    prev = now;
    return rising;
  }, { timeout, interval: 500, what: `${p.name} decoding video and receiving audio from ${other}` });
}

/** name -> pid as `p` sees the room object. */
async function pidsByName(p) {
  const s = await p.state();
  return Object.fromEntries(Object.entries(s.participants).map(([pid, x]) => [x.username, pid]));
}

test('SIGTERM with a server offer left unanswered: the server exits with status 0 within 5 s', { timeout: ms(90_000) }, async (t) => {
  const { server } = session;
  const mark = server.stderrMark;
  try {
    const alice = await join('alice');
    const bob = await join('bob');
    for (const p of [alice, bob]) await waitInRoom(p, ['alice', 'bob']);
    await waitMediaFrom(alice, 'bob');
    await waitMediaFrom(bob, 'alice');

    // From now on bob's page leaves the server's offers unanswered.
    assert.equal(await bob.page.evaluate(() => window.hyperconf.holdAnswers()), true, 'bob holds answers');
    const heldBefore = (await bob.state()).heldOffers;

    const carol = await join('carol');
    await waitInRoom(carol, ['alice', 'bob', 'carol']);
    await waitInRoom(alice, ['alice', 'bob', 'carol']);
    // Carol's media reaches the server and is forwarded to alice, who answered her offer...
    await waitMediaFrom(alice, 'carol');
    await waitMediaFrom(carol, 'alice');
    // ...while the server's offer of carol's tracks to bob stays unanswered.
    await waitFor(async () => (await bob.state()).heldOffers > heldBefore,
      { timeout: 10_000, what: 'the server to offer bob carol\'s tracks (an offer bob holds)' });
    const bobState = await bob.state();
    const carolPid = (await pidsByName(bob)).carol;
    assert.ok(!bobState.remote.some((r) => r.pid === carolPid && r.active),
      'bob receives no track of carol (his offer is unanswered)');
    t.diagnostic(`bob holds ${bobState.heldOffers - heldBefore} server offer(s); alice decodes carol`);

    // The operator's view: SIGTERM, then the process must be gone, cleanly.
    const t0 = process.hrtime.bigint();
    let stopError = null;
    await server.stop().catch((error) => { stopError = error; });
    const took = Number(process.hrtime.bigint() - t0) / 1e6;
    t.diagnostic(`server exited ${took.toFixed(0)} ms after SIGTERM` +
      (stopError ? ` (not cleanly: ${stopError.message.split('\n')[0]})` : ' with status 0'));
    if (stopError) {
      // stop() appends the server's whole stderr: keep its end.
      const m = stopError.message;
      if (m.length > 6400) stopError.message = `${m.slice(0, 200)}\n...\n${m.slice(-6000)}`;
      stopError.withStderr = true;
      throw stopError;
    }
    assert.ok(took <= ms(STOP_LIMIT_MS), `the server took ${took.toFixed(0)} ms to exit after SIGTERM (limit ${STOP_LIMIT_MS} ms)`);

    // Each page sees its session end: no longer "connected" (resuming, then an error).
    for (const p of people) {
      const s = await waitFor(async () => {
        const st = await p.state();
        return ['reconnecting', 'error'].includes(st.status.phase) && st;
      }, { timeout: 5_000, interval: 50, what: `${p.name}'s page to notice the server is gone` });
      t.diagnostic(`${p.name} shows: ${s.status.phase}: ${s.status.text}`);
    }
  } catch (error) {
    const pages = people.map((p) => p.dump()).join('\n');
    const log = error?.withStderr ? '' : `\n--- hyperconf stderr (end) ---\n${server.stderrSince(mark).slice(-6000) || '(empty)'}`;
    try {
      error.message += `\n${pages}${log}`;
    } catch { /* frozen error */ }
    throw error;
  }
});
