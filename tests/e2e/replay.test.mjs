// Replay of a reTHINK runtime against the real hyperconf binary: the exact
// messages runtime-core 0.11 (vert.x protostub, service-framework Syncher)
// sends in its conference flow, message by message, with every response
// code checked against /work/shared/PROTOCOL.md §3-§8 (the shapes §7 and §8
// list).  Where each shape comes from in the runtime:
//
//   open, re-open, close ........ the vert.x protostub
//   <rt>/address-allocation ..... AddressAllocation._allocateNewAddress
//   <rt>/registry ............... DomainRegistration (registerHyperty,
//                                 registerDataObject, keep-alive timers,
//                                 unregisterHyperty, unregisterDataObject,
//                                 deleteDataObjectInstance), body.policy
//   <rt> (discovery) ............ Discovery.discoverHyperty
//   <rt>/sm ..................... SyncherManager, ReporterObject,
//                                 ObserverObject (node subscriptions,
//                                 subscribe/unsubscribe, object release at
//                                 .../object-address-allocation)
//   <url>, <url>/subscription ... DataObject._onChange (updates), ReporterObject
//                                 (invitations, delete without a body)
//
//   HYPERCONF_BIN=build/src/app/hyperconf node --test tests/e2e/replay.test.mjs

import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer } from './lib/server.mjs';
import { Client } from './lib/client.mjs';

const DOMAIN = 'localhost';
const NODE = `domain://msg-node.${DOMAIN}`;
const REGISTRY = `domain://registry.${DOMAIN}`;
const CONFERENCE_USER = `user://${DOMAIN}/conference`;
const CATALOGUE = `hyperty-catalogue://catalogue.${DOMAIN}/.well-known`;
const CONNECTION_SCHEMA = `${CATALOGUE}/dataschema/Connection`;
// Generous: a join sets up media, and the machine may be loaded (the
// first GStreamer start of a new build directory scans every plugin).
const WAIT_MS = 30_000;

let server;
const sockets = [];

before(async () => { server = await startServer(); });
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
});
after(async () => { await server?.stop(); });

const brief = (v) => {
  const text = JSON.stringify(v);
  return text.length > 500 ? `${text.slice(0, 500)}...` : text;
};

/**
 * One reTHINK runtime on one socket.  `request` sends a message in the
 * runtime's shape and checks its answer; every answer is kept in `codes`
 * as [what, code], so a test can show the whole exchange.
 */
class Runtime {
  static async start(name) {
    const runtime = new Runtime(await Client.connect(server.wsUrl, name), name);
    sockets.push(runtime.socket);
    return runtime;
  }

  constructor(socket, name) {
    this.socket = socket;
    this.name = name;
    this.url = `runtime://${DOMAIN}/${randomUUID()}`;
    this.codes = [];
  }

  get registry() { return `${this.url}/registry`; }

  get sm() { return `${this.url}/sm`; }

  /** Sends {type, from, to, body} and asserts the answer's code (§2). */
  async request(what, message, code = 200) {
    const sent = { id: this.socket.nextId(), ...message };
    const res = await this.socket.request(sent, { what: `the answer to ${what}`, timeout: WAIT_MS });
    const context = `${this.name}: ${what}\nrequest ${brief(sent)}\nresponse ${brief(res)}`;
    this.codes.push([what, res.body?.code]);
    assert.equal(res.body?.code, code, context);
    assert.equal(res.from, sent.to, `response from = request to (§2)\n${context}`);
    assert.equal(res.to, sent.from, `response to = request from (§2)\n${context}`);
    return res;
  }

  /** Answers a request this runtime received (§2). */
  answer(request, body = { code: 200 }) {
    this.socket.send({ id: request.id, type: 'response', from: request.to, to: request.from, body });
  }

  /** Waits for a message of `type` to `to`. */
  receive(type, to, what = `a ${type} to ${to}`) {
    return this.socket.next((m) => m.type === type && m.to === to, { what, timeout: WAIT_MS });
  }

