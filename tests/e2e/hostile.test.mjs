// A hostile client against a running call (issue 11, "Must show"): two
// Chromium participants hold a call through the project's page while a
// third client, a scripted WebSocket, sends everything a server on the
// open Internet must survive.  Each attack gets its code (PROTOCOL.md and
// data/hyperconf.conf's limits), the refusal is counted in /metrics, the
// server's RSS stays within twice its starting figure plus 200 MB, and
// both browsers keep decoding each other's video and receiving audio
// between every two attacks.
//
//   node --test tests/e2e/hostile.test.mjs     (HYPERCONF_BIN, CHROMIUM_BIN optional)
//
// The server has an [auth] secret (the browsers join with valid tokens in
// the page's URL), an [admin] secret, and frames of up to 2 MiB, so that
// a 1 MB SDP reaches the SDP limit rather than the frame limit.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startServer } from './lib/server.mjs';
import { Client } from './lib/client.mjs';
import { launchBrowser, openParticipant } from './lib/browser.mjs';
import { storySteps } from './lib/story.mjs';
import { waitInRoom, waitMediaFrom } from './lib/room.mjs';
import {
  SESSION, SM, REGISTRY, newRuntime, expectCode, withHyperty, jwt, joinCode,
} from './lib/rethink.mjs';

const ROOM = `hostile-${randomUUID().slice(0, 8)}`;
const AUTH_SECRET = 'hostile-join-secret-0123456789';
const ADMIN_SECRET = 'hostile-admin-secret-0123456789';
const FRAME_LIMIT = 2 * 1024 * 1024;
const PER_IP = 100; // [node] max-sessions-per-ip, its default
const CONFIG = `[server]
max-frame-size=${FRAME_LIMIT}
[node]
grace-period-ms=2000
[auth]
secret=${AUTH_SECRET}
[admin]
secret=${ADMIN_SECRET}
`;

let server;
let browser;
/** name -> participant (lib/browser.mjs) */
const people = new Map();
const sockets = [];
let rssStart;
let roomUrl;

const step = storySteps({ server: () => server, people: () => people.values(), timeout: 60_000 });

const token = (sub, room = ROOM, secret = AUTH_SECRET) =>
  jwt({ room, sub, exp: Math.floor(Date.now() / 1000) + 600 }, { secret });

before(async () => {
  server = await startServer({ config: CONFIG });
  browser = await launchBrowser();
});

after(async () => {
  await Promise.all(sockets.map((c) => c.close()));
  await browser?.close().catch(() => {});
  await server?.stop();
});

// ---------------------------------------------------------------------------
// What must hold after every attack.

/** The server's resident memory in kB, from /proc/<pid>/status. */
function rssKb() {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]);
}

/** hyperconf_limit_refusals_total{limit=...} of /metrics, by limit. */
async function refusals() {
  const text = await (await fetch(new URL('/metrics', server.httpUrl))).text();
  const counts = {};
  for (const m of text.matchAll(/^hyperconf_limit_refusals_total\{limit="([a-z-]+)"\} (\d+)$/gm)) {
    counts[m[1]] = Number(m[2]);
  }
  return counts;
}

/** Runs an attack and checks what the limit counted for it. */
async function counted(limit, attack) {
  const before = (await refusals())[limit];
  assert.equal(typeof before, 'number', `/metrics counts limit="${limit}"`);
  await attack();
  const after = (await refusals())[limit];
  assert.ok(after > before, `limit="${limit}" counted (${before} -> ${after})`);
}

/** The server is up, small, and the call's media flows both ways. */
async function callSurvives(t, what) {
  const health = await fetch(new URL('/healthz', server.httpUrl));
  assert.equal(health.status, 200, `/healthz after ${what}`);
  const rss = rssKb();
  t.diagnostic(`after ${what}: server RSS ${Math.round(rss / 1024)} MB (start ${Math.round(rssStart / 1024)} MB)`);
  assert.ok(rss <= 2 * rssStart + 200 * 1024,
    `RSS ${rss} kB within 2 x ${rssStart} kB + 200 MB after ${what}`);
  const [alice, bob] = [people.get('alice'), people.get('bob')];
  await Promise.all([waitMediaFrom(alice, [bob]), waitMediaFrom(bob, [alice])]);
}

async function connect(name) {
  const client = await Client.connect(server.wsUrl, name);
  sockets.push(client);
  return client;
}

/** A hostile client with a session and a hyperty address. */
const hostile = async (name) => withHyperty(await connect(name));

