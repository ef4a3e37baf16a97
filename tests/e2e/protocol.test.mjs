// End-to-end protocol test: the real hyperconf binary on a free loopback
// port, and scripted WebSocket clients speaking /work/shared/PROTOCOL.md
// (§1-8) message by message.  Each test names the § it checks.
//
//   HYPERCONF_BIN=build/src/app/hyperconf node --test tests/e2e/protocol.test.mjs
//   HC_WRAPPER="valgrind --leak-check=full --error-exitcode=99" ... (slow, timeouts scaled)
//
// Ids: every client counts its ids from 1, as runtimes do, so the two
// sessions of a test use the same ids at the same time; whatever arrives on
// a socket must have been routed there by its `to` (§2), never by its id.

import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, ms } from './lib/server.mjs';
import { Client, sleep } from './lib/client.mjs';
import {
  DOMAIN, SESSION, NODE, ALLOCATION, SM, REGISTRY, SCHEMA, newRuntime, brief,
  assertResponse, expectCode, openSession, allocate, metadata, b64url,
  jwt as mintJwt, joinCode as join,
} from './lib/rethink.mjs';

const CONFERENCE_USER = `user://${DOMAIN}/conference`;

// Time A's socket is given to be noticed as gone by the server before B
// sends to A: a frame written to a socket that died unnoticed is lost by
// any server, so the test must not race that.
const DROP_NOTICE_MS = ms(300);

const unknownHyperty = () => `hyperty://${DOMAIN}/e2e-unknown-${randomUUID()}`;

// ---------------------------------------------------------------------------
// Fixtures.  The tests are flat (no describe blocks) so that the TAP that
// `node --test --test-reporter=tap` prints has no nested subtests, which
// meson's TAP parser does not understand.  Two servers run side by side:
// `main` with the default grace period and `short` with a short one for the
// expiry tests.  Clients are closed after every test.

function serverFixture(name, config) {
  const ctx = { name, config, server: null, clients: [] };
  ctx.start = async () => { ctx.server = await startServer({ config }); };
  ctx.closeClients = async () => {
    const clients = ctx.clients.splice(0);
    await Promise.all(clients.map((c) => c.close()));
    // §1: every frame the server sends is one JSON text.
    for (const c of clients) {
      assert.deepEqual(c.badFrames().map((f) => String(f.data).slice(0, 200)), [],
        `${c.name} received frames that are not one JSON text`);
    }
  };
  ctx.connect = async (clientName) => {
    assert.ok(ctx.server, `the ${name} server did not start`);
    const client = await Client.connect(ctx.server.wsUrl, clientName);
    ctx.clients.push(client);
    return client;
  };
  return ctx;
}

// The default grace period, written out (scaled under a wrapper such as
// valgrind, so that a slow server still re-opens in time).
const main = serverFixture('main', `[node]\ngrace-period-ms=${ms(10_000)}\n`);
const GRACE_MS = ms(500);
const short = serverFixture('short-grace', `[node]\ngrace-period-ms=${GRACE_MS}\n`);

// A third server whose rooms need a join token (§9.2, [auth] secret).
const AUTH_SECRET = 'e2e-join-secret-0123456789';
const auth = serverFixture('auth', `[auth]\nsecret=${AUTH_SECRET}\n`);

before(() => Promise.all([main.start(), short.start(), auth.start()]));
afterEach(async () => {
  await main.closeClients();
  await short.closeClients();
  await auth.closeClients();
});
// Normally the last test has stopped them; this covers an aborted run and
// still reports an unclean exit.
after(async () => {
  const results = await Promise.allSettled([main.server?.stop(), short.server?.stop(),
    auth.server?.stop()]);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
});

/** test() that appends the server's stderr of that test to a failure. */
function hcTest(ctx, name, fn) {
  test(name, async (t) => {
    const mark = ctx.server?.stderrMark ?? 0;
    try {
      await fn(t);
    } catch (error) {
      const log = ctx.server?.stderrSince(mark) ?? '';
      const note = `\n--- hyperconf stderr during this test ---\n${log.slice(-8000) || '(empty)'}`;
      // Reporters print the stack (computed when the error was made), which
      // already holds the message: extend both.
      if (error && typeof error === 'object') {
        try {
          error.message += note;
          if (typeof error.stack === 'string') error.stack += note;
        } catch { /* frozen error: keep the original */ }
      }
      throw error;
    }
  });
}

// ---------------------------------------------------------------------------
// Protocol helpers.

/** §5 subscribe at the node, in the given body form. */
async function nodeSubscribe(client, resources, { form = 'resources', source } = {}) {
  return expectCode(client, {
    type: 'subscribe', from: `${client.runtime}/sm`, to: SM,
    body: { [form]: resources, ...(source ? { source } : {}) },
  }, 200);
}

async function nodeUnsubscribe(client, body) {
  return expectCode(client, {
    type: 'unsubscribe', from: `${client.runtime}/sm`, to: SM, body,
  }, 200);
}

/**
 * §3 close.  Whether close is answered is not specified; when it is, the
 * answer must be a 200.
 */