  /** Error responses this socket received (but the 404s that answer
   *  Client.flush's sentinel reads). */
  errors() {
    return this.socket.frames.map((f) => f.message)
      .filter((m) => m?.type === 'response' && m.body?.code >= 400 &&
        !String(m.from).startsWith(`hyperty://${DOMAIN}/e2e-flush-`));
  }

  // ---- §3 session, §4 allocation -------------------------------------

  async open() {
    const res = await this.request('open', { type: 'open', from: this.url, to: 'mn:/session' });
    assert.equal(typeof res.body.runtimeToken, 'string');
    this.socket.runtime = this.url; // Client.flush sends from it
  }

  async close() {
    await this.request('close', { type: 'close', from: this.url, to: 'mn:/session' });
  }

  /** AddressAllocation: no scheme for hyperties; `component` names the
   *  vert.x node's allocation component. */
  async allocate(scheme, component = 'address-allocation', from = `${this.url}/address-allocation`) {
    const body = { value: { number: 1 } };
    if (scheme !== 'hyperty') body.scheme = scheme;
    const res = await this.request(`allocation of a ${scheme}:// address at ${component}`,
      { type: 'create', from, to: `${NODE}/${component}`, body });
    const [url] = res.body.value.allocated;
    assert.match(url, new RegExp(`^${scheme}://${DOMAIN}/[^/]+$`));
    return url;
  }

  /** ReporterObject.delete: forwardUnSubscribe of the object, then the
   *  release of its address. */
  async releaseObject(url) {
    await this.request('reporter node unsubscribe (forwardUnSubscribe)', {
      type: 'unsubscribe', from: this.sm, to: `${NODE}/sm`,
      body: { subscribe: [url], source: this.hyperty },
    });
    await this.request('release of the object address at object-address-allocation', {
      type: 'delete', from: this.sm, to: `${NODE}/object-address-allocation`,
      body: { resource: url, childrenResources: [] },
    });
  }

  // ---- §7 registry ----------------------------------------------------

  /** DomainRegistration.registerHyperty (with the runtime's P2P stubs). */
  async registerHyperty(user) {
    this.user = user;
    await this.request('hyperty registration', {
      type: 'create', from: this.registry, to: REGISTRY,
      body: {
        value: {
          user, descriptor: `${CATALOGUE}/hyperty/Connector`, url: this.hyperty,
          expires: 3600, resources: ['audio', 'video'], dataSchemes: ['connection'],
          runtime: this.url, status: 'live',
          p2pHandler: `${this.url}/p2phandler/${randomUUID()}`,
          p2pRequester: `${CATALOGUE}/protocolstub/P2PRequesterStub`,
        },
        policy: 'policy',
      },
    });
  }

  /** DomainRegistration.registerDataObject: no user. */
  async registerDataObject(url, name) {
    await this.request(`data-object registration of ${name}`, {
      type: 'create', from: this.registry, to: REGISTRY,
      body: {
        value: {
          name, schema: CONNECTION_SCHEMA, url, reporter: this.hyperty, resources: ['audio', 'video'],
          runtime: this.url, childrens: [], startingTime: new Date().toISOString(),
          expires: 3600, dataSchemes: [url.split(':')[0]], status: 'live',
        },
        policy: 'policy',
      },
    });
  }

  /** The keep-alive timers of registerHyperty and registerDataObject. */
  async keepAlive(resource) {
    await this.request(`keep-alive of ${resource}`, {
      type: 'update', from: this.registry, to: REGISTRY,
      body: { resource, value: { status: 'live' }, method: 'refresh' },
    });
  }

  /** Discovery.discoverHyperty; returns the ServerConference hyperty. */
  async discoverConference(resource = CONFERENCE_USER) {
    const res = await this.request(`lookup of ${resource}`, {
      type: 'read', from: this.url, to: REGISTRY,
      body: { resource, criteria: { resources: ['audio', 'video'], dataSchemes: ['connection'] } },
    });
    const found = Object.values(res.body.value)
      .filter((e) => e.descriptor?.endsWith('/ServerConference'));
    assert.equal(found.length, 1, `one ServerConference in ${brief(res)}`);
    return found[0].url;
  }

