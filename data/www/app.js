// The page: a join form, a grid of video tiles, mute and leave buttons, a
// status line.  All conference logic lives in conference.js; this file
// only turns its events into DOM.
//
// Query parameters (optional): name, room (prefill the form), video=WxH@fps
// (capture size, e.g. 320x240@15 for low-power machines; video=0 joins
// without camera, publishing audio only), discover=registry
// (find the server hyperty through the registry instead of /config.json),
// server=<hyperty URL> (use that conference hyperty), trace=1 (log every
// message in the console), token=<join token> (sent as options.token, for
// servers with an [auth] secret; `hyperconf token` mints one), mode=mcu (join in low-bandwidth mode: one mixed
// stream), layout=grid|speaker (the composite's layout, when this person
// opens the room).

import { ConferenceClient } from './conference.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const ui = {
  form: $('join-form'), name: $('name'), room: $('room'), join: $('join'),
  call: $('call'), tiles: $('tiles'), participants: $('participants'),
  muteAudio: $('mute-audio'), muteVideo: $('mute-video'), leave: $('leave'),
  lowBandwidth: $('low-bandwidth'), status: $('status'),
};

ui.name.value = params.get('name') ?? localStorage.getItem('hyperconf.name') ?? '';
ui.room.value = params.get('room') ?? '';

let conf = null;
let localStream = null;
/** pid -> {el, video, caption, placeholder, stream}; pid "mix" in MCU mode */
const tiles = new Map();
/** The msid of the server's composited stream (PROTOCOL.md §9.3). */
const MIX = 'mix';
let localTile = null;
/** When this person last clicked Join and Leave (epoch ms), for the test hook. */
const clicks = { join: null, leave: null };

// ---- capture --------------------------------------------------------------

function videoConstraints() {
  const m = /^(\d+)x(\d+)(?:@(\d+))?$/.exec(params.get('video') ?? '');
  if (!m) return { width: { ideal: 640 }, height: { ideal: 480 } };
  return {
    width: { ideal: Number(m[1]) }, height: { ideal: Number(m[2]) },
    ...(m[3] ? { frameRate: { ideal: Number(m[3]) } } : {}),
  };
}

// Without a camera (or with it refused, or video=0) still join with what
// there is.
async function capture() {
  const attempts = params.get('video') === '0' ? [{ audio: true, video: false }] : [
    { audio: true, video: videoConstraints() },
    { audio: true, video: false },
    { audio: false, video: videoConstraints() },
  ];
  let lastError;
  for (const constraints of attempts) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`no camera or microphone available (${lastError?.name ?? 'unknown'})`);
}

// ---- status ---------------------------------------------------------------

function showStatus({ phase, text, code }) {
  ui.status.dataset.phase = phase;
  ui.status.textContent = text;
  if (code) ui.status.dataset.code = String(code);
  else delete ui.status.dataset.code;
}

// ---- tiles ----------------------------------------------------------------

function makeTile(label, { local = false } = {}) {
  const el = document.createElement('figure');
  el.className = `tile${local ? ' local' : ''} no-video`;
  el.setAttribute('role', 'listitem');
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  // Our own voice must not come back out of our speakers.
  video.muted = local;
  const placeholder = document.createElement('div');
  placeholder.className = 'placeholder';
  placeholder.setAttribute('aria-hidden', 'true');
  const caption = document.createElement('figcaption');
  el.append(video, placeholder, caption);
  const tile = { el, video, caption, placeholder, stream: new MediaStream() };
  video.srcObject = tile.stream;
  setTileLabel(tile, label);
  ui.tiles.append(el);
  return tile;
}

function setTileLabel(tile, label) {
  if (tile.caption.textContent === label) return;
  tile.caption.textContent = label;
  tile.placeholder.textContent = label;
  tile.el.setAttribute('aria-label', label);
}

/** Puts exactly `tracks` into the tile's stream. */
function setTileTracks(tile, tracks) {
  const current = tile.stream.getTracks();
  let changed = false;
  for (const t of current) {
    if (!tracks.includes(t)) { tile.stream.removeTrack(t); changed = true; }
  }
  for (const t of tracks) {
    if (!current.includes(t)) { tile.stream.addTrack(t); changed = true; }
  }
  // Re-attaching makes the element pick up tracks added after it started.
  if (changed) {
    tile.video.srcObject = tile.stream;
    tile.video.play().catch(() => {});
  }
}

function removeTile(pid) {
  const tile = tiles.get(pid);
  if (!tile) return;
  tile.video.srcObject = null;
  tile.el.remove();
  tiles.delete(pid);
}

function clearTiles() {
  for (const pid of [...tiles.keys()]) removeTile(pid);
  if (localTile) {
    localTile.video.srcObject = null;
    localTile.el.remove();
    localTile = null;
  }
}

