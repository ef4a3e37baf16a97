/* hyperconf — hcsrtpsend: SRTP-protect and send on webrtcbin's ICE agent.
 *
 * See hc-srtp-send.h for the picture and the contract.
 *
 * Usage example (verified with GST_PLUGIN_PATH=<build>/src/media; without
 * an agent and a key it is a pass-through per pad pair):
 *
 *   gst-launch-1.0 audiotestsrc num-buffers=50 ! opusenc ! rtpopuspay !
 *     hcsrtpsend name=s  s.src_0 ! rtpopusdepay ! opusdec ! fakesink
 *
 * Why: webrtcbin 1.22's send path is rtpbin's rtpsession, then srtpenc,
 * then nicesink, each packet through a funnel and two more pads with their
 * locks, and rtprtxsend's queue per stream.  A forwarded stream needs none
 * of rtpsession's send work except what is done here: keep what was sent
 * for NACKs, and sender reports.  The RTCP itself (SRs, RRs, feedback)
 * stays webrtcbin's, with its own SRTCP index.
 *
 * Per pad pair, the decision is made per buffer: lean when "agent", a key
 * and "send-on-agent" are set and the pair has not been pinned to
 * pass-through.  A pair is pinned when it would turn lean after more than
 * PIN_AFTER packets (or a sequence number wrap) went through webrtcbin:
 * webrtcbin's SRTP stream then has a rollover counter our fresh libsrtp2
 * stream would not have, and the subscriber would fail to authenticate.
 *
 * Counters: "octets-sent" are payload octets, as in an SR's octet count
 * (RFC 3550 6.4.1).  The SR's packet and octet counts also include what a
 * pair passed to webrtcbin before it turned lean, as webrtcbin's own SR
 * would have.
 *
 * SRTP sessions: one per SSRC, made at its first lean packet from the
 * element's key (its RTX stream added at its first retransmission).
 * libsrtp2 (2.5) finds a packet's stream by walking a linked list of the
 * session's streams: with one session for all of a subscriber's SSRCs (2
 * per publisher in the room, and the RTX ones) that walk was 3-5% of the
 * server's CPU in a room of 10.  The sessions are made in the element's
 * hc-srtp-crypto share: they all run on one AES EVP_CIPHER_CTX per key
 * (all their uses are under the lock), as the streams of the one session
 * did.  Without it each SSRC's AES state was colder in the CPU's cache
 * and cost about what the shorter walk saved (and 4 kB instead of 1 kB
 * per session).  A new key drops them all.
 *
 * Locking: one mutex (self->lock) guards settings, the key and the SRTP
 * sessions, the per-SSRC state (ring, counters, clock) and the pad pairs'
 * state.  It is never held while pushing or calling into libnice.
 */
#define G_LOG_DOMAIN "hc-srtp-send"

#include <hyperconf/hc-sender-clock.h>
#include <hyperconf/hc-srtp-crypto.h>
#include <hyperconf/hc-srtp-send.h>

#include <gst/rtp/gstrtpbuffer.h>
#include <gio/gio.h>
#include <nice/agent.h>
#include <sys/socket.h>
#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (hc_srtp_send_debug);
#define GST_CAT_DEFAULT hc_srtp_send_debug

#define DEFAULT_COMPONENT_ID  1
#define DEFAULT_SEND_ON_AGENT TRUE
/* Slots per SSRC: the time bound below at up to 256 packets/s (about
 * 2.5 Mbit/s of video); beyond that the slots bound the history. */
#define DEFAULT_RTX_HISTORY 128
/* A NACK and one repeat of it within a 150 ms round trip.  (Janus keeps at
 * least 200 ms, more with a longer measured round trip: min_nack_queue in
 * its janus.jcfg.)  Each kept packet costs about 0.8 kB here (its header,
 * buffer and a share of the payload): 500 ms made the server's RSS 0.16
 * MB per participant larger at 4x5 than webrtcbin's own send path. */
#define DEFAULT_RTX_HISTORY_MS 300
#define DEFAULT_DROP_EVERY     0
#define KEY_LEN                30 /* AES_CM_128: 16 octets key, 14 salt */
#define RTP_HEADER_LEN         12
#define RTCP_RR                201
#define RTCP_SR                200
#define SENDER_INFO_LEN        20
#define REPORT_BLOCK_LEN       24
/* See the top: past this many packets through webrtcbin a pair stays
 * there.  Below 2^15, so libsrtp2's index estimate cannot go wrong. */
#define PIN_AFTER 30000
/* Seconds from 1900 (NTP) to 1970 (Unix). */
#define NTP_UNIX_OFFSET G_GUINT64_CONSTANT (2208988800)

/* What one SSRC sent (or passed) and keeps for NACKs. */
typedef struct {
  guint32 ssrc;
  gpointer owner; /* the Pair that sends it, for release */

  /* rtx-history slots, by seq % ring_size: a buffer with the packet's
   * timestamp, marker and payload (the packet itself, or the one it was
   * rewritten from: hc_srtp_send_forward()) and the sequence number it
   * was sent with */
  GstBuffer **ring;
  guint16 *ring_seq;
  gint64 *ring_us; /* when each was stored (monotonic) */
  guint ring_size;
  guint16 ring_oldest; /* the oldest seq that may still be kept */

  guint64 packets_sent, octets_sent;     /* on the agent */
  guint64 packets_passed, octets_passed; /* to webrtcbin */
  guint64 rtx_packets, rtx_octets, nack_requests;

  gint clock_rate; /* 0: unknown */
  guint32 last_rtp_time;
  gint64 last_sent_us; /* monotonic; 0: nothing sent */

  gboolean have_clock; /* an hc-sender-clock event came */
  guint64 sr_ntp;
  guint32 sr_rtp;
  gint64 sr_arrival_us;

  guint drop_counter; /* test-drop-every, per stream (its RTX included):
                       * one counter for all would alias with the
                       * interleaving of audio and video */

  gboolean have_rtx;
  guint32 rtx_ssrc;
  guint8 rtx_pt;
  guint16 rtx_seq;

  /* NULL until the first lean packet under the current key. */
  srtp_t session;
  gboolean session_has_rtx; /* with a stream for the RTX SSRC */
  guint32 session_rtx_ssrc;
} SsrcState;

/* One sink_N / src_N pair: the sink pad's qdata (freed with the pad). */
typedef struct {
  GstPad *src; /* strong */
  gint clock_rate;
  guint64 passed;
  gboolean have_seq, wrapped;
  guint16 last_seq;
  gboolean lean_started, pinned;
  /* the state of the SSRC it sent last, valid while states_serial is */
  SsrcState *last_state;
  guint last_state_serial;
} Pair;

/* Where a batch goes: a snapshot, rebuilt whenever one of its parts
 * changes, taken under the lock (one atomic increment per batch) and used
 * without it. */
typedef struct {
  NiceAgent *agent;
  guint stream_id, component_id;
  GSocket *socket;        /* with @remote: straight to the selected pair */
  GSocketAddress *remote; /* (nullable) */
} Route;

static void
route_release (gpointer data)
{
  Route *route = data;

  g_clear_object (&route->agent);
  g_clear_object (&route->socket);
  g_clear_object (&route->remote);
}

static void
route_unref (Route *route)
{
  if (route)
    g_atomic_rc_box_release_full (route, route_release);
}

struct _HcSrtpSend {
  GstElement parent_instance;

  GMutex lock;
  NiceAgent *agent;
  guint stream_id, component_id;
  gboolean send_on_agent;
  guint rtx_history;
  gint64 rtx_history_us;
  guint drop_every;
  gboolean keyed;      /* a key is set (the SSRCs' sessions come from it) */
  guint8 key[KEY_LEN]; /* zeroed while not keyed */
  srtp_crypto_policy_t rtp_policy, rtcp_policy;
  HcSrtpCryptoShare *share; /* the sessions' AES contexts, per key */
  GHashTable *ssrcs;        /* guint32 -> SsrcState */
  guint states_serial;      /* bumped when states are freed (Pair.last_state) */
  guint64 invalid, send_errors;
  /* The selected pair's socket and remote address (refresh_route()):
   * sent on directly, not through the agent.  NULL: through the agent. */
  GSocket *socket;
  GSocketAddress *remote;
  guint route_serial; /* bumped whenever what the route comes from changes */
  Route *route;       /* NULL without an agent */
  guint64 socket_sends, agent_sends; /* batches */
  guint64 handed;                    /* hc_srtp_send_forward() packets */
};

