/* hyperconf — hcsrtpsend element tests: a real libnice peer.
 *
 *   harness ──▶ sink_0 ─┬─▶ src_0 ──▶ harness   (before a key)
 *                       └─▶ NiceAgent "send" ══ 127.0.0.1 ══▶ NiceAgent
 *                           (ICE, RFC 5245)                   "recv" ──▶
 *                                            stock libsrtp2 unprotect
 *
 * What a subscriber sees: the packets that arrive at the other agent
 * decrypt, with an ordinary libsrtp2 receive session and the same key, to
 * exactly what was pushed; retransmissions arrive as RFC 4588 RTX; the
 * RTCP compound webrtcbin would send carries a sender report with the
 * publisher's clock.
 */
#include "hc-test-rtp.h"
#include <hyperconf/hc-forwarder.h>
#include <hyperconf/hc-sender-clock.h>
#include <hyperconf/hc-srtp-crypto.h>
#include <hyperconf/hc-srtp-send.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <nice/agent.h>
#include <srtp2/srtp.h>

#include <math.h>
#include <string.h>

#define SSRC       0x11223344u
#define RTX_SSRC   0x55667788u
#define RTX_PT     97
#define CLOCK_RATE 90000
#define CAPS                                                                   \
  "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,"          \
  "payload=96,ssrc=(uint)287454020"
#define KEY_LEN    30
#define DEADLINE_S 20
#define QUIET_MS   300 /* how long "nothing more arrives" is watched */

/* ---------------------------------------------------------------------- */
/* Two ICE agents on 127.0.0.1                                             */
/* ---------------------------------------------------------------------- */

typedef struct {
  GMainContext *ctx;
  GMainLoop *loop;
  GThread *thread;
  NiceAgent *agent[2]; /* 0 sends (the element's), 1 receives */
  guint stream[2];
  gint gathered[2], ready[2]; /* atomic */
  GAsyncQueue *received;      /* GBytes, as they came off the wire */
} Link;

static gpointer
run_loop (gpointer data)
{
  Link *link = data;

  g_main_context_push_thread_default (link->ctx);
  g_main_loop_run (link->loop);
  g_main_context_pop_thread_default (link->ctx);
  return NULL;
}

static gint
agent_index (Link *link, NiceAgent *agent)
{
  return agent == link->agent[0] ? 0 : 1;
}

static void
on_gathering_done (NiceAgent *agent, guint stream_id, Link *link)
{
  g_atomic_int_set (&link->gathered[agent_index (link, agent)], 1);
}

static void
on_state_changed (NiceAgent *agent, guint stream_id, guint component_id,
                  guint state, Link *link)
{
  if (state == NICE_COMPONENT_STATE_READY)
    g_atomic_int_set (&link->ready[agent_index (link, agent)], 1);
}

static void
on_recv (NiceAgent *agent, guint stream_id, guint component_id, guint len,
         gchar *buf, gpointer data)
{
  Link *link = data;

  if (agent == link->agent[1])
    g_async_queue_push (link->received, g_bytes_new (buf, len));
}

static void
wait_flag (gint *flag)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;

  while (!g_atomic_int_get (flag)) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (1000);
  }
}

static Link *
link_new (void)
{
  Link *link = g_new0 (Link, 1);
  NiceAddress addr;

  link->ctx = g_main_context_new ();
  link->loop = g_main_loop_new (link->ctx, FALSE);
  link->received = g_async_queue_new_full ((GDestroyNotify)g_bytes_unref);
  nice_address_init (&addr);
  g_assert_true (nice_address_set_from_string (&addr, "127.0.0.1"));

  for (guint i = 0; i < 2; i++) {
    link->agent[i] = nice_agent_new (link->ctx, NICE_COMPATIBILITY_RFC5245);
    g_object_set (link->agent[i], "ice-tcp", FALSE, "upnp", FALSE,
                  "controlling-mode", i == 0, NULL);
    g_assert_true (nice_agent_add_local_address (link->agent[i], &addr));
    link->stream[i] = nice_agent_add_stream (link->agent[i], 1);
    g_assert_cmpuint (link->stream[i], >, 0);
    g_signal_connect (link->agent[i], "candidate-gathering-done",
                      G_CALLBACK (on_gathering_done), link);
    g_signal_connect (link->agent[i], "component-state-changed",
                      G_CALLBACK (on_state_changed), link);
    /* The sender must read too: its STUN checks arrive on the socket. */
    g_assert_true (nice_agent_attach_recv (link->agent[i], link->stream[i], 1,
                                           link->ctx, on_recv, link));
  }
  link->thread = g_thread_new ("ice", run_loop, link);

  for (guint i = 0; i < 2; i++) {
    g_assert_true (
        nice_agent_gather_candidates (link->agent[i], link->stream[i]));
  }
  for (guint i = 0; i < 2; i++)
    wait_flag (&link->gathered[i]);
  for (guint i = 0; i < 2; i++) {
    guint other = 1 - i;
    g_autofree gchar *ufrag = NULL;
    g_autofree gchar *pwd = NULL;
    GSList *cands;

    g_assert_true (nice_agent_get_local_credentials (
        link->agent[i], link->stream[i], &ufrag, &pwd));
    g_assert_true (nice_agent_set_remote_credentials (
        link->agent[other], link->stream[other], ufrag, pwd));
    cands
        = nice_agent_get_local_candidates (link->agent[i], link->stream[i], 1);
    g_assert_nonnull (cands);
    g_assert_cmpint (nice_agent_set_remote_candidates (
                         link->agent[other], link->stream[other], 1, cands),
                     >, 0);
    g_slist_free_full (cands, (GDestroyNotify)nice_candidate_free);
  }
  for (guint i = 0; i < 2; i++)
    wait_flag (&link->ready[i]);
  return link;
}

static void
link_free (Link *link)
{
  g_main_loop_quit (link->loop);
  g_thread_join (link->thread);
  for (guint i = 0; i < 2; i++) {
    nice_agent_attach_recv (link->agent[i], link->stream[i], 1, link->ctx, NULL,
                            NULL);
    g_object_unref (link->agent[i]);
  }
  /* Sources the agents left (timers being removed) run once more. */
  while (g_main_context_iteration (link->ctx, FALSE))
    ;
  g_main_loop_unref (link->loop);
  g_main_context_unref (link->ctx);
  g_async_queue_unref (link->received);
  g_free (link);
}

/* The next packet off the wire, or NULL after @timeout_ms. */
static GBytes *
link_next (Link *link, guint timeout_ms)
{
  return g_async_queue_timeout_pop (link->received, (guint64)timeout_ms * 1000);
}

static GBytes *
link_expect (Link *link)
{
  GBytes *b = link_next (link, DEADLINE_S * 1000);

  g_assert_nonnull (b);
  return b;
}

static void
link_expect_quiet (Link *link)
{
  GBytes *b = link_next (link, QUIET_MS);

  if (b)
    g_error ("unexpected packet of %" G_GSIZE_FORMAT " octets",
             g_bytes_get_size (b));
}

/* ---------------------------------------------------------------------- */
/* SRTP and RTP                                                            */
/* ---------------------------------------------------------------------- */

static GstBuffer *
make_key (guint8 seed)
{
  guint8 key[KEY_LEN];

  for (guint i = 0; i < KEY_LEN; i++)
    key[i] = (guint8)(seed + 7 * i);
  return gst_buffer_new_memdup (key, KEY_LEN);
}