async function closeSession(client, from = client.runtime) {
  const req = client.send({ id: client.nextId(), type: 'close', from, to: SESSION });
  await client.flush(); // answered 401 once the session is gone: a sentinel all the same
  const answer = client.unconsumed().find((m) => m.type === 'response' && m.id === req.id);
  if (answer) assertResponse(answer, req, 200);
  await client.drain();
}

/** A connected client with an open session and one hyperty address. */
async function participant(ctx, name) {
  const client = await ctx.connect(name);
  await openSession(client);
  [client.hyperty] = await allocate(client);
  return client;
}

/**
 * Asserts that `client` got nothing more: `after` (the sender) is flushed
 * first so the node has handled everything it sent, then `client` is, so
 * anything routed to it is already in its inbox.
 */
async function assertNothingMore(client, after) {
  if (after && after !== client) await after.flush();
  const extra = await client.drain();
  assert.deepEqual(extra, [], `${client.name} received unexpected messages`);
}

/**
 * Fresh A and B, A reporting an object B observes at the node
 * (<url>/changes, §5).  Returns the object's url.
 */
async function observedObject(ctx) {
  const A = await participant(ctx, 'A');
  const B = await participant(ctx, 'B');
  const [url] = await allocate(A, { scheme: 'connection' });
  await nodeSubscribe(B, [`${url}/changes`], { source: B.hyperty });
  return { A, B, url };
}

const updateFrom = (A, url, version, extra) => ({
  id: A.nextId(), type: 'update', from: url, to: `${url}/changes`,
  body: { version, source: A.hyperty, ...extra },
});

// ===========================================================================

hcTest(main, '§3 open: 200 with a runtimeToken, two sessions', async () => {
  const A = await main.connect('A');
  const B = await main.connect('B');
  // Both open with id 1 at once: each response must reach its own socket.
  const [ra, rb] = await Promise.all([openSession(A), openSession(B)]);
  assert.equal(ra.id, 1);
  assert.equal(rb.id, 1);
  assert.notEqual(ra.body.runtimeToken, rb.body.runtimeToken, 'tokens differ per session');
  await assertNothingMore(A);
  await assertNothingMore(B);
});

hcTest(main, '§3/§2 a message before open is answered 401 (dropped without an id)', async () => {
  const C = await main.connect('C');
  const runtime = newRuntime();
  await expectCode(C, {
    type: 'create', from: `${runtime}/address-allocation`, to: ALLOCATION,
    body: { scheme: 'hyperty', value: { number: 1 } },
  }, 401);
  // 401 comes before 400 (§2 order of checks): a bad type is still 401.
  await expectCode(C, { type: 'bogus', from: runtime, to: REGISTRY }, 401);
  // Without an id: dropped, no answer.
  C.send({ type: 'read', from: runtime, to: REGISTRY, body: { resource: CONFERENCE_USER } });
  await assertNothingMore(C);
  // The socket is still usable: open now works.
  await openSession(C, runtime);
  await allocate(C);
});

hcTest(main, '§2 envelope errors are answered 400, echoing from as to', async () => {
  const A = await main.connect('A');
  await openSession(A);
  const rt = A.runtime;
  const cases = [
    ['missing type', { from: rt, to: REGISTRY }],
    ['type not in the list', { type: 'bogus', from: rt, to: REGISTRY }],
    ['type not lower case', { type: 'READ', from: rt, to: REGISTRY }],
    ['missing to', { type: 'read', from: rt }],
    ['to of the wrong type', { type: 'read', from: rt, to: 42 }],
    ['to an array of two', { type: 'read', from: rt, to: [REGISTRY, REGISTRY] }],
    ['to an array of a number', { type: 'read', from: rt, to: [7] }],
    ['from of the wrong type', { type: 'read', from: { url: rt }, to: REGISTRY }],
    ['body a string', { type: 'read', from: rt, to: REGISTRY, body: 'resource' }],
    ['body an array', { type: 'read', from: rt, to: REGISTRY, body: [CONFERENCE_USER] }],
    ['type of the wrong type', { type: 3, from: rt, to: REGISTRY }],
  ];
  for (const [label, fields] of cases) {
    const req = { id: A.nextId(), ...fields };
    const res = await A.request(req);
    const context = `${label}: request ${brief(req)} response ${brief(res)}`;
    assert.equal(res.body?.code, 400, context);
    assert.deepEqual(res.to, req.from, `400 echoes from as to (§2): ${context}`);
    assert.equal(typeof res.body.desc, 'string', `body.desc (§2): ${context}`);
  }
  // Missing from: answered 400 all the same; there is no from to echo.
  const req = { id: A.nextId(), type: 'read', to: REGISTRY };
  const res = await A.request(req);
  assert.equal(res.body?.code, 400, `missing from: ${brief(res)}`);
  assert.equal(res.to ?? null, null, `missing from: the 400 has no to: ${brief(res)}`);

  // String ids are echoed unchanged.
  const sres = await A.request({ id: 'req-7', type: 'bogus', from: rt, to: REGISTRY });
  assert.equal(sres.id, 'req-7');
  assert.equal(sres.body?.code, 400);

  // No integer or string id: dropped without an answer.
  A.send({ type: 'bogus', from: rt, to: REGISTRY });
  A.send({ id: { n: 1 }, type: 'bogus', from: rt, to: REGISTRY });
  A.send({ id: true, from: rt, to: REGISTRY });
  await assertNothingMore(A);

  // `to` MAY be an array of exactly one string.
  const ok = await expectCode(A, {
    type: 'create', from: `${rt}/address-allocation`, to: [ALLOCATION], body: { value: { number: 1 } },
  }, 200);
  assert.equal(ok.body.value.allocated.length, 1);
  // A string id works for a valid request too.
  const sok = await A.request({
    id: 'alloc-1', type: 'create', from: `${rt}/address-allocation`, to: ALLOCATION, body: {},
  });
  assert.equal(sok.id, 'alloc-1');
  assert.equal(sok.body?.code, 200, brief(sok));
});