// ---------------------------------------------------------------------------
// The story.

step('two browsers join a token-protected room and see and hear each other', async (t) => {
  for (const name of ['alice', 'bob']) {
    const p = await openParticipant(browser, server, { name, room: ROOM, query: { token: token(name) } });
    people.set(name, p);
    await p.join();
  }
  for (const p of people.values()) await waitInRoom(p, ['alice', 'bob']);
  roomUrl = (await people.get('alice').state()).roomUrl;
  rssStart = rssKb();
  await callSurvives(t, 'the joins');
});

step('random bytes in a binary frame: close 1003', async (t) => {
  const c = await connect('bytes');
  c.sendRaw(randomBytes(4096), { binary: true });
  assert.equal((await c.waitClosed({ what: 'close 1003' })).code, 1003);
  await callSurvives(t, 'random bytes');
});

step('a 10 MB frame: close 1009', async (t) => {
  await counted('frame-size', async () => {
    const c = await connect('huge');
    c.sendRaw('x'.repeat(10 * 1024 * 1024));
    assert.equal((await c.waitClosed({ what: 'close 1009', timeout: 10_000 })).code, 1009);
  });
  await callSurvives(t, 'a 10 MB frame');
});

step('JSON nested 10,000 levels deep: dropped unparsed, the socket stays open', async (t) => {
  const c = await hostile('deep');
  await counted('json-depth', async () => {
    c.sendRaw(`{"id":1,"type":"read","from":"${c.runtime}","to":"${REGISTRY}","body":` +
      `${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    await c.flush(); // a later request is answered: the frame was dropped
  });
  assert.ok(c.isOpen, 'the socket stays open (PROTOCOL.md §1)');
  assert.deepEqual(c.unconsumed(), [], 'nothing answers a frame that is not parsed');
  await callSurvives(t, 'deep JSON');
});

step('10,000 messages in one burst: 429s, then close 1008', async (t) => {
  const c = await hostile('burst');
  await counted('rate-close', async () => {
    for (let i = 0; i < 10_000; i++) {
      c.send({ id: 100 + i, type: 'read', from: c.hyperty, to: REGISTRY,
        body: { resource: `user://localhost/nobody-${i}` } });
    }
    assert.equal((await c.waitClosed({ what: 'close 1008', timeout: 20_000 })).code, 1008);
  });
  const codes = c.frames.filter((f) => f.message?.type === 'response').map((f) => f.message.body.code);
  const limited = codes.filter((code) => code === 429).length;
  t.diagnostic(`burst: ${codes.length - limited} answered, ${limited} refused with 429, then 1008`);
  assert.ok(limited > 0, 'some were answered 429 before the close');
  assert.ok(codes.length < 10_000, 'the socket closed before the burst was through');
  await callSurvives(t, 'the burst');
});

step('spoofed from addresses: 403', async (t) => {
  const c = await hostile('spoof');
  const config = await (await fetch(new URL('/config.json', server.httpUrl))).json();
  const alice = Object.values((await people.get('alice').state()).participants)
    .find((p) => p.username === 'alice');
  for (const from of [alice.hyperty, config.conferenceHyperty, `${alice.hyperty}/subscription`]) {
    await expectCode(c, { type: 'read', from, to: REGISTRY, body: { resource: 'user://localhost/x' } }, 403);
  }
  await expectCode(c, { type: 'update', from: alice.hyperty, to: `${roomUrl}/changes`,
    body: { version: 99, attribute: 'status', value: 'closed' } }, 403);
  await callSurvives(t, 'spoofed addresses');
});

step('updates and deletes of an object it does not report: 403', async (t) => {
  const c = await hostile('updater');
  await expectCode(c, { type: 'update', from: c.hyperty, to: `${roomUrl}/changes`,
    body: { version: 99, source: c.hyperty, attribute: 'status', value: 'closed' } }, 403);
  await expectCode(c, { type: 'delete', from: c.hyperty, to: `${roomUrl}/changes` }, 403);
  const room = await people.get('alice').state();
  assert.equal(Object.keys(room.participants).length, 2, 'the room object is unchanged');
  await callSurvives(t, 'foreign updates');
});