/* A stock libsrtp2 receive session, as a subscriber has. */
static srtp_t
rx_session (guint8 seed, guint auth)
{
  srtp_policy_t policy;
  guint8 key[KEY_LEN];
  srtp_t session = NULL;
  GstBuffer *buf = make_key (seed);

  gst_buffer_extract (buf, 0, key, KEY_LEN);
  gst_buffer_unref (buf);
  memset (&policy, 0, sizeof policy);
  if (auth == HC_SRTP_SEND_AUTH_HMAC_SHA1_80)
    srtp_crypto_policy_set_rtp_default (&policy.rtp);
  else
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32 (&policy.rtp);
  srtp_crypto_policy_set_rtcp_default (&policy.rtcp);
  policy.ssrc.type = ssrc_any_inbound;
  policy.key = key;
  policy.window_size = 1024;
  g_assert_cmpint (srtp_create (&session, &policy), ==, srtp_err_status_ok);
  return session;
}

/* Unprotects @wire (consumed); NULL if it does not authenticate. */
static GstBuffer *
unprotect (srtp_t session, GBytes *wire)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (wire, &size);
  guint8 *copy = g_memdup2 (data, size);
  int len = (int)size;
  srtp_err_status_t status = srtp_unprotect (session, copy, &len);

  g_bytes_unref (wire);
  if (status != srtp_err_status_ok) {
    g_free (copy);
    return NULL;
  }
  return gst_buffer_new_wrapped (copy, len);
}

/* RTP packet @seq with a payload of @size octets that says who it is. */
static GstBuffer *
packet (guint32 ssrc, guint16 seq, guint size)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GstBuffer *buf = gst_rtp_buffer_new_allocate (size, 0, 0);
  guint8 *payload;

  g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_ssrc (&rtp, ssrc);
  gst_rtp_buffer_set_payload_type (&rtp, 96);
  gst_rtp_buffer_set_seq (&rtp, seq);
  gst_rtp_buffer_set_timestamp (&rtp, 3000u * seq);
  gst_rtp_buffer_set_marker (&rtp, seq % 3 == 0);
  payload = gst_rtp_buffer_get_payload (&rtp);
  for (guint i = 0; i < size; i++)
    payload[i] = (guint8)(seq * 31 + i);
  gst_rtp_buffer_unmap (&rtp);
  return buf;
}

/* Many sizes: from an empty payload to a full MTU. */
static guint
size_of (guint16 seq)
{
  return (seq * 397u) % 1200;
}

static void
assert_same (GstBuffer *a, GstBuffer *b)
{
  GstMapInfo ma, mb;

  g_assert_true (gst_buffer_map (a, &ma, GST_MAP_READ));
  g_assert_true (gst_buffer_map (b, &mb, GST_MAP_READ));
  g_assert_cmpmem (ma.data, ma.size, mb.data, mb.size);
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
}

/* ---------------------------------------------------------------------- */
/* The element                                                             */
/* ---------------------------------------------------------------------- */

static GstHarness *
harness_new (void)
{
  GstHarness *h
      = gst_harness_new_with_padnames ("hcsrtpsend", "sink_0", "src_0");

  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

/* A linked pair of agents and the element, for the tests that send. */
typedef struct {
  Link *link;
  GstHarness *h;
  srtp_t rx[4];
  guint n_rx;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->link = link_new ();
  f->h = harness_new ();
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < f->n_rx; i++)
    srtp_dealloc (f->rx[i]);
  gst_harness_teardown (f->h);
  link_free (f->link);
}

/* A receive session freed with the fixture. */
static srtp_t
fixture_rx (Fixture *f, guint8 seed, guint auth)
{
  g_assert_cmpuint (f->n_rx, <, G_N_ELEMENTS (f->rx));
  return f->rx[f->n_rx++] = rx_session (seed, auth);
}

/* The AES-128/HMAC-SHA1-80 key of @seed, set. */
static void
set_test_key (GstElement *element, guint8 seed)
{
  GstBuffer *key = make_key (seed);

  g_assert_true (hc_srtp_send_set_key (HC_SRTP_SEND (element), key,
                                       HC_SRTP_SEND_CIPHER_AES_128_ICM,
                                       HC_SRTP_SEND_AUTH_HMAC_SHA1_80));
  gst_buffer_unref (key);
}

static void
make_lean (GstHarness *h, Link *link, guint8 seed)
{
  gboolean lean;

  g_object_set (h->element, "agent", link->agent[0], "stream-id",
                link->stream[0], "component-id", 1, NULL);
  g_object_get (h->element, "lean", &lean, NULL);
  g_assert_false (lean);
  set_test_key (h->element, seed);
  g_object_get (h->element, "lean", &lean, NULL);
  g_assert_true (lean);
}

static guint64
stat_total (GstHarness *h, const gchar *field)
{
  GstStructure *s;
  guint64 v = G_MAXUINT64;

  g_object_get (h->element, "stats", &s, NULL);
  g_assert_true (gst_structure_get_uint64 (s, field, &v));
  gst_structure_free (s);
  return v;
}

static guint64
stat_ssrc (GstHarness *h, guint32 ssrc, const gchar *field)
{
  GstStructure *s, *one = NULL;
  g_autofree gchar *name = g_strdup_printf ("ssrc-%u", ssrc);
  guint64 v = G_MAXUINT64;

  g_object_get (h->element, "stats", &s, NULL);
  g_assert_true (gst_structure_get (s, name, GST_TYPE_STRUCTURE, &one, NULL));
  g_assert_true (gst_structure_get_uint64 (one, field, &v));
  gst_structure_free (one);
  gst_structure_free (s);
  return v;
}

/* Pushes @n packets from @first, each checked at the peer if @rx. */
static void
send_and_check (GstHarness *h, Link *link, srtp_t rx, guint16 first, guint n)
{
  for (guint i = 0; i < n; i++) {
    guint16 seq = first + i;
    GstBuffer *in = packet (SSRC, seq, size_of (seq));
    GstBuffer *out;

    g_assert_cmpint (gst_harness_push (h, gst_buffer_ref (in)), ==,
                     GST_FLOW_OK);
    if (rx) {
      out = unprotect (rx, link_expect (link));
      g_assert_nonnull (out);
      assert_same (out, in);
      gst_buffer_unref (out);
    }
    gst_buffer_unref (in);
  }
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */
/* ---------------------------------------------------------------------- */

static void
test_passthrough (void)
{
  GstHarness *h = harness_new ();
  g_autoptr (GstPad) src = gst_element_get_static_pad (h->element, "src_0");
  GstCaps *caps;
  GstEvent *ev;
  guint ssrc = 0;

  /* Without a key: out on src_0 as it came. */
  for (guint16 seq = 0; seq < 20; seq++) {
    GstBuffer *in = packet (SSRC, seq, size_of (seq));
    GstBuffer *out;

    g_assert_cmpint (gst_harness_push (h, gst_buffer_ref (in)), ==,
                     GST_FLOW_OK);
    out = gst_harness_pull (h);
    assert_same (out, in);
    gst_buffer_unref (out);
    gst_buffer_unref (in);
  }

  /* webrtcbin's create-offer reads the branch's SSRC from src_0. */
  caps = gst_pad_query_caps (src, NULL);
  g_assert_false (gst_caps_is_empty (caps));
  g_assert_true (
      gst_structure_get_uint (gst_caps_get_structure (caps, 0), "ssrc", &ssrc));
  g_assert_cmpuint (ssrc, ==, SSRC);
  gst_caps_unref (caps);

  /* A subscriber's request goes upstream to the forwarder. */
  g_assert_true (gst_harness_push_upstream_event (
      h, gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM,
                               gst_structure_new_empty ("hc-test-upstream"))));
  ev = gst_harness_try_pull_upstream_event (h);
  while (ev && !gst_event_has_name (ev, "hc-test-upstream")) {
    gst_event_unref (ev);
    ev = gst_harness_try_pull_upstream_event (h);
  }
  g_assert_nonnull (ev);
  gst_event_unref (ev);

  g_assert_cmpuint (stat_total (h, "packets-sent"), ==, 0);
  g_assert_cmpuint (stat_ssrc (h, SSRC, "packets-passed"), ==, 20);
  gst_harness_teardown (h);
}

