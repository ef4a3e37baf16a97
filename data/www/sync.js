// Data objects (PROTOCOL.md §8): a Reporter owns an object and publishes
// versioned changes to `<url>/changes`; an Observer keeps a copy of someone
// else's object in step with those changes.
//
// Both speak the reTHINK Syncher's wire forms, so they interoperate with
// real runtimes as well as with hyperconf's server hyperty.

import { ResponseError } from './reth.js';

// ---- dot paths ------------------------------------------------------------

const segments = (path) => String(path).split('.').filter((s) => s !== '');

/** The value at a dot path, or undefined. */
export function getPath(obj, path) {
  let node = obj;
  for (const key of segments(path)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[key];
  }
  return node;
}

/** The container of the last segment, creating objects on the way. */
function parentOf(obj, path, create) {
  const keys = segments(path);
  const last = keys.pop();
  let node = obj;
  for (const key of keys) {
    if (node[key] === null || typeof node[key] !== 'object') {
      if (!create) return [undefined, last];
      node[key] = {};
    }
    node = node[key];
  }
  return [node, last];
}

function setPath(obj, path, value) {
  const [parent, last] = parentOf(obj, path, true);
  parent[last] = value;
}

function deletePath(obj, path) {
  const [parent, last] = parentOf(obj, path, false);
  if (parent === undefined) return;
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
}

/**
 * Applies one update body to `data` in place (§8): plain set/delete of a
 * dot path, or the runtime's array form (attributeType "array",
 * operation add/remove, attribute "<array>.<index>", or the array itself
 * for an append).
 */
export function applyUpdate(data, body) {
  const { attribute } = body;
  if (body.attributeType === 'array' || body.operation === 'add' || body.operation === 'remove') {
    const whole = getPath(data, attribute);
    let array;
    let index;
    if (Array.isArray(whole)) {
      array = whole;
      index = array.length; // names the array itself: append
    } else {
      const keys = segments(attribute);
      index = Number(keys.pop());
      array = getPath(data, keys.join('.'));
      if (!Array.isArray(array)) {
        if (body.operation !== 'add') return;
        array = [];
        setPath(data, keys.join('.'), array);
      }
      if (!Number.isInteger(index) || index < 0) index = array.length;
    }
    if (body.operation === 'remove') {
      array.splice(index, Number(body.value) || 1);
    } else {
      // "value (one element, or an array of elements)"
      const items = Array.isArray(body.value) ? body.value : [body.value];
      array.splice(Math.min(index, array.length), 0, ...items);
    }
    return;
  }
  // A body without the `value` key deletes the attribute.
  if (Object.hasOwn(body, 'value')) setPath(data, attribute, body.value);
  else deletePath(data, attribute);
}

const clone = (v) => structuredClone(v);

// ---- reporter -------------------------------------------------------------

export class Reporter extends EventTarget {
  /**
   * Reports a new object at `url` (already allocated by the caller, §4).
   * @param {import('./reth.js').Runtime} runtime
   * @param {{url: string, owner: string, schema: string, name: string, data: object}} o
   */
  constructor(runtime, { url, owner, schema, name, data }) {
    super();
    this.runtime = runtime;
    this.url = url;
    this.owner = owner;
    this.data = clone(data);
    this.version = 0; // §8: a new object has version 0
    this.metadata = {
      url, reporter: owner, schema, name,
      created: new Date().toISOString(),
      runtime: runtime.runtimeURL,
      status: 'live',
    };
    this.subscribers = new Set();
    this.deleted = false;
    this.off = runtime.on(`${url}/subscription`, (msg) => this.#onSubscription(msg));
  }

  #onSubscription(msg) {
    const subscriber = msg.body?.subscriber ?? msg.body?.source ?? msg.from;
    if (msg.type === 'subscribe') {
      this.subscribers.add(subscriber);
      this.runtime.respond(msg, 200, {
        schema: this.metadata.schema,
        value: { ...this.metadata, data: clone(this.data), version: this.version },
      });
      this.dispatchEvent(new CustomEvent('subscribe', { detail: { subscriber } }));
    } else if (msg.type === 'unsubscribe') {
      this.subscribers.delete(subscriber);
      this.runtime.respond(msg, 200);
      this.dispatchEvent(new CustomEvent('unsubscribe', { detail: { subscriber } }));
    } else if (msg.type !== 'response') {
      this.runtime.respond(msg, 400, { desc: 'a subscription handler takes subscribe and unsubscribe' });
    }
  }

  /**
   * Invites a hyperty to observe the object: `create` from
   * `<url>/subscription` (§8).  Resolves with the response, whatever its code.
   */
  invite(hyperty, identity, { timeout } = {}) {
    return this.runtime.request({
      type: 'create', from: `${this.url}/subscription`, to: hyperty,
      body: { source: this.owner, schema: this.metadata.schema, identity, value: { ...this.metadata } },
    }, { timeout });
  }