hcTest(main, '§4 address allocation: schemes, numbers, release', async () => {
  const A = await main.connect('A');
  await openSession(A);
  const B = await participant(main, 'B');

  const [hyperty] = await allocate(A); // no scheme: hyperty
  const explicit = await allocate(A, { scheme: 'hyperty', number: 1 });
  const conns = await allocate(A, { scheme: 'connection', number: 2 });
  await allocate(A, { scheme: 'comm', number: 1 });
  await allocate(A, { scheme: 'hyperty', number: 16 });
  assert.notEqual(hyperty, explicit[0]);

  const from = `${A.runtime}/address-allocation`;
  for (const [label, body] of [
    ['bad scheme', { scheme: 'foo', value: { number: 1 } }],
    ['scheme runtime', { scheme: 'runtime', value: { number: 1 } }],
    ['number 17', { scheme: 'connection', value: { number: 17 } }],
    ['number 0', { scheme: 'hyperty', value: { number: 0 } }],
    ['number -1', { value: { number: -1 } }],
  ]) {
    const req = { id: A.nextId(), type: 'create', from, to: ALLOCATION, body };
    const res = await A.request(req);
    assert.equal(res.body?.code, 400, `${label}: ${brief(res)}`);
    assertResponse(res, req, 400);
  }

  // Release at each of the three component names (§4).
  const [r1, r2, r3] = await allocate(A, { scheme: 'hyperty', number: 3 });
  await expectCode(A, { type: 'delete', from, to: ALLOCATION, body: { resource: r1 } }, 200);
  await expectCode(A, {
    type: 'delete', from, to: `${NODE}/object-address-allocation`, body: { resource: conns[0] },
  }, 200);
  await expectCode(A, {
    type: 'delete', from, to: `${NODE}/hyperty-address-allocation`, body: { childrenResources: [r2, r3] },
  }, 200);
  for (const gone of [r1, r2, r3, conns[0]]) {
    await expectCode(B, { type: 'create', from: B.hyperty, to: gone, body: {} }, 404);
  }
  // What was not released still routes to A.
  const msg = B.send({ id: B.nextId(), type: 'create', from: B.hyperty, to: conns[1], body: { x: 1 } });
  assert.deepEqual(await A.nextOfType('create', { to: conns[1] }), msg);
  await assertNothingMore(A);
});

hcTest(main, '§7 registry lookup of the server conference hyperty', async () => {
  const A = await participant(main, 'A');
  const criteria = { resources: ['audio', 'video'], dataSchemes: ['connection'] };
  const lookup = (body) => ({ type: 'read', from: A.hyperty, to: REGISTRY, body });

  const findConference = (res) => {
    const value = res.body.value;
    assert.equal(typeof value, 'object', `value is an object keyed by hyperty URL: ${brief(res)}`);
    const entries = Object.entries(value ?? {})
      .filter(([, e]) => typeof e?.descriptor === 'string' && e.descriptor.endsWith('ServerConference'));
    assert.equal(entries.length, 1, `one ServerConference entry in ${brief(res)}`);
    const [key, entry] = entries[0];
    assert.match(key, new RegExp(`^hyperty://${DOMAIN}/[^/]+$`));
    assert.equal(entry.url, key, 'entry.url equals its key');
    for (const r of ['audio', 'video']) assert.ok(entry.resources?.includes(r), `resources has ${r}`);
    assert.ok(entry.dataSchemes?.includes('connection'), 'dataSchemes has connection');
    assert.equal(entry.status, 'live');
    return key;
  };

  const bare = await expectCode(A, lookup({ resource: CONFERENCE_USER, criteria }), 200);
  const url = findConference(bare);
  const path = await expectCode(A,
    lookup({ resource: `/hyperty/user/${CONFERENCE_USER}`, criteria }), 200);
  assert.equal(findConference(path), url, 'both lookup forms find the same hyperty');
  const noCriteria = await expectCode(A, lookup({ resource: CONFERENCE_USER }), 200);
  assert.equal(findConference(noCriteria), url);

  for (const body of [
    { resource: CONFERENCE_USER, criteria: { resources: ['audio', 'video', 'hologram'] } },
    { resource: CONFERENCE_USER, criteria: { resources: ['audio'], dataSchemes: ['no-such-scheme'] } },
    { resource: `/hyperty/user/${CONFERENCE_USER}`, criteria: { dataSchemes: ['connection', 'x'] } },
    { resource: `user://${DOMAIN}/nobody-${randomUUID()}`, criteria },
  ]) {
    await expectCode(A, lookup(body), 404);
  }
});