static void
test_pads (void)
{
  GstElement *e = gst_element_factory_make ("hcsrtpsend", NULL);
  GstPad *sink1 = gst_element_request_pad_simple (e, "sink_%u");
  GstPad *sink5 = gst_element_request_pad_simple (e, "sink_5");
  g_autoptr (GstPad) src1 = NULL;
  g_autoptr (GstPad) src5 = NULL;

  g_assert_cmpstr (GST_OBJECT_NAME (sink1), ==, "sink_0");
  g_assert_cmpstr (GST_OBJECT_NAME (sink5), ==, "sink_5");
  src1 = gst_element_get_static_pad (e, "src_0");
  src5 = gst_element_get_static_pad (e, "src_5");
  g_assert_nonnull (src1);
  g_assert_nonnull (src5);
  g_assert_null (gst_element_request_pad_simple (e, "bogus"));

  gst_element_release_request_pad (e, sink5);
  gst_object_unref (sink5);
  g_assert_null (gst_element_get_static_pad (e, "sink_5"));
  g_assert_null (gst_element_get_static_pad (e, "src_5"));
  g_assert_null (GST_OBJECT_PARENT (src5));
  g_assert_cmpuint (e->numpads, ==, 2);

  gst_object_unref (sink1);
  gst_object_unref (e); /* releases sink_0 */
}

/* Takes @n packets off the wire, each the decryption of one of @sent
 * (matched by sequence number: UDP may reorder, even on loopback), and
 * clears what came. */
static void
receive_set (Link *link, srtp_t rx, GstBuffer **sent, guint n_sent, guint n)
{
  for (guint i = 0; i < n; i++) {
    GstBuffer *out = unprotect (rx, link_expect (link));
    guint16 seq;

    g_assert_nonnull (out);
    seq = hc_test_rtp_seq (out);
    g_assert_cmpuint (seq, <, n_sent);
    g_assert_nonnull (sent[seq]);
    assert_same (out, sent[seq]);
    gst_clear_buffer (&sent[seq]);
    gst_buffer_unref (out);
  }
}

/* Bursts no larger than the receiving socket's buffer holds while a busy
 * machine is slow to read it. */
#define BURST 20

static void
test_lean (Fixture *f, gconstpointer data)
{
  Link *link = f->link;
  GstHarness *h = f->h;
  srtp_t rx = fixture_rx (f, 1, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  GstBuffer *sent[210];
  GstBufferList *list;
  guint64 octets = 0;
  gint64 pushing = 0;

  make_lean (h, link, 1);
  for (guint16 seq = 0; seq < 210; seq++) {
    sent[seq] = packet (SSRC, seq, size_of (seq));
    octets += size_of (seq);
  }
  for (guint16 first = 0; first < 200; first += BURST) {
    gint64 start = g_get_monotonic_time ();

    for (guint16 seq = first; seq < first + BURST; seq++)
      g_assert_cmpint (gst_harness_push (h, gst_buffer_ref (sent[seq])), ==,
                       GST_FLOW_OK);
    pushing += g_get_monotonic_time () - start;
    receive_set (link, rx, sent, 210, BURST);
  }
  /* A number to read, not to assert (a shared machine): keep, protect and
   * send, per packet, in the pushing thread. */
  g_test_message ("push (keep + protect + send), 12-1211 octets: %.1f us "
                  "per packet",
                  pushing / 200.0);

  list = gst_buffer_list_new ();
  for (guint16 seq = 200; seq < 210; seq++)
    gst_buffer_list_add (list, gst_buffer_ref (sent[seq]));
  g_assert_cmpint (gst_pad_push_list (h->srcpad, list), ==, GST_FLOW_OK);
  receive_set (link, rx, sent, 210, 10);
  link_expect_quiet (link);

  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 0);
  g_assert_cmpuint (stat_total (h, "packets-sent"), ==, 210);
  g_assert_cmpuint (stat_total (h, "octets-sent"), ==, octets);
  g_assert_cmpuint (stat_ssrc (h, SSRC, "packets-sent"), ==, 210);
  g_assert_cmpuint (stat_ssrc (h, SSRC, "octets-sent"), ==, octets);
  g_assert_cmpuint (stat_total (h, "send-errors"), ==, 0);
  /* on the selected pair's socket itself, not through the agent: one
   * batch per push (200 buffers, a list) */
  g_assert_cmpuint (stat_total (h, "socket-sends"), ==, 201);
  g_assert_cmpuint (stat_total (h, "agent-sends"), ==, 0);
}

static void
test_nack (Fixture *f, gconstpointer data)
{
  Link *link = f->link;
  GstHarness *h = f->h;
  srtp_t rx = fixture_rx (f, 2, HC_SRTP_SEND_AUTH_HMAC_SHA1_32);
  GstBuffer *key = make_key (2);
  /* PID 60 with BLP bits for 62 and 65; PID 10: no longer kept (the ring
   * holds 50); PID 100 + BLP bit 0: 100 and 101 were never sent. */
  const guint8 fci[] = { 0, 60, 0x00, 0x12, 0, 10, 0, 0, 0, 100, 0, 1 };
  const guint16 expected[] = { 60, 62, 65 };
  guint16 rtx_seq = 0;

  g_object_set (h->element, "agent", link->agent[0], "stream-id",
                link->stream[0], "rtx-history", 50, NULL);
  g_assert_true (hc_srtp_send_set_key (HC_SRTP_SEND (h->element), key,
                                       HC_SRTP_SEND_CIPHER_AES_128_ICM,
                                       HC_SRTP_SEND_AUTH_HMAC_SHA1_32));
  gst_buffer_unref (key);
  /* Only an SSRC with an RTX stream keeps what it sent. */
  hc_srtp_send_set_rtx (HC_SRTP_SEND (h->element), SSRC, RTX_SSRC, RTX_PT);
  send_and_check (h, link, rx, 0, 100);

  g_assert_cmpuint (hc_srtp_send_handle_nack (HC_SRTP_SEND (h->element), SSRC,
                                              fci, sizeof fci),
                    ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++) {
    GstBuffer *out = unprotect (rx, link_expect (link));
    GstBuffer *orig = packet (SSRC, expected[i], size_of (expected[i]));
    GstRTPBuffer r = GST_RTP_BUFFER_INIT, o = GST_RTP_BUFFER_INIT;
    const guint8 *payload;

    g_assert_nonnull (out);
    g_assert_true (gst_rtp_buffer_map (out, GST_MAP_READ, &r));
    g_assert_true (gst_rtp_buffer_map (orig, GST_MAP_READ, &o));
    g_assert_cmpuint (gst_rtp_buffer_get_ssrc (&r), ==, RTX_SSRC);
    g_assert_cmpuint (gst_rtp_buffer_get_payload_type (&r), ==, RTX_PT);
    g_assert_cmpuint (gst_rtp_buffer_get_timestamp (&r), ==,
                      gst_rtp_buffer_get_timestamp (&o));
    g_assert_cmpint (gst_rtp_buffer_get_marker (&r), ==,
                     gst_rtp_buffer_get_marker (&o));
    if (i > 0)
      g_assert_cmpuint (gst_rtp_buffer_get_seq (&r), ==,
                        (guint16)(rtx_seq + 1));
    rtx_seq = gst_rtp_buffer_get_seq (&r);
    payload = gst_rtp_buffer_get_payload (&r);
    g_assert_cmpuint (gst_rtp_buffer_get_payload_len (&r), ==,
                      2 + gst_rtp_buffer_get_payload_len (&o));
    g_assert_cmpuint (GST_READ_UINT16_BE (payload), ==, expected[i]);
    g_assert_cmpmem (payload + 2, gst_rtp_buffer_get_payload_len (&r) - 2,
                     gst_rtp_buffer_get_payload (&o),
                     gst_rtp_buffer_get_payload_len (&o));
    gst_rtp_buffer_unmap (&r);
    gst_rtp_buffer_unmap (&o);
    gst_buffer_unref (out);
    gst_buffer_unref (orig);
  }
  link_expect_quiet (link);
  g_assert_cmpuint (stat_total (h, "retransmitted-packets"), ==, 3);
  g_assert_cmpuint (stat_ssrc (h, SSRC, "retransmitted-packets"), ==, 3);
  g_assert_cmpuint (stat_ssrc (h, SSRC, "nack-requests"), ==, 6);

  /* Another SSRC's NACK, or no RTX for it: nothing. */
  g_assert_cmpuint (hc_srtp_send_handle_nack (HC_SRTP_SEND (h->element),
                                              SSRC + 1, fci, sizeof fci),
                    ==, 0);
  link_expect_quiet (link);

  /* Kept for rtx-history-ms only: 60 is too old now, 105 is not. */
  g_object_set (h->element, "rtx-history-ms", 50, NULL);
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  send_and_check (h, link, rx, 100, 10);
  {
    const guint8 old_fci[] = { 0, 60, 0, 0 };
    const guint8 fresh_fci[] = { 0, 105, 0, 0 };

    g_assert_cmpuint (hc_srtp_send_handle_nack (HC_SRTP_SEND (h->element), SSRC,
                                                old_fci, sizeof old_fci),
                      ==, 0);
    g_assert_cmpuint (hc_srtp_send_handle_nack (HC_SRTP_SEND (h->element), SSRC,
                                                fresh_fci, sizeof fresh_fci),
                      ==, 1);
  }
}