// MCU mode: the one tile of the mixed stream, with a ring over the tile of
// whoever speaks, placed from the room object's layout (fractions of the
// frame).
function renderMix(remote) {
  let tile = tiles.get(MIX);
  if (!tile) {
    tile = makeTile('Everyone (mixed)');
    tile.el.classList.add('mix');
    tile.el.dataset.pid = MIX;
    tiles.set(MIX, tile);
  }
  const mine = remote.filter((r) => r.pid === MIX);
  setTileTracks(tile, mine.map((r) => r.track));
  const video = mine.find((r) => r.kind === 'video');
  tile.el.classList.toggle('no-video', !video || video.muted);
  const participants = conf.participants;
  const regions = conf.layoutTiles.map(({ pid, x, y, w, h }) => {
    const region = document.createElement('div');
    region.className = 'region';
    region.dataset.pid = pid;
    const name = participants[pid]?.username ?? pid;
    region.title = name;
    region.setAttribute('aria-label', name);
    Object.assign(region.style, {
      left: `${x * 100}%`, top: `${y * 100}%`, width: `${w * 100}%`, height: `${h * 100}%`,
    });
    region.classList.toggle('speaking', participants[pid]?.speaking === true
      || conf.room?.activeSpeaker === pid);
    return region;
  });
  for (const old of tile.el.querySelectorAll('.region')) old.remove();
  tile.el.append(...regions);
}

// One tile per other person in the room object (§9.4): people come and go
// with it.  Their received tracks play in their tile; a tile whose video
// track ended, went inactive or is muted shows the name instead.  In MCU
// mode one tile shows the mix instead.
function render() {
  if (!conf) return;
  const participants = conf.participants;
  const remote = conf.remoteTracks();
  const mixed = conf.mode === 'mcu';
  const pids = new Set(mixed ? [MIX]
    : Object.keys(participants).filter((pid) => pid !== conf.pid));
  ui.lowBandwidth.checked = mixed;

  for (const pid of [...tiles.keys()]) if (!pids.has(pid)) removeTile(pid);
  if (mixed) renderMix(remote);
  for (const pid of mixed ? [] : pids) {
    const p = participants[pid];
    const label = p?.username ?? pid;
    let tile = tiles.get(pid);
    if (!tile) {
      tile = makeTile(label);
      tile.el.dataset.pid = pid;
      tiles.set(pid, tile);
    }
    setTileLabel(tile, label);
    const mine = remote.filter((r) => r.pid === pid);
    setTileTracks(tile, mine.map((r) => r.track));
    const video = mine.find((r) => r.kind === 'video');
    // A muted remote track has no frames coming (not yet, or not any more).
    const videoOff = !video || video.muted || p?.publishing?.video === false;
    tile.el.classList.toggle('no-video', videoOff);
    tile.el.classList.toggle('speaking', conf.room?.activeSpeaker === pid);
  }
  if (localTile) {
    localTile.el.classList.toggle('no-video', !conf.publishing.video);
    localTile.el.classList.toggle('speaking', !!conf.pid && conf.room?.activeSpeaker === conf.pid);
  }
  renderParticipants(participants);
}

function renderParticipants(participants) {
  const items = Object.entries(participants).map(([pid, p]) => {
    const li = document.createElement('li');
    li.dataset.pid = pid;
    const off = ['audio', 'video'].filter((k) => p.publishing?.[k] === false);
    li.textContent = `${p.username ?? pid}${pid === conf.pid ? ' (you)' : ''}`;
    if (off.length) {
      const state = document.createElement('span');
      state.className = 'state';
      state.textContent = ` — ${off.join(' and ')} off`;
      li.append(state);
    }
    return li;
  });
  ui.participants.replaceChildren(...items);
}

// ---- join, mute, leave ----------------------------------------------------

// The form gives way to the call while joined (and is disabled, so a
// second Join cannot race the first).
function setJoined(joined) {
  ui.form.hidden = joined;
  ui.call.hidden = !joined;
  ui.join.disabled = joined;
  ui.name.disabled = joined;
  ui.room.disabled = joined;
}

function resetMuteButtons() {
  for (const b of [ui.muteAudio, ui.muteVideo]) b.setAttribute('aria-pressed', 'false');
}

