// End-to-end test of MCU mode (issue 9, PROTOCOL.md §9.3 "Mode", §9.4):
// the real hyperconf binary, headless Chromium participants running the
// project's page (data/www).  Two SFU participants and one MCU participant
// share one room:
//   - the MCU participant receives exactly one video and one audio track
//     (msid "mix"), decodes frames of the configured size and hears audio;
//   - the SFU participants see and hear all three, as in an SFU room;
//   - the page's "Low bandwidth (mixed)" switch renegotiates the MCU
//     participant to one stream per person, and back again;
//   - bad publishers leave the mix running for the MCU participant (its
//     mixed video keeps decoding) and harm no SFU participant: one changes
//     its resolution mid-call, one publishes no video at all (the page's
//     video=0: its tile in the mix is its name plate), one leaves while
//     the mixer renegotiates (right after joining as a second MCU
//     receiver);
//   - when the MCU participant leaves, the room's mixer is gone and its
//     element count is the SFU-only figure again (/metrics gauges
//     hyperconf_mixers and hyperconf_room_elements).
//
//   node --test tests/e2e/mcu.test.mjs      (HYPERCONF_BIN, CHROMIUM_BIN optional)
//
// One story in order, flat tests for meson's TAP parser; after a failed
// step the rest is skipped.  The composite is kept small (320x180) so that
// three browsers, their decoders and the server's mixer fit on two cores.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, ms } from './lib/server.mjs';
import { launchBrowser, openParticipant, waitFor, counter } from './lib/browser.mjs';

const ROOM = `mcu-${randomUUID().slice(0, 8)}`;
const WIDTH = 320;
const HEIGHT = 180;
const VIDEO = '320x240@15';
const MIX = 'mix';
// Generous: the machine is shared, and the mixer decodes every publisher.
const MEDIA_TIMEOUT = 30_000;

let server;
let browser;
/** name -> participant (lib/browser.mjs) */
const people = new Map();
/** Element count of the room's pipeline with only the two SFU participants. */
let sfuElements = null;

const say = (t, text) => t.diagnostic(text);

