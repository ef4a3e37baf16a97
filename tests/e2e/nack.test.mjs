// End-to-end loss repair: what a person on a lossy downlink sees.  The real
// hyperconf binary, two headless Chromium participants (data/www); the
// server drops 5% of the RTP packets it sends to bob (HC_TEST_DROP_TO, a
// test hook in src/media/hc-test-drop.c, after the retransmission history
// and before SRTP, where a lossy network would: on the lean send path in
// hcsrtpsend, "test-drop-every").
//
//   node --test tests/e2e/nack.test.mjs      (HYPERCONF_BIN, CHROMIUM_BIN optional)
//
// Bob's Chromium must see the gaps, send NACKs (inbound-rtp nackCount
// rising), get the packets again from the server (RTX: the subscribers'
// video m-lines negotiate NACK and RTX, and the server's hcsrtpsend (or,
// off the lean path, webrtcbin's rtprtxsend) answers from what it sent:
// retransmittedPacketsReceived rising, most of the
// dropped packets back), and go on decoding alice's video at the rate of a
// clean downlink.  Alice, whose downlink is clean, sends no NACK.
//
// The measured numbers are printed as TAP diagnostics ("# ...").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ms } from './lib/server.mjs';
import { counter } from './lib/browser.mjs';
import { roomSession } from './lib/session.mjs';
import { waitInRoom, waitMediaFrom, roster } from './lib/room.mjs';

const ROOM = `nack-${randomUUID().slice(0, 8)}`;
const VIDEO = '320x240@15';
const DROP_PERCENT = 5;
const WINDOW_MS = 8_000;

const session = roomSession({ room: ROOM, video: VIDEO,
  // bob's downlink loses DROP_PERCENT %
  env: { HC_TEST_DROP_TO: `bob:${DROP_PERCENT}` } });
const { join } = session;

/** Sums of `fields` over `p`'s active inbound video from the participant named `from`. */
async function videoFrom(p, from, fields) {
  const pid = Object.entries(await roster(p)).find(([, n]) => n === from)?.[0];
  assert.ok(pid, `${p.name} has no room entry for ${from}`);
  const stats = await p.stats();
  return Object.fromEntries(fields.map((f) => [f, counter(stats, pid, 'video', f)]));
}

const FIELDS = ['packetsReceived', 'packetsLost', 'nackCount', 'retransmittedPacketsReceived',
  'framesDecoded'];

const delta = (a, b) => Object.fromEntries(FIELDS.map((f) => [f, b[f] - a[f]]));

test(`${DROP_PERCENT}% of the packets toward bob dropped: bob NACKs, gets retransmissions, and keeps decoding`, { timeout: ms(120_000) }, async (t) => {
  const alice = await join('alice');
  const bob = await join('bob');
  for (const p of [alice, bob]) await waitInRoom(p, ['alice', 'bob']);
  await waitMediaFrom(bob, [alice], { timeout: 20_000 });
  await waitMediaFrom(alice, [bob], { timeout: 20_000 });

  const bob0 = await videoFrom(bob, 'alice', FIELDS);
  const alice0 = await videoFrom(alice, 'bob', FIELDS);
  await new Promise((resolve) => setTimeout(resolve, ms(WINDOW_MS)));
  const bob1 = await videoFrom(bob, 'alice', FIELDS);
  const alice1 = await videoFrom(alice, 'bob', FIELDS);
  const b = delta(bob0, bob1);
  const a = delta(alice0, alice1);
  // Chromium counts packetsLost on the media stream alone: a packet that
  // came again on the RTX stream stays "lost" there, and is counted in
  // retransmittedPacketsReceived instead.
  const lostShare = b.packetsLost / Math.max(1, b.packetsReceived + b.packetsLost);
  t.diagnostic(`bob, alice's video over ${WINDOW_MS / 1000} s: ${JSON.stringify(b)}; ` +
    `${(100 * lostShare).toFixed(2)}% missing on the media stream (${DROP_PERCENT}% dropped), ` +
    `${b.retransmittedPacketsReceived} of ${b.packetsLost} retransmitted`);
  t.diagnostic(`alice, bob's video (clean downlink): ${JSON.stringify(a)}`);

  assert.ok(b.nackCount > 0, `bob sent NACKs: ${JSON.stringify(b)}`);
  assert.ok(b.retransmittedPacketsReceived > 0, `bob received retransmissions: ${JSON.stringify(b)}`);
  // The drops did happen (about DROP_PERCENT %), and most came back.
  assert.ok(lostShare > DROP_PERCENT / 100 / 3, `bob's downlink lost packets: ${JSON.stringify(b)}`);
  assert.ok(b.retransmittedPacketsReceived >= b.packetsLost / 2,
    `most of bob's lost packets were retransmitted: ${JSON.stringify(b)}`);
  // Decoding went on at (nearly) the rate of the clean downlink.
  assert.ok(a.framesDecoded > 0, `alice kept decoding bob's video: ${JSON.stringify(a)}`);
  assert.ok(b.framesDecoded >= 0.8 * a.framesDecoded,
    `bob kept decoding alice's video: ${b.framesDecoded} frames, alice ${a.framesDecoded}`);
  assert.equal(a.nackCount, 0, `alice (clean downlink) sent no NACK: ${JSON.stringify(a)}`);
});