/* The forwarder's direct hand-off (hc_srtp_send_forward()): what arrives
 * is the packet with the header given and the payload of the packet it was
 * rewritten from; a NACK for the sequence number it went out with is
 * answered from that packet; not taken before the element is lean. */
static void
test_forward (Fixture *f, gconstpointer data)
{
  Link *link = f->link;
  GstHarness *h = f->h;
  HcSrtpSend *self = HC_SRTP_SEND (h->element);
  srtp_t rx = fixture_rx (f, 3, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  g_autoptr (GstPad) sink = gst_element_get_static_pad (h->element, "sink_0");
  GstBuffer *bases[20];
  GstFlowReturn ret = GST_FLOW_ERROR;
  /* sent as 1005 */
  const guint8 fci[] = { 0x03, 0xed, 0, 0 };
  guint8 header[12];

  for (guint16 seq = 0; seq < G_N_ELEMENTS (bases); seq++)
    bases[seq] = packet (0xabcdabcd, seq, size_of (seq + 1));
  g_assert_cmpuint (gst_buffer_extract (bases[0], 0, header, 12), ==, 12);
  g_assert_false (
      hc_srtp_send_forward (self, sink, bases[0], 12, header, 12, &ret));

  make_lean (h, link, 3);
  hc_srtp_send_set_rtx (self, SSRC, RTX_SSRC, RTX_PT);
  for (guint16 seq = 0; seq < G_N_ELEMENTS (bases); seq++) {
    GstBuffer *expected = gst_buffer_copy_deep (bases[seq]);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    GstBuffer *out;

    g_assert_true (gst_rtp_buffer_map (expected, GST_MAP_WRITE, &rtp));
    gst_rtp_buffer_set_ssrc (&rtp, SSRC);
    gst_rtp_buffer_set_seq (&rtp, 1000 + seq);
    gst_rtp_buffer_unmap (&rtp);
    g_assert_cmpuint (gst_buffer_extract (expected, 0, header, 12), ==, 12);
    ret = GST_FLOW_ERROR;
    g_assert_true (
        hc_srtp_send_forward (self, sink, bases[seq], 12, header, 12, &ret));
    g_assert_cmpint (ret, ==, GST_FLOW_OK);
    out = unprotect (rx, link_expect (link));
    g_assert_nonnull (out);
    assert_same (out, expected);
    gst_buffer_unref (out);
    gst_buffer_unref (expected);
  }
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 0);
  g_assert_cmpuint (stat_total (h, "handed-packets"), ==, 20);
  g_assert_cmpuint (stat_ssrc (h, SSRC, "packets-sent"), ==, 20);

  g_assert_cmpuint (hc_srtp_send_handle_nack (self, SSRC, fci, sizeof fci), ==,
                    1);
  {
    GstBuffer *out = unprotect (rx, link_expect (link));
    GstRTPBuffer r = GST_RTP_BUFFER_INIT, o = GST_RTP_BUFFER_INIT;
    const guint8 *payload;

    g_assert_nonnull (out);
    g_assert_true (gst_rtp_buffer_map (out, GST_MAP_READ, &r));
    g_assert_true (gst_rtp_buffer_map (bases[5], GST_MAP_READ, &o));
    g_assert_cmpuint (gst_rtp_buffer_get_ssrc (&r), ==, RTX_SSRC);
    g_assert_cmpuint (gst_rtp_buffer_get_timestamp (&r), ==,
                      gst_rtp_buffer_get_timestamp (&o));
    payload = gst_rtp_buffer_get_payload (&r);
    g_assert_cmpuint (GST_READ_UINT16_BE (payload), ==, 1005);
    g_assert_cmpmem (payload + 2, gst_rtp_buffer_get_payload_len (&r) - 2,
                     gst_rtp_buffer_get_payload (&o),
                     gst_rtp_buffer_get_payload_len (&o));
    gst_rtp_buffer_unmap (&r);
    gst_rtp_buffer_unmap (&o);
    gst_buffer_unref (out);
  }
  link_expect_quiet (link);
  for (guint i = 0; i < G_N_ELEMENTS (bases); i++)
    gst_buffer_unref (bases[i]);
}

static GstBuffer *
make_rr (guint32 ssrc)
{
  GstBuffer *buf = gst_rtcp_buffer_new (1400);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket p;

  g_assert_true (gst_rtcp_buffer_map (buf, GST_MAP_READWRITE, &rtcp));
  g_assert_true (gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_RR, &p));
  gst_rtcp_packet_rr_set_ssrc (&p, ssrc);
  g_assert_true (gst_rtcp_packet_add_rb (&p, 0xabcdef01, 3, 1234, 70000, 17,
                                         0x11112222, 5));
  g_assert_true (gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_SDES, &p));
  g_assert_true (gst_rtcp_packet_sdes_add_item (&p, ssrc));
  g_assert_true (gst_rtcp_packet_sdes_add_entry (&p, GST_RTCP_SDES_CNAME, 7,
                                                 (const guint8 *)"hc-test"));
  gst_rtcp_buffer_unmap (&rtcp);
  return buf;
}

typedef struct {
  guint32 ssrc, rtp_time, packets, octets;
  guint64 ntp;
} SenderInfo;