step('a join with a 1 MB SDP, and one with 1,000 m-lines: 400', async (t) => {
  const c = await hostile('sdp');
  const line = `a=x-padding:${'0123456789'.repeat(9)}\r\n`;
  const big = `v=0\r\n${line.repeat(Math.ceil((1024 * 1024) / line.length))}`;
  assert.ok(big.length >= 1024 * 1024);
  await counted('sdp-size', async () => {
    assert.equal(await joinCode(c, server.httpUrl, ROOM, { token: token('eve'), sdp: big }), 400);
  });
  let many = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
  for (let i = 0; i < 1000; i++) many += `m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:${i}\r\n`;
  await counted('sdp-media', async () => {
    assert.equal(await joinCode(c, server.httpUrl, ROOM, { token: token('eve'), sdp: many }), 400);
  });
  await callSurvives(t, 'oversized SDPs');
});

step('a subscription to 10,000 addresses: 400', async (t) => {
  const c = await hostile('subscriber');
  const resources = Array.from({ length: 10_000 }, (_, i) => `hyperty://localhost/h${i}/changes`);
  await counted('resources', async () => {
    await expectCode(c, { type: 'subscribe', from: `${c.runtime}/sm`, to: SM, body: { resources } }, 400);
  });
  await callSurvives(t, '10,000 subscriptions');
});

step('a join with a forged token: 401; the admin API without its secret: 401', async (t) => {
  const c = await hostile('forger');
  const forged = token('mallory', ROOM, 'not-the-secret-0123456789');
  assert.equal(await joinCode(c, server.httpUrl, ROOM, { token: forged }), 401);
  const rooms = new URL('/admin/rooms', server.httpUrl);
  assert.equal((await fetch(rooms)).status, 401, 'no Authorization');
  assert.equal((await fetch(rooms, { headers: { Authorization: 'Bearer guess-0123456789abcdef' } })).status,
    401, 'a wrong secret');
  const removal = await fetch(new URL(`/admin/rooms/${ROOM}`, server.httpUrl), { method: 'DELETE' });
  assert.equal(removal.status, 401, 'closing the room without the secret');
  // The operator, with the secret, still sees both in the room.
  const listed = await (await fetch(rooms, { headers: { Authorization: `Bearer ${ADMIN_SECRET}` } })).json();
  const ours = listed.rooms.find((r) => r.name === ROOM);
  assert.equal(ours?.participants.length, 2, `the admin API lists both: ${JSON.stringify(listed).slice(0, 500)}`);
  await callSurvives(t, 'forged credentials');
});

step('500 sessions from one address: refused past the per-IP limit with 503 / 1013', async (t) => {
  /** Connects and opens; resolves with what happened. */
  async function tryOpen(i) {
    const c = await Client.connect(server.wsUrl, `s${i}`, { timeout: 20_000 });
    sockets.push(c);
    c.runtime = newRuntime();
    c.send({ id: 1, type: 'open', from: c.runtime, to: SESSION });
    const res = await c.next((m) => m.type === 'response' && m.id === 1, { timeout: 20_000 })
      .catch(() => null);
    if (res?.body?.code === 200) return { c, code: 200 };
    const closed = await c.waitClosed({ timeout: 20_000 });
    return { c, code: res?.body?.code ?? null, close: closed.code };
  }
  const results = [];
  await counted('sessions-per-ip', async () => {
    // In waves of 100 at once, so that a slow server (a sanitizer build)
    // answers each socket within the wait.
    for (let wave = 0; wave < 5; wave++) {
      results.push(...await Promise.all(Array.from({ length: 100 }, (_, i) => tryOpen(wave * 100 + i))));
    }
  });
  const opened = results.filter((r) => r.code === 200);
  const refused = results.filter((r) => r.code !== 200);
  t.diagnostic(`500 opens: ${opened.length} sessions, ${refused.length} refused ` +
    `(${refused.filter((r) => r.code === 503).length} of them answered 503 first)`);
  assert.ok(opened.length <= PER_IP, `at most ${PER_IP} sessions from one address`);
  assert.ok(refused.length >= 500 - PER_IP, `${refused.length} refused`);
  for (const r of refused) {
    assert.equal(r.close, 1013, 'every refused socket is closed with 1013 (try again later)');
    assert.ok(r.code === null || r.code === 503, `an answered open is 503, not ${r.code}`);
  }
  // Closing them frees the places: a new session opens.
  await Promise.all(opened.map(async (r) => {
    r.c.send({ id: 2, type: 'close', from: r.c.runtime, to: SESSION });
    await r.c.close();
  }));
  await Promise.all(results.map((r) => r.c.close()));
  const again = await connect('again');
  await expectCode(again, { type: 'open', from: newRuntime(), to: SESSION }, 200);
  await callSurvives(t, '500 sessions');
});
