// A scripted reTHINK client: one WebSocket, JSON messages in and out.
//
// Every frame received is kept (client.frames).  Tests take messages out of
// an inbox with next(predicate), in arrival order; a message taken once is
// not returned again, so two waits never see the same message.  Every wait
// is bounded and names what it waited for when it gives up.

import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { ms } from './server.mjs';

export const DEFAULT_WAIT_MS = 2_000;

const sleep = (n) => new Promise((resolve) => setTimeout(resolve, n));
export { sleep };

/** Short JSON for error messages (SDP and padding make messages long). */
function brief(value, max = 400) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max)}...(${text.length} chars)` : text;
}

export class Client {
  /**
   * Opens a WebSocket and resolves once it is open.
   * @param {string} url ws://host:port/ws
   * @param {string} name shown in error messages ("A", "B", ...)
   */
  static async connect(url, name = 'client', { timeout = DEFAULT_WAIT_MS } = {}) {
    const client = new Client(new WebSocket(url, { handshakeTimeout: ms(timeout) }), name);
    await client.#opened(ms(timeout));
    return client;
  }

  /** Ids count from 1 in every client, as runtimes do (PROTOCOL.md §2). */
  #lastId = 0;
  /** Received frames: { at, data, binary, message } (message: parsed JSON or undefined). */
  frames = [];
  /** Parsed messages not yet taken by next(). */
  #inbox = [];
  #waiters = new Set();
  /** Set by the session helpers: the runtime URL this socket's session owns. */
  runtime = null;
  token = null;

  constructor(ws, name) {
    this.ws = ws;
    this.name = name;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        for (const waiter of this.#waiters) waiter.onClose(this.closeInfo);
      });
    });
    // Without a listener an 'error' event would crash the test process; the
    // close code that follows is what tests assert.
    ws.on('error', (error) => { this.lastError = error; });
    ws.on('message', (data, binary) => this.#receive(data, binary));
  }

  #opened(timeout) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        reject(new Error(`${this.name}: WebSocket did not open within ${timeout} ms`));
      }, timeout);
      this.ws.once('open', () => { clearTimeout(timer); resolve(); });
      this.ws.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name}: WebSocket closed (${code}) before it opened` +
          `${this.lastError ? `: ${this.lastError.message}` : ''}`));
      });
    });
  }

  #receive(data, binary) {
    const frame = { at: Date.now(), data: binary ? data : data.toString(), binary };
    if (!binary) {
      try {
        frame.message = JSON.parse(frame.data);
      } catch {
        // Kept in frames: the server must only ever send JSON (§1); tests
        // check badFrames() to catch it.
      }
    }
    this.frames.push(frame);
    if (frame.message === undefined) return;
    const entry = { message: frame.message, at: frame.at };
    for (const waiter of this.#waiters) {
      if (waiter.matches(entry.message)) {
        waiter.resolve(entry);
        return;
      }
    }
    this.#inbox.push(entry);
  }

  /** Frames that were not one JSON text: the server must never send these. */
  badFrames() {
    return this.frames.filter((f) => f.binary || f.message === undefined);
  }

  nextId() {
    this.#lastId += 1;
    return this.#lastId;
  }

  /** Sends one message as one text frame, exactly as given. */
  send(obj) {
    this.ws.send(JSON.stringify(obj));
    return obj;
  }

  /** Sends raw text or bytes (frame-level tests). */
  sendRaw(data, { binary = false } = {}) {
    this.ws.send(data, { binary });
  }

  /** Messages received and not yet taken by next(). */
  unconsumed() {
    return this.#inbox.map((e) => e.message);
  }

  /**
   * Resolves with the first message (in arrival order) for which
   * predicate(message) is true, and takes it out of the inbox.
   * @param {(m: object) => boolean} predicate
   * @param {{what?: string, timeout?: number}} options  what: for the error
   */
  next(predicate, { what = 'a matching message', timeout = DEFAULT_WAIT_MS, withTime = false } = {}) {
    const index = this.#inbox.findIndex((e) => predicate(e.message));
    if (index >= 0) {
      const [entry] = this.#inbox.splice(index, 1);
      return Promise.resolve(withTime ? entry : entry.message);
    }
    const limit = ms(timeout);
    return new Promise((resolve, reject) => {
      const waiter = {
        matches: predicate,
        resolve: (entry) => finish(() => resolve(withTime ? entry : entry.message)),
        onClose: (info) => finish(() => reject(new Error(
          `${this.name}: socket closed (code ${info.code} ${info.reason}) while waiting for ` +
          `${what}; unconsumed: ${brief(this.unconsumed(), 2000)}`))),
      };
      const timer = setTimeout(() => finish(() => reject(new Error(
        `${this.name}: timed out after ${limit} ms waiting for ${what}; ` +
        `unconsumed messages: ${brief(this.unconsumed(), 2000)}`))), limit);
      const finish = (settle) => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        settle();
      };
      if (this.closeInfo) {
        waiter.onClose(this.closeInfo);
        return;
      }
      this.#waiters.add(waiter);
    });
  }

  /** next() for a message of the given type (and optional field values). */
  nextOfType(type, fields = {}, options = {}) {
    const what = `a "${type}" message with ${brief(fields)}`;
    return this.next((m) => m.type === type &&
      Object.entries(fields).every(([k, v]) => m[k] === v), { what, ...options });
  }

  /**
   * Sends a request and resolves with its response: type "response" and the
   * same id.  Ids repeat across sessions, but a client only ever receives
   * what was routed to its own session, so id + type is unambiguous here;
   * callers check `to` (routing is by `to`, PROTOCOL.md §2).
   */
  async request(obj, options = {}) {
    const message = { ...obj };
    if (!('id' in message)) message.id = this.nextId();
    this.send(message);
    return this.next((m) => m.type === 'response' && m.id === message.id,
      { what: `the response to ${brief(message, 300)}`, ...options });
  }

  /**
   * Resolves once the server has handled every frame sent so far on this
   * socket and written everything it had for it: a request whose answer is
   * certain (404 for an unknown address, or 401 before open) goes through
   * the same single-threaded node, so anything the earlier frames caused on
   * this socket is written before its answer.
   */
  async flush(options = {}) {
    const from = this.runtime ?? 'runtime://localhost/e2e-flush';
    await this.request({
      type: 'read', from, to: `hyperty://localhost/e2e-flush-${randomUUID()}`,
    }, { what: 'the answer to a flush sentinel', ...options });
  }

  /** Flushes, then resolves with (and removes) every message still in the inbox. */
  async drain(options) {
    await this.flush(options);
    return this.#inbox.splice(0).map((e) => e.message);
  }

  /** Resolves with the close { code, reason }, bounded. */
  async waitClosed({ what = 'the socket to close', timeout = DEFAULT_WAIT_MS } = {}) {
    const limit = ms(timeout);
    let timer;
    try {
      return await Promise.race([
        this.closed,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(
            `${this.name}: timed out after ${limit} ms waiting for ${what}`)), limit);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Closes politely (1000) and waits, bounded; a dead socket is just dropped. */
  async close() {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000);
    try {
      await this.waitClosed({ timeout: 1_000 });
    } catch {
      this.ws.terminate();
    }
  }

  /** Drops the TCP connection without a close frame (a crashed or lost tab). */
  terminate() {
    this.ws.terminate();
  }
}