/* Asserts @buf is SR + SDES, the SR with make_rr's report block. */
static SenderInfo
parse_sr (GstBuffer *buf)
{
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket p;
  SenderInfo si;
  guint32 rb_ssrc, exthighestseq, jitter, lsr, dlsr;
  guint8 fractionlost;
  gint32 packetslost;

  g_assert_true (gst_rtcp_buffer_validate (buf));
  g_assert_true (gst_rtcp_buffer_map (buf, GST_MAP_READ, &rtcp));
  g_assert_true (gst_rtcp_buffer_get_first_packet (&rtcp, &p));
  g_assert_cmpint (gst_rtcp_packet_get_type (&p), ==, GST_RTCP_TYPE_SR);
  gst_rtcp_packet_sr_get_sender_info (&p, &si.ssrc, &si.ntp, &si.rtp_time,
                                      &si.packets, &si.octets);
  g_assert_cmpuint (gst_rtcp_packet_get_rb_count (&p), ==, 1);
  gst_rtcp_packet_get_rb (&p, 0, &rb_ssrc, &fractionlost, &packetslost,
                          &exthighestseq, &jitter, &lsr, &dlsr);
  g_assert_cmpuint (rb_ssrc, ==, 0xabcdef01);
  g_assert_cmpuint (fractionlost, ==, 3);
  g_assert_cmpint (packetslost, ==, 1234);
  g_assert_cmpuint (exthighestseq, ==, 70000);
  g_assert_cmpuint (jitter, ==, 17);
  g_assert_cmpuint (lsr, ==, 0x11112222);
  g_assert_cmpuint (dlsr, ==, 5);
  g_assert_true (gst_rtcp_packet_move_to_next (&p));
  g_assert_cmpint (gst_rtcp_packet_get_type (&p), ==, GST_RTCP_TYPE_SDES);
  g_assert_false (gst_rtcp_packet_move_to_next (&p));
  gst_rtcp_buffer_unmap (&rtcp);
  return si;
}

static void
assert_unchanged (HcSrtpSend *self, GstBuffer *buf)
{
  GstBuffer *copy = gst_buffer_copy_deep (buf);

  g_assert_false (hc_srtp_send_write_sender_reports (self, buf));
  assert_same (buf, copy);
  gst_buffer_unref (copy);
}

static gdouble
ntp_seconds (guint64 ntp)
{
  return (gdouble)(ntp >> 32) + (gdouble)(ntp & 0xffffffff) / 4294967296.0;
}