  // ---- §5 / §8 observer side -------------------------------------------

  /** SyncherManager._newSubscription: node subscription, then subscribe. */
  async observe(url) {
    const identity = { userProfile: { username: this.name, userURL: this.user } };
    await this.request(`node subscription to ${url}/changes`, {
      type: 'subscribe', from: this.sm, to: `${NODE}/sm`,
      body: { identity, subscribe: [`${url}/changes`], source: this.hyperty },
    });
    return this.request(`subscribe to ${url}/subscription`, {
      type: 'subscribe', from: this.sm, to: `${url}/subscription`,
      body: { identity, subscriber: this.hyperty },
    });
  }
}

/** The reporter side of one Syncher-created object. */
class Reported {
  constructor(owner, url, name, data) {
    this.owner = owner;
    this.url = url;
    this.version = 0;
    this.metadata = {
      url, reporter: owner.hyperty, schema: CONNECTION_SCHEMA, name,
      created: new Date().toISOString(), runtime: owner.url, status: 'live',
      childrens: [], resources: ['audio', 'video'],
    };
    this.data = data;
  }

  /** ReporterObject.forwardSubscribe: the object and its handler. */
  async listen() {
    await this.owner.request('reporter node subscription', {
      type: 'subscribe', from: this.owner.sm, to: `${NODE}/sm`,
      body: { subscribe: [this.url, `${this.url}/subscription`], source: this.owner.hyperty },
    });
  }

  /** SyncherManager._authorise: the invitation, unanswered by the bus. */
  invite(invitee) {
    return this.owner.socket.send({
      id: this.owner.socket.nextId(), type: 'create', from: `${this.url}/subscription`, to: invitee,
      body: { source: this.owner.hyperty, value: this.metadata, schema: CONNECTION_SCHEMA },
    });
  }

  /** ReporterObject._onRemoteSubscribe, answered as the hyperty would. */
  async acceptSubscriber() {
    const subscribe = await this.owner.receive('subscribe', `${this.url}/subscription`);
    this.owner.answer(subscribe, {
      code: 200, schema: CONNECTION_SCHEMA, owner: this.owner.hyperty,
      value: { ...this.metadata, data: this.data, childrens: {}, version: this.version },
    });
    return subscribe;
  }

  /** DataObject._onChange: one delta, fire and forget. */
  update(change) {
    this.version += 1;
    const body = {
      version: this.version, source: this.owner.hyperty, attribute: change.attribute,
      lastModified: new Date().toISOString(), mutual: false, ...change,
    };
    this.owner.socket.send({
      id: this.owner.socket.nextId(), type: 'update', from: this.url, to: `${this.url}/changes`, body,
    });
    return body;
  }

  /** ReporterObject.delete: the notice carries no body. */
  delete() {
    this.owner.socket.send({
      id: this.owner.socket.nextId(), type: 'delete', from: `${this.url}/subscription`,
      to: `${this.url}/changes`,
    });
  }
}

