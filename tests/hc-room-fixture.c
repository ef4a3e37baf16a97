/* hyperconf — in-process webrtcbin clients of an HcMediaRoom (see
 * hc-room-fixture.h). */
#include "hc-room-fixture.h"

#include <hyperconf/hc-forwarder.h>

#include <gst/rtp/gstrtpbuffer.h>

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Waiting                                                                 */
/* ---------------------------------------------------------------------- */

void
media_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  gst_init (argc, argv);
  hc_media_register_elements (NULL);
}

guint
slow_factor (void)
{
  const gchar *slow = g_getenv ("HC_TEST_SLOW");

  return slow ? MAX (1, atoi (slow)) : 1;
}

/* Under HC_TEST_SLOW (valgrind) media may not come up in time: the test
 * then says so and goes on to the leave and the teardown, whose leaks are
 * the point of such a run. */
gboolean
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

/* Runs the main context for @ms. */
void
run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

/* Runs the main context until @cond holds, at most @ms. */
gboolean
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

void
store_result (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **)data = g_object_ref (result);
}

GAsyncResult *
await_result (GAsyncResult **slot)
{
  g_assert_true (wait_until (result_ready, slot, WAIT_MS));
  return *slot;
}

/* ---------------------------------------------------------------------- */
/* A client: one webrtcbin publishing VP8 and Opus                         */
/* ---------------------------------------------------------------------- */

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

  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (g_atomic_int_add (&r->buffers, 1) == 0)
    g_atomic_pointer_set (&r->first_us, g_get_monotonic_time ());
  if (gst_rtp_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), GST_MAP_READ,
                          &rtp)) {
    g_atomic_int_set (&r->csrcs, gst_rtp_buffer_get_csrc_count (&rtp));
    gst_rtp_buffer_unmap (&rtp);
  }
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: a decoded frame, and its size. */
static GstPadProbeReturn
count_frame (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Receiver *r = data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  gint width = 0, height = 0;

  if (caps) {
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &width);
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "height", &height);
  }
  if (g_atomic_int_get (&r->frames) == 0)
    g_atomic_pointer_set (&r->first_frame_us, g_get_monotonic_time ());
  g_atomic_int_set (&r->width, width);
  g_atomic_int_set (&r->height, height);
  g_atomic_int_inc (&r->frames);
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: a stream from the room arrived. */
static void
on_client_pad_added (GstElement *webrtcbin, GstPad *pad, Client *c)
{
  g_autoptr (GstCaps) caps = NULL;
  GstElement *sink;
  g_autoptr (GstPad) sinkpad = NULL;
  Receiver *r;
  gboolean video;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  caps = gst_pad_get_current_caps (pad);
  video = caps
          && g_strcmp0 (gst_structure_get_string (
                            gst_caps_get_structure (caps, 0), "media"),
                        "video")
                 == 0;
  r = g_new0 (Receiver, 1);
  r->pad = gst_object_ref (pad);
  if (video && c->decode_video) {
    g_autoptr (GstElement) dec = NULL;
    g_autoptr (GstPad) decoded = NULL;
    g_autoptr (GError) error = NULL;
    gboolean h264
        = g_strcmp0 (gst_structure_get_string (gst_caps_get_structure (caps, 0),
                                               "encoding-name"),
                     "H264")
          == 0;

    /* the mix may be H.264 ([mcu] video-codec) */
    if (g_getenv ("HC_TEST_VERBOSE")) {
      g_autofree gchar *text = gst_caps_to_string (caps);

      g_printerr ("%s: receiving %s\n", c->pid, text);
    }
    sink = gst_parse_bin_from_description (
        h264 ? "rtph264depay ! h264parse ! openh264dec name=dec"
               " ! fakesink sync=false async=false"
             : "rtpvp8depay ! vp8dec name=dec ! fakesink sync=false "
               "async=false",
        TRUE, &error);
    g_assert_no_error (error);
    dec = gst_bin_get_by_name (GST_BIN (sink), "dec");
    decoded = gst_element_get_static_pad (dec, "src");
    gst_pad_add_probe (decoded, GST_PAD_PROBE_TYPE_BUFFER, count_frame, r,
                       NULL);
  } else {
    sink = gst_element_factory_make ("fakesink", NULL);
    g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  }
  gst_bin_add (GST_BIN (c->pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  g_assert_cmpint (gst_pad_link (pad, sinkpad), ==, GST_PAD_LINK_OK);

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
  ClientCandidate *cc;

  if (c->drop_candidates)
    return;
  cc = g_new0 (ClientCandidate, 1);
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
void
disable_upnp (GstElement *webrtcbin)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;

  g_object_get (webrtcbin, "ice-agent", &ice, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  g_object_set (agent, "upnp", FALSE, NULL);
}

Client *
client_new_full (const gchar *pid, gint width, gint height, gboolean audio)
{
  Client *c = g_new0 (Client, 1);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *description = NULL;
  g_autofree gchar *video = NULL;
  GArray *transceivers = NULL;

  c->pid = g_strdup (pid);
  c->early_candidates
      = g_ptr_array_new_with_free_func ((GDestroyNotify)client_candidate_free);
  g_mutex_init (&c->lock);
  c->receivers = g_ptr_array_new_with_free_func ((GDestroyNotify)receiver_free);
  if (width > 0)
    video = g_strdup_printf (
        "videotestsrc is-live=true pattern=ball "
        " ! capsfilter name=size caps=video/x-raw,width=%d,height=%d,"
        "framerate=%u/1 "
        " ! vp8enc deadline=1 keyframe-max-dist=15 ! rtpvp8pay name=vpay pt=96 "
        " ! queue ! w. ",
        width, height, slow_factor () > 1 ? 5 : 15);
  g_assert_true (video || audio);
  description = g_strdup_printf (
      "webrtcbin name=w bundle-policy=max-bundle %s%s", video ? video : "",
      audio
          ? "audiotestsrc is-live=true ! opusenc ! rtpopuspay name=apay pt=111 "
            " ! queue ! w."
          : "");
  c->pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  c->webrtcbin = gst_bin_get_by_name (GST_BIN (c->pipeline), "w");
  disable_upnp (c->webrtcbin);
  g_signal_emit_by_name (c->webrtcbin, "get-transceivers", &transceivers);
  g_assert_cmpuint (transceivers->len, ==, (video ? 1 : 0) + (audio ? 1 : 0));
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

Client *
client_new (const gchar *pid)
{
  /* under valgrind (HC_TEST_SLOW), less to encode */
  return client_new_full (pid, slow_factor () > 1 ? 64 : 160,
                          slow_factor () > 1 ? 48 : 120, TRUE);
}

void
client_set_video_size (Client *c, gint width, gint height)
{
  g_autoptr (GstElement) size
      = gst_bin_get_by_name (GST_BIN (c->pipeline), "size");
  g_autoptr (GstCaps) caps = gst_caps_new_simple (
      "video/x-raw", "width", G_TYPE_INT, width, "height", G_TYPE_INT, height,
      "framerate", GST_TYPE_FRACTION, slow_factor () > 1 ? 5 : 15, 1, NULL);

  g_assert_nonnull (size);
  g_object_set (size, "caps", caps, NULL);
}

void
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
GstWebRTCSessionDescription *
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
gchar *
client_make_offer (Client *c)
{
  g_autoptr (GstWebRTCSessionDescription) offer = NULL;

  g_assert_true (wait_until (sink_pads_have_caps, c, WAIT_MS));
  offer = client_call (c, "create-offer", NULL, "offer");
  g_assert_nonnull (offer);
  client_call (c, "set-local-description", offer, NULL);
  return gst_sdp_message_as_text (offer->sdp);
}

void
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

Client *
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
  if (candidate[0] == '\0' || c->drop_candidates)
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
  c->answered_us = g_get_monotonic_time ();
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

void
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

static gboolean
nobody_negotiating (gpointer data)
{
  Fixture *f = data;

  for (guint i = 0; i < f->clients->len; i++) {
    if (((Client *)f->clients->pdata[i])->negotiating)
      return FALSE;
  }
  return TRUE;
}

void
fixture_clear (Fixture *f)
{
  /* A negotiation in flight would complete into a freed client (during
   * the next test). */
  if (!wait_until (nobody_negotiating, f, WAIT_MS))
    g_test_message ("fixture_clear: a negotiation did not complete");
  g_object_unref (f->room);
  for (guint i = 0; i < f->clients->len; i++)
    client_free (g_ptr_array_index (f->clients, i));
  g_ptr_array_unref (f->clients);
  g_hash_table_unref (f->states);
}

void
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
gchar *
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
gint
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

void
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
gboolean
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
void
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
void
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