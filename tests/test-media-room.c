/* hyperconf — HcMediaRoom with real webrtcbin clients in the same process.
 *
 *   client pipeline (one per participant)          room pipeline
 *   videotestsrc ! vp8enc ! rtpvp8pay ─┐
 *   audiotestsrc ! opusenc ! rtpopuspay ┴▶ webrtcbin ◀─ICE/DTLS─▶ peer-<pid>
 *   webrtcbin src_%u ──▶ fakesink (counted, mapped to publishers by the
 *                        a=msid of the server's offers)
 *
 * Signalling goes through the room's API and signals only, as the
 * conference layer will drive it.  Every wait is bounded.
 */
#include <hyperconf/hc-forwarder.h>
#include <hyperconf/hc-media-room.h>

#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

/* HC_TEST_SLOW=<factor> stretches every wait (valgrind runs ~30x slower) */
#define WAIT_MS (15000 * slow_factor ())
/* per received stream before it counts as flowing */
#define MIN_BUFFERS (slow_factor () > 1 ? 5 : 20)

/* ---------------------------------------------------------------------- */
/* Waiting                                                                 */
/* ---------------------------------------------------------------------- */

static guint
slow_factor (void)
{
  const gchar *slow = g_getenv ("HC_TEST_SLOW");

  return slow ? MAX (1, atoi (slow)) : 1;
}

/* Under HC_TEST_SLOW (valgrind) media may not come up in time: the test
 * then says so and goes on to the leave and the teardown, whose leaks are
 * the point of such a run. */
static gboolean
in_time (gboolean ok, const gchar *what)
{
  if (!ok && slow_factor () > 1) {
    g_test_message ("HC_TEST_SLOW: %s did not happen in time", what);
    return FALSE;
  }
  if (!ok)
    g_error ("%s did not happen in time", what);
  return TRUE;
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the main context for @ms. */
static void
run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

/* Runs the main context until @cond holds, at most @ms. */
static gboolean
wait_until (Condition cond, gpointer data, guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)ms * 1000;

  while (!cond (data)) {
    if (g_get_monotonic_time () > end)
      return FALSE;
    /* never block for long: conditions also change on other threads */
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  }
  return TRUE;
}

static gboolean
result_ready (gpointer data)
{
  return *(GAsyncResult **)data != NULL;
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **)data = g_object_ref (result);
}

static GAsyncResult *
await_result (GAsyncResult **slot)
{
  g_assert_true (wait_until (result_ready, slot, WAIT_MS));
  return *slot;
}

/* ---------------------------------------------------------------------- */
/* A client: one webrtcbin publishing VP8 and Opus                         */
/* ---------------------------------------------------------------------- */

typedef struct {
  GstPad *pad;
  gchar *mid;      /* of the transceiver, read on the main context */
  gint buffers;    /* atomic */
  gint64 first_us; /* atomic, monotonic time of the first buffer */
} Receiver;

typedef struct {
  gchar *pid;
  HcMediaRoom *room;
  GstElement *pipeline;
  GstElement *webrtcbin;
  gboolean remote_set;
  GPtrArray *early_candidates; /* from the room before remote_set */
  GMutex lock;
  GPtrArray *receivers;      /* Receiver, guarded by lock */
  GstSDPMessage *last_offer; /* the room's last offer to us */
  guint n_offers;
  gint64 joined_us;
  gchar *answer; /* join answer */
  GAsyncResult *join_result;
  gboolean negotiating;
  gboolean decline_video; /* answers the room's video m-lines inactive */
} Client;

static void
receiver_free (Receiver *r)
{
  gst_object_unref (r->pad);
  g_free (r->mid);
  g_free (r);
}

static GstPadProbeReturn
count_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Receiver *r = data;

  if (g_atomic_int_add (&r->buffers, 1) == 0)
    g_atomic_pointer_set (&r->first_us, g_get_monotonic_time ());
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: a stream from the room arrived. */
static void
on_client_pad_added (GstElement *webrtcbin, GstPad *pad, Client *c)
{
  GstElement *sink;
  g_autoptr (GstPad) sinkpad = NULL;
  Receiver *r;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (c->pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  g_assert_cmpint (gst_pad_link (pad, sinkpad), ==, GST_PAD_LINK_OK);

  r = g_new0 (Receiver, 1);
  r->pad = gst_object_ref (pad);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, r, NULL);
  g_mutex_lock (&c->lock);
  g_ptr_array_add (c->receivers, r);
  g_mutex_unlock (&c->lock);
}

typedef struct {
  Client *c;
  guint mline;
  gchar *candidate;
} ClientCandidate;

static void
client_candidate_free (ClientCandidate *cc)
{
  g_free (cc->candidate);
  g_free (cc);
}

static gchar *
client_local_mid (Client *c, guint mline)
{
  g_autoptr (GstWebRTCSessionDescription) desc = NULL;

  g_object_get (c->webrtcbin, "local-description", &desc, NULL);
  if (desc == NULL || mline >= gst_sdp_message_medias_len (desc->sdp))
    return NULL;
  return g_strdup (gst_sdp_media_get_attribute_val (
      gst_sdp_message_get_media (desc->sdp, mline), "mid"));
}

/* Clients not freed yet: candidates queued for a client of an earlier test
 * are dropped. */
static GList *live_clients;

static gboolean
deliver_client_candidate (gpointer data)
{
  ClientCandidate *cc = data;
  g_autofree gchar *mid = NULL;

  if (!g_list_find (live_clients, cc->c))
    return G_SOURCE_REMOVE;
  mid = client_local_mid (cc->c, cc->mline);
  if (cc->c->room)
    hc_media_room_add_remote_candidate (cc->c->room, cc->c->pid, mid,
                                        (gint)cc->mline, cc->candidate);
  return G_SOURCE_REMOVE;
}