hcTest(main, '§7 registry: a hyperty registers, is found, keeps alive', async () => {
  const A = await participant(main, 'A');
  const B = await participant(main, 'B');
  const user = `user://${DOMAIN}/alice-${randomUUID()}`;
  await expectCode(A, {
    type: 'create', from: A.hyperty, to: REGISTRY,
    body: {
      value: {
        user, descriptor: `hyperty-catalogue://catalogue.${DOMAIN}/.well-known/hyperty/E2ETester`,
        url: A.hyperty, resources: ['chat'], dataSchemes: ['comm'], runtime: A.runtime,
        status: 'live', expires: 3600,
      },
    },
  }, 200);
  const found = await expectCode(B, {
    type: 'read', from: B.hyperty, to: REGISTRY,
    body: { resource: user, criteria: { resources: ['chat'], dataSchemes: ['comm'] } },
  }, 200);
  assert.equal(found.body.value?.[A.hyperty]?.url, A.hyperty, brief(found));
  assert.ok(found.body.value[A.hyperty].descriptor.endsWith('E2ETester'));
  await expectCode(B, {
    type: 'read', from: B.hyperty, to: REGISTRY,
    body: { resource: `/hyperty/user/${user}`, criteria: { resources: ['audio'] } },
  }, 404);
  await expectCode(A, {
    type: 'update', from: A.hyperty, to: REGISTRY,
    body: { resource: A.hyperty, value: { status: 'live' } },
  }, 200);
});

hcTest(main, '§2 responses are routed by to, not by id (ids repeat across sessions)', async () => {
  const A = await participant(main, 'A');
  const B = await participant(main, 'B');
  // Same request count so far: the next ids are equal.
  const id = A.nextId();
  assert.equal(B.nextId(), id);

  // Both ask the registry with the same id at once.
  const qa = { id, type: 'read', from: A.hyperty, to: REGISTRY, body: { resource: CONFERENCE_USER } };
  const qb = { ...qa, from: B.hyperty };
  A.send(qa);
  B.send(qb);
  // Both invite each other with the same id at once, and both answer.
  const id2 = A.nextId();
  assert.equal(B.nextId(), id2);
  const ca = A.send({ id: id2, type: 'create', from: A.hyperty, to: B.hyperty, body: { n: 'from A' } });
  const cb = B.send({ id: id2, type: 'create', from: B.hyperty, to: A.hyperty, body: { n: 'from B' } });
  assert.deepEqual(await B.nextOfType('create', { id: id2 }), ca);
  assert.deepEqual(await A.nextOfType('create', { id: id2 }), cb);
  A.send({ id: id2, type: 'response', from: A.hyperty, to: B.hyperty, body: { code: 200, value: 'A' } });
  B.send({ id: id2, type: 'response', from: B.hyperty, to: A.hyperty, body: { code: 200, value: 'B' } });

  const ra = await A.nextOfType('response', { id, to: A.hyperty });
  const rb = await B.nextOfType('response', { id, to: B.hyperty });
  assertResponse(ra, qa, 200);
  assertResponse(rb, qb, 200);
  const pa = await A.nextOfType('response', { id: id2 });
  const pb = await B.nextOfType('response', { id: id2 });
  assert.equal(pa.body.value, 'B', `A gets B's answer: ${brief(pa)}`);
  assert.equal(pb.body.value, 'A', `B gets A's answer: ${brief(pb)}`);
  await assertNothingMore(A, B);
  await assertNothingMore(B, A);
});

hcTest(main, '§5 node subscriptions: subscribe forms, fan-out, unsubscribe forms', async () => {
  const A = await participant(main, 'A');
  const B = await participant(main, 'B');
  const [url] = await allocate(A, { scheme: 'connection' });
  const changes = `${url}/changes`;
  let version = 0;
  const update = () => A.send(updateFrom(A, url, ++version, { attribute: 'status', value: `s${version}` }));

  // Nobody listens yet: dropped, not answered (§6.3).
  update();
  await assertNothingMore(A);

  for (const [subscribeForm, unsubscribeBody] of [
    ['resources', { unsubscribe: [changes] }],
    ['subscribe', { resource: url, childrenResources: [] }], // the Syncher's form
    ['resources', { resources: [changes] }],
  ]) {
    await nodeSubscribe(B, [changes], { form: subscribeForm, source: B.hyperty });
    const sent = update();
    assert.deepEqual(await B.nextOfType('update', { to: changes }), sent,
      `delivered after subscribe with body.${subscribeForm}`);
    await nodeUnsubscribe(B, unsubscribeBody);
    update();
    await assertNothingMore(B, A);
  }
  // Notifications are never answered (§6.3).
  await assertNothingMore(A);
});

