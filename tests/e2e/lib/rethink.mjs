// Protocol steps of a scripted reTHINK client (lib/client.mjs), as
// PROTOCOL.md names them: open a session, allocate addresses, check a
// response, mint a join token, and a join of §9.2 up to the server's
// answer.  Shared by protocol.test.mjs and hostile.test.mjs.

import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';

export const DOMAIN = 'localhost';
export const SESSION = 'mn:/session';
export const NODE = `domain://msg-node.${DOMAIN}`;
export const ALLOCATION = `${NODE}/address-allocation`;
export const SM = `${NODE}/sm`;
export const REGISTRY = `domain://registry.${DOMAIN}`;
export const SCHEMA = `hyperty-catalogue://catalogue.${DOMAIN}/.well-known/dataschema/Connection`;

export const newRuntime = () => `runtime://${DOMAIN}/${randomUUID()}`;

export const brief = (v) => {
  const text = JSON.stringify(v);
  return text.length > 600 ? `${text.slice(0, 600)}...` : text;
};

/**
 * §2: a response echoes the id, swaps from and to, and carries body.code,
 * plus body.desc on errors.
 */
export function assertResponse(res, req, code) {
  const context = `request ${brief(req)}\nresponse ${brief(res)}`;
  assert.equal(res.type, 'response', context);
  assert.equal(res.id, req.id, `response id\n${context}`);
  assert.equal(res.body?.code, code, `expected code ${code}\n${context}`);
  const reqTo = Array.isArray(req.to) ? req.to[0] : req.to;
  assert.equal(res.from, reqTo, `response from must be the request's to (§2)\n${context}`);
  assert.deepEqual(res.to, req.from, `response to must be the request's from (§2)\n${context}`);
  if (code >= 400) {
    assert.equal(typeof res.body.desc, 'string', `an error response carries body.desc (§2)\n${context}`);
  }
}

/** Sends req and asserts the response code; returns the response. */
export async function expectCode(client, req, code, options = {}) {
  const message = { id: client.nextId(), ...req };
  const res = await client.request(message, options);
  assertResponse(res, message, code);
  return res;
}

/** §3 open from a fresh runtime URL; records runtime and token on the client. */
export async function openSession(client, runtime = newRuntime()) {
  const req = { id: client.nextId(), type: 'open', from: runtime, to: SESSION };
  const res = await client.request(req);
  assertResponse(res, req, 200);
  assert.equal(typeof res.body.runtimeToken, 'string', `open: runtimeToken (§3) in ${brief(res)}`);
  assert.ok(res.body.runtimeToken.length > 0, 'open: runtimeToken is not empty');
  client.runtime = runtime;
  client.token = res.body.runtimeToken;
  return res;
}

/** §4 allocation; returns the allocated addresses. */
export async function allocate(client, { scheme, number } = {}) {
  const body = { value: {} };
  if (scheme !== undefined) body.scheme = scheme;
  if (number !== undefined) body.value.number = number;
  const res = await expectCode(client, {
    type: 'create', from: `${client.runtime}/address-allocation`, to: ALLOCATION, body,
  }, 200);
  const allocated = res.body.value?.allocated;
  assert.ok(Array.isArray(allocated), `value.allocated is an array (§4): ${brief(res)}`);
  assert.equal(allocated.length, number ?? 1, `allocated ${number ?? 1}: ${brief(res)}`);
  const re = new RegExp(`^${scheme ?? 'hyperty'}://${DOMAIN}/[^/]+$`);
  for (const url of allocated) assert.match(url, re);
  assert.equal(new Set(allocated).size, allocated.length, 'allocated addresses are distinct');
  return allocated;
}

/** An open session with one hyperty address (client.hyperty). */
export async function withHyperty(client) {
  await openSession(client);
  [client.hyperty] = await allocate(client);
  return client;
}

/** §8 metadata of an object reported by `reporter`. */
export function metadata(reporter, url, name = 'room-e2e') {
  return {
    url, reporter: reporter.hyperty, schema: SCHEMA, name,
    created: new Date().toISOString(), runtime: reporter.runtime, status: 'live',
  };
}

const b64url = (data) => Buffer.from(data).toString('base64url');
export { b64url };

/** A join token (§9.2, HS256 JWT) minted with Node's own HMAC. */
export function jwt(claims, { secret, header = { alg: 'HS256', typ: 'JWT' } }) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/**
 * A join as §9.2 has it, up to the server's answer to the invitation: the
 * code.  `client` has a session and a hyperty (withHyperty).  The default
 * SDP is no SDP, so a join that passes every other check ends in 400 (the
 * offer cannot be parsed), which comes after them.
 */
export async function joinCode(client, httpUrl, room, { token, sdp = 'v=0\r\n', timeout = 10_000 } = {}) {
  const config = await (await fetch(new URL('/config.json', httpUrl))).json();
  const server = config.conferenceHyperty;
  const [url] = await allocate(client, { scheme: 'connection' });
  const invite = client.send({
    id: client.nextId(), type: 'create', from: `${url}/subscription`, to: server,
    body: { source: client.hyperty, schema: SCHEMA, identity: { userProfile: { username: 'eve' } },
      value: metadata(client, url, room) },
  });
  const subscribe = await client.nextOfType('subscribe', { to: `${url}/subscription` },
    { what: `the server's subscribe to ${url}` });
  const data = {
    scheme: 'connection', name: room, roomName: room, owner: client.hyperty, peer: server,
    status: 'new', connectionDescription: { type: 'offer', sdp }, iceCandidates: [],
    options: { mode: 'sfu', ...(token !== undefined ? { token } : {}) },
  };
  client.send({
    id: subscribe.id, type: 'response', from: `${url}/subscription`, to: subscribe.from,
    body: { code: 200, schema: SCHEMA, value: { ...metadata(client, url, room), data, version: 0 } },
  });
  const res = await client.next((m) => m.type === 'response' && m.id === invite.id && m.to === invite.from,
    { what: `the answer to the invitation into ${room}`, timeout });
  return res.body?.code;
}