G_DEFINE_FINAL_TYPE (HcSrtpSend, hc_srtp_send, GST_TYPE_ELEMENT)

enum {
  PROP_0,
  PROP_AGENT,
  PROP_STREAM_ID,
  PROP_COMPONENT_ID,
  PROP_SEND_ON_AGENT,
  PROP_LEAN,
  PROP_RTX_HISTORY,
  PROP_RTX_HISTORY_MS,
  PROP_STATS,
  PROP_TEST_DROP_EVERY,
  N_PROPS
};

static GParamSpec *props[N_PROPS];
static GQuark pair_quark;

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink_%u", GST_PAD_SINK, GST_PAD_REQUEST,
                               GST_STATIC_CAPS ("application/x-rtp"));

static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src_%u", GST_PAD_SRC, GST_PAD_SOMETIMES,
                               GST_STATIC_CAPS ("application/x-rtp"));

/* ---------------------------------------------------------------------- */
/* Per-SSRC state                                                          */
/* ---------------------------------------------------------------------- */

static void
ring_clear (SsrcState *st)
{
  for (guint i = 0; i < st->ring_size; i++)
    gst_clear_buffer (&st->ring[i]);
  g_clear_pointer (&st->ring, g_free);
  g_clear_pointer (&st->ring_us, g_free);
  g_clear_pointer (&st->ring_seq, g_free);
  st->ring_size = 0;
}

static void
session_clear (SsrcState *st)
{
  if (st->session)
    srtp_dealloc (st->session);
  st->session = NULL;
  st->session_has_rtx = FALSE;
}

static void
ssrc_state_free (gpointer data)
{
  SsrcState *st = data;

  ring_clear (st);
  session_clear (st);
  g_free (st);
}

static SsrcState *
get_state_locked (HcSrtpSend *self, guint32 ssrc)
{
  SsrcState *st = g_hash_table_lookup (self->ssrcs, GUINT_TO_POINTER (ssrc));

  if (st == NULL) {
    st = g_new0 (SsrcState, 1);
    st->ssrc = ssrc;
    g_hash_table_insert (self->ssrcs, GUINT_TO_POINTER (ssrc), st);
  }
  return st;
}

/* Only for an SSRC with an RTX stream (nothing else can be answered), and
 * for at most rtx-history-ms: a subscriber's NACK comes within a round
 * trip or two, and every packet kept longer is memory for nothing (kept by
 * count alone, 600 packets per SSRC made the server's RSS per participant
 * 3.4x larger at 4x5). */
static void
ring_store_locked (HcSrtpSend *self, SsrcState *st, guint16 seq, GstBuffer *buf,
                   gint64 now_us)
{
  guint slot, steps = 0;

  if (!st->have_rtx)
    return;
  if (st->ring_size != self->rtx_history) {
    ring_clear (st);
    st->ring_size = self->rtx_history;
    if (st->ring_size > 0) {
      st->ring = g_new0 (GstBuffer *, st->ring_size);
      st->ring_us = g_new0 (gint64, st->ring_size);
      st->ring_seq = g_new0 (guint16, st->ring_size);
    }
    st->ring_oldest = seq;
  }
  if (st->ring_size == 0)
    return;
  /* Free what got too old, oldest first (amortised: each slot once). */
  if ((guint16)(seq - st->ring_oldest) >= st->ring_size)
    st->ring_oldest = (guint16)(seq - st->ring_size + 1);
  while (st->ring_oldest != seq && steps++ < st->ring_size) {
    slot = st->ring_oldest % st->ring_size;
    if (st->ring[slot] && now_us - st->ring_us[slot] < self->rtx_history_us)
      break;
    gst_clear_buffer (&st->ring[slot]);
    st->ring_oldest++;
  }
  slot = seq % st->ring_size;
  gst_clear_buffer (&st->ring[slot]);
  st->ring[slot] = gst_buffer_ref (buf);
  st->ring_seq[slot] = seq;
  st->ring_us[slot] = now_us;
}

/* The stored packet @seq (see SsrcState.ring), or NULL (overwritten or
 * never sent). */
static GstBuffer *
ring_lookup_locked (HcSrtpSend *self, SsrcState *st, guint16 seq)
{
  guint slot;

  if (st->ring_size == 0)
    return NULL;
  slot = seq % st->ring_size;
  if (st->ring[slot] == NULL || st->ring_seq[slot] != seq
      || g_get_monotonic_time () - st->ring_us[slot] >= self->rtx_history_us)
    return NULL;
  return st->ring[slot];
}

/* ---------------------------------------------------------------------- */
/* Sending                                                                 */
/* ---------------------------------------------------------------------- */

/* Protected packets waiting to be sent by one libnice call.  One packet
 * (the usual push) needs no allocation: the inline arrays hold it. */
#define INLINE_OCTETS (1500 + SRTP_MAX_TRAILER_LEN)

typedef struct {
  guint8 *data;
  gsize used, allocated;
  guint n, cap;
  GOutputVector *vectors; /* .buffer holds the offset until batch_send */
  guint dropped;          /* test-drop-every */
  _Alignas(8) guint8 inline_data[INLINE_OCTETS];
  GOutputVector inline_vectors[1];
} Batch;

static void
batch_init (Batch *b, gsize room)
{
  b->used = 0;
  b->n = 0;
  b->dropped = 0;
  b->data = room <= INLINE_OCTETS ? b->inline_data : g_malloc (room);
  b->allocated = MAX (room, INLINE_OCTETS);
  b->vectors = b->inline_vectors;
  b->cap = G_N_ELEMENTS (b->inline_vectors);
}

static void
batch_clear (Batch *b)
{
  if (b->data != b->inline_data)
    g_free (b->data);
  if (b->vectors != b->inline_vectors)
    g_free (b->vectors);
}

/* Room for a packet of @len plus libsrtp2's trailer; returns where. */
static guint8 *
batch_reserve (Batch *b, gsize len)
{
  gsize need;

  /* Each packet starts 8-aligned: RTX headers are written with 32-bit
   * stores (UBSan found them misaligned after a packet of odd length). */
  b->used = (b->used + 7) & ~(gsize)7;
  need = b->used + len + SRTP_MAX_TRAILER_LEN;

  if (need > b->allocated) {
    b->allocated = MAX (need, b->allocated * 2);
    if (b->data == b->inline_data) {
      b->data = g_malloc (b->allocated);
      memcpy (b->data, b->inline_data, b->used);
    } else {
      b->data = g_realloc (b->data, b->allocated);
    }
  }
  return b->data + b->used;
}

static void
policy_init (srtp_policy_t *policy, const srtp_crypto_policy_t *rtp,
             const srtp_crypto_policy_t *rtcp, guint8 *key,
             srtp_ssrc_type_t type, guint32 ssrc)
{
  memset (policy, 0, sizeof *policy);
  policy->rtp = *rtp;
  policy->rtcp = *rtcp;
  policy->ssrc.type = type;
  policy->ssrc.value = ssrc;
  policy->key = key;
  policy->window_size = 1024;
  /* A retransmitted packet (RTX has its own seq, but a receiver may also
   * see the original seq again after a switch) must not fail. */
  policy->allow_repeat_tx = 1;
}

/* Under the lock, keyed: @st's session with a stream for @ssrc (@st's
 * own or its RTX SSRC), made now if need be; NULL if libsrtp2 failed. */