/* :pc thread of the client's webrtcbin */
static void
on_client_ice_candidate (GstElement *webrtcbin, guint mline,
                         const gchar *candidate, Client *c)
{
  ClientCandidate *cc = g_new0 (ClientCandidate, 1);

  cc->c = c;
  cc->mline = mline;
  cc->candidate = g_strdup (candidate);
  /* an idle source, not g_main_context_invoke(): that would run it right
   * here when the test is not iterating at this moment */
  {
    g_autoptr (GSource) source = g_idle_source_new ();

    g_source_set_callback (source, deliver_client_candidate, cc,
                           (GDestroyNotify)client_candidate_free);
    g_source_attach (source, NULL);
  }
}

/* as the room does: no UPnP probing (and no gupnp warnings) */
static void
disable_upnp (GstElement *webrtcbin)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;

  g_object_get (webrtcbin, "ice-agent", &ice, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  g_object_set (agent, "upnp", FALSE, NULL);
}

static Client *
client_new (const gchar *pid)
{
  Client *c = g_new0 (Client, 1);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *description = NULL;
  GArray *transceivers = NULL;

  c->pid = g_strdup (pid);
  c->early_candidates
      = g_ptr_array_new_with_free_func ((GDestroyNotify)client_candidate_free);
  g_mutex_init (&c->lock);
  c->receivers = g_ptr_array_new_with_free_func ((GDestroyNotify)receiver_free);
  /* under valgrind (HC_TEST_SLOW), less to encode */
  description = g_strdup_printf (
      "webrtcbin name=w bundle-policy=max-bundle "
      "videotestsrc is-live=true pattern=ball "
      " ! video/x-raw,width=%u,height=%u,framerate=%u/1 "
      " ! vp8enc deadline=1 keyframe-max-dist=15 ! rtpvp8pay pt=96 "
      " ! queue ! w. "
      "audiotestsrc is-live=true ! opusenc ! rtpopuspay pt=111 ! queue ! w.",
      slow_factor () > 1 ? 64 : 160, slow_factor () > 1 ? 48 : 120,
      slow_factor () > 1 ? 5 : 15);
  c->pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  c->webrtcbin = gst_bin_get_by_name (GST_BIN (c->pipeline), "w");
  disable_upnp (c->webrtcbin);
  g_signal_emit_by_name (c->webrtcbin, "get-transceivers", &transceivers);
  g_assert_cmpuint (transceivers->len, ==, 2);
  for (guint i = 0; i < transceivers->len; i++)
    g_object_set (g_array_index (transceivers, GstWebRTCRTPTransceiver *, i),
                  "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                  NULL);
  g_array_unref (transceivers);
  g_signal_connect (c->webrtcbin, "pad-added", G_CALLBACK (on_client_pad_added),
                    c);
  g_signal_connect (c->webrtcbin, "on-ice-candidate",
                    G_CALLBACK (on_client_ice_candidate), c);
  gst_element_set_state (c->pipeline, GST_STATE_PLAYING);
  live_clients = g_list_prepend (live_clients, c);
  return c;
}

static void
client_free (Client *c)
{
  live_clients = g_list_remove (live_clients, c);
  gst_element_set_state (c->pipeline, GST_STATE_NULL);
  gst_object_unref (c->webrtcbin);
  gst_object_unref (c->pipeline);
  g_ptr_array_unref (c->early_candidates);
  g_ptr_array_unref (c->receivers);
  g_mutex_clear (&c->lock);
  g_clear_pointer (&c->last_offer, gst_sdp_message_free);
  g_clear_object (&c->join_result);
  g_free (c->answer);
  g_free (c->pid);
  g_free (c);
}

/* Runs a webrtcbin promise to its reply (the client's own webrtcbin works
 * on its own thread, so blocking the test's main context is fine). */
static GstWebRTCSessionDescription *
client_call (Client *c, const gchar *signal, GstWebRTCSessionDescription *desc,
             const gchar *field)
{
  GstPromise *promise = gst_promise_new ();
  GstWebRTCSessionDescription *result = NULL;
  const GstStructure *reply;

  if (desc)
    g_signal_emit_by_name (c->webrtcbin, signal, desc, promise);
  else
    g_signal_emit_by_name (c->webrtcbin, signal, NULL, promise);
  g_assert_cmpint (gst_promise_wait (promise), ==, GST_PROMISE_RESULT_REPLIED);
  reply = gst_promise_get_reply (promise);
  if (reply && gst_structure_has_field (reply, "error")) {
    g_autoptr (GError) error = NULL;

    gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL);
    g_error ("%s %s: %s", c->pid, signal, error->message);
  }
  if (field)
    gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                       &result, NULL);
  gst_promise_unref (promise);
  return result;
}

static gboolean
sink_pads_have_caps (gpointer data)
{
  Client *c = data;
  gboolean all = TRUE;

  for (GList *l = GST_ELEMENT (c->webrtcbin)->sinkpads; l; l = l->next) {
    g_autoptr (GstCaps) caps = gst_pad_get_current_caps (l->data);

    all &= caps != NULL;
  }
  return all;
}

/* The client's join offer: once RTP caps reached webrtcbin, so that the
 * offer carries a=ssrc lines. */
static gchar *
client_make_offer (Client *c)
{
  g_autoptr (GstWebRTCSessionDescription) offer = NULL;

  g_assert_true (wait_until (sink_pads_have_caps, c, WAIT_MS));
  offer = client_call (c, "create-offer", NULL, "offer");
  g_assert_nonnull (offer);
  client_call (c, "set-local-description", offer, NULL);
  return gst_sdp_message_as_text (offer->sdp);
}

static void
client_set_remote (Client *c, GstWebRTCSDPType type, const gchar *text)
{
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *desc;

  g_assert_cmpint (gst_sdp_message_new_from_text (text, &sdp), ==, GST_SDP_OK);
  desc = gst_webrtc_session_description_new (type, sdp);
  client_call (c, "set-remote-description", desc, NULL);
  gst_webrtc_session_description_free (desc);
  c->remote_set = TRUE;
  for (guint i = 0; i < c->early_candidates->len; i++) {
    ClientCandidate *cc = g_ptr_array_index (c->early_candidates, i);

    g_signal_emit_by_name (c->webrtcbin, "add-ice-candidate", cc->mline,
                           cc->candidate);
  }
  g_ptr_array_set_size (c->early_candidates, 0);
}

