// End-to-end lip sync through the SFU: what a person watching someone talk
// would notice.  The real hyperconf binary, two headless Chromium
// participants (data/www) with Chromium's fake camera and microphone, whose
// beep and frame counter are captured together.
//
//   node --test tests/e2e/sync.test.mjs      (HYPERCONF_BIN, CHROMIUM_BIN optional)
//
// Bob's Chromium plays alice's audio and video in sync only if the server's
// RTCP sender reports toward bob map each stream's RTP timestamps to one
// wall clock consistent with alice's capture (RFC 3550 §6.4.1): the server
// forwards alice's RTP timestamps unchanged, so the mapping to use is
// alice's own (her SRs, passed along as hc-sender-clock events,
// hc-sender-clock.h).  Over ~10 s after media flows, on bob's side:
//  (a) every received stream has a remote-outbound-rtp entry (the server's
//      SRs arrive) whose packetsSent and remoteTimestamp rise;
//  (b) estimatedPlayoutTimestamp of alice's audio and of her video (the
//      sender's NTP time of what plays out now, in one getStats snapshot)
//      differ by at most 100 ms, as the median over >= 10 snapshots.
// (b) is what Chromium aligns by the SRs' mappings: it fails when a stream
// has no usable mapping or Chromium cannot bring the two together; a
// mapping off by the same for both streams, or off by less than Chromium
// will delay one stream for, would pass (the mean jitter buffer delays,
// printed, show such a delay).
//
// Every number is printed as a TAP diagnostic ("# ...").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ms } from './lib/server.mjs';
import { waitFor } from './lib/browser.mjs';
import { roomSession } from './lib/session.mjs';
import { waitInRoom, waitMediaFrom, roster } from './lib/room.mjs';

const ROOM = `sync-${randomUUID().slice(0, 8)}`;
const SNAPSHOTS = 12;
const INTERVAL_MS = 850; // 12 snapshots over ~10 s
const MAX_SKEW_MS = 100;

const { join } = roomSession({ room: ROOM, video: '320x240@15' });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** `p`'s active inbound streams from the participant named `from`, by kind. */
async function streamsFrom(p, from) {
  const pid = Object.entries(await roster(p)).find(([, n]) => n === from)?.[0];
  assert.ok(pid, `${p.name} has no room entry for ${from}`);
  const stats = (await p.stats()).filter((s) => s.pid === pid && s.active);
  return { audio: stats.filter((s) => s.kind === 'audio'), video: stats.filter((s) => s.kind === 'video') };
}

test('the server sends SRs for every stream, and alice\'s audio and video play in sync at bob', { timeout: ms(180_000) }, async (t) => {
  const alice = await join('alice');
  const bob = await join('bob');
  for (const p of [alice, bob]) await waitInRoom(p, ['alice', 'bob'], 30_000);
  await waitMediaFrom(bob, [alice], { timeout: 30_000 });

  // Chromium reports estimatedPlayoutTimestamp only once it can map the
  // stream's RTP time to the sender's NTP time, which takes two SRs (seen
  // here: none after the first, both after the second; webrtcbin's
  // rtpsession reports every ~5 s): wait, bounded, for the first
  // remote-outbound-rtp of each received stream and then for both
  // playout timestamps before taking the snapshots.
  const waited = Date.now();
  await waitFor(async () => {
    const all = (await bob.stats()).filter((s) => s.active);
    return all.length >= 2 && all.every((s) => s.senderReport) && all;
  }, { timeout: 30_000, interval: 250, what: 'a remote-outbound-rtp (server SR) for each stream bob receives' });
  const srAfter = Date.now() - waited;
  // (Seen: 5.7 to 30.5 s after media flowed, on a loaded machine.)
  const ready = await waitFor(async () => {
    const { audio, video } = await streamsFrom(bob, 'alice');
    const both = [...audio, ...video];
    return both.length === 2 && both.every((s) => s.estimatedPlayoutTimestamp != null) && both;
  }, { timeout: 60_000, interval: 250, what: 'estimatedPlayoutTimestamp of alice\'s audio and video at bob' });
  t.diagnostic(`after media flowed: first SR of every stream in ${srAfter} ms, ` +
    `both playout timestamps in ${Date.now() - waited} ms (SRs by then: ` +
    `${ready.map((s) => `${s.kind} ${s.senderReport?.reportsSent}`).join(', ')})`);

  const snapshots = [];
  for (let i = 0; i < SNAPSHOTS; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, ms(INTERVAL_MS)));
    const all = (await bob.stats()).filter((s) => s.active);
    const { audio, video } = await streamsFrom(bob, 'alice');
    assert.equal(audio.length, 1, `one audio stream from alice: ${JSON.stringify(audio)}`);
    assert.equal(video.length, 1, `one video stream from alice: ${JSON.stringify(video)}`);
    snapshots.push({ all, audio: audio[0], video: video[0] });
  }

  // (a) the server's SRs, for every stream bob receives
  const first = snapshots[0].all;
  const last = snapshots.at(-1).all;
  for (const s of last) {
    const before = first.find((x) => x.ssrc === s.ssrc);
    t.diagnostic(`${s.username ?? s.pid} ${s.kind} ssrc ${s.ssrc}: SR ${JSON.stringify(before?.senderReport)} -> ` +
      `${JSON.stringify(s.senderReport)}`);
    assert.ok(s.senderReport, `bob has a remote-outbound-rtp for ${s.kind} ssrc ${s.ssrc}`);
    assert.ok(before?.senderReport, `bob had a remote-outbound-rtp for ${s.kind} ssrc ${s.ssrc} at the start`);
    assert.ok(s.senderReport.packetsSent > before.senderReport.packetsSent,
      `packetsSent of the SRs for ${s.kind} ssrc ${s.ssrc} rose: ${JSON.stringify([before.senderReport, s.senderReport])}`);
    assert.ok(s.senderReport.remoteTimestamp > before.senderReport.remoteTimestamp,
      `remoteTimestamp of the SRs for ${s.kind} ssrc ${s.ssrc} rose: ${JSON.stringify([before.senderReport, s.senderReport])}`);
  }

  // (b) alice's audio against her video, snapshot by snapshot
  const skews = [];
  for (const [i, { audio, video }] of snapshots.entries()) {
    const a = audio.estimatedPlayoutTimestamp;
    const v = video.estimatedPlayoutTimestamp;
    const jb = (s) => (s.jitterBufferEmittedCount ? (1000 * s.jitterBufferDelay) / s.jitterBufferEmittedCount : null);
    const skew = a != null && v != null ? a - v : null;
    t.diagnostic(`snapshot ${i}: estimatedPlayoutTimestamp audio ${a} video ${v} ` +
      `(audio - video ${skew?.toFixed(1)} ms); mean jitter buffer delay audio ${jb(audio)?.toFixed(1)} ms, ` +
      `video ${jb(video)?.toFixed(1)} ms`);
    if (skew != null) skews.push(skew);
  }
  assert.ok(skews.length >= 10,
    `estimatedPlayoutTimestamp of alice's audio and video in >= 10 of ${SNAPSHOTS} snapshots (got ${skews.length})`);
  const m = median(skews);
  t.diagnostic(`audio - video playout, median of ${skews.length}: ${m.toFixed(1)} ms ` +
    `(min ${Math.min(...skews).toFixed(1)}, max ${Math.max(...skews).toFixed(1)}; bound ${MAX_SKEW_MS} ms)`);
  assert.ok(Math.abs(m) <= MAX_SKEW_MS,
    `alice's audio and video play within ${MAX_SKEW_MS} ms of each other at bob: median ${m.toFixed(1)} ms`);
});