static srtp_t
stream_session_locked (HcSrtpSend *self, SsrcState *st, guint32 ssrc)
{
  srtp_policy_t policy;
  srtp_err_status_t status;

  if (st->session == NULL) {
    policy_init (&policy, &self->rtp_policy, &self->rtcp_policy, self->key,
                 ssrc_specific, st->ssrc);
    hc_srtp_crypto_share_enter (self->share);
    status = srtp_create (&st->session, &policy);
    hc_srtp_crypto_share_leave ();
    if (status != srtp_err_status_ok) {
      GST_WARNING_OBJECT (self, "srtp_create: %d", status);
      st->session = NULL;
      return NULL;
    }
  }
  if (ssrc == st->ssrc || (st->session_has_rtx && st->session_rtx_ssrc == ssrc))
    return st->session;
  /* The RTX stream at its first packet (or another RTX SSRC). */
  if (st->session_has_rtx)
    srtp_remove_stream (st->session, g_htonl (st->session_rtx_ssrc));
  st->session_has_rtx = FALSE;
  policy_init (&policy, &self->rtp_policy, &self->rtcp_policy, self->key,
               ssrc_specific, ssrc);
  hc_srtp_crypto_share_enter (self->share);
  status = srtp_add_stream (st->session, &policy);
  hc_srtp_crypto_share_leave ();
  if (status != srtp_err_status_ok) {
    GST_WARNING_OBJECT (self, "srtp_add_stream: %d", status);
    return NULL;
  }
  st->session_has_rtx = TRUE;
  st->session_rtx_ssrc = ssrc;
  return st->session;
}

/* Protects the packet of @ssrc (@st's or its RTX) written at
 * batch_reserve()'s place (@len octets) and keeps it, unless the test
 * drop counter takes it. */
static void
batch_commit_locked (HcSrtpSend *self, SsrcState *st, guint32 ssrc, Batch *b,
                     gsize len)
{
  int srtp_len = (int)len;
  srtp_err_status_t status;
  srtp_t session;

  if (self->drop_every > 0 && ++st->drop_counter >= self->drop_every) {
    st->drop_counter = 0;
    b->dropped++;
    return;
  }
  session = stream_session_locked (self, st, ssrc);
  if (session == NULL) {
    self->send_errors++;
    return;
  }
  status = srtp_protect (session, b->data + b->used, &srtp_len);
  if (status != srtp_err_status_ok) {
    GST_DEBUG_OBJECT (self, "srtp_protect: %d", status);
    self->send_errors++;
    return;
  }
  if (b->n == b->cap) {
    b->cap *= 2;
    if (b->vectors == b->inline_vectors)
      b->vectors = g_memdup2 (b->inline_vectors, sizeof b->inline_vectors);
    b->vectors = g_renew (GOutputVector, b->vectors, b->cap);
  }
  b->vectors[b->n].buffer = GSIZE_TO_POINTER (b->used);
  b->vectors[b->n].size = (gsize)srtp_len;
  b->n++;
  b->used += (gsize)srtp_len;
}

/* Under the lock, after a change of agent, stream, component, socket or
 * remote address.  Returns: the old snapshot, to release without the lock
 * (its objects' last references may go with it). */
static Route *
route_rebuild_locked (HcSrtpSend *self)
{
  Route *old = self->route;

  self->route = NULL;
  if (self->agent != NULL) {
    self->route = g_atomic_rc_box_new0 (Route);
    self->route->agent = g_object_ref (self->agent);
    self->route->stream_id = self->stream_id;
    self->route->component_id = self->component_id;
    if (self->socket && self->remote) {
      self->route->socket = g_object_ref (self->socket);
      self->route->remote = g_object_ref (self->remote);
    }
  }
  return old;
}

/* Without the lock: one sendmmsg() on the selected pair's socket, or one
 * nice_agent_send_messages_nonblocking() call. */
static void
batch_send (HcSrtpSend *self, Batch *b, const Route *route)
{
  NiceOutputMessage inline_messages[G_N_ELEMENTS (b->inline_vectors)];
  GOutputMessage inline_socket_messages[G_N_ELEMENTS (b->inline_vectors)];
  NiceOutputMessage *messages = inline_messages;
  GOutputMessage *socket_messages = inline_socket_messages;
  gboolean on_socket = route->socket != NULL && route->remote != NULL;
  GError *error = NULL;
  gint sent;

  if (b->n == 0)
    return;
  for (guint i = 0; i < b->n; i++)
    b->vectors[i].buffer = b->data + GPOINTER_TO_SIZE (b->vectors[i].buffer);
  if (on_socket) {
    if (b->n > G_N_ELEMENTS (inline_socket_messages))
      socket_messages = g_new (GOutputMessage, b->n);
    for (guint i = 0; i < b->n; i++)
      socket_messages[i] = (GOutputMessage){ .address = route->remote,
                                             .vectors = &b->vectors[i],
                                             .num_vectors = 1 };
    /* A closed GSocket fails here, never sends on a reused fd. */
    sent = g_socket_send_messages (route->socket, socket_messages, b->n, 0,
                                   NULL, &error);
  } else {
    if (b->n > G_N_ELEMENTS (inline_messages))
      messages = g_new (NiceOutputMessage, b->n);
    for (guint i = 0; i < b->n; i++) {
      messages[i].buffers = &b->vectors[i];
      messages[i].n_buffers = 1;
    }
    sent = nice_agent_send_messages_nonblocking (route->agent, route->stream_id,
                                                 route->component_id, messages,
                                                 b->n, NULL, &error);
  }
  g_mutex_lock (&self->lock);
  if (on_socket)
    self->socket_sends++;
  else
    self->agent_sends++;
  if (sent < (gint)b->n) {
    GST_LOG_OBJECT (self, "sent %d of %u: %s", sent, b->n,
                    error ? error->message : "short send");
    self->send_errors += b->n - MAX (sent, 0);
  }
  g_mutex_unlock (&self->lock);
  g_clear_error (&error);
  if (messages != inline_messages)
    g_free (messages);
  if (socket_messages != inline_socket_messages)
    g_free (socket_messages);
}

/* The selected pair's socket and the peer's address, read from the agent
 * without the element's lock (the agent's signals call the property
 * setters with the agent's lock held: agent, then element, never the
 * other way round), stored if nothing changed meanwhile.  libnice's own
 * send takes the agent's lock (contended by the publishers' threads that
 * send to this participant and by its own receive thread: perf showed
 * futex waits there) and resolves stream and component per call; the
 * socket is libnice's, non-blocking, and sending on it directly is what
 * libnice does for a UDP pair that is not relayed (the only pairs this
 * element sends on itself). */
static void
refresh_route (HcSrtpSend *self)
{
  NiceAgent *agent = NULL;
  GSocket *socket = NULL;
  GSocketAddress *remote = NULL;
  NiceCandidate *local_cand = NULL, *remote_cand = NULL;
  Route *old_route = NULL;
  guint stream_id, component_id, serial;
  gboolean wanted;

  g_mutex_lock (&self->lock);
  wanted = self->agent != NULL && self->send_on_agent;
  if (wanted)
    agent = g_object_ref (self->agent);
  stream_id = self->stream_id;
  component_id = self->component_id;
  serial = self->route_serial;
  g_mutex_unlock (&self->lock);

  if (wanted && stream_id > 0 && component_id > 0) {
    socket = nice_agent_get_selected_socket (agent, stream_id, component_id);
    if (socket != NULL
        && nice_agent_get_selected_pair (agent, stream_id, component_id,
                                         &local_cand, &remote_cand)
        && remote_cand != NULL
        && remote_cand->transport == NICE_CANDIDATE_TRANSPORT_UDP) {
      struct sockaddr_storage native;

      nice_address_copy_to_sockaddr (&remote_cand->addr,
                                     (struct sockaddr *)&native);
      remote = g_socket_address_new_from_native (&native, sizeof native);
    }
  }
  if (remote == NULL)
    g_clear_object (&socket);

  g_mutex_lock (&self->lock);
  if (serial == self->route_serial) {
    g_clear_object (&self->socket);
    g_clear_object (&self->remote);
    self->socket = g_steal_pointer (&socket);
    self->remote = g_steal_pointer (&remote);
    old_route = route_rebuild_locked (self);
    GST_INFO_OBJECT (self, "sending %s",
                     self->socket ? "on the selected pair's socket"
                                  : "through the agent");
  }
  g_mutex_unlock (&self->lock);
  route_unref (old_route);
  g_clear_object (&socket);
  g_clear_object (&remote);
  g_clear_object (&agent);
}

/* Under the lock: is the pair lean now?  Decides pinning at the first
 * lean-capable buffer. */
