// The reTHINK runtime side of the browser client: one WebSocket to the
// message node, the session (PROTOCOL.md §3), message ids and routing
// (§2, §6), address allocation (§4), node subscriptions (§5) and the
// registry read (§7).  Nothing here knows about conferences or WebRTC.
//
//   const rt = new Runtime({ wsUrl, domain });
//   await rt.open();
//   const [me] = await rt.allocate('hyperty');
//   rt.on(me, (msg) => ...);                  // requests addressed to `me`
//   const res = await rt.request({ type: 'read', from: me, to: ..., body });

const SESSION = 'mn:/session';

/** Default bound of every request: a reply that never comes must not hang the UI. */
const REQUEST_TIMEOUT_MS = 10_000;

/** A reTHINK response that carries an error code, as a throwable. */
export class ResponseError extends Error {
  constructor(response, what) {
    const body = response?.body ?? {};
    const code = body.code ?? 0;
    const desc = body.desc ?? body.description ?? '';
    super(`${what}: ${code}${desc ? ` ${desc}` : ''}`);
    this.name = 'ResponseError';
    this.code = code;
    this.desc = desc;
    this.response = response;
  }
}

const randomId = () => crypto.randomUUID();

/** `to` may be an array of exactly one string (§2). */
const toOf = (msg) => (Array.isArray(msg.to) ? msg.to[0] : msg.to);

export class Runtime extends EventTarget {
  /**
   * @param {object} o
   * @param {string} o.wsUrl   ws://host:port/ws
   * @param {string} o.domain  the node's domain (from /config.json)
   * @param {number} [o.resumeWindowMs]  how long to keep trying to re-open
   *   a dropped session; the node's grace period (default 10 s) is the
   *   real limit, the node answers 404 once it is over.
   */
  constructor({ wsUrl, domain, resumeWindowMs = 10_000, trace = false }) {
    super();
    this.trace = trace;
    this.wsUrl = wsUrl;
    this.domain = domain;
    this.resumeWindowMs = resumeWindowMs;
    this.runtimeURL = `runtime://${domain}/${randomId()}`;
    this.token = null;
    /** 'idle' | 'opening' | 'open' | 'resuming' | 'closed' */
    this.state = 'idle';
    this.node = `domain://msg-node.${domain}`;
    this.registry = `domain://registry.${domain}`;

    this.ws = null;
    this.lastId = 0;
    /** `${to}#${id}` -> {resolve, reject, timer}: responses are routed by
     * their `to` (our sending address) plus the id (§2). */
    this.pending = new Map();
    /** exact address -> handler(msg) */
    this.handlers = new Map();
    /** Messages sent while the socket is down, flushed after re-open. */
    this.outbox = [];
  }

  nextId() {
    this.lastId += 1;
    return this.lastId;
  }

  // ---- session (§3) ------------------------------------------------------

  /** Connects and opens a new session; resolves with the runtime token. */
  async open() {
    this.state = 'opening';
    await this.#connect();
    const res = await this.#sessionRequest('open', this.runtimeURL);
    if (res.body?.code !== 200) throw new ResponseError(res, 'session open refused');
    this.token = res.body.runtimeToken;
    this.#setState('open');
    return this.token;
  }

  /** Ends the session (the node releases our addresses) and the socket. */
  async close({ timeout = 1_000 } = {}) {
    if (this.state === 'closed' || this.state === 'idle') return;
    const wasOpen = this.state === 'open';
    this.#setState('closed');
    try {
      if (wasOpen) await this.#sessionRequest('close', this.runtimeURL, timeout);
    } catch {
      // The node ends the session after its grace period anyway.
    }
    this.#failPending(new Error('session closed'));
    this.ws?.close(1000, 'bye');
    this.ws = null;
  }

  /**
   * Best effort for `pagehide`: queue a `close` on the socket without
   * waiting for anything, so that others see us leave at once instead of
   * after the grace period.
   */
  closeNow() {
    if (this.state !== 'open') return;
    this.#setState('closed');
    this.#rawSend({ id: this.nextId(), type: 'close', from: this.runtimeURL, to: SESSION });
    this.ws?.close(1000, 'bye');
  }