  #publish(body) {
    if (this.deleted) return;
    this.version += 1;
    this.runtime.send({
      type: 'update', from: this.url, to: `${this.url}/changes`,
      body: { version: this.version, source: this.owner, ...body },
    });
  }

  /** Sets a dot path to a value (never undefined: that would be a delete). */
  set(attribute, value) {
    if (value === undefined) throw new TypeError(`set(${attribute}, undefined): use remove()`);
    setPath(this.data, attribute, clone(value));
    this.#publish({ attribute, value });
  }

  remove(attribute) {
    deletePath(this.data, attribute);
    this.#publish({ attribute });
  }

  /** Appends to an array in the runtime's form: attribute "<array>.<n>". */
  push(arrayPath, value) {
    let array = getPath(this.data, arrayPath);
    if (!Array.isArray(array)) {
      array = [];
      setPath(this.data, arrayPath, array);
    }
    const index = array.length;
    array.push(clone(value));
    this.#publish({ attributeType: 'array', operation: 'add', attribute: `${arrayPath}.${index}`, value });
  }

  /** Deletes the object for its observers and releases its address. */
  delete() {
    if (this.deleted) return;
    this.deleted = true;
    this.runtime.send({ type: 'delete', from: `${this.url}/subscription`, to: `${this.url}/changes` });
    this.off();
    this.runtime.release([this.url]);
  }
}

// ---- observer -------------------------------------------------------------

/**
 * Observes `url`: node subscription to `<url>/changes` first, then a
 * `subscribe` to `<url>/subscription`; updates that arrive before the
 * snapshot are held (§8).
 *
 * Events: 'snapshot' (the whole object arrived, also after a resync),
 * 'change' (detail: the update body), 'delete'.
 */
export class Observer extends EventTarget {
  constructor(runtime, { url, subscriber, identity }) {
    super();
    this.runtime = runtime;
    this.url = url;
    this.subscriber = subscriber;
    this.identity = identity;
    this.data = null;
    this.version = -1;
    this.metadata = null;
    this.deleted = false;
    this.closed = false;
    /** Updates held while no snapshot applies (initial or resync). */
    this.held = [];
    this.syncing = false;
    this.resyncs = 0;
    this.off = runtime.on(`${url}/changes`, (msg) => this.#onChange(msg));
  }

  /** Subscribes; resolves once the first snapshot is applied. */
  async start() {
    await this.runtime.subscribeNode([`${this.url}/changes`], this.subscriber);
    await this.#subscribe();
  }

  async #subscribe() {
    this.syncing = true;
    let res;
    try {
      res = await this.runtime.request({
        type: 'subscribe', from: this.subscriber, to: `${this.url}/subscription`,
        body: { subscriber: this.subscriber, ...(this.identity ? { identity: this.identity } : {}) },
      });
    } finally {
      this.syncing = false;
    }
    if (this.closed) return;
    const value = res.body?.value;
    if (res.body?.code !== 200 || !value || typeof value.data !== 'object' || value.data === null) {
      throw new ResponseError(res, `subscription to ${this.url}`);
    }
    const { data, version, ...metadata } = value;
    this.metadata = metadata;
    this.data = data;
    this.version = Number.isInteger(version) ? version : 0;
    this.dispatchEvent(new CustomEvent('snapshot', { detail: { data: this.data, version: this.version } }));
    // Held updates above the snapshot's version, in order.
    const held = this.held.splice(0).sort((a, b) => a.body.version - b.body.version);
    for (const msg of held) this.#apply(msg);
  }

  #onChange(msg) {
    if (this.closed) return;
    if (msg.type === 'delete') {
      this.deleted = true;
      this.dispatchEvent(new CustomEvent('delete'));
      this.#teardown();
      return;
    }
    if (msg.type !== 'update' || !msg.body) return;
    if (this.syncing || this.data === null) {
      this.held.push(msg);
      return;
    }
    this.#apply(msg);
  }

  #apply(msg) {
    const { version } = msg.body;
    if (Number.isInteger(version)) {
      if (version <= this.version) return; // already in the snapshot
      if (version > this.version + 1) {
        // §8: a gap MUST be resynchronised by subscribing again.
        this.held.push(msg);
        this.#resync();
        return;
      }
      this.version = version;
    }
    applyUpdate(this.data, msg.body);
    this.dispatchEvent(new CustomEvent('change', { detail: msg.body }));
  }

  #resync() {
    if (this.syncing) return;
    this.resyncs += 1;
    this.#subscribe().catch((error) => {
      this.dispatchEvent(new CustomEvent('error', { detail: error }));
    });
  }

  #teardown() {
    this.closed = true;
    this.off();
    if (this.runtime.state === 'open' || this.runtime.state === 'resuming') {
      this.runtime.unsubscribeNode([`${this.url}/changes`], this.subscriber).catch(() => {});
    }
  }

  /** Stops observing: unsubscribe from the reporter, then at the node. */
  async stop({ timeout = 1_000 } = {}) {
    if (this.closed) return;
    this.#teardown();
    try {
      await this.runtime.request({
        type: 'unsubscribe', from: this.subscriber, to: `${this.url}/subscription`,
        body: { subscriber: this.subscriber },
      }, { timeout });
    } catch {
      // The reporter may be gone already; ending the session cleans up.
    }
  }
}