/* ---------------------------------------------------------------------- */
/* The room's side of signalling                                           */
/* ---------------------------------------------------------------------- */

typedef struct {
  HcMediaRoom *room;
  GPtrArray *clients;
  GHashTable *states; /* pid -> last "connection-state" */
  guint published;    /* "track-published" count */
  guint n_offer_errors;
  gboolean hold_offers; /* clients do not answer renegotiations */
} Fixture;

static Client *
fixture_client (Fixture *f, const gchar *pid)
{
  for (guint i = 0; i < f->clients->len; i++) {
    Client *c = g_ptr_array_index (f->clients, i);

    if (g_strcmp0 (c->pid, pid) == 0)
      return c;
  }
  return NULL;
}

static void
on_room_ice_candidate (HcMediaRoom *room, const gchar *pid, guint mline,
                       const gchar *mid, const gchar *candidate, Fixture *f)
{
  Client *c = fixture_client (f, pid);
  ClientCandidate *cc;

  g_assert_nonnull (c);
  /* never before the answer they belong to */
  g_assert_nonnull (c->join_result);
  if (candidate[0] == '\0')
    return;
  g_assert_true (g_str_has_prefix (candidate, "candidate:"));
  if (c->remote_set) {
    g_signal_emit_by_name (c->webrtcbin, "add-ice-candidate", mline, candidate);
    return;
  }
  cc = g_new0 (ClientCandidate, 1);
  cc->c = c;
  cc->mline = mline;
  cc->candidate = g_strdup (candidate);
  g_ptr_array_add (c->early_candidates, cc);
}

static void
on_room_track_published (HcMediaRoom *room, const gchar *pid, const gchar *kind,
                         Fixture *f)
{
  g_assert_true (g_str_equal (kind, "audio") || g_str_equal (kind, "video"));
  f->published++;
}

static void
answer_set (GObject *source, GAsyncResult *result, gpointer data)
{
  Client *c = data;
  g_autoptr (GError) error = NULL;

  g_assert_true (
      hc_media_room_set_answer_finish (HC_MEDIA_ROOM (source), result, &error));
  g_assert_no_error (error);
  c->negotiating = FALSE;
}

/* What a client that does not want video answers (its own webrtcbin has
 * the real answer): every video m-line it would receive on inactive. */
static void
decline_video (GstSDPMessage *answer)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (answer); i++) {
    GstSDPMedia *m = (GstSDPMedia *)gst_sdp_message_get_media (answer, i);

    if (g_strcmp0 (gst_sdp_media_get_media (m), "video") != 0)
      continue;
    for (guint j = 0; j < gst_sdp_media_attributes_len (m); j++) {
      GstSDPAttribute inactive = { 0 };

      if (g_strcmp0 (gst_sdp_media_get_attribute (m, j)->key, "recvonly"))
        continue;
      gst_sdp_attribute_set (&inactive, "inactive", NULL);
      gst_sdp_media_replace_attribute (m, j, &inactive);
    }
  }
}

/* The client answers the room's offer as a browser would. */
static void
offer_created (GObject *source, GAsyncResult *result, gpointer data)
{
  Client *c = data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *offer = NULL;
  g_autoptr (GstWebRTCSessionDescription) answer = NULL;
  g_autofree gchar *answer_text = NULL;

  offer = hc_media_room_create_offer_finish (HC_MEDIA_ROOM (source), result,
                                             &error);
  g_assert_no_error (error);
  g_assert_true (hc_media_room_is_negotiating (c->room, c->pid));
  g_clear_pointer (&c->last_offer, gst_sdp_message_free);
  g_assert_cmpint (gst_sdp_message_new_from_text (offer, &c->last_offer), ==,
                   GST_SDP_OK);
  c->n_offers++;
  client_set_remote (c, GST_WEBRTC_SDP_TYPE_OFFER, offer);
  answer = client_call (c, "create-answer", NULL, "answer");
  client_call (c, "set-local-description", answer, NULL);
  if (c->decline_video)
    decline_video (answer->sdp);
  answer_text = gst_sdp_message_as_text (answer->sdp);
  hc_media_room_set_answer_async (c->room, c->pid, answer_text, NULL,
                                  answer_set, c);
}

static void
on_room_offer_needed (HcMediaRoom *room, const gchar *pid, Fixture *f)
{
  Client *c = fixture_client (f, pid);

  g_assert_nonnull (c);
  /* never while one is out (PROTOCOL.md §9.3) */
  g_assert_false (c->negotiating);
  g_assert_false (hc_media_room_is_negotiating (room, pid));
  if (f->hold_offers)
    return;
  c->negotiating = TRUE;
  hc_media_room_create_offer_async (room, pid, NULL, offer_created, c);
}

static void
on_room_connection_state (HcMediaRoom *room, const gchar *pid,
                          const gchar *state, Fixture *f)
{
  g_assert_nonnull (fixture_client (f, pid));
  g_hash_table_insert (f->states, g_strdup (pid), g_strdup (state));
}

static void
fixture_init (Fixture *f)
{
  f->room = hc_media_room_new ("test");
  f->clients = g_ptr_array_new ();
  f->states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_signal_connect (f->room, "connection-state",
                    G_CALLBACK (on_room_connection_state), f);
  g_signal_connect (f->room, "ice-candidate",
                    G_CALLBACK (on_room_ice_candidate), f);
  g_signal_connect (f->room, "offer-needed", G_CALLBACK (on_room_offer_needed),
                    f);
  g_signal_connect (f->room, "track-published",
                    G_CALLBACK (on_room_track_published), f);
}