static gboolean
pair_lean_locked (HcSrtpSend *self, Pair *pair)
{
  if (self->agent == NULL || !self->keyed || !self->send_on_agent
      || pair->pinned)
    return FALSE;
  if (!pair->lean_started) {
    if (pair->passed > PIN_AFTER || pair->wrapped) {
      GST_INFO_OBJECT (pair->src,
                       "%" G_GUINT64_FORMAT " packets went through webrtcbin"
                       "%s: staying there",
                       pair->passed, pair->wrapped ? " (seq wrapped)" : "");
      pair->pinned = TRUE;
      return FALSE;
    }
    pair->lean_started = TRUE;
  }
  return TRUE;
}

typedef struct {
  guint32 ssrc, rtp_time;
  guint16 seq;
  guint payload_len;
} RtpInfo;

/* RFC 3550 5.1 over plain bytes (a lean packet, already copied into its
 * batch): as gst_rtp_buffer_map() checks it, without mapping the
 * buffer's memories a second time. */
static gboolean
parse_rtp_bytes (const guint8 *data, gsize len, RtpInfo *info)
{
  gsize header_len, padding = 0;

  if (len < 12 || (data[0] >> 6) != 2)
    return FALSE;
  header_len = 12 + 4 * (data[0] & 0x0f);
  if (data[0] & 0x10) {
    if (len < header_len + 4)
      return FALSE;
    header_len += 4 + 4 * (gsize)GST_READ_UINT16_BE (data + header_len + 2);
  }
  if (data[0] & 0x20) {
    padding = data[len - 1];
    if (padding == 0)
      return FALSE;
  }
  if (len < header_len + padding)
    return FALSE;
  info->seq = GST_READ_UINT16_BE (data + 2);
  info->rtp_time = GST_READ_UINT32_BE (data + 4);
  info->ssrc = GST_READ_UINT32_BE (data + 8);
  info->payload_len = (guint)(len - header_len - padding);
  return TRUE;
}

static gboolean
parse_rtp (GstBuffer *buf, RtpInfo *info)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (!gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp))
    return FALSE;
  info->ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  info->seq = gst_rtp_buffer_get_seq (&rtp);
  info->rtp_time = gst_rtp_buffer_get_timestamp (&rtp);
  info->payload_len = gst_rtp_buffer_get_payload_len (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  return TRUE;
}

/* Under the lock: @ssrc's state, from the pair's last one when it is the
 * same SSRC (a branch sends one), else from the table. */
static SsrcState *
pair_state_locked (HcSrtpSend *self, Pair *pair, guint32 ssrc)
{
  SsrcState *st = pair->last_state;

  if (st == NULL || pair->last_state_serial != self->states_serial
      || st->ssrc != ssrc) {
    st = get_state_locked (self, ssrc);
    pair->last_state = st;
    pair->last_state_serial = self->states_serial;
  }
  return st;
}

/* Under the lock, a pass-through buffer: counted for the SR, and the
 * pair's sequence watched for a wrap. */
static void
note_passed_locked (HcSrtpSend *self, Pair *pair, const RtpInfo *info)
{
  SsrcState *st = pair_state_locked (self, pair, info->ssrc);

  st->owner = pair;
  st->packets_passed++;
  st->octets_passed += info->payload_len;
  if (pair->have_seq && info->seq < pair->last_seq
      && (guint16)(info->seq - pair->last_seq) < 0x8000)
    pair->wrapped = TRUE;
  pair->have_seq = TRUE;
  pair->last_seq = info->seq;
  pair->passed++;
}

/* Under the lock, a lean packet of @len octets written at
 * batch_reserve()'s place in @b: read there, kept (as @keep: see
 * SsrcState.ring), counted, protected.  FALSE: not RTP (nothing kept). */
static gboolean
commit_lean_locked (HcSrtpSend *self, Pair *pair, const guint8 *data, gsize len,
                    GstBuffer *keep, Batch *b)
{
  SsrcState *st;
  RtpInfo info;

  if (!parse_rtp_bytes (data, len, &info))
    return FALSE;
  st = pair_state_locked (self, pair, info.ssrc);
  st->owner = pair;
  st->last_sent_us = g_get_monotonic_time ();
  ring_store_locked (self, st, info.seq, keep, st->last_sent_us);
  st->packets_sent++;
  st->octets_sent += info.payload_len;
  st->clock_rate = pair->clock_rate;
  st->last_rtp_time = info.rtp_time;

  batch_commit_locked (self, st, info.ssrc, b, len);
  return TRUE;
}

/* Under the lock, a lean buffer: copied into @b, then as above. */
static gboolean
add_lean_locked (HcSrtpSend *self, Pair *pair, GstBuffer *buf, Batch *b)
{
  gsize len = gst_buffer_get_size (buf);
  guint8 *data = batch_reserve (b, len);

  return gst_buffer_extract (buf, 0, data, len) == len
         && commit_lean_locked (self, pair, data, len, buf, b);
}

/* Lean or pass-through, for a list of buffers (or one).  The buffers in
 * @bufs are borrowed; @push[i] tells whether bufs[i] goes on to src_N.
 * Returns: TRUE if the pair is lean (then nothing is to be pushed). */
static gboolean
process (HcSrtpSend *self, Pair *pair, GstBuffer **bufs, guint n,
         gboolean *push)
{
  Route *route = NULL;
  gboolean lean;
  Batch b;
  gsize total = 0;

  for (guint i = 0; i < n; i++)
    total += gst_buffer_get_size (bufs[i]) + SRTP_MAX_TRAILER_LEN;

  g_mutex_lock (&self->lock);
  lean = pair_lean_locked (self, pair);
  if (lean) {
    route = g_atomic_rc_box_acquire (self->route);
    batch_init (&b, total);
  }
  for (guint i = 0; i < n; i++) {
    RtpInfo info;

    push[i] = FALSE;
    if (lean) {
      if (!add_lean_locked (self, pair, bufs[i], &b))
        self->invalid++;
    } else if (!parse_rtp (bufs[i], &info)) {
      self->invalid++;
    } else {
      note_passed_locked (self, pair, &info);
      push[i] = TRUE;
    }
  }
  g_mutex_unlock (&self->lock);

  if (lean) {
    batch_send (self, &b, route);
    batch_clear (&b);
    route_unref (route);
  }
  return lean;
}

/* ---------------------------------------------------------------------- */
/* Pads                                                                    */
/* ---------------------------------------------------------------------- */

static Pair *
get_pair (GstPad *sinkpad)
{
  /* (set with the qdata that owns it: a field, not a qdata lookup, per
   * packet) */
  return gst_pad_get_element_private (sinkpad);
}

static void
pair_free (gpointer data)
{
  Pair *pair = data;

  gst_clear_object (&pair->src);
  g_free (pair);
}

/* "sink_N" <-> "src_N" (a new reference, or NULL once released). */
static GstPad *
partner_pad (GstPad *pad, GstObject *parent)
{
  const gchar *name = GST_OBJECT_NAME (pad);
  guint index;
  g_autofree gchar *other = NULL;

  if (GST_PAD_IS_SINK (pad)) {
    if (sscanf (name, "sink_%u", &index) != 1)
      return NULL;
    other = g_strdup_printf ("src_%u", index);
  } else {
    if (sscanf (name, "src_%u", &index) != 1)
      return NULL;
    other = g_strdup_printf ("sink_%u", index);
  }
  return gst_element_get_static_pad (GST_ELEMENT (parent), other);
}

static GstFlowReturn
hc_srtp_send_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  HcSrtpSend *self = HC_SRTP_SEND (parent);
  Pair *pair = get_pair (pad);
  gboolean push;

  process (self, pair, &buffer, 1, &push);
  if (!push) {
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  return gst_pad_push (pair->src, buffer);
}

static GstFlowReturn
hc_srtp_send_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  HcSrtpSend *self = HC_SRTP_SEND (parent);
  Pair *pair = get_pair (pad);
  guint n = gst_buffer_list_length (list);
  g_autofree GstBuffer **bufs = g_new (GstBuffer *, MAX (n, 1));
  g_autofree gboolean *push = g_new (gboolean, MAX (n, 1));
  gboolean all = TRUE;
  GstBufferList *out;

  for (guint i = 0; i < n; i++)
    bufs[i] = gst_buffer_list_get (list, i);
  if (process (self, pair, bufs, n, push)) {
    gst_buffer_list_unref (list);
    return GST_FLOW_OK;
  }
  for (guint i = 0; i < n; i++)
    all &= push[i];
  if (all && n > 0)
    return gst_pad_push_list (pair->src, list);
  /* Some were not RTP: push the others. */
  out = gst_buffer_list_new_sized (n);
  for (guint i = 0; i < n; i++)
    if (push[i])
      gst_buffer_list_add (out, gst_buffer_ref (bufs[i]));
  gst_buffer_list_unref (list);
  if (gst_buffer_list_length (out) == 0) {
    gst_buffer_list_unref (out);
    return GST_FLOW_OK;
  }
  return gst_pad_push_list (pair->src, out);
}