hcTest(main, '§8 data object: invite, subscribe, updates, delete', async () => {
  const A = await participant(main, 'A');
  const B = await participant(main, 'B');
  const [url] = await allocate(A, { scheme: 'connection', number: 2 });
  const meta = metadata(A, url);
  const identity = { userProfile: { username: 'alice', cn: 'Alice' } };

  // Invitation: create from <url>/subscription to B's hyperty, value = metadata.
  const invite = A.send({
    id: A.nextId(), type: 'create', from: `${url}/subscription`, to: B.hyperty,
    body: { source: A.hyperty, schema: SCHEMA, identity, value: meta, via: 'runtime://x/protostub' },
  });
  assert.deepEqual(await B.nextOfType('create', { to: B.hyperty }), invite, 'invitation forwarded unchanged');
  const accept = B.send({
    id: invite.id, type: 'response', from: B.hyperty, to: `${url}/subscription`, body: { code: 200 },
  });
  assert.deepEqual(await A.nextOfType('response', { id: invite.id }), accept, 'A gets the answer');

  // Subscribe: first at the node to <url>/changes, then to the reporter.
  await nodeSubscribe(B, [`${url}/changes`], { source: B.hyperty });
  const subscribe = B.send({
    id: B.nextId(), type: 'subscribe', from: `${B.runtime}/sm`, to: `${url}/subscription`,
    body: { subscriber: B.hyperty, identity: { userProfile: { username: 'bob' } } },
  });
  assert.deepEqual(await A.nextOfType('subscribe', { to: `${url}/subscription` }), subscribe);
  const data = {
    scheme: 'connection', name: 'room-e2e', roomName: 'room-e2e', owner: A.hyperty,
    peer: B.hyperty, status: 'new', connectionDescription: { type: 'offer', sdp: 'v=0\r\n' },
    iceCandidates: [], participants: {},
  };
  const subscribed = A.send({
    id: subscribe.id, type: 'response', from: `${url}/subscription`, to: `${B.runtime}/sm`,
    body: { code: 200, schema: SCHEMA, value: { ...meta, data, version: 0 } },
  });
  assert.deepEqual(await B.nextOfType('response', { id: subscribe.id, to: `${B.runtime}/sm` }),
    subscribed, 'B gets the object');

  // Updates from <url> to <url>/changes, every field (known or not) unchanged.
  const changes = `${url}/changes`;
  const now = () => new Date().toISOString();
  const bodies = [
    { attribute: 'status', value: 'connecting', via: ['runtime://x/protostub'], lastModified: now() },
    { attribute: 'connectionDescription', value: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n' } },
    { attribute: 'participants.p7f3', value: { username: 'alice', publishing: { audio: true, video: false } }, lastModified: now() },
    { attribute: 'participants.p7f3.speaking', value: true },
    { attributeType: 'array', operation: 'add', attribute: 'iceCandidates.0',
      value: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
    { attributeType: 'array', operation: 'add', attribute: 'iceCandidates.1',
      value: [{ candidate: '', sdpMid: '0', sdpMLineIndex: 0 }] },
    { attributeType: 'array', operation: 'remove', attribute: 'iceCandidates.0', value: 1 },
    { attribute: 'participants.p7f3' }, // no value key: delete the attribute
    { attribute: 'activeSpeaker', value: null, mutual: false }, // null is a value
    { attribute: 'unicode', value: 'Zoë \u00e9\u4e2d\u{1F600} "quoted" \\ /' },
  ];
  const sent = bodies.map((extra, i) => A.send(updateFrom(A, url, i + 1, extra)));
  for (const [i, expected] of sent.entries()) {
    const got = await B.next((m) => m.type === 'update' && m.to === changes,
      { what: `update #${i + 1} (${expected.body.attribute})` });
    assert.deepEqual(got, expected, `update #${i + 1} arrives in order, unchanged`);
  }

  // Delete: from <url>/subscription to <url>/changes.
  const del = A.send({
    id: A.nextId(), type: 'delete', from: `${url}/subscription`, to: changes,
    body: { source: A.hyperty, resource: url },
  });
  assert.deepEqual(await B.nextOfType('delete', { to: changes }), del, 'B sees the delete');

  // Notifications got no answers; nothing else reached either side.
  await assertNothingMore(A, B);
  await assertNothingMore(B, A);
});

hcTest(main, '§8/§2 only the reporter may update; 403 for spoofed from; 404 for unknown to', async () => {
  const { A, B, url } = await observedObject(main);
  const changes = `${url}/changes`;

  // B (an observer) updates or deletes A's object: 403, not delivered.
  await expectCode(B, {
    type: 'update', from: B.hyperty, to: changes,
    body: { version: 1, source: B.hyperty, attribute: 'status', value: 'hijacked' },
  }, 403);
  await expectCode(B, {
    type: 'delete', from: B.hyperty, to: changes, body: { source: B.hyperty },
  }, 403);
  // Spoofing the object's own address as from: 403 as well.
  await expectCode(B, {
    type: 'update', from: url, to: changes,
    body: { version: 1, source: A.hyperty, attribute: 'status', value: 'hijacked' },
  }, 403);
  await expectCode(B, { type: 'delete', from: `${url}/subscription`, to: changes, body: {} }, 403);
  await assertNothingMore(B);

  // Spoofed from: A's hyperty, A's runtime, a foreign domain.
  for (const from of [A.hyperty, A.runtime, `${A.runtime}/sm`, 'hyperty://evil.example/x']) {
    await expectCode(B, { type: 'create', from, to: A.hyperty, body: { spoof: true } }, 403);
  }
  await assertNothingMore(A, B);

  // Unknown to: 404.
  await expectCode(B, { type: 'create', from: B.hyperty, to: unknownHyperty(), body: {} }, 404);
  await expectCode(B, { type: 'read', from: B.hyperty, to: `connection://${DOMAIN}/${randomUUID()}/subscription` }, 404);
  // Order of checks (§2): 403 before 404, 400 before 403.
  await expectCode(B, { type: 'create', from: A.hyperty, to: unknownHyperty(), body: {} }, 403);
  await expectCode(B, { type: 'bogus', from: A.hyperty, to: A.hyperty }, 400);
  // A response is never answered, even when it finds no route (§6.3).
  B.send({ id: 999, type: 'response', from: B.hyperty, to: unknownHyperty(), body: { code: 200 } });
  await assertNothingMore(B);
  await assertNothingMore(A, B);
});

hcTest(main, '§4 an unowned address of the domain is claimed by its first sender', async () => {
  const A = await participant(main, 'A');
  const B = await participant(main, 'B');
  const own = `hyperty://${DOMAIN}/${randomUUID()}`; // made by B's runtime itself
  const hello = B.send({ id: B.nextId(), type: 'create', from: own, to: A.hyperty, body: { hi: 1 } });
  assert.deepEqual(await A.nextOfType('create', { from: own }), hello, 'delivered, not 403');
  A.send({ id: hello.id, type: 'response', from: A.hyperty, to: own, body: { code: 200 } });
  await B.nextOfType('response', { id: hello.id, to: own });
  // Now B owns it: A may not send from it.
  await expectCode(A, { type: 'create', from: own, to: B.hyperty, body: {} }, 403);
  // And it is released with B's session.
  await closeSession(B);
  await expectCode(A, { type: 'create', from: A.hyperty, to: own, body: {} }, 404);
});

hcTest(main, '§3 re-open within the grace period delivers queued messages in order', async () => {
  const A = await participant(main, 'A');
  const B = await participant(main, 'B');
  const [bObject] = await allocate(B, { scheme: 'connection' });
  await nodeSubscribe(A, [`${bObject}/changes`], { source: A.hyperty });
  const { runtime, token, hyperty } = A;

  A.terminate();
  await sleep(DROP_NOTICE_MS);

  // Direct messages and a fan-out, interleaved, while A is away.
  const queued = [
    B.send({ id: B.nextId(), type: 'create', from: B.hyperty, to: hyperty, body: { n: 1 } }),
    B.send({ id: B.nextId(), type: 'update', from: bObject, to: `${bObject}/changes`,
      body: { version: 1, source: B.hyperty, attribute: 'status', value: 'x' } }),
    B.send({ id: B.nextId(), type: 'forward', from: B.hyperty, to: hyperty, body: { n: 2 } }),
    B.send({ id: B.nextId(), type: 'create', from: B.hyperty, to: `${runtime}/sm`, body: { n: 3 } }),
    B.send({ id: B.nextId(), type: 'create', from: B.hyperty, to: hyperty, body: { n: 4 } }),
  ];
  await assertNothingMore(B); // queued, not answered 404

  const A2 = await main.connect('A2');
  const req = { id: A2.nextId(), type: 're-open', from: `${runtime}/${token}`, to: SESSION };
  assertResponse(await A2.request(req), req, 200);
  A2.runtime = runtime;
  A2.hyperty = hyperty;

  for (const [i, expected] of queued.entries()) {
    const got = await A2.next((m) => m.type !== 'response',
      { what: `queued message #${i + 1} (${expected.type} to ${expected.to})` });
    assert.deepEqual(got, expected, `queued message #${i + 1} in order`);
  }
  // The session's addresses survived: A2 may answer from them, B gets it.
  A2.send({ id: queued[0].id, type: 'response', from: hyperty, to: B.hyperty, body: { code: 200 } });
  await B.nextOfType('response', { id: queued[0].id, to: B.hyperty });
  const live = B.send({ id: B.nextId(), type: 'create', from: B.hyperty, to: hyperty, body: { n: 5 } });
  assert.deepEqual(await A2.nextOfType('create', { id: live.id }), live);
  await assertNothingMore(A2, B);
});

hcTest(main, '§3 re-open with an unknown token or runtime is answered 404', async () => {
  const A = await participant(main, 'A');
  const C = await main.connect('C');
  await expectCode(C, { type: 're-open', from: `${A.runtime}/not-the-token`, to: SESSION }, 404);
  await expectCode(C, { type: 're-open', from: `${newRuntime()}/${A.token}`, to: SESSION }, 404);
  // A's session was not disturbed by the attempts.
  assert.ok(A.isOpen);
  await allocate(A);
});

hcTest(main, '§3 re-open while the old socket is open closes it with 4000', async () => {
  const A = await participant(main, 'A');
  const B = await participant(main, 'B');
  const A2 = await main.connect('A2');
  const req = { id: A2.nextId(), type: 're-open', from: `${A.runtime}/${A.token}`, to: SESSION };
  assertResponse(await A2.request(req), req, 200);
  const { code } = await A.waitClosed({ what: 'the old socket to close with 4000' });
  assert.equal(code, 4000, 'old socket close code');
  // The session lives on in A2 (the old socket's end starts no grace period).
  await sleep(DROP_NOTICE_MS);
  const msg = B.send({ id: B.nextId(), type: 'create', from: B.hyperty, to: A.hyperty, body: {} });
  assert.deepEqual(await A2.nextOfType('create', { id: msg.id }), msg);
});

hcTest(main, '§3 close ends the session: addresses released, observers get delete', async () => {
  const { A, B, url } = await observedObject(main);
  await closeSession(A, `${A.runtime}/${A.token}`);
  const del = await B.nextOfType('delete', { to: `${url}/changes` });
  assert.equal(del.from, `${url}/subscription`, brief(del));
  await expectCode(B, { type: 'create', from: B.hyperty, to: A.hyperty, body: {} }, 404);
  await expectCode(B, { type: 'create', from: B.hyperty, to: url, body: {} }, 404);
  // The token died with the session.
  const C = await main.connect('C');
  await expectCode(C, { type: 're-open', from: `${A.runtime}/${A.token}`, to: SESSION }, 404);
});

hcTest(main, '§3 an open of a live runtime URL from another socket is 409 and changes nothing', async () => {
  const { A, B, url } = await observedObject(main);
  const A2 = await main.connect('A2');
  await expectCode(A2, { type: 'open', from: A.runtime, to: SESSION }, 409);
  // A keeps its socket, its addresses and its observers.
  assert.ok(A.isOpen, 'the first session keeps its socket');
  const sent = B.send({ id: B.nextId(), type: 'create', from: B.hyperty, to: A.hyperty, body: {} });
  assert.equal((await A.nextOfType('create', { from: B.hyperty })).id, sent.id);
  await allocate(A);
  // B saw no delete of A's object; the refused socket has no session.
  await assertNothingMore(B, A);
  await expectCode(A2, { type: 'create', from: `${A.runtime}/address-allocation`, to: ALLOCATION, body: {} }, 401);
  // A's object still fans out to B.
  A.send(updateFrom(A, url, 1, { attribute: 'x', value: 1 }));
  await B.nextOfType('update', { to: `${url}/changes` });
});

hcTest(main, '§3 an open on the session\'s own socket ends it and starts a new one', async () => {
  const { A, B, url } = await observedObject(main);
  const oldToken = A.token;
  await openSession(A, A.runtime);
  assert.notEqual(A.token, oldToken, 'a new runtimeToken');
  const del = await B.nextOfType('delete', { to: `${url}/changes` });
  assert.equal(del.from, `${url}/subscription`, brief(del));
  await expectCode(B, { type: 'create', from: B.hyperty, to: A.hyperty, body: {} }, 404);
  await allocate(A); // the new session works
});

hcTest(main, '§4 a departed participant\'s address is 403 to another runtime, its own may reclaim it', async () => {
  const A = await participant(main, 'A');
  const B = await participant(main, 'B');
  const { runtime, hyperty } = A;
  await closeSession(A);
  const read = { type: 'read', from: hyperty, to: REGISTRY, body: { resource: `user://${DOMAIN}/nobody` } };
  const refused = await expectCode(B, read, 403);
  assert.match(refused.body.desc, /released/, brief(refused));
  await expectCode(B, { type: 'subscribe', from: `${B.runtime}/sm`, to: SM, body: { subscribe: [hyperty] } }, 403);
  // A's runtime, back with a new session, takes it again.
  const A2 = await main.connect('A2');
  await openSession(A2, runtime);
  await expectCode(A2, read, 404); // past the ownership check: no such user
  const sent = B.send({ id: B.nextId(), type: 'create', from: B.hyperty, to: hyperty, body: {} });
  assert.equal((await A2.nextOfType('create', { from: B.hyperty })).id, sent.id);
});

hcTest(main, '§1 frames: binary closes 1003, oversized closes 1009, junk text is dropped', async () => {
  const A = await participant(main, 'A');

  // Not JSON, or JSON but not an object: dropped, connection stays open.
  for (const junk of ['this is not json', '{"id":1,', '[1,2,3]',
    JSON.stringify([{ id: 1, type: 'read', from: A.runtime, to: REGISTRY }]),
    '42', '"text"', 'null', 'true', '']) {
    A.sendRaw(junk);
  }
  await assertNothingMore(A);
  assert.ok(A.isOpen, 'socket open after junk text');
  await allocate(A); // a following request is still answered

  const bin = await participant(main, 'binary');
  bin.sendRaw(Buffer.from(JSON.stringify({ id: 9, type: 'read', from: bin.runtime, to: REGISTRY })),
    { binary: true });
  assert.equal((await bin.waitClosed({ what: 'close 1003 after a binary frame' })).code, 1003);

  const big = await participant(main, 'big');
  const base = { id: 9, type: 'read', from: big.hyperty, to: REGISTRY, body: { pad: '' } };
  base.body.pad = 'x'.repeat(70000 - JSON.stringify(base).length);
  const text = JSON.stringify(base);
  assert.equal(Buffer.byteLength(text), 70000);
  big.sendRaw(text);
  assert.equal((await big.waitClosed({ what: 'close 1009 after a 70000-byte frame' })).code, 1009);

  // A frame just under the limit is fine: answered (404, no such route).
  const fits = await participant(main, 'fits');
  const near = { id: fits.nextId(), type: 'read', from: fits.hyperty, to: unknownHyperty(), body: { pad: '' } };
  near.body.pad = 'y'.repeat(60000);
  const res = await fits.request(near);
  assertResponse(res, near, 404);
});

// Short grace period (GRACE_MS, 500 ms unscaled).

hcTest(short, '§3 after the grace period the session ends and observers see delete', async () => {
  const { A, B, url } = await observedObject(short);
  const { hyperty, runtime, token } = A;
  const droppedAt = Date.now();
  A.terminate();

  const { message: del, at } = await B.next(
    (m) => m.type === 'delete' && m.to === `${url}/changes`,
    { what: `delete of ${url} after the grace period`, timeout: 3500, withTime: true });
  assert.equal(del.from, `${url}/subscription`, brief(del));
  // Not before the grace period (small slack for the clocks of two processes).
  assert.ok(at - droppedAt >= GRACE_MS - 50,
    `delete came ${at - droppedAt} ms after the drop, grace period is ${GRACE_MS} ms`);

  // Addresses released: 404 now.
  await expectCode(B, { type: 'create', from: B.hyperty, to: hyperty, body: {} }, 404);
  await expectCode(B, { type: 'create', from: B.hyperty, to: `${url}/subscription`, body: {} }, 404);
  // The token expired with it.
  const C = await short.connect('C');
  await expectCode(C, { type: 're-open', from: `${runtime}/${token}`, to: SESSION }, 404);
});

hcTest(short, '§3 an open of a runtime URL in its grace period is 409; re-open still works', async () => {
  const A = await participant(short, 'A');
  A.terminate();
  await sleep(DROP_NOTICE_MS);
  const A2 = await short.connect('A2');
  await expectCode(A2, { type: 'open', from: A.runtime, to: SESSION }, 409);
  const req = { id: A2.nextId(), type: 're-open', from: `${A.runtime}/${A.token}`, to: SESSION };
  assertResponse(await A2.request(req), req, 200);
  A2.runtime = A.runtime;
  await expectCode(A2, { type: 'create', from: A.hyperty, to: REGISTRY,
    body: { value: { user: `user://${DOMAIN}/a`, url: A.hyperty } } }, 200);
});

hcTest(short, '§3 re-open still works inside a short grace period', async () => {
  const A = await participant(short, 'A');
  A.terminate();
  await sleep(GRACE_MS / 5);
  const A2 = await short.connect('A2');
  const req = { id: A2.nextId(), type: 're-open', from: `${A.runtime}/${A.token}`, to: SESSION };
  assertResponse(await A2.request(req), req, 200);
  // Past the original deadline the session is still alive.
  await sleep(GRACE_MS + 200);
  A2.runtime = A.runtime;
  await expectCode(A2, {
    type: 'create', from: `${A.runtime}/address-allocation`, to: ALLOCATION, body: {},
  }, 200);
});

// Join tokens (§9.2 with [auth] secret): minted here with Node's own HMAC,
// so the server's JWT code is checked against another implementation.

function jwt(claims, { secret = AUTH_SECRET, header } = {}) {
  return mintJwt(claims, { secret, ...(header ? { header } : {}) });
}

/** The code of a §9.2 join into `room` (lib/rethink.mjs joinCode). */
const joinCode = (ctx, client, room, token) => join(client, ctx.server.httpUrl, room, { token });

hcTest(auth, '§9.2 a token-protected room: 401 without or with a bad token, 403 for another room or mode', async () => {
  const A = await participant(auth, 'A');
  const now = Math.floor(Date.now() / 1000);
  const claims = { room: 'vault', sub: 'Eve', exp: now + 60 };
  const cases = [
    ['no token', undefined, 401],
    ['an empty token', '', 401],
    ['garbage', 'not.a.jwt', 401],
    ['forged (another secret)', jwt(claims, { secret: 'not-the-secret-0123456789' }), 401],
    ['alg none', `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify(claims))}.`, 401],
    ['alg HS512', jwt(claims, { header: { alg: 'HS512' } }), 401],
    ['expired', jwt({ ...claims, exp: now - 5 }), 401],
    ['not yet valid', jwt({ ...claims, nbf: now + 600 }), 401],
    ['another room', jwt({ ...claims, room: 'other' }), 403],
    ['a mode not granted', jwt({ ...claims, mode: ['mcu'] }), 403],
    ['a valid token (then the bad SDP)', jwt(claims), 400],
    ['a valid wildcard token', jwt({ ...claims, room: '*', mode: 'sfu' }), 400],
  ];
  for (const [what, token, code] of cases) {
    assert.equal(await joinCode(auth, A, 'vault', token), code, what);
  }
});

// Last: SIGTERM must end each server cleanly, exit code 0.  Under
// HC_WRAPPER="valgrind ... --error-exitcode=99" this is where leaks show.
test('SIGTERM: every server exits with code 0', async () => {
  const results = await Promise.allSettled([main.server.stop(), short.server.stop(),
    auth.server.stop()]);
  const errors = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join('\n\n'));
});