static void
fixture_clear (Fixture *f)
{
  g_object_unref (f->room);
  for (guint i = 0; i < f->clients->len; i++)
    client_free (g_ptr_array_index (f->clients, i));
  g_ptr_array_unref (f->clients);
  g_hash_table_unref (f->states);
}

static void
fixture_join (Fixture *f, Client *c)
{
  g_autofree gchar *offer = client_make_offer (c);
  g_autoptr (GError) error = NULL;

  c->room = f->room;
  g_ptr_array_add (f->clients, c);
  c->joined_us = g_get_monotonic_time ();
  hc_media_room_join_async (f->room, c->pid, offer, NULL, store_result,
                            &c->join_result);
  c->answer = hc_media_room_join_finish (
      f->room, await_result (&c->join_result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (c->answer);
  client_set_remote (c, GST_WEBRTC_SDP_TYPE_ANSWER, c->answer);
}

/* ---------------------------------------------------------------------- */
/* What each client received                                               */
/* ---------------------------------------------------------------------- */

/* The publisher pid of the m-line with @mid in the room's last offer. */
static gchar *
publisher_of_mid (Client *c, const gchar *mid, gchar **kind)
{
  gint i;

  if (c->last_offer == NULL || mid == NULL)
    return NULL;
  for (i = 0; i < (gint)gst_sdp_message_medias_len (c->last_offer); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (c->last_offer, i);
    const gchar *msid = gst_sdp_media_get_attribute_val (m, "msid");

    if (g_strcmp0 (gst_sdp_media_get_attribute_val (m, "mid"), mid) != 0
        || msid == NULL)
      continue;
    if (kind)
      *kind = g_strdup (gst_sdp_media_get_media (m));
    return g_strndup (msid, strcspn (msid, " "));
  }
  return NULL;
}

/* Buffers @c received from @publisher's @kind track (-1: no such stream). */
static gint
received_from (Client *c, const gchar *publisher, const gchar *kind,
               gint64 *first_us)
{
  gint total = -1;

  g_mutex_lock (&c->lock);
  for (guint i = 0; i < c->receivers->len; i++) {
    Receiver *r = g_ptr_array_index (c->receivers, i);
    g_autofree gchar *pid = NULL;
    g_autofree gchar *media = NULL;

    if (r->mid == NULL) {
      g_autoptr (GstWebRTCRTPTransceiver) trans = NULL;

      g_object_get (r->pad, "transceiver", &trans, NULL);
      if (trans)
        g_object_get (trans, "mid", &r->mid, NULL);
    }
    pid = publisher_of_mid (c, r->mid, &media);
    if (g_strcmp0 (pid, publisher) != 0 || g_strcmp0 (media, kind) != 0)
      continue;
    total = MAX (total, 0) + g_atomic_int_get (&r->buffers);
    if (first_us)
      *first_us = (gint64)g_atomic_pointer_get (&r->first_us);
  }
  g_mutex_unlock (&c->lock);
  return total;
}

static void
dump_receivers (Client *c)
{
  g_autofree gchar *offer = gst_sdp_message_as_text (c->last_offer);

  g_printerr ("%s, %u offers, last:\n%s\n", c->pid, c->n_offers, offer);
  for (guint i = 0; i < c->receivers->len; i++) {
    Receiver *r = g_ptr_array_index (c->receivers, i);
    g_autofree gchar *kind = NULL;
    g_autofree gchar *pid = publisher_of_mid (c, r->mid, &kind);

    g_printerr ("  %s mid %s -> %s %s: %d%s\n", GST_OBJECT_NAME (r->pad),
                r->mid, pid, kind, g_atomic_int_get (&r->buffers),
                GST_PAD_IS_EOS (r->pad) ? " (EOS)" : "");
  }
}

/* Every client receives every other's audio, and video unless it
 * declines video. */
static gboolean
everyone_receives_everyone (gpointer data)
{
  Fixture *f = data;

  for (guint i = 0; i < f->clients->len; i++) {
    for (guint j = 0; j < f->clients->len; j++) {
      Client *c = f->clients->pdata[i], *p = f->clients->pdata[j];

      if (i == j)
        continue;
      if (received_from (c, p->pid, "audio", NULL) < MIN_BUFFERS
          || (!c->decline_video
              && received_from (c, p->pid, "video", NULL) < MIN_BUFFERS))
        return FALSE;
    }
  }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */
/* ---------------------------------------------------------------------- */

static const gchar *const h264_only_offer
    = "v=0\r\n"
      "o=- 4242 2 IN IP4 127.0.0.1\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=group:BUNDLE 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=mid:0\r\n"
      "a=sendonly\r\n"
      "a=ice-ufrag:abcd\r\n"
      "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
      "a=fingerprint:sha-256 "
      "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
      "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n"
      "a=setup:actpass\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:102 H264/90000\r\n";

static const gchar *const datachannel_only_offer
    = "v=0\r\n"
      "o=- 4243 2 IN IP4 127.0.0.1\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=group:BUNDLE 0\r\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=mid:0\r\n"
      "a=ice-ufrag:abcd\r\n"
      "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
      "a=fingerprint:sha-256 "
      "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
      "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n"
      "a=setup:actpass\r\n"
      "a=sctp-port:5000\r\n";

/* Parses, offers Opus, but webrtcbin refuses it (no ICE credentials, no
 * fingerprint): the participant goes again. */
static const gchar *const no_ice_offer = "v=0\r\n"
                                         "o=- 4244 2 IN IP4 127.0.0.1\r\n"
                                         "s=-\r\n"
                                         "t=0 0\r\n"
                                         "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                                         "c=IN IP4 0.0.0.0\r\n"
                                         "a=mid:0\r\n"
                                         "a=sendonly\r\n"
                                         "a=rtpmap:111 opus/48000/2\r\n";

static void
expect_join_error (HcMediaRoom *room, const gchar *pid, const gchar *sdp,
                   gint code)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *answer = NULL;
  guint before = hc_media_room_get_n_elements (room);

  hc_media_room_join_async (room, pid, sdp, NULL, store_result, &result);
  answer = hc_media_room_join_finish (room, await_result (&result), &error);
  if (!g_error_matches (error, HC_MEDIA_ERROR, code))
    g_printerr ("%s\n", error ? error->message : "no error");
  g_assert_error (error, HC_MEDIA_ERROR, code);
  g_assert_null (answer);
  g_assert_cmpuint (hc_media_room_get_n_elements (room), ==, before);
  g_assert_cmpuint (hc_media_room_get_n_participants (room), ==, 0);
}

static void
test_refused_offers (void)
{
  g_autoptr (HcMediaRoom) room = hc_media_room_new ("refuse");

  expect_join_error (room, "p1", "this is not SDP", HC_MEDIA_ERROR_BAD_SDP);
  expect_join_error (room, "p1", "v=0\r\nm=audio\r\n", HC_MEDIA_ERROR_BAD_SDP);
  expect_join_error (room, "p1", "", HC_MEDIA_ERROR_BAD_SDP);
  expect_join_error (room, "p1", h264_only_offer, HC_MEDIA_ERROR_NO_MEDIA);
  expect_join_error (room, "p1", datachannel_only_offer,
                     HC_MEDIA_ERROR_NO_MEDIA);
  expect_join_error (room, "p1", no_ice_offer, HC_MEDIA_ERROR_BAD_SDP);
  g_assert_cmpuint (hc_media_room_get_n_elements (room), ==, 0);
}

/* Unknown participants and states: errors, never crashes. */
static void
test_state_errors (void)
{
  g_autoptr (HcMediaRoom) room = hc_media_room_new ("state");
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) result2 = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *offer = NULL;

  hc_media_room_create_offer_async (room, "nobody", NULL, store_result,
                                    &result);
  offer = hc_media_room_create_offer_finish (room, await_result (&result),
                                             &error);
  g_assert_error (error, HC_MEDIA_ERROR, HC_MEDIA_ERROR_UNKNOWN_PEER);
  g_clear_error (&error);

  hc_media_room_set_answer_async (room, "nobody", "v=0", NULL, store_result,
                                  &result2);
  g_assert_false (
      hc_media_room_set_answer_finish (room, await_result (&result2), &error));
  g_assert_error (error, HC_MEDIA_ERROR, HC_MEDIA_ERROR_UNKNOWN_PEER);

  hc_media_room_add_remote_candidate (
      room, "nobody", "0", 0, "candidate:1 1 UDP 1 127.0.0.1 9 typ host");
  hc_media_room_leave (room, "nobody");
  g_assert_false (hc_media_room_is_negotiating (room, "nobody"));
}

/* Opus accepted, H.264 declined (port 0), from a client whose transceivers
 * only have codec preferences. */
static void
test_declined_codec (void)
{
  g_autoptr (HcMediaRoom) room = hc_media_room_new ("declined");
  GstElement *webrtcbin = gst_element_factory_make ("webrtcbin", NULL);
  g_autoptr (GstCaps) opus = gst_caps_from_string (
      "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,"
      "payload=111,encoding-params=(string)2");
  g_autoptr (GstCaps) h264 = gst_caps_from_string (
      "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
      "payload=102");
  GstWebRTCRTPTransceiver *trans = NULL;
  GstPromise *promise = gst_promise_new ();
  GstWebRTCSessionDescription *offer = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *offer_text = NULL;
  g_autofree gchar *answer = NULL;
  g_autoptr (GstSDPMessage) sdp = NULL;
  guint before = hc_media_room_get_n_elements (room);

  gst_object_ref_sink (webrtcbin);
  disable_upnp (webrtcbin);
  g_object_set (webrtcbin, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE,
                NULL);
  gst_element_set_state (webrtcbin, GST_STATE_READY);
  g_signal_emit_by_name (webrtcbin, "add-transceiver",
                         GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, opus,
                         &trans);
  gst_clear_object (&trans);
  g_signal_emit_by_name (webrtcbin, "add-transceiver",
                         GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, h264,
                         &trans);
  gst_clear_object (&trans);
  g_signal_emit_by_name (webrtcbin, "create-offer", NULL, promise);
  g_assert_cmpint (gst_promise_wait (promise), ==, GST_PROMISE_RESULT_REPLIED);
  gst_structure_get (gst_promise_get_reply (promise), "offer",
                     GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref (promise);
  offer_text = gst_sdp_message_as_text (offer->sdp);
  gst_webrtc_session_description_free (offer);

  hc_media_room_join_async (room, "p1", offer_text, NULL, store_result,
                            &result);
  answer = hc_media_room_join_finish (room, await_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_sdp_message_new_from_text (answer, &sdp), ==,
                   GST_SDP_OK);
  g_assert_cmpuint (gst_sdp_message_medias_len (sdp), ==, 2);
  g_assert_nonnull (strstr (answer, "OPUS/48000"));
  g_assert_cmpuint (gst_sdp_media_get_port (gst_sdp_message_get_media (sdp, 1)),
                    ==, 0);
  g_assert_cmpuint (hc_media_room_get_n_participants (room), ==, 1);

  /* a candidate for a mid the room never heard of: ignored */
  hc_media_room_add_remote_candidate (
      room, "p1", "no-such-mid", 0, "candidate:1 1 UDP 1 127.0.0.1 9 typ host");
  hc_media_room_add_remote_candidate (
      room, "p1", NULL, 7, "candidate:1 1 UDP 1 127.0.0.1 9 typ host");
  hc_media_room_leave (room, "p1");
  g_assert_cmpuint (hc_media_room_get_n_elements (room), ==, before);
  gst_element_set_state (webrtcbin, GST_STATE_NULL);
  gst_object_unref (webrtcbin);
}

/* A participant that leaves while its join is in webrtcbin's hands. */
static void
test_leave_during_join (void)
{
  Fixture f = { 0 };
  Client *c = client_new ("early");
  g_autofree gchar *offer = client_make_offer (c);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *answer = NULL;

  fixture_init (&f);
  hc_media_room_join_async (f.room, "early", offer, NULL, store_result,
                            &result);
  hc_media_room_leave (f.room, "early");
  g_assert_cmpuint (hc_media_room_get_n_elements (f.room), ==, 0);
  answer = hc_media_room_join_finish (f.room, await_result (&result), &error);
  g_assert_null (answer);
  g_assert_nonnull (error);
  g_assert_cmpuint (hc_media_room_get_n_participants (f.room), ==, 0);
  client_free (c);
  fixture_clear (&f);
}

static gboolean
inactive_for (GstSDPMessage *offer, guint *n_inactive)
{
  *n_inactive = 0;
  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (offer, i);

    for (guint j = 0; j < gst_sdp_media_attributes_len (m); j++) {
      if (g_strcmp0 (gst_sdp_media_get_attribute (m, j)->key, "inactive") == 0)
        (*n_inactive)++;
    }
  }
  return *n_inactive > 0;
}

static gboolean
carol_inactive_everywhere (gpointer data)
{
  Fixture *f = data;
  guint n_inactive;

  for (guint i = 0; i < f->clients->len; i++) {
    Client *c = f->clients->pdata[i];

    if (c->negotiating || hc_media_room_is_negotiating (f->room, c->pid)
        || !inactive_for (c->last_offer, &n_inactive) || n_inactive != 2)
      return FALSE;
  }
  return TRUE;
}

static GstPadProbeReturn
count_any (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  /* payloaders push lists */
  g_atomic_int_add ((gint *)data, (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
                                      ? (gint)gst_buffer_list_length (
                                          GST_PAD_PROBE_INFO_BUFFER_LIST (info))
                                      : 1);
  return GST_PAD_PROBE_OK;
}

/* Diagnostics of a stalled stream: buffers through each pad of the path
 * over one (stretched) second. */
static void
dump_path (Fixture *f, const gchar *publisher, const gchar *subscriber)
{
  GstBin *room = GST_BIN (hc_media_room_get_pipeline (f->room));
  Client *pub = fixture_client (f, publisher);
  g_autoptr (GPtrArray) pads
      = g_ptr_array_new_with_free_func (gst_object_unref);
  g_autofree gint *counts = NULL;
  g_autofree gulong *ids = NULL;
  GstIterator *it;
  GValue v = G_VALUE_INIT;

  /* the publishing client: every top-level element's src pads */
  for (GList *e = GST_BIN (pub->pipeline)->children; e; e = e->next) {
    for (GList *l = GST_ELEMENT (e->data)->srcpads;
         l && e->data != pub->webrtcbin; l = l->next)
      g_ptr_array_add (pads, gst_object_ref (l->data));
  }
  for (GList *l = GST_ELEMENT (pub->webrtcbin)->sinkpads; l; l = l->next)
    g_ptr_array_add (pads, gst_object_ref (l->data));
  it = gst_bin_iterate_recurse (room);
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&v);
    g_autofree gchar *peer = g_strdup_printf ("peer-%s", publisher);
    g_autofree gchar *head = g_strdup_printf ("%s-", publisher);
    g_autofree gchar *sub = g_strdup_printf ("peer-%s", subscriber);

    /* the publisher's webrtcbin and heads: src pads; the subscriber's
     * webrtcbin: sink pads */
    if (g_str_equal (GST_OBJECT_NAME (e), peer)
        || g_str_has_prefix (GST_OBJECT_NAME (e), head)) {
      for (GList *l = e->srcpads; l; l = l->next)
        g_ptr_array_add (pads, gst_object_ref (l->data));
    } else if (g_str_equal (GST_OBJECT_NAME (e), sub)) {
      for (GList *l = e->sinkpads; l; l = l->next)
        g_ptr_array_add (pads, gst_object_ref (l->data));
    }
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  counts = g_new0 (gint, pads->len);
  ids = g_new0 (gulong, pads->len);
  for (guint i = 0; i < pads->len; i++)
    ids[i] = gst_pad_add_probe (pads->pdata[i],
                                GST_PAD_PROBE_TYPE_BUFFER
                                    | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                                count_any, &counts[i], NULL);
  run_for (1000 * slow_factor ());
  for (guint i = 0; i < pads->len; i++) {
    GstPad *pad = pads->pdata[i];

    gst_pad_remove_probe (pad, ids[i]);
    g_printerr ("  %s:%s: %d buffers%s\n", GST_DEBUG_PAD_NAME (pad),
                g_atomic_int_get (&counts[i]),
                GST_PAD_IS_EOS (pad) ? " (EOS)" : "");
  }
}

/* The stream @c receives from @publisher's video, still counting up. */
static void
assert_still_flowing (Fixture *f, Client *c, const gchar *publisher)
{
  Receiver *r = NULL;
  gint before;

  g_mutex_lock (&c->lock);
  for (guint i = 0; i < c->receivers->len && !r; i++) {
    Receiver *candidate = g_ptr_array_index (c->receivers, i);
    g_autofree gchar *kind = NULL;
    g_autofree gchar *pid = publisher_of_mid (c, candidate->mid, &kind);

    if (g_strcmp0 (pid, publisher) == 0 && g_strcmp0 (kind, "video") == 0)
      r = candidate;
  }
  g_mutex_unlock (&c->lock);
  g_assert_nonnull (r);
  before = g_atomic_int_get (&r->buffers);
  run_for (700 * slow_factor ());
  if (g_atomic_int_get (&r->buffers) <= before + 3) {
    dump_receivers (c);
    dump_path (f, publisher, c->pid);
  }
  in_time (g_atomic_int_get (&r->buffers) > before + 3, "media still flowing");
}

static void
assert_sending_mlines_have_msid (Client *c)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (c->last_offer); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (c->last_offer, i);
    gboolean sending = TRUE;

    for (guint j = 0; j < gst_sdp_media_attributes_len (m); j++) {
      const gchar *key = gst_sdp_media_get_attribute (m, j)->key;

      if (g_str_equal (key, "recvonly") || g_str_equal (key, "inactive"))
        sending = FALSE;
    }
    if (!sending)
      continue;
    g_assert_nonnull (gst_sdp_media_get_attribute_val (m, "msid"));
    g_assert_nonnull (gst_sdp_media_get_attribute_val (m, "ssrc"));
  }
}