gboolean
hc_srtp_send_forward (HcSrtpSend *self, GstPad *sinkpad, GstBuffer *base,
                      gsize base_header_len, const guint8 *header,
                      gsize header_len, GstFlowReturn *ret)
{
  gsize size, len;
  Route *route;
  Pair *pair;
  Batch b;

  g_return_val_if_fail (HC_IS_SRTP_SEND (self), FALSE);
  g_return_val_if_fail (GST_IS_PAD (sinkpad) && GST_PAD_IS_SINK (sinkpad),
                        FALSE);
  g_return_val_if_fail (GST_IS_BUFFER (base) && header != NULL, FALSE);

  size = gst_buffer_get_size (base);
  if (size < base_header_len || GST_PAD_PARENT (sinkpad) != GST_ELEMENT (self))
    return FALSE;
  len = header_len + (size - base_header_len);
  /* As gst_pad_chain() would: releasing the pad deactivates it, which
   * waits for this lock (hc_srtp_send_release_pad). */
  GST_PAD_STREAM_LOCK (sinkpad);
  if (GST_PAD_IS_FLUSHING (sinkpad)) {
    GST_PAD_STREAM_UNLOCK (sinkpad);
    *ret = GST_FLOW_FLUSHING;
    return TRUE;
  }
  pair = get_pair (sinkpad);
  g_mutex_lock (&self->lock);
  if (pair == NULL || !pair_lean_locked (self, pair)) {
    g_mutex_unlock (&self->lock);
    GST_PAD_STREAM_UNLOCK (sinkpad);
    return FALSE;
  }
  route = g_atomic_rc_box_acquire (self->route);
  batch_init (&b, len + SRTP_MAX_TRAILER_LEN);
  {
    guint8 *data = batch_reserve (&b, len);

    memcpy (data, header, header_len);
    if (gst_buffer_extract (base, base_header_len, data + header_len,
                            size - base_header_len)
            != size - base_header_len
        || !commit_lean_locked (self, pair, data, len, base, &b))
      self->invalid++;
    else
      self->handed++;
  }
  g_mutex_unlock (&self->lock);
  batch_send (self, &b, route);
  batch_clear (&b);
  route_unref (route);
  GST_PAD_STREAM_UNLOCK (sinkpad);
  *ret = GST_FLOW_OK;
  return TRUE;
}

static gboolean
hc_srtp_send_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  HcSrtpSend *self = HC_SRTP_SEND (parent);
  Pair *pair = get_pair (pad);
  guint32 ssrc, rtp_time;
  guint64 ntp_time;
  gint64 arrival_us;

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gint rate = 0;

    gst_event_parse_caps (event, &caps);
    if (gst_caps_get_size (caps) > 0)
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "clock-rate",
                             &rate);
    g_mutex_lock (&self->lock);
    pair->clock_rate = MAX (rate, 0);
    g_mutex_unlock (&self->lock);
  } else if (hc_sender_clock_event_parse (event, &ssrc, &ntp_time, &rtp_time,
                                          &arrival_us)) {
    SsrcState *st;

    g_mutex_lock (&self->lock);
    st = get_state_locked (self, ssrc);
    st->owner = pair;
    st->have_clock = TRUE;
    st->sr_ntp = ntp_time;
    st->sr_rtp = rtp_time;
    st->sr_arrival_us = arrival_us;
    if (pair->clock_rate > 0)
      st->clock_rate = pair->clock_rate;
    g_mutex_unlock (&self->lock);
  }
  /* Everything goes on to webrtcbin, which keeps its stream state (and
   * takes the stream back after set_key (NULL)). */
  return gst_pad_push_event (pair->src, event);
}

/* Upstream events (force-key-unit from a PLI, NACKs webrtcbin turned into
 * retransmission requests, reconfigure) go to sink_N's peer. */
static gboolean
hc_srtp_send_src_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  g_autoptr (GstPad) sink = partner_pad (pad, parent);

  if (sink == NULL) {
    gst_event_unref (event);
    return FALSE;
  }
  return gst_pad_push_event (sink, event);
}

/* Queries go to the partner's peer: caps on src_N so that webrtcbin's
 * create-offer reads the forwarder's caps (with "ssrc").  Unlinked, the
 * default answers from the pad's own template. */
static gboolean
hc_srtp_send_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  g_autoptr (GstPad) other = partner_pad (pad, parent);

  if (other != NULL && gst_pad_peer_query (other, query))
    return TRUE;
  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS
      || GST_QUERY_TYPE (query) == GST_QUERY_ACCEPT_CAPS)
    return gst_pad_query_default (pad, parent, query);
  return FALSE;
}

/* Only the pad's partner: the default would link every sink pad with every
 * src pad. */
static GstIterator *
hc_srtp_send_iterate_internal_links (GstPad *pad, GstObject *parent)
{
  g_autoptr (GstPad) other = partner_pad (pad, parent);
  GValue v = G_VALUE_INIT;
  GstIterator *it;

  if (other == NULL)
    return NULL;
  g_value_init (&v, GST_TYPE_PAD);
  g_value_set_object (&v, other);
  it = gst_iterator_new_single (GST_TYPE_PAD, &v);
  g_value_unset (&v);
  return it;
}

static GstPad *
hc_srtp_send_request_new_pad (GstElement *element, GstPadTemplate *templ,
                              const gchar *req_name, const GstCaps *caps)
{
  HcSrtpSend *self = HC_SRTP_SEND (element);
  guint index = 0;
  g_autofree gchar *sink_name = NULL;
  g_autofree gchar *src_name = NULL;
  GstPad *sink, *src;
  Pair *pair;
  gboolean running;

  if (req_name && sscanf (req_name, "sink_%u", &index) != 1) {
    GST_WARNING_OBJECT (self, "bad pad name %s", req_name);
    return NULL;
  }
  if (req_name == NULL) {
    /* The lowest free number. */
    g_autoptr (GstPad) taken = NULL;

    for (index = 0;; index++) {
      g_autofree gchar *name = g_strdup_printf ("sink_%u", index);

      gst_clear_object (&taken);
      taken = gst_element_get_static_pad (element, name);
      if (taken == NULL)
        break;
    }
  }
  sink_name = g_strdup_printf ("sink_%u", index);
  src_name = g_strdup_printf ("src_%u", index);

  GST_OBJECT_LOCK (self);
  running = GST_STATE (self) > GST_STATE_READY
            || GST_STATE_NEXT (self) == GST_STATE_PAUSED;
  GST_OBJECT_UNLOCK (self);

  src = gst_pad_new_from_static_template (&src_template, src_name);
  gst_pad_set_event_function (src, hc_srtp_send_src_event);
  gst_pad_set_query_function (src, hc_srtp_send_query);
  gst_pad_set_iterate_internal_links_function (
      src, hc_srtp_send_iterate_internal_links);

  sink = gst_pad_new_from_template (templ, sink_name);
  gst_pad_set_chain_function (sink, hc_srtp_send_chain);
  gst_pad_set_chain_list_function (sink, hc_srtp_send_chain_list);
  gst_pad_set_event_function (sink, hc_srtp_send_sink_event);
  gst_pad_set_query_function (sink, hc_srtp_send_query);
  gst_pad_set_iterate_internal_links_function (
      sink, hc_srtp_send_iterate_internal_links);

  pair = g_new0 (Pair, 1);
  pair->src = gst_object_ref (src);
  g_object_set_qdata_full (G_OBJECT (sink), pair_quark, pair, pair_free);
  gst_pad_set_element_private (sink, pair);

  if (running) {
    gst_pad_set_active (src, TRUE);
    gst_pad_set_active (sink, TRUE);
  }
  /* The src pad first: once sink_N exists, data may come. */
  if (!gst_element_add_pad (element, src)) {
    GST_WARNING_OBJECT (self, "could not add %s", src_name);
    gst_object_unref (gst_object_ref_sink (sink));
    gst_pad_set_active (src, FALSE);
    gst_object_unref (gst_object_ref_sink (src));
    return NULL;
  }
  if (!gst_element_add_pad (element, sink)) {
    GST_WARNING_OBJECT (self, "could not add %s", sink_name);
    gst_object_unref (gst_object_ref_sink (sink));
    gst_pad_set_active (src, FALSE);
    gst_element_remove_pad (element, src);
    return NULL;
  }
  return sink;
}