async function join(event) {
  event.preventDefault();
  const name = ui.name.value.trim();
  const room = ui.room.value.trim();
  if (!name || !room) return;
  clicks.join = Date.now();
  localStorage.setItem('hyperconf.name', name);
  setJoined(true);
  resetMuteButtons();
  const mode = ui.lowBandwidth.checked || params.get('mode') === 'mcu' ? 'mcu' : 'sfu';
  const layout = ['grid', 'speaker'].includes(params.get('layout')) ? params.get('layout') : null;
  conf = new ConferenceClient({
    discovery: params.get('discover') === 'registry' ? 'registry' : 'config',
    server: params.get('server'),
    trace: params.get('trace') === '1',
  });
  conf.addEventListener('status', (ev) => showStatus(ev.detail));
  conf.addEventListener('ended', finish);
  conf.addEventListener('room', render);
  conf.addEventListener('tracks', render);
  try {
    showStatus({ phase: 'connecting', text: 'Starting camera and microphone…' });
    // The camera starts while the client opens its session.
    const stream = capture().then((s) => {
      if (ui.call.hidden) { // the join ended before the camera started
        for (const t of s.getTracks()) t.stop();
        return s;
      }
      localStream = s;
      localTile = makeTile(`You (${name})`, { local: true });
      setTileTracks(localTile, s.getVideoTracks());
      localTile.el.classList.toggle('no-video', s.getVideoTracks().length === 0);
      ui.muteAudio.disabled = s.getAudioTracks().length === 0;
      ui.muteVideo.disabled = s.getVideoTracks().length === 0;
      return s;
    });
    // Without a listener a failed capture would be reported as unhandled
    // before join() gets to it.
    stream.catch(() => {});
    await conf.join({ name, room, stream, mode, layout, token: params.get('token') });
  } catch (error) {
    // conf.join has put the server's code and desc in the status line.
    if (!conf?.status || conf.status.phase !== 'error') {
      showStatus({ phase: 'error', text: `Could not join: ${error.message}` });
    }
    finish();
  }
}

/** Back to the form, keeping the status line. */
function finish() {
  clearTiles();
  for (const t of localStream?.getTracks() ?? []) t.stop();
  localStream = null;
  ui.participants.replaceChildren();
  setJoined(false);
}

function toggle(kind, button) {
  if (!conf) return;
  const muted = button.getAttribute('aria-pressed') !== 'true';
  button.setAttribute('aria-pressed', String(muted));
  conf.setPublishing(kind, !muted);
  render();
}

ui.form.addEventListener('submit', join);
ui.muteAudio.addEventListener('click', () => toggle('audio', ui.muteAudio));
ui.muteVideo.addEventListener('click', () => toggle('video', ui.muteVideo));
ui.lowBandwidth.checked = params.get('mode') === 'mcu';
ui.lowBandwidth.addEventListener('change', () => {
  conf?.setMode(ui.lowBandwidth.checked ? 'mcu' : 'sfu');
  render();
});
ui.leave.addEventListener('click', async () => {
  clicks.leave = Date.now();
  ui.leave.disabled = true;
  try {
    await conf?.leave();
  } finally {
    ui.leave.disabled = false;
    finish();
  }
});
// Closing the tab: tell the server now rather than after its grace period.
addEventListener('pagehide', () => conf?.leaveNow());

// ---- read-only test hook ----------------------------------------------------

const plain = (v) => JSON.parse(JSON.stringify(v ?? null));

window.hyperconf = Object.freeze({
  /** What this person sees right now. */
  state() {
    return {
      status: { ...(conf?.status ?? { phase: 'idle' }) },
      pid: conf?.pid ?? null,
      room: conf?.roomName ?? null,
      roomUrl: conf?.roomURL ?? null,
      roomDeleted: conf?.roomDeleted ?? false,
      roomStatus: conf?.room?.status ?? null,
      participants: plain(conf?.participants ?? {}),
      activeSpeaker: conf?.room?.activeSpeaker ?? null,
      mode: conf?.mode ?? null,
      layout: plain(conf?.room?.layout ?? null),
      publishing: { ...(conf?.publishing ?? {}) },
      connectionState: conf?.pc?.connectionState ?? null,
      remote: (conf?.remoteTracks({ all: true }) ?? []).map(({ track, ...r }) => ({
        ...r, readyState: track.readyState,
      })),
      tiles: [...ui.tiles.querySelectorAll('.tile')].map((el) => ({
        label: el.getAttribute('aria-label'), pid: el.dataset.pid ?? null,
        video: !el.classList.contains('no-video'),
        regions: [...el.querySelectorAll('.region')].map((r) => ({
          pid: r.dataset.pid, speaking: r.classList.contains('speaking'),
        })),
      })),
      warnings: [...(conf?.warnings ?? [])],
      timeline: { ...(conf?.timeline ?? {}) },
      timelineAt: { ...(conf?.timelineAt ?? {}) },
      clicks: { ...clicks },
      heldOffers: conf?.heldOffers ?? 0,
    };
  },
  /** Test only: from now on this client leaves the server's offers unanswered (false before joining). */
  holdAnswers() {
    if (conf) conf.holdAnswers = true;
    return Boolean(conf);
  },
  /** Inbound RTP statistics of every remote track, with its pid and name. */
  stats() {
    return conf ? conf.stats() : Promise.resolve([]);
  },
  /** Outbound RTP statistics of this person's own tracks. */
  sendStats() {
    return conf ? conf.sendStats() : Promise.resolve([]);
  },
  /** The local UDP ports of this person's ICE candidates (a test cuts them). */
  async udpPorts() {
    if (!conf?.pc) return [];
    const ports = new Set();
    (await conf.pc.getStats()).forEach((s) => {
      if (s.type === 'local-candidate' && s.protocol === 'udp' && s.port) ports.add(s.port);
    });
    return [...ports];
  },
});