/* The graph, and the file GST_DEBUG_DUMP_DOT_DIR (set by main) asks for. */
static void
assert_dot_dump (HcMediaRoom *room)
{
  g_autofree gchar *dot = hc_media_room_dump_dot (room);
  g_autofree gchar *file = g_build_filename (
      g_getenv ("GST_DEBUG_DUMP_DOT_DIR"), "hyperconf-room-test.dot", NULL);

  g_assert_nonnull (strstr (dot, "digraph"));
  g_assert_nonnull (strstr (dot, "peer-carol"));
  g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS));
  g_unlink (file);
}

static void
test_three_clients (void)
{
  Fixture f = { 0 };
  const gchar *pids[] = { "alice", "bob", "carol" };
  guint before_carol = 0, deep_before_carol = 0, with_carol;
  gint64 first_us = 0, first_rtp_us = G_MAXINT64;
  gboolean media = TRUE;
  Client *carol;

  fixture_init (&f);
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++) {
    if (i == 2) {
      /* alice and bob settled: their tracks published and received */
      media = in_time (wait_until (everyone_receives_everyone, &f, WAIT_MS),
                       "alice and bob receiving each other");
      before_carol = hc_media_room_get_n_elements (f.room);
      deep_before_carol = hc_media_room_get_n_elements_deep (f.room);
    }
    fixture_join (&f, client_new (pids[i]));
  }
  carol = f.clients->pdata[2];
  g_assert_cmpuint (hc_media_room_get_n_participants (f.room), ==, 3);
  media = media
          && in_time (wait_until (everyone_receives_everyone, &f, WAIT_MS),
                      "everyone receiving everyone");
  assert_dot_dump (f.room);
  if (media) {
    g_assert_cmpuint (f.published, ==, 6);
    for (guint i = 0; i < 2; i++) {
      Client *c = f.clients->pdata[i];

      assert_sending_mlines_have_msid (c);
      received_from (c, "carol", "video", &first_us);
      first_rtp_us = MIN (first_rtp_us, first_us);
    }
    for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
      g_assert_cmpstr (g_hash_table_lookup (f.states, pids[i]), ==,
                       "connected");
    with_carol = hc_media_room_get_n_elements (f.room);
    /* per participant a webrtcbin, per track a head, and nothing per
     * (track, subscriber) */
    g_assert_cmpuint (with_carol, ==, 3 + 3 * 2);
    g_test_message ("join to first RTP at another client: %.0f ms; "
                    "elements: %u before carol, %u with her (through "
                    "webrtcbin: %u, %u)",
                    (first_rtp_us - carol->joined_us) / 1000.0, before_carol,
                    with_carol, deep_before_carol,
                    hc_media_room_get_n_elements_deep (f.room));
  }

  g_ptr_array_remove (f.clients, carol);
  hc_media_room_leave (f.room, "carol");
  carol->room = NULL;
  g_assert_cmpuint (hc_media_room_get_n_participants (f.room), ==, 2);
  if (media) {
    g_assert_cmpuint (hc_media_room_get_n_elements (f.room), ==, before_carol);
    /* webrtcbin 1.22 keeps 4 elements per released sink pad: alice and
     * bob each released carol's two */
    g_assert_cmpuint (hc_media_room_get_n_elements_deep (f.room), ==,
                      deep_before_carol + 2 * 2 * 4);
  }

  /* the others are offered carol's m-lines as inactive (an offer made
   * before she left may come first), and still see each other */
  if (media
      && in_time (wait_until (carol_inactive_everywhere, &f, WAIT_MS),
                  "carol's m-lines going inactive")) {
    for (guint i = 0; i < 2; i++)
      assert_sending_mlines_have_msid (f.clients->pdata[i]);
    assert_still_flowing (&f, f.clients->pdata[1], "alice");
    assert_still_flowing (&f, f.clients->pdata[0], "bob");
  }

  client_free (carol);
  fixture_clear (&f);
}