static gboolean
owned_by (gpointer key, gpointer value, gpointer user_data)
{
  return ((SsrcState *)value)->owner == user_data;
}

static void
hc_srtp_send_release_pad (GstElement *element, GstPad *pad)
{
  HcSrtpSend *self = HC_SRTP_SEND (element);
  g_autoptr (GstPad) src = NULL;
  Pair *pair;

  if (!GST_PAD_IS_SINK (pad))
    return; /* src_N goes with sink_N */
  pair = get_pair (pad);
  src = gst_object_ref (pair->src);

  /* Deactivating waits for the streaming thread to leave the chain. */
  gst_pad_set_active (pad, FALSE);
  g_mutex_lock (&self->lock);
  g_hash_table_foreach_remove (self->ssrcs, owned_by, pair);
  self->states_serial++;
  g_mutex_unlock (&self->lock);
  gst_element_remove_pad (element, pad);
  gst_pad_set_active (src, FALSE);
  gst_element_remove_pad (element, src);
}

/* ---------------------------------------------------------------------- */
/* Keys, NACKs, sender reports                                             */
/* ---------------------------------------------------------------------- */

gboolean
hc_srtp_send_set_key (HcSrtpSend *self, GstBuffer *key, guint cipher,
                      guint auth)
{
  srtp_crypto_policy_t rtp, rtcp;
  srtp_policy_t policy;
  guint8 key_bytes[KEY_LEN];
  srtp_t trial = NULL;
  srtp_err_status_t status;
  gboolean was_lean, is_lean;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (HC_IS_SRTP_SEND (self), FALSE);

  if (key != NULL) {
    if (cipher != HC_SRTP_SEND_CIPHER_AES_128_ICM
        || (auth != HC_SRTP_SEND_AUTH_HMAC_SHA1_32
            && auth != HC_SRTP_SEND_AUTH_HMAC_SHA1_80)) {
      GST_WARNING_OBJECT (self, "unknown SRTP suite %u/%u", cipher, auth);
      return FALSE;
    }
    if (gst_buffer_get_size (key) != KEY_LEN) {
      GST_WARNING_OBJECT (self,
                          "SRTP key of %" G_GSIZE_FORMAT " octets, not %d",
                          gst_buffer_get_size (key), KEY_LEN);
      return FALSE;
    }
    gst_buffer_extract (key, 0, key_bytes, KEY_LEN);
    if (auth == HC_SRTP_SEND_AUTH_HMAC_SHA1_80)
      srtp_crypto_policy_set_rtp_default (&rtp);
    else
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32 (&rtp);
    srtp_crypto_policy_set_rtcp_default (&rtcp);
    /* The SSRCs' sessions are made later, in the streaming thread: try
     * the key once here, where a refusal can still be returned. */
    policy_init (&policy, &rtp, &rtcp, key_bytes, ssrc_any_outbound, 0);
    status = srtp_create (&trial, &policy);
    if (status != srtp_err_status_ok) {
      OPENSSL_cleanse (key_bytes, sizeof key_bytes);
      GST_WARNING_OBJECT (self, "srtp_create: %d", status);
      return FALSE;
    }
    srtp_dealloc (trial);
  }

  g_mutex_lock (&self->lock);
  was_lean = self->agent && self->keyed && self->send_on_agent;
  /* Every SSRC starts a new session with the new key (or none). */
  g_hash_table_iter_init (&iter, self->ssrcs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    session_clear (value);
  hc_srtp_crypto_share_clear (self->share);
  self->keyed = key != NULL;
  if (key != NULL) {
    memcpy (self->key, key_bytes, KEY_LEN);
    self->rtp_policy = rtp;
    self->rtcp_policy = rtcp;
  } else {
    OPENSSL_cleanse (self->key, sizeof self->key);
  }
  is_lean = self->agent && self->keyed && self->send_on_agent;
  g_mutex_unlock (&self->lock);
  OPENSSL_cleanse (key_bytes, sizeof key_bytes);
  GST_INFO_OBJECT (self, "key %s", key ? "set" : "cleared");
  if (was_lean != is_lean)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LEAN]);
  return TRUE;
}

void
hc_srtp_send_set_rtx (HcSrtpSend *self, guint32 ssrc, guint32 rtx_ssrc,
                      guint8 rtx_payload_type)
{
  SsrcState *st;

  g_return_if_fail (HC_IS_SRTP_SEND (self));

  g_mutex_lock (&self->lock);
  st = get_state_locked (self, ssrc);
  if (!st->have_rtx || st->rtx_ssrc != rtx_ssrc) {
    /* RFC 3550 5.1: a random start, per RTX stream. */
    st->rtx_seq = (guint16)g_random_int_range (0, 0x10000);
  }
  st->have_rtx = TRUE;
  st->rtx_ssrc = rtx_ssrc;
  st->rtx_pt = rtx_payload_type & 0x7f;
  g_mutex_unlock (&self->lock);
}

/* Under the lock: the RFC 4588 packet for @orig, sent as @seq, into @b.
 * The original's CSRCs, header extension and padding are not carried. */
static void
add_rtx_locked (HcSrtpSend *self, SsrcState *st, GstBuffer *orig, guint16 seq,
                Batch *b)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint payload_len;
  guint8 *out;
  gsize len;

  if (!gst_rtp_buffer_map (orig, GST_MAP_READ, &rtp))
    return;
  payload_len = gst_rtp_buffer_get_payload_len (&rtp);
  len = RTP_HEADER_LEN + 2 + payload_len;
  out = batch_reserve (b, len);
  out[0] = 0x80;
  out[1] = (gst_rtp_buffer_get_marker (&rtp) ? 0x80 : 0) | st->rtx_pt;
  GST_WRITE_UINT16_BE (out + 2, st->rtx_seq);
  GST_WRITE_UINT32_BE (out + 4, gst_rtp_buffer_get_timestamp (&rtp));
  GST_WRITE_UINT32_BE (out + 8, st->rtx_ssrc);
  GST_WRITE_UINT16_BE (out + 12, seq);
  memcpy (out + 14, gst_rtp_buffer_get_payload (&rtp), payload_len);
  gst_rtp_buffer_unmap (&rtp);

  st->rtx_seq++;
  st->rtx_packets++;
  st->rtx_octets += payload_len;
  batch_commit_locked (self, st, st->rtx_ssrc, b, len);
}

guint
hc_srtp_send_handle_nack (HcSrtpSend *self, guint32 media_ssrc,
                          const guint8 *fci, gsize fci_size)
{
  Route *route;
  guint16 done[17 * 64];
  guint n_done = 0, n_asked = 0;
  SsrcState *st;
  Batch b;
  guint sent;

  g_return_val_if_fail (HC_IS_SRTP_SEND (self), 0);
  if (fci == NULL)
    fci_size = 0;

  g_mutex_lock (&self->lock);
  st = g_hash_table_lookup (self->ssrcs, GUINT_TO_POINTER (media_ssrc));
  if (st == NULL || st->packets_sent == 0) {
    g_mutex_unlock (&self->lock);
    return 0;
  }
  if (self->agent == NULL || !self->keyed || !st->have_rtx) {
    /* Not (any more) ours to answer, or no RTX stream negotiated. */
    st->nack_requests++;
    g_mutex_unlock (&self->lock);
    return 0;
  }
  route = g_atomic_rc_box_acquire (self->route);
  batch_init (&b, 1500);

  /* PID + BLP pairs; a truncated tail is ignored.  At most 64 pairs
   * (17 packets each) per call: a longer FCI is someone's garbage. */
  for (gsize off = 0; off + 4 <= fci_size && off / 4 < 64; off += 4) {
    guint16 pid = GST_READ_UINT16_BE (fci + off);
    guint16 blp = GST_READ_UINT16_BE (fci + off + 2);

    for (guint bit = 0; bit <= 16; bit++) {
      guint16 seq = pid + bit;
      GstBuffer *orig;
      gboolean seen = FALSE;

      if (bit > 0 && !(blp & (1 << (bit - 1))))
        continue;
      n_asked++;
      for (guint i = 0; i < n_done && !seen; i++)
        seen = done[i] == seq;
      if (seen)
        continue;
      done[n_done++] = seq;
      orig = ring_lookup_locked (self, st, seq);
      if (orig != NULL)
        add_rtx_locked (self, st, orig, seq, &b);
    }
  }
  st->nack_requests += n_asked;
  sent = b.n + b.dropped;
  g_mutex_unlock (&self->lock);

  batch_send (self, &b, route);
  batch_clear (&b);
  route_unref (route);
  GST_LOG_OBJECT (self, "ssrc %08x: %u asked, %u retransmitted", media_ssrc,
                  n_asked, sent);
  return sent;
}

