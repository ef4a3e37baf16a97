// What a person in a room sees, read from their page (lib/browser.mjs
// participants, Chromium or Firefox): who is in the room object, which
// remote tracks play, and whether media from each other person arrives.
//
//   await waitInRoom(p, ['alice', 'bob']);        // connected, sees both names
//   await waitMediaFrom(p, [alice, bob]);         // decodes and hears both
//   const t = await firstMedia(p, ['alice']);     // when the first media came
//
// Every wait is bounded (lib/browser.mjs waitFor).

import assert from 'node:assert/strict';
import { waitFor, counter } from './browser.mjs';

/** Waits until the page is connected, knows its pid, and sees `expected` names in the room. */
export async function waitInRoom(p, expected, timeout = 15_000) {
  const want = [...expected].sort();
  const st = await waitFor(async () => {
    const s = await p.state();
    if (s.status.phase === 'error') throw new Error(`${p.name}: ${s.status.text}`);
    const got = Object.values(s.participants).map((x) => x.username).sort();
    return s.status.phase === 'connected' && s.pid && JSON.stringify(got) === JSON.stringify(want) && s;
  }, { timeout, what: `${p.name} connected, seeing ${want.join(', ')} in the room object` });
  p.pid = st.pid;
  return st;
}

/** pid -> username as `p` sees it in the room object. */
export async function roster(p) {
  const s = await p.state();
  return Object.fromEntries(Object.entries(s.participants).map(([pid, x]) => [pid, x.username]));
}

/**
 * Waits until `p` decodes video frames and receives audio from every one of
 * `others`, rising between two samples; the streams are mapped to people
 * through the msid (pid) and the room object (username).
 */
export async function waitMediaFrom(p, others, { timeout = 15_000 } = {}) {
  const pidOf = await roster(p);
  const byName = Object.fromEntries(Object.entries(pidOf).map(([pid, n]) => [n, pid]));
  const targets = others.map((o) => ({ name: o.name, pid: byName[o.name] }));
  for (const tgt of targets) assert.ok(tgt.pid, `${p.name} has no room entry for ${tgt.name}: ${JSON.stringify(pidOf)}`);
  let first = await p.stats();
  let result;
  let last;
  await waitFor(async () => {
    const now = await p.stats();
    const rising = targets.map((tgt) => {
      const f = (s, kind, field) => counter(s, tgt.pid, kind, field);
      return {
        ...tgt,
        frames: f(now, 'video', 'framesDecoded'),
        framesBefore: f(first, 'video', 'framesDecoded'),
        audioPackets: f(now, 'audio', 'packetsReceived'),
        audioPacketsBefore: f(first, 'audio', 'packetsReceived'),
        samples: f(now, 'audio', 'totalSamplesReceived'),
        // The username the stats carry comes from the page's own mapping.
        usernames: [...new Set(now.filter((s) => s.pid === tgt.pid && s.active).map((s) => s.username))],
      };
    });
    const ok = rising.every((r) => r.frames > r.framesBefore && r.audioPackets > r.audioPacketsBefore &&
      r.usernames.length === 1 && r.usernames[0] === r.name);
    if (!ok) {
      // Compare against the latest sample: "rising" means between two polls.
      first = now;
      last = rising;
      return false;
    }
    result = rising;
    return true;
  }, { timeout, interval: 500, what: `${p.name} decoding video and receiving audio from ${others.map((o) => o.name).join(', ')}` })
    .catch((error) => {
      error.message += `\nlast sample: ${JSON.stringify(last)}`;
      throw error;
    });
  return result;
}

/** The pids of remote tracks `p` currently receives (active m-lines). */
export async function activeRemotePids(p) {
  const s = await p.state();
  return new Set(s.remote.filter((r) => r.active && r.readyState === 'live').map((r) => r.pid));
}

/**
 * Polls `p` fast (a measurement) until it has decoded a video frame and
 * received audio from every one of `others` (usernames), and returns when
 * each first arrived (epoch ms): { video: {name: t}, audio: {name: t},
 * media: {name: t} } (media: both), plus `pidKnown`: when the page first
 * knew its own pid.
 */
export async function firstMedia(p, others, { timeout = 20_000, interval = 50 } = {}) {
  const seen = { video: {}, audio: {}, media: {}, pidKnown: null };
  await waitFor(async () => {
    const [s, stats] = await Promise.all([p.state(), p.stats()]);
    if (s.status.phase === 'error') throw new Error(`${p.name}: ${s.status.text}`);
    const now = Date.now();
    if (seen.pidKnown === null && s.pid) seen.pidKnown = now;
    for (const st of stats) {
      if (!st.username || !st.active) continue;
      const got = st.kind === 'video' ? st.framesDecoded > 0 : st.packetsReceived > 0;
      if (got && !(st.username in seen[st.kind])) seen[st.kind][st.username] = now;
    }
    for (const o of others) {
      if (!(o in seen.media) && o in seen.video && o in seen.audio) seen.media[o] = now;
    }
    return others.every((o) => o in seen.media);
  }, {
    timeout, interval,
    what: `${p.name} decoding video and receiving audio from ${others.join(', ')} ` +
      `(so far video ${JSON.stringify(Object.keys(seen.video))}, audio ${JSON.stringify(Object.keys(seen.audio))})`,
  });
  return seen;
}

/**
 * Waits until `p` no longer sees `who` (a participant that left): not in
 * the room object, no tile, and no live track from their pid (the server
 * makes their m-lines inactive, §9.3).  Returns how long after `since`
 * (epoch ms) each of the three was first seen.
 */
export async function waitGone(p, who, { since = Date.now(), timeout = 15_000 } = {}) {
  const took = {};
  await waitFor(async () => {
    const s = await p.state();
    const now = Date.now() - since;
    if (!('roomObject' in took) && !Object.values(s.participants).some((x) => x.username === who.name)) took.roomObject = now;
    if (!('tile' in took) && !s.tiles.some((x) => x.label === who.name)) took.tile = now;
    const live = s.remote.some((r) => r.pid === who.pid && r.active && r.readyState === 'live');
    if (!('tracks' in took) && !live) took.tracks = now;
    return 'roomObject' in took && 'tile' in took && 'tracks' in took;
  }, { timeout, interval: 50, what: `${p.name} to see ${who.name} gone from the room object, the tiles and the tracks` });
  return took;
}
