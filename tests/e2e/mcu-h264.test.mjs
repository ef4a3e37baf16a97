// End-to-end test of the H.264 mix (issue 9, `[mcu] video-codec=h264`):
// the real hyperconf binary with video-codec=h264, headless Chromium
// running the project's page.  An SFU publisher and an MCU participant:
// the MCU participant's one mixed video is H.264 (Chromium's own decoder)
// of the configured size, and its frames keep coming; the publisher's
// VP8 still reaches the SFU side as before.
//
//   node --test tests/e2e/mcu-h264.test.mjs      (HYPERCONF_BIN, CHROMIUM_BIN optional)
//
// The server refuses video-codec=h264 without an encoder (test-config
// /cli/h264-without-encoder); this test needs openh264enc and skips
// without it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { startServer, ms } from './lib/server.mjs';
import { launchBrowser, openParticipant, waitFor, counter } from './lib/browser.mjs';

const ROOM = `h264-${randomUUID().slice(0, 8)}`;
const WIDTH = 320;
const HEIGHT = 180;
const MIX = 'mix';

function haveEncoder() {
  try {
    execFileSync('gst-inspect-1.0', ['--exists', 'openh264enc']);
    return true;
  } catch {
    return false;
  }
}

const skip = haveEncoder() ? false : 'no openh264enc on this machine';
let server;
let browser;
const people = [];

before(async () => {
  if (skip) return;
  server = await startServer({
    // a short drain: the room may still be closing when the server stops
    config: `[server]\ndrain-timeout-ms=1000\n[mcu]\nwidth=${WIDTH}\nheight=${HEIGHT}\nframerate=15\nvideo-codec=h264\n`,
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

test('an MCU participant decodes the H.264 mix of the configured size', { skip, timeout: ms(180_000) }, async (t) => {
  try {
    const join = async (name, query = {}) => {
      const p = await openParticipant(browser, server, { name, room: ROOM, video: '320x240@15', query });
      people.push(p);
      await p.join();
      return p;
    };
    const alice = await join('alice');
    const carol = await join('carol', { mode: 'mcu' });
    // Frames rising between samples, on the one mixed video, in H.264.
    let before = await carol.stats();
    let last;
    const mix = await waitFor(async () => {
      const now = await carol.stats();
      const video = now.filter((s) => s.pid === MIX && s.kind === 'video' && s.active);
      last = video;
      const rising = counter(now, MIX, 'video', 'framesDecoded') > counter(before, MIX, 'video', 'framesDecoded');
      before = now;
      return rising && video.length === 1 && video[0].frameWidth === WIDTH && video[0].frameHeight === HEIGHT
        && video[0].codec && video[0];
    }, { timeout: ms(40_000), interval: 700, what: `carol decoding the ${WIDTH}x${HEIGHT} H.264 mix` })
      .catch((error) => {
        error.message += `\nlast: ${JSON.stringify(last)}`;
        throw error;
      });
    t.diagnostic(`carol <- mix: ${mix.codec}, ${mix.framesDecoded} frames ${mix.frameWidth}x${mix.frameHeight}`);
    assert.equal(mix.codec.toLowerCase(), 'video/h264', 'the mixed video is H.264');

    // The mix keeps decoding for a few seconds, and alice's own page still
    // publishes (its VP8 reaches the mixer, which is what carol sees).
    const frames = counter(await carol.stats(), MIX, 'video', 'framesDecoded');
    await new Promise((r) => setTimeout(r, ms(3_000)));
    const later = counter(await carol.stats(), MIX, 'video', 'framesDecoded');
    assert.ok(later > frames + 10, `the H.264 mix goes on: ${frames} -> ${later} frames in 3 s`);
    assert.equal((await alice.state()).status.phase, 'connected');
    for (const p of [carol, alice]) await p.clickLeave();
  } catch (error) {
    const pages = people.map((p) => p.dump()).join('\n');
    try {
      error.message += `\n${pages}\n--- hyperconf stderr ---\n${(server?.stderrSince(0) ?? '').slice(-4000)}`;
    } catch { /* frozen error */ }
    throw error;
  }
});