static guint64
us_to_ntp (gint64 us)
{
  guint64 secs = (guint64)us / G_USEC_PER_SEC;
  guint64 frac = (((guint64)us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;

  return (secs << 32) + frac;
}

/* Under the lock: the NTP/RTP pair of @st for now. */
static void
sender_clock_now_locked (SsrcState *st, guint64 *ntp, guint32 *rtp_time)
{
  gint64 now_us = g_get_monotonic_time ();

  if (st->have_clock && st->clock_rate > 0) {
    gint64 delta = MAX (now_us - st->sr_arrival_us, 0);

    *ntp = st->sr_ntp + us_to_ntp (delta);
    *rtp_time = st->sr_rtp
                + (guint32)((guint64)delta * st->clock_rate / G_USEC_PER_SEC);
    return;
  }
  *ntp = us_to_ntp (g_get_real_time ()) + (NTP_UNIX_OFFSET << 32);
  *rtp_time = st->last_rtp_time;
  if (st->last_sent_us > 0 && st->clock_rate > 0)
    *rtp_time += (guint32)((guint64)MAX (now_us - st->last_sent_us, 0)
                           * st->clock_rate / G_USEC_PER_SEC);
}

gboolean
hc_srtp_send_write_sender_reports (HcSrtpSend *self, GstBuffer *rtcp)
{
  GstMapInfo map;
  gsize size, offset, maxsize, len0;
  guint8 *d;
  guint rc;
  guint32 ssrc;
  SsrcState *st;
  guint64 ntp, packets, octets;
  guint32 rtp_time;

  g_return_val_if_fail (HC_IS_SRTP_SEND (self), FALSE);
  g_return_val_if_fail (GST_IS_BUFFER (rtcp), FALSE);

  if (!gst_buffer_is_writable (rtcp)) {
    GST_WARNING_OBJECT (self, "RTCP buffer not writable");
    return FALSE;
  }
  /* Look before changing anything. */
  if (!gst_buffer_map (rtcp, &map, GST_MAP_READ))
    return FALSE;
  size = map.size;
  d = map.data;
  if (size < 8 || (d[0] >> 6) != 2 || d[1] != RTCP_RR) {
    gst_buffer_unmap (rtcp, &map);
    return FALSE;
  }
  rc = d[0] & 0x1f;
  len0 = ((gsize)GST_READ_UINT16_BE (d + 2) + 1) * 4;
  ssrc = GST_READ_UINT32_BE (d + 4);
  gst_buffer_unmap (rtcp, &map);
  if (len0 > size || len0 < 8 + (gsize)rc * REPORT_BLOCK_LEN
      || len0 / 4 - 1 + SENDER_INFO_LEN / 4 > 0xffff)
    return FALSE;

  g_mutex_lock (&self->lock);
  st = g_hash_table_lookup (self->ssrcs, GUINT_TO_POINTER (ssrc));
  if (st == NULL || st->packets_sent == 0) {
    g_mutex_unlock (&self->lock);
    return FALSE;
  }
  sender_clock_now_locked (st, &ntp, &rtp_time);
  packets = st->packets_sent + st->packets_passed;
  octets = st->octets_sent + st->octets_passed;
  g_mutex_unlock (&self->lock);

  /* Grow by the sender info: within the memory's room (rtpsession
   * allocates the MTU) or with another memory. */
  gst_buffer_get_sizes (rtcp, &offset, &maxsize);
  if (gst_buffer_n_memory (rtcp) == 1
      && maxsize - offset >= size + SENDER_INFO_LEN)
    gst_buffer_set_size (rtcp, size + SENDER_INFO_LEN);
  else
    gst_buffer_append_memory (
        rtcp, gst_allocator_alloc (NULL, SENDER_INFO_LEN, NULL));
  if (!gst_buffer_map (rtcp, &map, GST_MAP_READWRITE)) {
    gst_buffer_set_size (rtcp, size);
    return FALSE;
  }
  d = map.data;
  memmove (d + 8 + SENDER_INFO_LEN, d + 8, size - 8);
  d[1] = RTCP_SR;
  GST_WRITE_UINT16_BE (d + 2, (len0 + SENDER_INFO_LEN) / 4 - 1);
  GST_WRITE_UINT64_BE (d + 8, ntp);
  GST_WRITE_UINT32_BE (d + 16, rtp_time);
  GST_WRITE_UINT32_BE (d + 20, (guint32)packets);
  GST_WRITE_UINT32_BE (d + 24, (guint32)octets);
  gst_buffer_unmap (rtcp, &map);
  GST_LOG_OBJECT (self, "SR for %08x: %" G_GUINT64_FORMAT " packets", ssrc,
                  packets);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                 */
/* ---------------------------------------------------------------------- */

static GstStructure *
make_stats (HcSrtpSend *self)
{
  GstStructure *s = gst_structure_new_empty ("hc-srtp-send-stats");
  guint64 packets = 0, octets = 0, rtx = 0;
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->ssrcs);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    SsrcState *st = value;
    g_autofree gchar *name = g_strdup_printf ("ssrc-%u", st->ssrc);
    GstStructure *one = gst_structure_new (
        "ssrc-stats", "ssrc", G_TYPE_UINT, st->ssrc, "packets-sent",
        G_TYPE_UINT64, st->packets_sent, "octets-sent", G_TYPE_UINT64,
        st->octets_sent, "packets-passed", G_TYPE_UINT64, st->packets_passed,
        "retransmitted-packets", G_TYPE_UINT64, st->rtx_packets,
        "retransmitted-octets", G_TYPE_UINT64, st->rtx_octets, "nack-requests",
        G_TYPE_UINT64, st->nack_requests, NULL);

    gst_structure_set (s, name, GST_TYPE_STRUCTURE, one, NULL);
    gst_structure_free (one);
    packets += st->packets_sent;
    octets += st->octets_sent;
    rtx += st->rtx_packets;
  }
  gst_structure_set (
      s, "packets-sent", G_TYPE_UINT64, packets, "octets-sent", G_TYPE_UINT64,
      octets, "retransmitted-packets", G_TYPE_UINT64, rtx, "send-errors",
      G_TYPE_UINT64, self->send_errors, "invalid-packets", G_TYPE_UINT64,
      self->invalid, "socket-sends", G_TYPE_UINT64, self->socket_sends,
      "agent-sends", G_TYPE_UINT64, self->agent_sends, "handed-packets",
      G_TYPE_UINT64, self->handed, NULL);
  g_mutex_unlock (&self->lock);
  return s;
}

static void
hc_srtp_send_set_property (GObject *object, guint prop_id, const GValue *value,
                           GParamSpec *pspec)
{
  HcSrtpSend *self = HC_SRTP_SEND (object);
  NiceAgent *old_agent = NULL;
  Route *old_route = NULL;
  gboolean was_lean, is_lean;

  g_mutex_lock (&self->lock);
  was_lean = self->agent && self->keyed && self->send_on_agent;
  switch (prop_id) {
    case PROP_AGENT: {
      GObject *agent = g_value_get_object (value);

      old_agent = self->agent;
      self->agent = NULL;
      if (agent && NICE_IS_AGENT (agent))
        self->agent = g_object_ref (NICE_AGENT (agent));
      else if (agent)
        g_warning ("hcsrtpsend: \"agent\" is a %s, not a NiceAgent",
                   G_OBJECT_TYPE_NAME (agent));
      break;
    }
    case PROP_STREAM_ID:
      self->stream_id = g_value_get_uint (value);
      break;
    case PROP_COMPONENT_ID:
      self->component_id = g_value_get_uint (value);
      break;
    case PROP_SEND_ON_AGENT:
      self->send_on_agent = g_value_get_boolean (value);
      break;
    case PROP_RTX_HISTORY:
      self->rtx_history = g_value_get_uint (value);
      break;
    case PROP_RTX_HISTORY_MS:
      self->rtx_history_us = (gint64)g_value_get_uint (value) * 1000;
      break;
    case PROP_TEST_DROP_EVERY:
      self->drop_every = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  is_lean = self->agent && self->keyed && self->send_on_agent;
  if (prop_id == PROP_AGENT || prop_id == PROP_STREAM_ID
      || prop_id == PROP_COMPONENT_ID || prop_id == PROP_SEND_ON_AGENT) {
    self->route_serial++;
    old_route = route_rebuild_locked (self);
  }
  g_mutex_unlock (&self->lock);
  g_clear_object (&old_agent);
  route_unref (old_route);
  /* send-on-agent is set again at every change of the selected pair */
  if (prop_id == PROP_AGENT || prop_id == PROP_STREAM_ID
      || prop_id == PROP_COMPONENT_ID || prop_id == PROP_SEND_ON_AGENT)
    refresh_route (self);
  if (was_lean != is_lean)
    g_object_notify_by_pspec (object, props[PROP_LEAN]);
}

static void
hc_srtp_send_get_property (GObject *object, guint prop_id, GValue *value,
                           GParamSpec *pspec)
{
  HcSrtpSend *self = HC_SRTP_SEND (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }
  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_AGENT:
      g_value_set_object (value, self->agent);
      break;
    case PROP_STREAM_ID:
      g_value_set_uint (value, self->stream_id);
      break;
    case PROP_COMPONENT_ID:
      g_value_set_uint (value, self->component_id);
      break;
    case PROP_SEND_ON_AGENT:
      g_value_set_boolean (value, self->send_on_agent);
      break;
    case PROP_LEAN:
      g_value_set_boolean (value,
                           self->agent && self->keyed && self->send_on_agent);
      break;
    case PROP_RTX_HISTORY:
      g_value_set_uint (value, self->rtx_history);
      break;
    case PROP_RTX_HISTORY_MS:
      g_value_set_uint (value, (guint)(self->rtx_history_us / 1000));
      break;
    case PROP_TEST_DROP_EVERY:
      g_value_set_uint (value, self->drop_every);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
hc_srtp_send_dispose (GObject *object)
{
  HcSrtpSend *self = HC_SRTP_SEND (object);
  Route *old_route;

  /* GstElement's dispose releases the request pads (and with them their
   * SSRCs' rings): chain up first. */
  G_OBJECT_CLASS (hc_srtp_send_parent_class)->dispose (object);
  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->ssrcs);
  self->states_serial++;
  g_clear_object (&self->agent);
  g_clear_object (&self->socket);
  g_clear_object (&self->remote);
  old_route = g_steal_pointer (&self->route);
  g_mutex_unlock (&self->lock);
  route_unref (old_route);
}

static void
hc_srtp_send_finalize (GObject *object)
{
  HcSrtpSend *self = HC_SRTP_SEND (object);

  OPENSSL_cleanse (self->key, sizeof self->key);
  g_hash_table_unref (self->ssrcs);
  hc_srtp_crypto_share_free (self->share);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (hc_srtp_send_parent_class)->finalize (object);
}

static void
hc_srtp_send_init (HcSrtpSend *self)
{
  g_mutex_init (&self->lock);
  self->component_id = DEFAULT_COMPONENT_ID;
  self->send_on_agent = DEFAULT_SEND_ON_AGENT;
  self->rtx_history = DEFAULT_RTX_HISTORY;
  self->rtx_history_us = DEFAULT_RTX_HISTORY_MS * 1000;
  self->drop_every = DEFAULT_DROP_EVERY;
  self->ssrcs = g_hash_table_new_full (NULL, NULL, NULL, ssrc_state_free);
  self->share = hc_srtp_crypto_share_new ();
}

static void
hc_srtp_send_class_init (HcSrtpSendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  srtp_err_status_t status;

  object_class->set_property = hc_srtp_send_set_property;
  object_class->get_property = hc_srtp_send_get_property;
  object_class->dispose = hc_srtp_send_dispose;
  object_class->finalize = hc_srtp_send_finalize;
  element_class->request_new_pad = hc_srtp_send_request_new_pad;
  element_class->release_pad = hc_srtp_send_release_pad;

  props[PROP_AGENT] = g_param_spec_object (
      "agent", "ICE agent",
      "The NiceAgent to send on (webrtcbin's \"ice-agent\"'s \"agent\")",
      G_TYPE_OBJECT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_STREAM_ID] = g_param_spec_uint (
      "stream-id", "Stream id", "The agent's stream of this transport", 0,
      G_MAXUINT, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_COMPONENT_ID] = g_param_spec_uint (
      "component-id", "Component id",
      "The stream's component (1: RTP, also RTCP with rtcp-mux)", 1, 256,
      DEFAULT_COMPONENT_ID, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_SEND_ON_AGENT] = g_param_spec_boolean (
      "send-on-agent", "Send on agent",
      "Send on the agent once keyed; FALSE keeps webrtcbin's path (a TCP or "
      "relayed candidate pair, where libnice frames or wraps packets)",
      DEFAULT_SEND_ON_AGENT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_LEAN] = g_param_spec_boolean (
      "lean", "Lean",
      "TRUE while the element sends itself (agent, key and send-on-agent "
      "set); a pad pair that passed more than 30000 packets to webrtcbin "
      "before stays there",
      FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_RTX_HISTORY] = g_param_spec_uint (
      "rtx-history", "RTX history",
      "Packets kept at most per SSRC to answer NACKs (0: none); only SSRCs "
      "with an RTX stream keep any",
      0, 32768, DEFAULT_RTX_HISTORY,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_RTX_HISTORY_MS] = g_param_spec_uint (
      "rtx-history-ms", "RTX history time",
      "How long a sent packet is kept to answer NACKs (ms)", 1, 60000,
      DEFAULT_RTX_HISTORY_MS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_STATS] = g_param_spec_boxed (
      "stats", "Statistics",
      "Per SSRC a field \"ssrc-<n>\" (a structure: packets-sent, octets-sent "
      "(payload), packets-passed (to webrtcbin), retransmitted-packets, "
      "retransmitted-octets, nack-requests); totals packets-sent, "
      "octets-sent, retransmitted-packets, send-errors, invalid-packets, "
      "socket-sends and agent-sends (batches sent straight on the selected "
      "pair's socket, and through the agent), handed-packets (handed over by "
      "hc_srtp_send_forward(), not pushed)",
      GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_TEST_DROP_EVERY] = g_param_spec_uint (
      "test-drop-every", "Test: drop every",
      "For tests: drop one in every N packets of each stream sent on the "
      "agent (after keeping it for NACKs, as a lossy link would; its RTX "
      "included); 0: none",
      0, G_MAXUINT, DEFAULT_DROP_EVERY,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (
      element_class, "SRTP send on the ICE agent", "Filter/Network/RTP",
      "Per sink_N/src_N pair: passes RTP on to webrtcbin until keyed, then "
      "protects it with libsrtp2 and sends it on webrtcbin's NiceAgent "
      "itself, answering NACKs with RTX and turning RRs into SRs",
      "hyperconf");

  pair_quark = g_quark_from_static_string ("hc-srtp-send-pair");
  GST_DEBUG_CATEGORY_INIT (hc_srtp_send_debug, "hc-srtp-send", 0,
                           "hyperconf SRTP send on the ICE agent");
  /* Keeps an initialised kernel (and hc_srtp_crypto_install's types);
   * a second call re-tests it and returns bad_param (hc-srtp-crypto.c). */
  status = srtp_init ();
  if (status != srtp_err_status_ok && status != srtp_err_status_bad_param)
    GST_ERROR ("srtp_init: %d", status);
}