/* Watches a step that must not hang: a deadlock fails the test with a
 * message instead of waiting for the harness's timeout. */
static gpointer
watchdog (gpointer data)
{
  gint *done = data;

  for (guint i = 0; i < 200 * slow_factor (); i++) {
    if (g_atomic_int_get (done))
      return NULL;
    g_usleep (50 * 1000);
  }
  g_printerr ("the leaves did not return within %u s\n", 10 * slow_factor ());
  abort ();
}

static gboolean
room_has_media_from (gpointer data)
{
  Fixture *f = data;
  Client *last = f->clients->pdata[f->clients->len - 1];

  return g_strcmp0 (g_hash_table_lookup (f->states, last->pid), "connected")
         == 0;
}

/* Everyone leaves at once, while the newest participant's media is queued
 * at the others' sink pads, which webrtcbin blocks until they answer the
 * offer adding it: the teardown must not wait for that answer. */
static void
test_leaves_together (void)
{
  Fixture f = { 0 };
  const gchar *pids[] = { "alice", "bob", "carol", "dave" };
  gint done = 0;
  GThread *dog;

  fixture_init (&f);
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++) {
    if (i == G_N_ELEMENTS (pids) - 1) {
      in_time (wait_until (everyone_receives_everyone, &f, WAIT_MS),
               "the first three receiving each other");
      f.hold_offers = TRUE;
    }
    fixture_join (&f, client_new (pids[i]));
  }
  in_time (wait_until (room_has_media_from, &f, WAIT_MS), "dave connected");
  /* a few of dave's packets reach the blocked pads */
  run_for (500 * slow_factor ());

  dog = g_thread_new ("watchdog", watchdog, &done);
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
    hc_media_room_leave (f.room, pids[i]);
  g_atomic_int_set (&done, 1);
  g_thread_join (dog);
  g_assert_cmpuint (hc_media_room_get_n_participants (f.room), ==, 0);
  g_assert_cmpuint (hc_media_room_get_n_elements (f.room), ==, 0);
  for (guint i = 0; i < f.clients->len; i++)
    ((Client *)f.clients->pdata[i])->room = NULL;
  fixture_clear (&f);
}