// Ten deltas in the runtime's forms (§8): dot paths, object values, a
// delete (no value), and the three array forms.
const TEN_CHANGES = [
  { attribute: 'status', value: 'connecting' },
  { attribute: 'connectionDescription', attributeType: 'object', value: { type: 'offer', sdp: 'v=0\r\n' } },
  { attribute: 'iceCandidates.0', attributeType: 'array', operation: 'add',
    value: { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
  { attribute: 'iceCandidates.1', attributeType: 'array', operation: 'add',
    value: { candidate: 'candidate:2 1 udp 2122194687 192.0.2.1 50001 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
  { attribute: 'iceCandidates.0', attributeType: 'array',
    value: { candidate: 'candidate:3 1 udp 2122260223 192.0.2.1 50002 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
  { attribute: 'iceCandidates.1', attributeType: 'array', operation: 'remove' },
  { attribute: 'participants.p1', value: { username: 'bob', mode: 'sfu' } },
  { attribute: 'participants.p1.mode', value: 'mcu' },
  { attribute: 'participants.p1' },
  { attribute: 'status', value: 'connected' },
];

/** Two runtimes: A's hyperty reports a Connection object, B's observes it. */
async function reporterAndObserver() {
  const A = await Runtime.start('A');
  const B = await Runtime.start('B');
  for (const [rt, user] of [[A, 'alice'], [B, 'bob']]) {
    await rt.open();
    rt.hyperty = await rt.allocate('hyperty');
    await rt.registerHyperty(`user://${DOMAIN}/${user}-${randomUUID()}`);
  }

  // Syncher.create: address, registration at the registry, listeners.
  const url = await A.allocate('connection', 'object-address-allocation', `${A.url}/object-allocation`);
  await A.registerDataObject(url, 'connection');
  const object = new Reported(A, url, 'connection',
    { name: 'connection', status: 'new', connectionDescription: {}, iceCandidates: [] });
  await object.listen();

  // Invitation: B's hyperty accepts.
  const invite = object.invite(B.hyperty);
  const invited = await B.receive('create', B.hyperty, 'the invitation');
  assert.deepEqual(invited, invite);
  B.answer(invited);
  const accepted = await A.receive('response', `${url}/subscription`, 'the answer to the invitation');
  assert.equal(accepted.body.code, 200);

  // B subscribes; A's reporter answers with the object.
  const [subscribed] = await Promise.all([B.observe(url), object.acceptSubscriber()]);
  assert.deepEqual(subscribed.body.value.data, object.data);
  return { A, B, url, object };
}

/** Sends the ten changes and checks B sees each once, in order. */
async function tenUpdates(A, B, object) {
  const sent = TEN_CHANGES.map((change) => object.update(change));
  for (const body of sent) {
    const got = await B.receive('update', `${object.url}/changes`, `update ${body.version}`);
    assert.equal(got.from, object.url);
    assert.deepEqual(got.body, body, `update ${body.version} arrives unchanged and in order`);
  }
  object.delete();
  const deleted = await B.receive('delete', `${object.url}/changes`, 'the delete');
  assert.equal(deleted.from, `${object.url}/subscription`);
  assert.equal(deleted.body, undefined, 'the delete is forwarded as sent: no body');
  // Notifications are never answered (§6.3), and nothing else came.
  assert.deepEqual(await A.socket.drain(), []);
  assert.deepEqual(await B.socket.drain(), []);
}

test('a reTHINK hyperty reports a data object through hyperconf: Syncher create, ' +
  'an observer subscribes, ten updates, delete, with no 4xx on the way', async () => {
  const { A, B, object } = await reporterAndObserver();
  await tenUpdates(A, B, object);
  await A.releaseObject(object.url);
  await A.request('status "disconnected" after the release', {
    type: 'update', from: A.registry, to: REGISTRY,
    body: { resource: object.url, value: { status: 'disconnected' } },
  });
  assert.deepEqual(A.errors(), [], 'A got no error response');
  assert.deepEqual(B.errors(), [], 'B got no error response');
  assert.ok(A.codes.every(([, code]) => code === 200), brief(A.codes));
});

test('a runtime\'s conference flow, replayed: every response code as §3-§8 say', async () => {
  const { A, B, url, object } = await reporterAndObserver();

  // Discovery of the server conference hyperty, both lookup forms.
  const conference = await A.discoverConference();
  assert.equal(await A.discoverConference(`/hyperty/user/${CONFERENCE_USER}`), conference);

  // A comm:// object too (allocated at the plain component), registered.
  const chat = await A.allocate('comm');
  await A.registerDataObject(chat, 'chat');

  // The registry returns data objects by URL, never by user.
  const read = await B.request('read of the object URL', {
    type: 'read', from: B.url, to: REGISTRY, body: { resource: url },
  });
  assert.equal(read.body.value.url, url);
  assert.equal(read.body.value.reporter, A.hyperty);
  const mine = await B.request('lookup of A\'s user', {
    type: 'read', from: B.url, to: REGISTRY, body: { resource: A.user },
  });
  assert.deepEqual(Object.keys(mine.body.value), [A.hyperty]);
  assert.ok(mine.body.value[A.hyperty].p2pHandler.startsWith(`${A.url}/p2phandler/`));

  // Keep-alives of the hyperty and the object.
  await A.keepAlive(A.hyperty);
  await A.keepAlive(url);

  await tenUpdates(A, B, object);

  // After the delete: release, "disconnected", and the observer's
  // unsubscribe, which finds the object gone (404: runtimes take it as done).
  await A.releaseObject(url);
  await A.request('status "disconnected" after the release', {
    type: 'update', from: A.registry, to: REGISTRY,
    body: { resource: url, value: { status: 'disconnected' } },
  });
  await B.request('unsubscribe of the deleted object', {
    type: 'unsubscribe', from: B.sm, to: `${url}/subscription`, body: { resource: url },
  }, 404);
  await B.request('node unsubscribe (the Syncher form)', {
    type: 'unsubscribe', from: B.sm, to: `${NODE}/sm`, body: { resource: url, childrenResources: [] },
  });

  // A resumed hyperty (value.user), then the hyperty unregister form.
  await A.request('resume update with value.user', {
    type: 'update', from: A.registry, to: REGISTRY,
    body: { resource: A.hyperty, value: { status: 'live', user: A.user } },
  });
  await A.request('hyperty unregister form', {
    type: 'update', from: A.registry, to: REGISTRY,
    body: { resource: `/hyperty/${A.hyperty}`, value: 'disconnected', attribute: 'status' },
  });
  const status = await B.request('lookup after the unregister', {
    type: 'read', from: B.url, to: REGISTRY, body: { resource: A.user },
  });
  assert.equal(status.body.value[A.hyperty].status, 'disconnected');

  // An own hyperty the registry does not hold: 404, then a fresh create.
  A.hyperty = await A.allocate('hyperty');
  await A.request('resume update of an unregistered hyperty', {
    type: 'update', from: A.registry, to: REGISTRY,
    body: { resource: A.hyperty, value: { status: 'live', user: A.user } },
  }, 404);
  await A.registerHyperty(A.user);

  // deleteDataObjectInstance: the runtime's entries of that name go.
  for (const name of ['chat', 'connection']) {
    await A.request(`registry delete of "${name}"`, {
      type: 'delete', from: A.registry, to: REGISTRY, body: { value: { name } },
    });
  }
  for (const gone of [chat, url]) {
    await B.request('read after the delete by name', {
      type: 'read', from: B.url, to: REGISTRY, body: { resource: gone },
    }, 404);
  }
  await A.request('registry delete of a name with no entries', {
    type: 'delete', from: A.registry, to: REGISTRY, body: { value: { name: 'chat' } },
  });

  await A.close();
  await B.close();
  assert.deepEqual(await B.socket.drain(), [], 'B got nothing it did not ask for');
});

// A browser's audio-only offer, written out: Opus, sendonly, with ICE
// credentials and a DTLS fingerprint (the join needs no media to flow).
const OPUS_OFFER = [
  'v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0',
  'a=group:BUNDLE 0', 'a=msid-semantic: WMS replay',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:rply', 'a=ice-pwd:abcdefghijklmnopqrstuvwx', 'a=ice-options:trickle',
  'a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:' +
    'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
  'a=setup:actpass', 'a=mid:0', 'a=sendonly', 'a=msid:replay audio0', 'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=ssrc:1001 cname:replay', '',
].join('\r\n');

/** Answers an invitation to a server object and observes it (§8). */
async function acceptAndObserve(C, what) {
  const invite = await C.receive('create', C.hyperty, `the invitation to ${what}`);
  const url = invite.from.replace(/\/subscription$/, '');
  assert.equal(invite.body.value.url, url, brief(invite));
  C.answer(invite);
  const res = await C.observe(url);
  return { url, data: res.body.value.data };
}

/** A runtime's join (§9.2) in its own shapes; returns the three objects. */
async function joinConference(name) {
  const C = await Runtime.start(name);
  await C.open();
  C.hyperty = await C.allocate('hyperty');
  await C.registerHyperty(`user://${DOMAIN}/${name}-${randomUUID()}`);
  const conference = await C.discoverConference();

  // Syncher.create of the Connection object, invitation of the server.
  const room = `replay-${randomUUID().slice(0, 8)}`;
  const url = await C.allocate('connection');
  await C.registerDataObject(url, room);
  const object = new Reported(C, url, room, {
    scheme: 'connection', name: room, roomName: room, owner: C.hyperty, peer: conference,
    status: 'new', displayName: name, connectionDescription: { type: 'offer', sdp: OPUS_OFFER },
    iceCandidates: [], options: { mode: 'sfu', publish: { audio: true, video: false } },
    publishing: { audio: true, video: false },
  });
  await object.listen();
  object.invite(conference);

  // §9.2: the server subscribes and reads the object, then answers.
  await object.acceptSubscriber();
  const joined = await C.receive('response', `${url}/subscription`, 'the answer to the join');
  assert.equal(joined.body.code, 200, brief(joined));

  // Its Connection object (with the answer) and the room object.
  const invites = [await acceptAndObserve(C, 'an object'), await acceptAndObserve(C, 'an object')];
  const own = invites.find((o) => o.data.scheme === 'connection');
  const roomObject = invites.find((o) => o.data.scheme === 'comm');
  assert.ok(own && roomObject, `a Connection and a room object: ${brief(invites)}`);
  assert.equal(own.data.peer, C.hyperty);
  assert.equal(own.data.connectionDescription.type, 'answer');
  assert.match(own.data.connectionDescription.sdp, /^v=0\r\n/);
  assert.match(own.data.connectionDescription.sdp, /opus\/48000/i);
  const pids = Object.keys(roomObject.data.participants);
  assert.equal(pids.length, 1);
  assert.equal(roomObject.data.participants[pids[0]].username, name);
  return { C, room, object, own, roomObject };
}

test('a runtime joins the server conference hyperty in its own shapes, then leaves', async () => {
  const { C, room, object, own, roomObject } = await joinConference('carol');
  const { url } = object;

  // A candidate, the way the runtime adds one.
  object.update({
    attribute: 'iceCandidates.0', attributeType: 'array', operation: 'add',
    value: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
  });

  // Leave (§9.5): the client deletes its object, as the Syncher does.
  object.delete();
  await C.releaseObject(url);
  await C.request('status "disconnected" after the release', {
    type: 'update', from: C.registry, to: REGISTRY,
    body: { resource: url, value: { status: 'disconnected' } },
  });
  const gone = await C.receive('delete', `${own.url}/changes`, 'the server deleting its object');
  assert.equal(gone.from, `${own.url}/subscription`);
  await C.receive('delete', `${roomObject.url}/changes`, 'the room object deleted');
  await C.request('unsubscribe of the server\'s deleted object', {
    type: 'unsubscribe', from: C.sm, to: `${own.url}/subscription`, body: { resource: own.url },
  }, 404);
  await C.request(`registry delete of "${room}"`, {
    type: 'delete', from: C.registry, to: REGISTRY, body: { value: { name: room } },
  });
  await C.close();
});

test('a runtime leaves by unsubscribing from the server\'s Connection object', async () => {
  const { C, own, roomObject } = await joinConference('dave');

  // ObserverObject.removeSubscription: the object named, no subscriber.
  await C.request('unsubscribe from the server\'s Connection object', {
    type: 'unsubscribe', from: C.sm, to: `${own.url}/subscription`, body: { resource: own.url },
  });
  await C.request('node unsubscribe (the Syncher form)', {
    type: 'unsubscribe', from: C.sm, to: `${NODE}/sm`, body: { resource: own.url, childrenResources: [] },
  });
  // The server takes it as the leave: the room, now empty, is deleted.
  await C.receive('delete', `${roomObject.url}/changes`, 'the room object deleted');
  await C.close();
});