before(async () => {
  server = await startServer({
    config: `[node]\ngrace-period-ms=2000\n[mcu]\nwidth=${WIDTH}\nheight=${HEIGHT}\nframerate=15\n`,
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

let broken = null;

/** test() that adds the pages' consoles and the server's log to a failure. */
function ctest(name, fn) {
  test(name, { timeout: ms(180_000) }, async (t) => {
    if (broken) {
      t.skip(`an earlier step failed: ${broken}`);
      return;
    }
    const mark = server?.stderrMark ?? 0;
    try {
      await fn(t);
    } catch (error) {
      broken = name;
      const pages = [...people.values()].map((p) => p.dump()).join('\n');
      const log = server?.stderrSince(mark) ?? '';
      const note = `\n${pages}\n--- hyperconf stderr during this test ---\n${log.slice(-6000) || '(empty)'}`;
      try {
        error.message += note;
      } catch { /* frozen error */ }
      throw error;
    }
  });
}

// ---------------------------------------------------------------------------
// What the server shows (/metrics) and what a person sees (the page).

/** {elements, mixers} of our room from /metrics. */
async function roomMedia() {
  const text = await (await fetch(new URL('/metrics', server.httpUrl))).text();
  const elements = new RegExp(`^hyperconf_room_elements\\{room="${ROOM}"\\} (\\d+)$`, 'm').exec(text);
  const mixers = /^hyperconf_mixers (\d+)$/m.exec(text);
  return { elements: elements ? Number(elements[1]) : null, mixers: mixers ? Number(mixers[1]) : null };
}

async function join(name, query = {}) {
  const p = await openParticipant(browser, server, { name, room: ROOM, video: VIDEO, query });
  people.set(name, p);
  await p.join();
  return p;
}

/** Waits until `p` is connected and sees exactly `expected` names in the room object. */
async function waitInRoom(p, expected) {
  const want = [...expected].sort();
  const st = await waitFor(async () => {
    const s = await p.state();
    if (s.status.phase === 'error') throw new Error(`${p.name}: ${s.status.text}`);
    const got = Object.values(s.participants).map((x) => x.username).sort();
    return s.status.phase === 'connected' && s.pid && JSON.stringify(got) === JSON.stringify(want) && s;
  }, { timeout: 20_000, what: `${p.name} connected, seeing ${want.join(', ')} in the room object` });
  p.pid = st.pid;
  return st;
}

/** The username -> mode map of the room object as `p` sees it. */
async function modes(p) {
  const s = await p.state();
  return Object.fromEntries(Object.values(s.participants).map((x) => [x.username, x.mode]));
}

/** Remote tracks `p` currently receives: active m-lines with a live track. */
async function liveRemotes(p) {
  const s = await p.state();
  return s.remote.filter((r) => r.active && r.readyState === 'live');
}

/**
 * Waits until `p` decodes video and receives audio, both rising between two
 * samples, from every pid of `pids` (mapped through the msid).
 */
async function waitRising(p, pids, what, check = () => true) {
  let first = await p.stats();
  let last;
  return waitFor(async () => {
    const now = await p.stats();
    const rows = pids.map((pid) => ({
      pid,
      frames: counter(now, pid, 'video', 'framesDecoded'),
      framesBefore: counter(first, pid, 'video', 'framesDecoded'),
      audio: counter(now, pid, 'audio', 'packetsReceived'),
      audioBefore: counter(first, pid, 'audio', 'packetsReceived'),
      samples: counter(now, pid, 'audio', 'totalSamplesReceived'),
      samplesBefore: counter(first, pid, 'audio', 'totalSamplesReceived'),
      sizes: now.filter((s) => s.pid === pid && s.kind === 'video' && s.active)
        .map((s) => `${s.frameWidth}x${s.frameHeight}`),
    }));
    last = rows;
    const ok = rows.every((r) => r.frames > r.framesBefore && r.audio > r.audioBefore
      && r.samples > r.samplesBefore) && check(rows, now);
    first = now;
    return ok && rows;
  }, { timeout: MEDIA_TIMEOUT, interval: 700, what: `${p.name}: ${what}` }).catch((error) => {
    error.message += `\nlast sample: ${JSON.stringify(last)}`;
    throw error;
  });
}

/** p receives from the other people, one stream pair each (SFU). */
async function waitSfuFrom(p, others) {
  const s = await p.state();
  const byName = Object.fromEntries(Object.entries(s.participants).map(([pid, x]) => [x.username, pid]));
  const pids = others.map((n) => {
    assert.ok(byName[n], `${p.name} has no room entry for ${n}`);
    return byName[n];
  });
  return waitRising(p, pids, `decoding video and receiving audio from ${others.join(', ')}`);
}

/** p receives the mix only: one video and one audio track, frames of the configured size. */
async function waitMixOnly(p) {
  const rows = await waitRising(p, [MIX], `decoding the ${WIDTH}x${HEIGHT} mix and receiving its audio`,
    ([row]) => row.sizes.length === 1 && row.sizes[0] === `${WIDTH}x${HEIGHT}`);
  const remotes = await waitFor(async () => {
    const r = await liveRemotes(p);
    return r.length === 2 && r;
  }, { timeout: 10_000, what: `${p.name} to hold exactly two live remote tracks` });
  assert.deepEqual(remotes.map((r) => r.kind).sort(), ['audio', 'video'],
    `${p.name}: one inbound video and one inbound audio track`);
  assert.deepEqual(remotes.map((r) => r.pid), [MIX, MIX], `${p.name}: both tracks carry msid "${MIX}"`);
  return rows[0];
}

const lowBandwidth = (p) => p.page.getByRole('switch', { name: 'Low bandwidth (mixed)' });

/** p's mixed video decodes on: framesDecoded rises over `seconds` (a sample every 1.5 s). */
async function mixKeepsDecoding(p, seconds, what) {
  const start = counter(await p.stats(), MIX, 'video', 'framesDecoded');
  let previous = start;
  for (let i = 0; i < Math.ceil(seconds / 1.5); i++) {
    await new Promise((r) => setTimeout(r, 1500));
    const now = counter(await p.stats(), MIX, 'video', 'framesDecoded');
    // 1.5 s without one new frame (22 at 15 fps) would be a stalled composite
    assert.ok(now > previous, `${p.name}: the mix stalled ${what} (${previous} -> ${now} frames)`);
    previous = now;
  }
  return previous - start;
}

/** The colour of the server's name plates (pipelines/mcu-name-plate.pipeline). */
const PLATE = [0x2f, 0x35, 0x42];

/**
 * The colour p sees in its mixed picture near the top left corner of
 * `pid`'s tile (from the room object's layout): away from the name, and
 * in the black border of a letterboxed 4:3 picture.
 */
async function tileCorner(p, pid) {
  return p.page.evaluate((who) => {
    const tile = window.hyperconf.state().layout?.tiles?.find((x) => x.pid === who);
    const video = document.querySelector('.tile.mix video');
    if (!tile || !video || !video.videoWidth) return null;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(video, 0, 0);
    const x = Math.floor((tile.x + tile.w * 0.08) * canvas.width);
    const y = Math.floor((tile.y + tile.h * 0.15) * canvas.height);
    return [...ctx.getImageData(x, y, 1, 1).data.slice(0, 3)];
  }, pid);
}

const isPlate = (rgb) => rgb && rgb.every((c, i) => Math.abs(c - PLATE[i]) <= 24);

/** The pid of `name` in p's room object. */
async function pidOf(p, name) {
  const s = await p.state();
  return Object.entries(s.participants).find(([, x]) => x.username === name)?.[0];
}

// ---------------------------------------------------------------------------
// The story.

ctest('two SFU participants: no mixer, the SFU-only element count', async (t) => {
  await Promise.all(['alice', 'bob'].map((n) => join(n)));
  for (const n of ['alice', 'bob']) await waitInRoom(people.get(n), ['alice', 'bob']);
  await waitSfuFrom(people.get('alice'), ['bob']);
  await waitSfuFrom(people.get('bob'), ['alice']);
  const media = await roomMedia();
  say(t, `SFU-only room: ${JSON.stringify(media)}`);
  assert.ok(media.elements > 0, `/metrics shows the room's element count: ${JSON.stringify(media)}`);
  assert.equal(media.mixers, 0, 'no mixer without MCU receivers');
  sfuElements = media.elements;
});

ctest('§9.3 an MCU participant receives one mixed video of the configured size and one audio', async (t) => {
  const carol = await join('carol', { mode: 'mcu' });
  const all = ['alice', 'bob', 'carol'];
  for (const n of all) await waitInRoom(people.get(n), all);
  // §9.4: everyone sees each participant's mode.
  for (const n of all) {
    assert.deepEqual(await modes(people.get(n)), { alice: 'sfu', bob: 'sfu', carol: 'mcu' }, `${n}'s room object`);
  }
  assert.equal(await lowBandwidth(carol).isChecked(), true, 'the switch shows the mode carol joined with');
  const mix = await waitMixOnly(carol);
  say(t, `carol <- mix: ${mix.frames} frames decoded (${mix.sizes[0]}), ${mix.audio} audio packets, ` +
    `${mix.samples} samples`);
  const media = await roomMedia();
  say(t, `with one MCU receiver: ${JSON.stringify(media)}`);
  assert.equal(media.mixers, 1, 'the mixer runs');
  // The page shows one tile for everyone besides the local one.
  const s = await carol.state();
  assert.deepEqual(s.tiles.map((x) => x.pid).sort(), [MIX, null].sort(), `carol's tiles: ${JSON.stringify(s.tiles)}`);
  // §9.4 appendix: the layout names the publishers' tiles, within the frame.
  const layout = await waitFor(async () => {
    const l = (await carol.state()).layout;
    return l?.tiles?.length >= 2 && l;
  }, { timeout: 10_000, what: 'the room object\'s layout to list the tiles' });
  say(t, `layout: ${JSON.stringify(layout)}`);
  assert.ok(['grid', 'speaker'].includes(layout.kind));
  for (const tile of layout.tiles) {
    assert.ok(tile.pid in s.participants, `tile ${tile.pid} is a participant`);
    for (const v of [tile.x, tile.y, tile.w, tile.h]) assert.ok(v >= 0 && v <= 1, `relative rectangle ${JSON.stringify(tile)}`);
    assert.ok(tile.x + tile.w <= 1.0001 && tile.y + tile.h <= 1.0001, `inside the frame ${JSON.stringify(tile)}`);
  }
  // The page draws one region per tile over the mixed picture.
  await waitFor(async () => {
    const st = await carol.state();
    const mixTile = st.tiles.find((x) => x.pid === MIX);
    return mixTile && mixTile.regions.length === st.layout.tiles.length;
  }, { timeout: 5_000, what: 'carol\'s page to draw a region per tile of the layout' });
  // §9.4: the mixer's levels reach the room object (Chromium's fake
  // microphone beeps): someone is speaking, and activeSpeaker names them.
  const speaking = await waitFor(async () => {
    const st = await people.get('alice').state();
    const who = Object.entries(st.participants).filter(([, x]) => x.speaking === true).map(([pid]) => pid);
    return st.activeSpeaker && who.length > 0 && { active: st.activeSpeaker, who };
  }, { timeout: 20_000, what: 'speaking and activeSpeaker in the room object' });
  say(t, `speaking: ${JSON.stringify(speaking)}`);
  assert.ok(speaking.active in s.participants, 'activeSpeaker is a participant id');
});

ctest('the SFU participants see and hear all three as before', async () => {
  await waitSfuFrom(people.get('alice'), ['bob', 'carol']);
  await waitSfuFrom(people.get('bob'), ['alice', 'carol']);
  for (const n of ['alice', 'bob']) {
    const pids = new Set((await liveRemotes(people.get(n))).map((r) => r.pid));
    assert.ok(!pids.has(MIX), `${n} (SFU) receives no mix`);
  }
});

ctest('§9.3 the switch renegotiates the MCU participant to one stream per person', async (t) => {
  const carol = people.get('carol');
  await lowBandwidth(carol).click();
  assert.equal(await lowBandwidth(carol).isChecked(), false);
  await waitFor(async () => (await modes(people.get('alice'))).carol === 'sfu',
    { timeout: 10_000, what: 'the room object to show carol in sfu mode' });
  const rows = await waitSfuFrom(carol, ['alice', 'bob']);
  say(t, `carol (SFU) <- ${rows.map((r) => `${r.pid} ${r.frames}f/${r.audio}a`).join(', ')}`);
  const live = await waitFor(async () => {
    const r = await liveRemotes(carol);
    return r.length === 4 && r;
  }, { timeout: 10_000, what: 'carol to hold exactly four live remote tracks (two people)' });
  assert.ok(live.every((r) => r.pid !== MIX), 'no mix in SFU mode');
  await waitFor(async () => (await roomMedia()).mixers === 0,
    { timeout: 10_000, what: 'the mixer to stop with its last MCU receiver' });
});

ctest('§9.3 and back to the mix', async (t) => {
  const carol = people.get('carol');
  await lowBandwidth(carol).click();
  assert.equal(await lowBandwidth(carol).isChecked(), true);
  await waitFor(async () => (await modes(people.get('bob'))).carol === 'mcu',
    { timeout: 10_000, what: 'the room object to show carol in mcu mode' });
  const mix = await waitMixOnly(carol);
  say(t, `carol <- mix again: ${mix.frames} frames (${mix.sizes[0]}), ${mix.audio} audio packets`);
  assert.equal((await roomMedia()).mixers, 1);
  await waitSfuFrom(people.get('alice'), ['bob', 'carol']);
});

ctest('bad input: a publisher changes its resolution mid-call; the mix goes on', async (t) => {
  const carol = people.get('carol');
  const alice = people.get('alice');
  await waitMixOnly(carol);
  // alice's camera track (the one her page sends), to 160x120 and back up
  for (const [width, height] of [[160, 120], [320, 240]]) {
    const applied = await alice.page.evaluate(async ([w, h]) => {
      const track = document.querySelector('.tile.local video').srcObject.getVideoTracks()[0];
      await track.applyConstraints({ width: { exact: w }, height: { exact: h } });
      return track.getSettings();
    }, [width, height]);
    assert.equal(`${applied.width}x${applied.height}`, `${width}x${height}`, 'the fake camera took the new size');
    // bob (SFU) decodes alice at her new size: she did send it
    const alicePid = await pidOf(bob(), 'alice');
    await waitRising(bob(), [alicePid], `decoding alice at ${width}x${height}`,
      ([row]) => row.sizes.includes(`${width}x${height}`));
    const frames = await mixKeepsDecoding(carol, 4, `after alice went to ${width}x${height}`);
    say(t, `alice at ${width}x${height}: bob sees it, carol decoded ${frames} mixed frames in 4 s`);
  }
});

const bob = () => people.get('bob');

ctest('a publisher that mutes its video shows as its name plate in the mix', async (t) => {
  const carol = people.get('carol');
  const alice = people.get('alice');
  const alicePid = await pidOf(carol, 'alice');
  let seen;
  assert.equal(await alice.toggle('Mute video'), 'true');
  await waitFor(async () => isPlate(seen = await tileCorner(carol, alicePid)),
    { timeout: 15_000, what: 'carol to see alice\'s name plate' }).catch((error) => {
    error.message += ` (last colour ${JSON.stringify(seen)})`;
    throw error;
  });
  say(t, `alice muted: her tile's corner in carol's mix ${JSON.stringify(seen)}`);
  await mixKeepsDecoding(carol, 3, 'with alice muted');
  assert.equal(await alice.toggle('Mute video'), 'false');
  await waitFor(async () => {
    seen = await tileCorner(carol, alicePid);
    return seen && !isPlate(seen);
  }, { timeout: 15_000, what: 'carol to see alice\'s picture again' });
  say(t, `alice unmuted: ${JSON.stringify(seen)}`);
});

ctest('bad input: a participant with no video at all; the mix goes on, its tile is its name', async (t) => {
  const carol = people.get('carol');
  // the page's video=0: a microphone, no camera
  const dave = await join('dave', { video: '0' });
  const all = ['alice', 'bob', 'carol', 'dave'];
  for (const n of all) await waitInRoom(people.get(n), all);
  const davePid = await pidOf(carol, 'dave');
  // the layout gives him a tile (the server draws his name plate there)
  await waitFor(async () => (await carol.state()).layout?.tiles?.some((x) => x.pid === davePid),
    { timeout: 10_000, what: 'a tile for dave in the layout' });
  let seen;
  await waitFor(async () => isPlate(seen = await tileCorner(carol, davePid)),
    { timeout: 15_000, what: 'carol to see dave\'s name plate' }).catch((error) => {
    error.message += ` (last colour ${JSON.stringify(seen)})`;
    throw error;
  });
  const frames = await mixKeepsDecoding(carol, 4, 'with dave publishing no video');
  // the SFU participants hear him, and still see and hear each other
  for (const n of ['alice', 'bob']) {
    const p = people.get(n);
    let first = await p.stats();
    await waitFor(async () => {
      const now = await p.stats();
      const rising = counter(now, davePid, 'audio', 'packetsReceived') > counter(first, davePid, 'audio', 'packetsReceived');
      first = now;
      return rising;
    }, { timeout: MEDIA_TIMEOUT, interval: 700, what: `${n} hearing dave` });
  }
  await waitSfuFrom(people.get('alice'), ['bob', 'carol']);
  await waitSfuFrom(bob(), ['alice', 'carol']);
  say(t, `dave (audio only) in the room: carol decoded ${frames} mixed frames in 4 s`);
});

ctest('bad input: a publisher leaves while the mixer renegotiates; the mix goes on', async (t) => {
  const carol = people.get('carol');
  // erin joins as a second MCU receiver (the mixer adds her inputs and her
  // branches, everyone gets an offer) and leaves at once
  const erin = await join('erin', { mode: 'mcu' });
  await waitFor(async () => (await erin.state()).pid, { timeout: 20_000, what: 'erin\'s join accepted' });
  await erin.clickLeave();
  await erin.closeContext();
  people.delete('erin');
  const all = ['alice', 'bob', 'carol', 'dave'];
  for (const n of all) await waitInRoom(people.get(n), all);
  const frames = await mixKeepsDecoding(carol, 4, 'after erin left');
  await waitSfuFrom(people.get('alice'), ['bob', 'carol']);
  await waitSfuFrom(bob(), ['alice', 'carol']);
  assert.equal((await roomMedia()).mixers, 1, 'the mixer runs on for carol');
  say(t, `after erin came and went: carol decoded ${frames} mixed frames in 4 s`);
  // dave goes too: the room is back to alice, bob and carol
  const dave = people.get('dave');
  await dave.clickLeave();
  await dave.closeContext();
  people.delete('dave');
  for (const n of ['alice', 'bob', 'carol']) await waitInRoom(people.get(n), ['alice', 'bob', 'carol']);
  await mixKeepsDecoding(carol, 2, 'after dave left');
});

ctest('when the MCU participant leaves the mixer is gone and the element count is the SFU-only figure', async (t) => {
  const carol = people.get('carol');
  await carol.clickLeave();
  await waitInRoom(people.get('alice'), ['alice', 'bob']);
  const media = await waitFor(async () => {
    const m = await roomMedia();
    return m.mixers === 0 && m.elements === sfuElements && m;
  }, { timeout: 10_000, what: `no mixer and the SFU-only ${sfuElements} elements` });
  say(t, `after carol left: ${JSON.stringify(media)} (SFU-only figure ${sfuElements})`);
  await carol.closeContext();
  await waitSfuFrom(people.get('alice'), ['bob']);
  await waitSfuFrom(people.get('bob'), ['alice']);
  for (const n of ['alice', 'bob']) await people.get(n).clickLeave();
});