/* A subscriber answers the video m-lines of the room's offers inactive.
 * webrtcbin keeps such a sink pad blocked for good, and the publisher's
 * thread pushes straight into the subscribers: those branches must never
 * start, and nobody else may notice. */
static void
test_declined_tracks (void)
{
  Fixture f = { 0 };
  const gchar *pids[] = { "alice", "bob", "carol" };
  Client *carol = NULL;
  gint audio;

  fixture_init (&f);
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++) {
    Client *c = client_new (pids[i]);

    if (i == 2) {
      in_time (wait_until (everyone_receives_everyone, &f, WAIT_MS),
               "alice and bob receiving each other");
      c->decline_video = TRUE;
      carol = c;
    }
    fixture_join (&f, c);
  }
  if (in_time (wait_until (everyone_receives_everyone, &f, WAIT_MS),
               "everything but carol's video flowing")) {
    g_assert_cmpint (received_from (carol, "alice", "video", NULL), <=, 0);
    g_assert_cmpint (received_from (carol, "bob", "video", NULL), <=, 0);
    /* the threads that carry alice's and bob's video go on */
    assert_still_flowing (&f, f.clients->pdata[0], "bob");
    assert_still_flowing (&f, f.clients->pdata[1], "alice");
    audio = received_from (carol, "alice", "audio", NULL);
    run_for (500 * slow_factor ());
    in_time (received_from (carol, "alice", "audio", NULL) > audio + 5,
             "carol still receiving alice's audio");
  }
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++) {
    hc_media_room_leave (f.room, pids[i]);
    ((Client *)f.clients->pdata[i])->room = NULL;
  }
  g_assert_cmpuint (hc_media_room_get_n_elements (f.room), ==, 0);
  fixture_clear (&f);
}