  #setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state } }));
  }

  #connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.wsUrl);
      let opened = false;
      ws.onopen = () => {
        opened = true;
        this.ws = ws;
        resolve();
      };
      ws.onmessage = (ev) => this.#receive(ev.data);
      ws.onclose = (ev) => {
        if (!opened) {
          reject(new Error(`WebSocket to ${this.wsUrl} closed (${ev.code}) before it opened`));
          return;
        }
        if (ws === this.ws) this.#dropped(ev);
      };
      // onerror is always followed by onclose, which decides.
      ws.onerror = () => {};
    });
  }

  #sessionRequest(type, from, timeout = REQUEST_TIMEOUT_MS) {
    const msg = { id: this.nextId(), type, from, to: SESSION };
    const promise = this.#await(msg, timeout);
    this.#rawSend(msg);
    return promise;
  }

  /**
   * The socket dropped under an open session: re-open it from
   * `<runtimeURL>/<token>` (§3) until the node says the session is gone
   * (404) or our window is over.  Code 4000 means another socket took the
   * session over: nothing to resume.
   */
  async #dropped(ev) {
    this.ws = null;
    if (this.state !== 'open') return;
    if (ev.code === 4000) {
      this.#lost(`session taken over by another connection (${ev.code})`);
      return;
    }
    this.#setState('resuming');
    const deadline = Date.now() + this.resumeWindowMs;
    let delay = 200;
    while (this.state === 'resuming' && Date.now() < deadline) {
      try {
        await this.#connect();
        const res = await this.#sessionRequest('re-open', `${this.runtimeURL}/${this.token}`, 3_000);
        if (res.body?.code === 200) {
          this.#setState('open');
          // §3: the node delivers what it queued; then what we queued.
          for (const msg of this.outbox.splice(0)) this.#rawSend(msg);
          return;
        }
        this.#lost(`session could not be resumed: ${res.body?.code} ${res.body?.desc ?? ''}`.trim());
        return;
      } catch {
        this.ws?.close();
        this.ws = null;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2_000);
      }
    }
    if (this.state === 'resuming') this.#lost('could not reach the server to resume the session');
  }

  #lost(reason) {
    this.#setState('closed');
    this.#failPending(new Error(reason));
    this.outbox.length = 0;
    this.dispatchEvent(new CustomEvent('lost', { detail: { reason } }));
  }

  #failPending(error) {
    for (const [key, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(error);
      this.pending.delete(key);
    }
  }

  // ---- messages (§2, §6) -------------------------------------------------

  #rawSend(msg) {
    if (this.trace) console.debug('hyperconf >>', Date.now(), JSON.stringify(msg));
    this.ws.send(JSON.stringify(msg));
  }

  /** Sends a message; while the session is being resumed it is queued. */
  send(msg) {
    if (msg.id === undefined) msg.id = this.nextId();
    if (this.state === 'resuming' || !this.ws || this.ws.readyState !== WebSocket.OPEN) {
      if (this.state === 'closed') return msg;
      this.outbox.push(msg);
    } else {
      this.#rawSend(msg);
    }
    return msg;
  }

  #await(msg, timeout) {
    const key = `${msg.from}#${msg.id}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new Error(`no response to ${msg.type} to ${msg.to} within ${timeout} ms`));
      }, timeout);
      this.pending.set(key, { resolve, reject, timer });
    });
  }

  /** Sends a request and resolves with its response (any code). */
  request(msg, { timeout = REQUEST_TIMEOUT_MS } = {}) {
    if (this.state === 'closed') return Promise.reject(new Error('session closed'));
    msg.id = this.nextId();
    const promise = this.#await(msg, timeout);
    this.send(msg);
    return promise;
  }

  /** Like request(), but a code other than 200 rejects with a ResponseError. */
  async call(msg, what = `${msg.type} ${msg.to}`, options) {
    const res = await this.request(msg, options);
    if (res.body?.code !== 200) throw new ResponseError(res, what);
    return res;
  }

  /** Answers a request: from its `to`, to its `from`, echoing its id (§2). */
  respond(req, code, extra = {}) {
    this.send({
      id: req.id, type: 'response', from: toOf(req), to: req.from,
      body: { code, ...extra },
    });
  }

  /** Routes messages whose `to` is exactly `address` to `handler`. */
  on(address, handler) {
    this.handlers.set(address, handler);
    return () => { if (this.handlers.get(address) === handler) this.handlers.delete(address); };
  }

  #receive(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      console.warn('hyperconf: frame is not JSON', text);
      return;
    }
    if (this.trace) console.debug('hyperconf <<', Date.now(), text);
    const to = toOf(msg);
    if (msg.type === 'response') {
      const key = `${to}#${msg.id}`;
      const p = this.pending.get(key);
      if (p) {
        // 100 is provisional (reTHINK): the final answer follows.
        if (msg.body?.code === 100) return;
        clearTimeout(p.timer);
        this.pending.delete(key);
        p.resolve(msg);
      } else if (msg.body?.code >= 300) {
        // e.g. a 403 or 429 to a notification we sent: nothing waits for it.
        console.warn('hyperconf: error response', msg);
        this.dispatchEvent(new CustomEvent('error-response', { detail: msg }));
      }
      return;
    }
    const handler = this.handlers.get(to);
    if (handler) {
      try {
        handler(msg);
      } catch (error) {
        console.error('hyperconf: handler failed', msg, error);
      }
      return;
    }
    // Notifications to /changes are never answered (§6).
    if (!String(to).endsWith('/changes') && msg.id !== undefined) {
      this.respond(msg, 404, { desc: 'no such address in this runtime' });
    }
  }

  // ---- node components ---------------------------------------------------

  /** Allocates `number` addresses of `scheme` (§4). */
  async allocate(scheme = 'hyperty', number = 1) {
    const res = await this.call({
      type: 'create',
      from: `${this.runtimeURL}/address-allocation`,
      to: `${this.node}/address-allocation`,
      body: { scheme, value: { number } },
    }, `allocation of a ${scheme} address`);
    return res.body.value.allocated;
  }

  /** Releases addresses we own (§4); fire and forget. */
  release(urls) {
    this.send({
      type: 'delete',
      from: `${this.runtimeURL}/address-allocation`,
      to: `${this.node}/address-allocation`,
      body: { childrenResources: urls },
    });
  }

  /** Subscribes at the node to exact addresses (§5). */
  subscribeNode(resources, source) {
    return this.call({
      type: 'subscribe', from: `${this.runtimeURL}/sm`, to: `${this.node}/sm`,
      body: { resources, source },
    }, 'node subscription');
  }

  unsubscribeNode(resources, source) {
    return this.call({
      type: 'unsubscribe', from: `${this.runtimeURL}/sm`, to: `${this.node}/sm`,
      body: { resources, source },
    }, 'node unsubscription');
  }

  /** Registry lookup (§7); resolves with the map url -> entry. */
  async lookup(from, userURL, criteria) {
    const res = await this.call({
      type: 'read', from, to: this.registry,
      body: { resource: userURL, ...(criteria ? { criteria } : {}) },
    }, `registry lookup of ${userURL}`);
    return res.body.value ?? {};
  }
}