static void
test_sender_report (Fixture *f, gconstpointer data)
{
  Link *link = f->link;
  GstHarness *h = f->h;
  HcSrtpSend *self;
  srtp_t rx = fixture_rx (f, 3, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  /* The publisher's SR, half a second ago. */
  const guint64 sr_ntp = (G_GUINT64_CONSTANT (3900000000) << 32) | 0x40000000;
  const guint32 sr_rtp = 0xfffff000; /* wraps on the way forward */
  guint64 octets = 0;
  GstBuffer *rr, *garbage;
  SenderInfo si;
  gdouble ntp_delta, rtp_delta;
  guint8 junk[64];

  make_lean (h, link, 3);
  self = HC_SRTP_SEND (h->element);
  g_assert_true (gst_harness_push_event (
      h, hc_sender_clock_event_new (SSRC, sr_ntp, sr_rtp,
                                    g_get_monotonic_time () - 500000)));
  send_and_check (h, link, rx, 1000, 30);
  for (guint16 seq = 1000; seq < 1030; seq++)
    octets += size_of (seq);

  /* The RR within rtpsession's MTU-sized memory. */
  rr = make_rr (SSRC);
  g_assert_true (hc_srtp_send_write_sender_reports (self, rr));
  si = parse_sr (rr);
  g_assert_cmpuint (si.ssrc, ==, SSRC);
  g_assert_cmpuint (si.packets, ==, 30);
  g_assert_cmpuint (si.octets, ==, octets);
  ntp_delta = ntp_seconds (si.ntp) - ntp_seconds (sr_ntp);
  rtp_delta = (gdouble)(guint32)(si.rtp_time - sr_rtp) / CLOCK_RATE;
  g_assert_cmpfloat (ntp_delta, >=, 0.5);
  g_assert_cmpfloat (ntp_delta, <, 0.5 + DEADLINE_S);
  g_assert_cmpfloat (fabs (ntp_delta - rtp_delta), <, 0.002);
  gst_buffer_unref (rr);

  /* An RR in memory of its exact size: the sender info is appended. */
  rr = make_rr (SSRC);
  {
    GstBuffer *tight = gst_buffer_copy_deep (rr);
    GstMapInfo map;

    gst_buffer_unref (rr);
    g_assert_true (gst_buffer_map (tight, &map, GST_MAP_READ));
    rr = gst_buffer_new_memdup (map.data, map.size);
    gst_buffer_unmap (tight, &map);
    gst_buffer_unref (tight);
  }
  g_assert_true (hc_srtp_send_write_sender_reports (self, rr));
  si = parse_sr (rr);
  g_assert_cmpuint (si.packets, ==, 30);
  gst_buffer_unref (rr);

  /* Not an SSRC this element sends; not RTCP at all. */
  rr = make_rr (SSRC + 1);
  assert_unchanged (self, rr);
  gst_buffer_unref (rr);
  for (guint i = 0; i < sizeof junk; i++)
    junk[i] = (guint8)(i * 37 + 5);
  junk[0] = 0x81;
  junk[1] = 201;  /* looks like an RR ... */
  junk[2] = 0x40; /* ... longer than the buffer */
  garbage = gst_buffer_new_memdup (junk, sizeof junk);
  assert_unchanged (self, garbage);
  gst_buffer_unref (garbage);
  garbage = gst_buffer_new_memdup (junk, 3);
  assert_unchanged (self, garbage);
  gst_buffer_unref (garbage);
}

/* No hc-sender-clock: the SR carries the wall clock. */
static void
test_sender_report_local_clock (Fixture *f, gconstpointer data)
{
  Link *link = f->link;
  GstHarness *h = f->h;
  GstBuffer *rr;
  SenderInfo si;
  gdouble now;

  make_lean (h, link, 4);
  send_and_check (h, link, NULL, 0, 5);
  rr = make_rr (SSRC);
  g_assert_true (
      hc_srtp_send_write_sender_reports (HC_SRTP_SEND (h->element), rr));
  now = (gdouble)g_get_real_time () / G_USEC_PER_SEC + 2208988800.0;
  si = parse_sr (rr);
  g_assert_cmpuint (si.packets, ==, 5);
  g_assert_cmpfloat (fabs (ntp_seconds (si.ntp) - now), <, 1.0);
  /* The last packet's timestamp (3000 * 4) moved on a little. */
  g_assert_cmpuint (si.rtp_time - 12000u, <, CLOCK_RATE);
  gst_buffer_unref (rr);
}

static void
test_rekey (Fixture *f, gconstpointer data)
{
  Link *link = f->link;
  GstHarness *h = f->h;
  srtp_t rx1 = fixture_rx (f, 5, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  srtp_t rx2 = fixture_rx (f, 6, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  srtp_t rx1_again = fixture_rx (f, 5, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  GstBuffer *key2 = make_key (6);

  make_lean (h, link, 5);
  send_and_check (h, link, rx1, 0, 10);
  g_assert_true (hc_srtp_send_set_key (HC_SRTP_SEND (h->element), key2,
                                       HC_SRTP_SEND_CIPHER_AES_128_ICM,
                                       HC_SRTP_SEND_AUTH_HMAC_SHA1_80));
  gst_buffer_unref (key2);
  for (guint16 seq = 10; seq < 20; seq++) {
    GBytes *wire;
    GstBuffer *out;

    g_assert_cmpint (gst_harness_push (h, packet (SSRC, seq, size_of (seq))),
                     ==, GST_FLOW_OK);
    wire = link_expect (link);
    g_assert_null (unprotect (rx1_again, g_bytes_ref (wire)));
    out = unprotect (rx2, wire);
    g_assert_nonnull (out);
    g_assert_cmpuint (hc_test_rtp_seq (out), ==, seq);
    gst_buffer_unref (out);
  }

  /* Without a key: back to webrtcbin's path. */
  g_assert_true (hc_srtp_send_set_key (HC_SRTP_SEND (h->element), NULL, 0, 0));
  g_assert_cmpint (gst_harness_push (h, packet (SSRC, 20, 100)), ==,
                   GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  link_expect_quiet (link);
}

/* Many SSRCs through one element, as a subscriber of a large room gets
 * them: audio and video of every publisher, some with RTX. */
#define N_SSRCS 30

static guint32
many_ssrc (guint i)
{
  return 0x70000001u + i * 0x01010101u;
}

static guint32
many_rtx_ssrc (guint i)
{
  return 0x20000001u + i * 0x01010101u;
}

static gint64
many_key (guint32 ssrc, guint16 seq)
{
  return ((gint64)ssrc << 16) | seq;
}

/* Pushes packet @seq of SSRCs [@from, @to), one each, interleaved (one
 * buffer list if @as_list); the packets are added to @expected. */
static void
push_round (GstHarness *h, GHashTable *expected, const guint32 *ssrcs,
            guint from, guint to, guint16 seq, gboolean as_list)
{
  GstBufferList *list = gst_buffer_list_new ();

  for (guint i = from; i < to; i++) {
    GstBuffer *in = packet (ssrcs[i], seq, size_of ((guint16)(seq + 7 * i)));
    gint64 *key = g_new (gint64, 1);

    *key = many_key (ssrcs[i], seq);
    g_hash_table_insert (expected, key, gst_buffer_ref (in));
    if (as_list) {
      gst_buffer_list_add (list, in);
    } else {
      g_assert_cmpint (gst_harness_push (h, in), ==, GST_FLOW_OK);
    }
  }
  if (as_list)
    g_assert_cmpint (gst_pad_push_list (h->srcpad, list), ==, GST_FLOW_OK);
  else
    gst_buffer_list_unref (list);
}

/* Takes @n packets off the wire: each decrypts with @rx (and, if
 * @wrong_key, not with it) to one of @expected, which it leaves. */
static void
receive_expected (Link *link, srtp_t rx, srtp_t wrong_key, GHashTable *expected,
                  guint n)
{
  for (guint i = 0; i < n; i++) {
    GBytes *wire = link_expect (link);
    GstBuffer *out, *in;
    GstRTPBuffer r = GST_RTP_BUFFER_INIT;
    gint64 key;

    if (wrong_key)
      g_assert_null (unprotect (wrong_key, g_bytes_ref (wire)));
    out = unprotect (rx, wire);
    g_assert_nonnull (out);
    g_assert_true (gst_rtp_buffer_map (out, GST_MAP_READ, &r));
    key = many_key (gst_rtp_buffer_get_ssrc (&r), gst_rtp_buffer_get_seq (&r));
    gst_rtp_buffer_unmap (&r);
    in = g_hash_table_lookup (expected, &key);
    g_assert_nonnull (in);
    assert_same (out, in);
    g_hash_table_remove (expected, &key);
    gst_buffer_unref (out);
  }
}

/* NACKs packet @seq of each SSRC in @ssrcs[0..n) (all with RTX) and
 * takes the retransmissions off the wire: each decrypts with @rx (and
 * not with @wrong_key) on its SSRC's RTX stream, and carries @seq. */
static void
nack_and_check (HcSrtpSend *self, Link *link, srtp_t rx, srtp_t wrong_key,
                const guint *index, guint n, guint16 seq)
{
  const guint8 fci[] = { seq >> 8, seq & 0xff, 0, 0 };
  gboolean seen[N_SSRCS] = { FALSE };

  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (
        hc_srtp_send_handle_nack (self, many_ssrc (index[i]), fci, sizeof fci),
        ==, 1);
  for (guint i = 0; i < n; i++) {
    GBytes *wire = link_expect (link);
    GstBuffer *out;
    GstRTPBuffer r = GST_RTP_BUFFER_INIT;
    guint32 ssrc;
    guint j = 0;

    if (wrong_key)
      g_assert_null (unprotect (wrong_key, g_bytes_ref (wire)));
    out = unprotect (rx, wire);
    g_assert_nonnull (out);
    g_assert_true (gst_rtp_buffer_map (out, GST_MAP_READ, &r));
    ssrc = gst_rtp_buffer_get_ssrc (&r);
    while (j < n && many_rtx_ssrc (index[j]) != ssrc)
      j++;
    g_assert_cmpuint (j, <, n);
    g_assert_false (seen[j]);
    seen[j] = TRUE;
    g_assert_cmpuint (gst_rtp_buffer_get_payload_type (&r), ==, RTX_PT);
    g_assert_cmpuint (GST_READ_UINT16_BE (gst_rtp_buffer_get_payload (&r)), ==,
                      seq);
    gst_rtp_buffer_unmap (&r);
    gst_buffer_unref (out);
  }
}

static GHashTable *
expected_new (void)
{
  return g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                (GDestroyNotify)gst_buffer_unref);
}

/* 30 SSRCs interleaved, one packet of each in turn (as single buffers
 * and as one list): every packet decrypts with an ordinary receive
 * session, and so do the retransmissions of the SSRCs with RTX, whether
 * their RTX stream was known before their first packet or came after. */
static void
test_many_ssrcs (Fixture *f, gconstpointer data)
{
  Link *link = f->link;
  GstHarness *h = f->h;
  HcSrtpSend *self = HC_SRTP_SEND (h->element);
  srtp_t rx = fixture_rx (f, 13, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  g_autoptr (GHashTable) expected = expected_new ();
  guint32 ssrcs[N_SSRCS];
  guint with_rtx[N_SSRCS], n_rtx = 0;

  for (guint i = 0; i < N_SSRCS; i++)
    ssrcs[i] = many_ssrc (i);
  /* Video (even) with RTX, audio (odd) without; SSRC 1 gets its RTX
   * stream only after its first packets. */
  for (guint i = 0; i < N_SSRCS; i += 2) {
    hc_srtp_send_set_rtx (self, ssrcs[i], many_rtx_ssrc (i), RTX_PT);
    with_rtx[n_rtx++] = i;
  }
  make_lean (h, link, 13);
  /* Halves of 15: bursts the receiving socket holds. */
  for (guint16 seq = 0; seq < 10; seq++) {
    if (seq == 3) {
      hc_srtp_send_set_rtx (self, ssrcs[1], many_rtx_ssrc (1), RTX_PT);
      with_rtx[n_rtx++] = 1;
    }
    for (guint half = 0; half < 2; half++) {
      push_round (h, expected, ssrcs, half * 15, half * 15 + 15, seq,
                  seq % 2 == 1);
      receive_expected (link, rx, NULL, expected, 15);
    }
  }
  g_assert_cmpuint (g_hash_table_size (expected), ==, 0);
  nack_and_check (self, link, rx, NULL, with_rtx, n_rtx, 8);
  link_expect_quiet (link);

  for (guint i = 0; i < N_SSRCS; i++)
    g_assert_cmpuint (stat_ssrc (h, ssrcs[i], "packets-sent"), ==, 10);
  g_assert_cmpuint (stat_total (h, "packets-sent"), ==, 10 * N_SSRCS);
  g_assert_cmpuint (stat_total (h, "retransmitted-packets"), ==, n_rtx);
  g_assert_cmpuint (stat_total (h, "send-errors"), ==, 0);
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 0);
}

/* A rekey while several SSRCs (and RTX streams) are sending: from then on
 * every packet and retransmission authenticates with the new key only; a
 * cleared key sends nothing; a key set again is used from the start. */
static void
test_rekey_ssrcs (Fixture *f, gconstpointer data)
{
  Link *link = f->link;
  GstHarness *h = f->h;
  HcSrtpSend *self = HC_SRTP_SEND (h->element);
  srtp_t rx1 = fixture_rx (f, 14, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  srtp_t rx1_again = fixture_rx (f, 14, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  srtp_t rx2 = fixture_rx (f, 15, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  srtp_t rx3 = fixture_rx (f, 16, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  g_autoptr (GHashTable) expected = expected_new ();
  const guint with_rtx[] = { 0, 2 };
  guint32 ssrcs[4];

  for (guint i = 0; i < G_N_ELEMENTS (ssrcs); i++)
    ssrcs[i] = many_ssrc (i);
  for (guint i = 0; i < G_N_ELEMENTS (with_rtx); i++)
    hc_srtp_send_set_rtx (self, ssrcs[with_rtx[i]], many_rtx_ssrc (with_rtx[i]),
                          RTX_PT);
  make_lean (h, link, 14);
  for (guint16 seq = 0; seq < 5; seq++) {
    push_round (h, expected, ssrcs, 0, 4, seq, FALSE);
    receive_expected (link, rx1, NULL, expected, 4);
  }
  nack_and_check (self, link, rx1, NULL, with_rtx, 2, 3);

  set_test_key (h->element, 15);
  for (guint16 seq = 5; seq < 10; seq++) {
    push_round (h, expected, ssrcs, 0, 4, seq, seq % 2 == 1);
    receive_expected (link, rx2, rx1_again, expected, 4);
  }
  /* Sent under the old key, retransmitted under the new one. */
  nack_and_check (self, link, rx2, rx1_again, with_rtx, 2, 4);

  g_assert_true (hc_srtp_send_set_key (self, NULL, 0, 0));
  push_round (h, expected, ssrcs, 0, 4, 10, FALSE);
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 4);
  g_hash_table_remove_all (expected);
  link_expect_quiet (link);

  set_test_key (h->element, 16);
  for (guint16 seq = 11; seq < 14; seq++) {
    push_round (h, expected, ssrcs, 0, 4, seq, FALSE);
    receive_expected (link, rx3, rx2, expected, 4);
  }
  nack_and_check (self, link, rx3, rx2, with_rtx, 2, 12);
  link_expect_quiet (link);
  g_assert_cmpuint (stat_total (h, "send-errors"), ==, 0);
}

static void
test_drop_every (Fixture *f, gconstpointer data)
{
  Link *link = f->link;
  GstHarness *h = f->h;
  srtp_t rx = fixture_rx (f, 7, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  GstBuffer *sent[100];

  make_lean (h, link, 7);
  g_object_set (h->element, "test-drop-every", 10, NULL);
  /* In tens: the last of each is the one dropped. */
  for (guint16 first = 0; first < 100; first += 10) {
    for (guint16 seq = first; seq < first + 10; seq++) {
      sent[seq] = packet (SSRC, seq, size_of (seq));
      g_assert_cmpint (gst_harness_push (h, gst_buffer_ref (sent[seq])), ==,
                       GST_FLOW_OK);
    }
    receive_set (link, rx, sent, 100, 9);
    g_assert_nonnull (sent[first + 9]);
    gst_clear_buffer (&sent[first + 9]);
  }
  link_expect_quiet (link);
  /* Dropped after the ring: still counted as sent. */
  g_assert_cmpuint (stat_total (h, "packets-sent"), ==, 100);
}

static void
test_bad_input (Fixture *f, gconstpointer data)
{
  Link *link = f->link;
  GstHarness *h = f->h;
  HcSrtpSend *self = HC_SRTP_SEND (h->element);
  srtp_t rx = fixture_rx (f, 8, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  const guint8 three[] = { 0x80, 0x60, 0x00 };
  const guint8 fci[] = { 0, 5, 0, 0, 0, 7 }; /* a pair, then half of one */
  GstBuffer *bad_key;

  /* Before a key: a 3-octet buffer is not RTP; dropped and counted. */
  g_assert_cmpint (gst_harness_push (h, gst_buffer_new_memdup (three, 3)), ==,
                   GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 0);

  make_lean (h, link, 8);
  g_assert_cmpint (gst_harness_push (h, gst_buffer_new_memdup (three, 3)), ==,
                   GST_FLOW_OK);
  g_assert_cmpuint (stat_total (h, "invalid-packets"), ==, 2);

  /* Keys libsrtp2 cannot take, unknown suites: refused, the old key kept. */
  bad_key = gst_buffer_new_memdup ("12345", 5);
  g_assert_false (hc_srtp_send_set_key (self, bad_key,
                                        HC_SRTP_SEND_CIPHER_AES_128_ICM,
                                        HC_SRTP_SEND_AUTH_HMAC_SHA1_80));
  gst_buffer_unref (bad_key);
  bad_key = make_key (9);
  g_assert_false (
      hc_srtp_send_set_key (self, bad_key, 7, HC_SRTP_SEND_AUTH_HMAC_SHA1_80));
  g_assert_false (
      hc_srtp_send_set_key (self, bad_key, HC_SRTP_SEND_CIPHER_AES_128_ICM, 9));
  gst_buffer_unref (bad_key);
  hc_srtp_send_set_rtx (self, SSRC, RTX_SSRC, RTX_PT);
  send_and_check (h, link, rx, 0, 10);

  /* Truncated FCIs: the whole pairs count, the tail is ignored. */
  g_assert_cmpuint (hc_srtp_send_handle_nack (self, SSRC, fci, 3), ==, 0);
  g_assert_cmpuint (hc_srtp_send_handle_nack (self, SSRC, fci, sizeof fci), ==,
                    1);
  g_assert_cmpuint (hc_srtp_send_handle_nack (self, SSRC, NULL, 8), ==, 0);
  {
    GstBuffer *out = unprotect (rx, link_expect (link));

    GstRTPBuffer r = GST_RTP_BUFFER_INIT;

    g_assert_nonnull (out);
    g_assert_true (gst_rtp_buffer_map (out, GST_MAP_READ, &r));
    g_assert_cmpuint (gst_rtp_buffer_get_ssrc (&r), ==, RTX_SSRC);
    g_assert_cmpuint (GST_READ_UINT16_BE (gst_rtp_buffer_get_payload (&r)), ==,
                      5);
    gst_rtp_buffer_unmap (&r);
    gst_buffer_unref (out);
  }
  link_expect_quiet (link);
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 0);
}

/* Lean only with agent, key and send-on-agent all set. */
static void
test_switching (Fixture *f, gconstpointer data)
{
  Link *link = f->link;
  GstHarness *h = f->h;
  srtp_t rx = fixture_rx (f, 10, HC_SRTP_SEND_AUTH_HMAC_SHA1_80);
  GstBuffer *key = make_key (10);
  gboolean lean;

  /* A key but no agent. */
  g_assert_true (hc_srtp_send_set_key (HC_SRTP_SEND (h->element), key,
                                       HC_SRTP_SEND_CIPHER_AES_128_ICM,
                                       HC_SRTP_SEND_AUTH_HMAC_SHA1_80));
  gst_buffer_unref (key);
  g_assert_cmpint (gst_harness_push (h, packet (SSRC, 0, 10)), ==, GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));

  /* The room clears send-on-agent for a TCP or relayed pair. */
  g_object_set (h->element, "send-on-agent", FALSE, "agent", link->agent[0],
                "stream-id", link->stream[0], NULL);
  g_object_get (h->element, "lean", &lean, NULL);
  g_assert_false (lean);
  g_assert_cmpint (gst_harness_push (h, packet (SSRC, 1, 10)), ==, GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));

  g_object_set (h->element, "send-on-agent", TRUE, NULL);
  g_object_get (h->element, "lean", &lean, NULL);
  g_assert_true (lean);
  send_and_check (h, link, rx, 2, 5);
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 2);
  g_assert_cmpuint (stat_ssrc (h, SSRC, "packets-passed"), ==, 2);
  g_assert_cmpuint (stat_ssrc (h, SSRC, "packets-sent"), ==, 5);
}

/* A pair that sent more than 30000 packets, or wrapped its sequence
 * numbers, through webrtcbin stays there: its SRTP rollover counter is
 * webrtcbin's. */
static void
test_pinned (Fixture *f, gconstpointer data)
{
  Link *link = f->link;
  GstHarness *h = f->h;
  GstHarness *h2
      = gst_harness_new_with_padnames ("hcsrtpsend", "sink_0", "src_0");
  GstBufferList *list = gst_buffer_list_new ();

  for (guint i = 0; i <= 30000; i++)
    gst_buffer_list_add (list, packet (SSRC, (guint16)i, 0));
  g_assert_cmpint (gst_pad_push_list (h->srcpad, list), ==, GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 30001);
  make_lean (h, link, 11);
  g_assert_cmpint (gst_harness_push (h, packet (SSRC, 30001, 10)), ==,
                   GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 30002);

  gst_harness_set_src_caps_str (h2, CAPS);
  for (guint16 seq = 65533; seq != 2; seq++)
    g_assert_cmpint (gst_harness_push (h2, packet (SSRC, seq, 10)), ==,
                     GST_FLOW_OK);
  make_lean (h2, link, 11);
  g_assert_cmpint (gst_harness_push (h2, packet (SSRC, 2, 10)), ==,
                   GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (h2), ==, 6);
  link_expect_quiet (link);

  gst_harness_teardown (h2);
}

/* The DTLS thread rekeys and rtpsession's thread answers NACKs and writes
 * SRs while the streaming thread sends. */
typedef struct {
  HcSrtpSend *self;
  gint stop;
  gint rekeys; /* atomic */
  guint nacks;
} Meddler;

static gpointer
meddle (gpointer data)
{
  Meddler *m = data;
  const guint8 fci[] = { 0, 0, 0xff, 0xff };

  while (!g_atomic_int_get (&m->stop)) {
    GstBuffer *key = make_key ((guint8)g_atomic_int_get (&m->rekeys));
    GstBuffer *rr = make_rr (SSRC);

    g_assert_true (hc_srtp_send_set_key (m->self, key,
                                         HC_SRTP_SEND_CIPHER_AES_128_ICM,
                                         HC_SRTP_SEND_AUTH_HMAC_SHA1_80));
    gst_buffer_unref (key);
    g_atomic_int_inc (&m->rekeys);
    hc_srtp_send_handle_nack (m->self, SSRC, fci, sizeof fci);
    m->nacks++;
    hc_srtp_send_write_sender_reports (m->self, rr);
    gst_buffer_unref (rr);
    g_usleep (200);
  }
  return NULL;
}

static void
test_threads (Fixture *f, gconstpointer data)
{
  GstHarness *h = f->h;
  Meddler m = { HC_SRTP_SEND (h->element), 0, 0, 0 };
  GThread *thread;

  make_lean (h, f->link, 12);
  hc_srtp_send_set_rtx (m.self, SSRC, RTX_SSRC, RTX_PT);
  thread = g_thread_new ("meddler", meddle, &m);
  /* Running before the first push. */
  while (g_atomic_int_get (&m.rekeys) == 0)
    g_usleep (1000);
  for (guint i = 0; i < 2000; i++) {
    g_assert_cmpint (gst_harness_push (h, packet (SSRC, (guint16)i, 200)), ==,
                     GST_FLOW_OK);
    if (i % 100 == 0)
      g_usleep (1000);
  }
  g_atomic_int_set (&m.stop, 1);
  g_thread_join (thread);
  g_test_message ("%d rekeys, %u NACKs while sending", m.rekeys, m.nacks);
  g_assert_cmpuint (stat_total (h, "packets-sent"), ==, 2000);
  g_assert_cmpuint (gst_harness_buffers_received (h), ==, 0);
}

/* @data's test again on the OpenSSL crypto the daemon installs, where
 * the element's per-SSRC sessions share their OpenSSL contexts (the
 * receive sessions have their own).  Registered last: the install is
 * for the rest of the process. */
typedef void (*FixtureTest) (Fixture *f, gconstpointer data);

static void
with_openssl (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (hc_srtp_crypto_install (&error));
  g_assert_cmpstr (hc_srtp_crypto_get_backend (), ==, "openssl");
  ((FixtureTest)data) (f, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  g_assert_true (hc_media_register_elements (NULL));
  {
    /* Already initialised (the element's class does it): bad_param. */
    srtp_err_status_t status = srtp_init ();

    g_assert_true (status == srtp_err_status_ok
                   || status == srtp_err_status_bad_param);
  }

  g_test_add_func ("/srtp-send/passthrough", test_passthrough);
  g_test_add_func ("/srtp-send/pads", test_pads);
  g_test_add ("/srtp-send/lean", Fixture, NULL, fixture_setup, test_lean,
              fixture_teardown);
  g_test_add ("/srtp-send/forward", Fixture, NULL, fixture_setup, test_forward,
              fixture_teardown);
  g_test_add ("/srtp-send/nack", Fixture, NULL, fixture_setup, test_nack,
              fixture_teardown);
  g_test_add ("/srtp-send/sender-report", Fixture, NULL, fixture_setup,
              test_sender_report, fixture_teardown);
  g_test_add ("/srtp-send/sender-report-local-clock", Fixture, NULL,
              fixture_setup, test_sender_report_local_clock, fixture_teardown);
  g_test_add ("/srtp-send/rekey", Fixture, NULL, fixture_setup, test_rekey,
              fixture_teardown);
  g_test_add ("/srtp-send/many-ssrcs", Fixture, NULL, fixture_setup,
              test_many_ssrcs, fixture_teardown);
  g_test_add ("/srtp-send/rekey-ssrcs", Fixture, NULL, fixture_setup,
              test_rekey_ssrcs, fixture_teardown);
  g_test_add ("/srtp-send/drop-every", Fixture, NULL, fixture_setup,
              test_drop_every, fixture_teardown);
  g_test_add ("/srtp-send/bad-input", Fixture, NULL, fixture_setup,
              test_bad_input, fixture_teardown);
  g_test_add ("/srtp-send/switching", Fixture, NULL, fixture_setup,
              test_switching, fixture_teardown);
  g_test_add ("/srtp-send/threads", Fixture, NULL, fixture_setup, test_threads,
              fixture_teardown);
  g_test_add ("/srtp-send/pinned", Fixture, NULL, fixture_setup, test_pinned,
              fixture_teardown);
  g_test_add ("/srtp-send/openssl/many-ssrcs", Fixture, test_many_ssrcs,
              fixture_setup, with_openssl, fixture_teardown);
  g_test_add ("/srtp-send/openssl/rekey-ssrcs", Fixture, test_rekey_ssrcs,
              fixture_setup, with_openssl, fixture_teardown);
  return g_test_run ();
}