/* A browser's offer names header extensions; the join answer takes the
 * transport-wide congestion control one (without it a browser gets no
 * bandwidth feedback at all and sends at ~300 kbit/s), and no other. */
static void
test_answer_takes_transport_cc (void)
{
  static const gchar twcc[] = "http://www.ietf.org/id/"
                              "draft-holmer-rmcat-transport-wide-cc-"
                              "extensions-01";
  Fixture f = { 0 };
  Client *c = client_new ("tcc");
  g_autofree gchar *offer = client_make_offer (c);
  g_autoptr (GstSDPMessage) sdp = NULL;
  g_autoptr (GstSDPMessage) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *answer_text = NULL;
  g_autofree gchar *expected = g_strdup_printf ("7 %s", twcc);

  g_assert_cmpint (gst_sdp_message_new_from_text (offer, &sdp), ==, GST_SDP_OK);
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    GstSDPMedia *m = (GstSDPMedia *)gst_sdp_message_get_media (sdp, i);

    gst_sdp_media_add_attribute (
        m, "extmap",
        "2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time");
    gst_sdp_media_add_attribute (m, "extmap", expected);
  }
  text = gst_sdp_message_as_text (sdp);

  fixture_init (&f);
  c->room = f.room;
  g_ptr_array_add (f.clients, c);
  hc_media_room_join_async (f.room, "tcc", text, NULL, store_result,
                            &c->join_result);
  answer_text = hc_media_room_join_finish (
      f.room, await_result (&c->join_result), &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_sdp_message_new_from_text (answer_text, &answer), ==,
                   GST_SDP_OK);
  g_assert_cmpuint (gst_sdp_message_medias_len (answer), ==, 2);
  for (guint i = 0; i < gst_sdp_message_medias_len (answer); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (answer, i);
    guint n = 0;

    for (guint j = 0; j < gst_sdp_media_attributes_len (m); j++) {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute (m, j);

      if (g_strcmp0 (a->key, "extmap") != 0)
        continue;
      g_assert_cmpstr (a->value, ==, expected);
      n++;
    }
    g_assert_cmpuint (n, ==, 1);
  }
  hc_media_room_leave (f.room, "tcc");
  c->room = NULL;
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_autofree gchar *dot_dir = g_dir_make_tmp ("hc-media-room-XXXXXX", NULL);
  int ret;

  /* read by gst_init() */
  g_setenv ("GST_DEBUG_DUMP_DOT_DIR", dot_dir, TRUE);
  g_test_init (&argc, &argv, NULL);
  /* webrtcbin 1.22 hits g_warn_if_reached() in
   * jitter_buffer_set_retransmission when RTP of a new m-line reaches a
   * client webrtcbin while it applies the next offer (seen with every
   * thread on one CPU, under valgrind, and once in CI): a warning of the
   * test's client, harmless.  A fatal-log handler cannot excuse it (the
   * TAP output already says "Bail out!"), so warnings are not fatal here;
   * criticals stay fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  gst_init (&argc, &argv);
  hc_media_register_elements (NULL);

  g_test_add_func ("/media-room/refused-offers", test_refused_offers);
  g_test_add_func ("/media-room/state-errors", test_state_errors);
  g_test_add_func ("/media-room/declined-codec", test_declined_codec);
  g_test_add_func ("/media-room/leave-during-join", test_leave_during_join);
  g_test_add_func ("/media-room/three-clients", test_three_clients);
  g_test_add_func ("/media-room/leaves-together", test_leaves_together);
  g_test_add_func ("/media-room/declined-tracks", test_declined_tracks);
  g_test_add_func ("/media-room/answer-takes-transport-cc",
                   test_answer_takes_transport_cc);
  ret = g_test_run ();
  g_rmdir (dot_dir);
  return ret;
}
