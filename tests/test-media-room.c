/* hyperconf — HcMediaRoom (SFU) with real webrtcbin clients in the same
 * process (hc-room-fixture.h).
 */
#include "hc-room-fixture.h"

#include <hyperconf/hc-forwarder.h>
#include <hyperconf/hc-rtp-passthrough.h>
#include <hyperconf/hc-sender-clock.h>
#include "src/media/hc-dtls-key.h"
#include "src/media/hc-receive-direct.h"
#include "src/media/hc-receive-shortcut.h"

#include <gst/rtp/rtp.h>
#include <gst/video/video.h>

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Elements of type @type_name anywhere inside the room's pipeline. */
static guint
count_of_type (HcMediaRoom *room, const gchar *type_name)
{
  GstIterator *it
      = gst_bin_iterate_recurse (GST_BIN (hc_media_room_get_pipeline (room)));
  GValue item = G_VALUE_INIT;
  guint n = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    n += g_str_equal (G_OBJECT_TYPE_NAME (g_value_get_object (&item)),
                      type_name);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return n;
}

static void
test_three_clients (void)
{
  Fixture f = { 0 };
  const gchar *pids[] = { "alice", "bob", "carol" };
  guint before_carol = 0, deep_before_carol = 0, with_carol;
  guint offers_before_carol[2] = { 0 };
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
      for (guint k = 0; k < 2; k++)
        offers_before_carol[k] = ((Client *)f.clients->pdata[k])->n_offers;
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
      /* carol's audio and video came in one offer, not one each */
      g_assert_cmpuint (c->n_offers - offers_before_carol[i], ==, 1);
      received_from (c, "carol", "video", &first_us);
      first_rtp_us = MIN (first_rtp_us, first_us);
    }
    for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
      g_assert_cmpstr (g_hash_table_lookup (f.states, pids[i]), ==,
                       "connected");
    with_carol = hc_media_room_get_n_elements (f.room);
    /* per participant a webrtcbin and an hcsrtpsend, per track a head,
     * and nothing per (track, subscriber) */
    g_assert_cmpuint (with_carol, ==, 3 * 2 + 3 * 2);
    /* every received stream passes an hcrtppassthrough, none a jitter
     * buffer (hc-rtp-passthrough.h) */
    g_assert_cmpuint (count_of_type (f.room, "HcRtpPassthrough"), ==, 6);
    g_assert_cmpuint (count_of_type (f.room, "GstRtpJitterBuffer"), ==, 0);
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

/* Sender clocks seen on one forwarder output. */
typedef struct {
  gint seen;  /* atomic */
  gint wrong; /* atomic: not under the output's SSRC, or no NTP time */
} ClockCount;

static GstPadProbeReturn
count_sender_clock (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  ClockCount *count = data;
  guint32 ssrc;
  guint64 ntp_time;
  guint out_ssrc = 0;

  if (!hc_sender_clock_event_parse (GST_PAD_PROBE_INFO_EVENT (info), &ssrc,
                                    &ntp_time, NULL, NULL))
    return GST_PAD_PROBE_OK;
  g_object_get (pad, "ssrc", &out_ssrc, NULL);
  if ((out_ssrc != 0 && ssrc != out_ssrc) || ntp_time == 0)
    g_atomic_int_inc (&count->wrong);
  g_atomic_int_inc (&count->seen);
  return GST_PAD_PROBE_OK;
}

static gboolean
every_output_has_a_clock (gpointer data)
{
  GArray *counts = data;

  for (guint i = 0; i < counts->len; i++)
    if (g_atomic_int_get (&g_array_index (counts, ClockCount, i).seen) == 0)
      return FALSE;
  return TRUE;
}

/* The publishers' sender reports reach the subscribers' side: webrtcbin's
 * rtpbin links each received stream's RTCP to its hcrtppassthrough's
 * "sink_rtcp", and every forwarder output sees the publisher's NTP/RTP
 * mapping as an hc-sender-clock event under the output's SSRC, within
 * seconds of media flowing (a webrtcbin sender reports every ~5 s). */
static void
test_sender_clock (void)
{
  Fixture f = { 0 };
  g_autoptr (GArray) counts
      = g_array_sized_new (FALSE, TRUE, sizeof (ClockCount), 8);
  GstIterator *it;
  GValue item = G_VALUE_INIT;
  guint passthroughs = 0, linked = 0;

  fixture_init (&f);
  fixture_join (&f, client_new ("alice"));
  fixture_join (&f, client_new ("bob"));
  if (!in_time (wait_until (everyone_receives_everyone, &f, WAIT_MS),
                "alice and bob receiving each other")) {
    fixture_clear (&f);
    return;
  }

  /* room for every output before a probe holds a pointer into the array */
  g_array_set_size (counts, 64);
  g_array_set_size (counts, 0);
  it = gst_bin_iterate_recurse (GST_BIN (hc_media_room_get_pipeline (f.room)));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&item);

    if (HC_IS_RTP_PASSTHROUGH (e)) {
      g_autoptr (GstPad) rtcp = gst_element_get_static_pad (e, "sink_rtcp");

      passthroughs++;
      linked += rtcp && gst_pad_is_linked (rtcp);
    } else if (HC_IS_FORWARDER (e)) {
      GST_OBJECT_LOCK (e);
      for (GList *l = e->srcpads; l; l = l->next) {
        g_assert_cmpuint (counts->len, <, 64);
        g_array_set_size (counts, counts->len + 1);
        gst_pad_add_probe (
            l->data, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, count_sender_clock,
            &g_array_index (counts, ClockCount, counts->len - 1), NULL);
      }
      GST_OBJECT_UNLOCK (e);
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);

  /* two publishers, audio and video each; one subscriber per track */
  g_assert_cmpuint (passthroughs, ==, 4);
  g_assert_cmpuint (linked, ==, 4);
  g_assert_cmpuint (counts->len, ==, 4);
  in_time (wait_until (every_output_has_a_clock, counts, WAIT_MS),
           "a sender clock on every forwarder output");
  for (guint i = 0; i < counts->len; i++) {
    ClockCount *count = &g_array_index (counts, ClockCount, i);

    g_test_message ("output %u: %d sender clocks", i,
                    g_atomic_int_get (&count->seen));
    g_assert_cmpint (g_atomic_int_get (&count->wrong), ==, 0);
  }
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

/* ---------------------------------------------------------------------- */
/* The lean send path                                                      */
/* ---------------------------------------------------------------------- */

static gint
frames_decoded (Client *c)
{
  gint frames = 0;

  g_mutex_lock (&c->lock);
  for (guint i = 0; i < c->receivers->len; i++)
    frames += g_atomic_int_get (
        &((Receiver *)g_ptr_array_index (c->receivers, i))->frames);
  g_mutex_unlock (&c->lock);
  return frames;
}

static gboolean
bob_decodes (gpointer data)
{
  Fixture *f = data;

  return everyone_receives_everyone (f)
         && frames_decoded (f->clients->pdata[1]) >= 10;
}

/* webrtcbin's "get-stats", waited for. */
static GstStructure *
webrtcbin_stats (GstElement *webrtcbin)
{
  g_autoptr (GstPromise) promise = gst_promise_new ();
  const GstStructure *reply;

  g_signal_emit_by_name (webrtcbin, "get-stats", NULL, promise);
  g_assert_cmpint (gst_promise_wait (promise), ==, GST_PROMISE_RESULT_REPLIED);
  reply = gst_promise_get_reply (promise);
  g_assert_nonnull (reply);
  return gst_structure_copy (reply);
}

/* The stats objects of @type in webrtcbin's report @stats.
 * Returns: (transfer container) (element-type GstStructure) */
static GPtrArray *
stats_of_type (const GstStructure *stats, GstWebRTCStatsType type)
{
  GPtrArray *found = g_ptr_array_new ();

  for (gint i = 0; i < gst_structure_n_fields (stats); i++) {
    const GValue *v = gst_structure_get_value (
        stats, gst_structure_nth_field_name (stats, i));
    GstWebRTCStatsType t;

    if (GST_VALUE_HOLDS_STRUCTURE (v)
        && gst_structure_get (gst_value_get_structure (v), "type",
                              GST_TYPE_WEBRTC_STATS_TYPE, &t, NULL)
        && t == type)
      g_ptr_array_add (found, (gpointer)gst_value_get_structure (v));
  }
  return found;
}

/* The sum of @field (guint64, or gint64 if @signed_field) over
 * webrtcbin's stats of @type for @ssrc (0 when there are none). */
static gint64
webrtcbin_rtp_counter (GstElement *webrtcbin, GstWebRTCStatsType type,
                       guint32 ssrc, const gchar *field, gboolean signed_field)
{
  g_autoptr (GstStructure) stats = webrtcbin_stats (webrtcbin);
  g_autoptr (GPtrArray) found = stats_of_type (stats, type);
  gint64 total = 0;

  for (guint i = 0; i < found->len; i++) {
    guint value = 0;
    guint64 u = 0;
    gint64 v = 0;

    if (!gst_structure_get_uint (found->pdata[i], "ssrc", &value)
        || value != ssrc)
      continue;
    if (signed_field && gst_structure_get_int64 (found->pdata[i], field, &v))
      total += v;
    else if (!signed_field
             && gst_structure_get_uint64 (found->pdata[i], field, &u))
      total += (gint64)u;
  }
  return total;
}

/* webrtcbin's own count of what it sent as @ssrc (0 when its session has
 * no outbound-rtp for it: nothing passed). */
static guint64
webrtcbin_packets_sent (GstElement *webrtcbin, guint32 ssrc)
{
  return (guint64)webrtcbin_rtp_counter (
      webrtcbin, GST_WEBRTC_STATS_OUTBOUND_RTP, ssrc, "packets-sent", FALSE);
}

/* Alice publishes, bob joins and decodes her video. */
static Client *
join_with_bob (Fixture *f, Client *alice)
{
  Client *bob;

  fixture_join (f, alice);
  bob = client_new ("bob");
  bob->decode_video = TRUE;
  fixture_join (f, bob);
  g_assert_true (in_time (wait_until (bob_decodes, f, WAIT_MS),
                          "bob decoding alice's video"));
  return bob;
}

static Client *
join_alice_and_bob (Fixture *f)
{
  return join_with_bob (f, client_new ("alice"));
}

typedef struct {
  GstElement *webrtcbin;
  GArray *ssrcs;
} SenderReports;

/* The client's webrtcbin has a sender report from each of the SSRCs: its
 * remote-outbound-rtp has the SR's NTP time ("remote-timestamp", 0 until
 * one came). */
static gboolean
sender_reports_arrived (gpointer data)
{
  SenderReports *sr = data;
  g_autoptr (GstStructure) stats = webrtcbin_stats (sr->webrtcbin);
  g_autoptr (GPtrArray) remote
      = stats_of_type (stats, GST_WEBRTC_STATS_REMOTE_OUTBOUND_RTP);

  for (guint i = 0; i < sr->ssrcs->len; i++) {
    gboolean found = FALSE;

    for (guint j = 0; j < remote->len && !found; j++) {
      guint ssrc = 0;
      gdouble ts = 0;

      found = gst_structure_get_uint (remote->pdata[j], "ssrc", &ssrc)
              && ssrc == g_array_index (sr->ssrcs, guint32, i)
              && gst_structure_get_double (remote->pdata[j], "remote-timestamp",
                                           &ts)
              && ts > 0;
    }
    if (!found)
      return FALSE;
  }
  return TRUE;
}

/* PLIs a client's webrtcbin received for what it publishes. */
static guint
plis_received (Client *c)
{
  g_autoptr (GstStructure) stats = webrtcbin_stats (c->webrtcbin);
  g_autoptr (GPtrArray) out
      = stats_of_type (stats, GST_WEBRTC_STATS_OUTBOUND_RTP);
  guint plis = 0;

  for (guint i = 0; i < out->len; i++) {
    guint n = 0;

    if (gst_structure_get_uint (out->pdata[i], "pli-count", &n))
      plis += n;
  }
  return plis;
}

typedef struct {
  Client *publisher;
  guint before;
} PliWait;

static gboolean
pli_arrived (gpointer data)
{
  PliWait *w = data;

  return plis_received (w->publisher) > w->before;
}

/* @subscriber's webrtcbin asks for a keyframe of @publisher's video (a
 * PLI to the server), and the server passes it on: @publisher's webrtcbin
 * receives a PLI. */
static void
assert_pli_relayed (Client *subscriber, Client *publisher)
{
  PliWait w = { publisher, 0 };
  GstPad *pad = NULL;

  g_mutex_lock (&subscriber->lock);
  for (guint i = 0; i < subscriber->receivers->len && pad == NULL; i++) {
    Receiver *r = g_ptr_array_index (subscriber->receivers, i);
    g_autofree gchar *kind = NULL;
    g_autofree gchar *pid = publisher_of_mid (subscriber, r->mid, &kind);

    if (g_strcmp0 (pid, publisher->pid) == 0 && g_strcmp0 (kind, "video") == 0)
      pad = gst_object_ref (r->pad);
  }
  g_mutex_unlock (&subscriber->lock);
  g_assert_nonnull (pad);
  /* the server's own requests at the start are over */
  run_for (500);
  w.before = plis_received (publisher);
  g_assert_true (
      gst_pad_send_event (pad, gst_video_event_new_upstream_force_key_unit (
                                   GST_CLOCK_TIME_NONE, FALSE, 0)));
  g_assert_true (in_time (wait_until (pli_arrived, &w, WAIT_MS),
                          "the subscriber's PLI reaching the publisher"));
  gst_object_unref (pad);
}

/* The SSRCs of the sending m-lines of the room's last offer to @c. */
static GArray *
offered_ssrcs (Client *c)
{
  GArray *ssrcs = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; i < gst_sdp_message_medias_len (c->last_offer); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (c->last_offer, i);
    const gchar *ssrc = gst_sdp_media_get_attribute_val (m, "ssrc");
    guint32 value;

    if (ssrc && gst_sdp_media_get_attribute_val (m, "inactive") == NULL) {
      value = (guint32)g_ascii_strtoull (ssrc, NULL, 10);
      g_array_append_val (ssrcs, value);
    }
  }
  return ssrcs;
}

/* What the hcsrtpsend sent itself as @ssrc (its "stats"). */
static guint64
lean_packets_sent (const GstStructure *stats, guint32 ssrc)
{
  g_autofree gchar *name = g_strdup_printf ("ssrc-%u", ssrc);
  const GstStructure *one = NULL;
  guint64 packets = 0;

  g_assert_true (
      gst_structure_get (stats, name, GST_TYPE_STRUCTURE, &one, NULL));
  g_assert_true (gst_structure_get_uint64 (one, "packets-sent", &packets));
  gst_structure_free ((GstStructure *)one);
  return packets;
}

static void
lean_send (gboolean lean)
{
  Fixture f = { 0 };
  g_autoptr (GstElement) webrtcbin = NULL;
  g_autoptr (GstElement) element = NULL;
  g_autoptr (GArray) ssrcs = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  HcMediaStats stats;
  Client *bob;

  fixture_init (&f);
  hc_media_room_set_lean_send (f.room, lean);
  bob = join_alice_and_bob (&f);
  webrtcbin = gst_bin_get_by_name (
      GST_BIN (hc_media_room_get_pipeline (f.room)), "peer-bob");
  element = gst_bin_get_by_name (GST_BIN (hc_media_room_get_pipeline (f.room)),
                                 "lean-bob");
  g_assert_nonnull (webrtcbin);
  /* per participant a webrtcbin (and an hcsrtpsend), per track a head */
  g_assert_cmpuint (hc_media_room_get_n_elements (f.room), ==,
                    2 * (lean ? 2 : 1) + 2 * 2);
  ssrcs = offered_ssrcs (bob);
  g_assert_cmpuint (ssrcs->len, ==, 2);
  assert_pli_relayed (bob, f.clients->pdata[0]);
  /* a sender report for each stream, whichever path sent its packets */
  {
    SenderReports sr = { bob->webrtcbin, ssrcs };

    g_assert_true (in_time (wait_until (sender_reports_arrived, &sr, WAIT_MS),
                            "bob's sender reports for both streams"));
  }

  if (lean) {
    g_autoptr (GstStructure) lean_stats = NULL;
    gboolean is_lean = FALSE;

    g_assert_nonnull (element);
    g_object_get (element, "lean", &is_lean, "stats", &lean_stats, NULL);
    g_assert_true (is_lean);
    /* straight on the selected pair's socket */
    {
      guint64 socket_sends = 0;

      g_assert_true (
          gst_structure_get_uint64 (lean_stats, "socket-sends", &socket_sends));
      g_assert_cmpuint (socket_sends, >=, MIN_BUFFERS);
    }
    /* handed over by the forwarder, not pushed as buffers */
    {
      guint64 handed = 0;

      g_assert_true (
          gst_structure_get_uint64 (lean_stats, "handed-packets", &handed));
      g_assert_cmpuint (handed, >=, MIN_BUFFERS);
    }
    for (guint i = 0; i < ssrcs->len; i++) {
      guint32 ssrc = g_array_index (ssrcs, guint32, i);
      guint64 lean_packets = lean_packets_sent (lean_stats, ssrc);

      g_test_message ("ssrc %u: hcsrtpsend sent %" G_GUINT64_FORMAT, ssrc,
                      lean_packets);
      g_assert_cmpuint (lean_packets, >=, MIN_BUFFERS);
      /* nothing went webrtcbin's way */
      g_assert_cmpuint (webrtcbin_packets_sent (webrtcbin, ssrc), ==, 0);
    }
  } else {
    g_assert_null (element);
    for (guint i = 0; i < ssrcs->len; i++)
      g_assert_cmpuint (
          webrtcbin_packets_sent (webrtcbin, g_array_index (ssrcs, guint32, i)),
          >=, MIN_BUFFERS);
  }

  /* what the admin API and /metrics show counts it either way */
  hc_media_room_get_stats_async (f.room, "bob", NULL, store_result, &result);
  g_assert_true (hc_media_room_get_stats_finish (f.room, await_result (&result),
                                                 &stats, &error));
  g_assert_no_error (error);
  g_test_message ("bob: %" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT
                  " bytes, %.0f bit/s sent",
                  stats.packets_sent, stats.bytes_sent, stats.bitrate_out);
  g_assert_cmpuint (stats.packets_sent, >=, 2 * MIN_BUFFERS);
  g_assert_cmpfloat (stats.bitrate_out, >, 10000);
  g_clear_object (&result);

  /* bob's leave takes his hcsrtpsend out, and nothing of webrtcbin's
   * holds it any more (its signal handlers are gone) */
  g_ptr_array_remove (f.clients, bob);
  hc_media_room_leave (f.room, "bob");
  bob->room = NULL;
  client_free (bob);
  g_assert_cmpuint (hc_media_room_get_n_elements (f.room), ==,
                    (lean ? 2 : 1) + 2);
  /* (the state-changed messages of its stop hold it until the bus watch
   * ran) */
  run_for (200);
  if (element)
    g_assert_cmpint (GST_OBJECT_REFCOUNT_VALUE (element), ==, 1);
  fixture_clear (&f);
}

static void
test_lean_send (void)
{
  lean_send (TRUE);
}

static void
test_webrtcbin_send (void)
{
  lean_send (FALSE);
}

/* Elements of factory "queue" whose parent is webrtcbin's receive bin. */
static guint
receive_queues (GstElement *webrtcbin)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (GST_BIN (webrtcbin));
  GValue item = G_VALUE_INIT;
  guint n = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *element = g_value_get_object (&item);
    GstElementFactory *factory = gst_element_get_factory (element);
    GstObject *parent = GST_OBJECT_PARENT (element);

    if (factory && g_str_equal (GST_OBJECT_NAME (factory), "queue") && parent
        && g_str_equal (G_OBJECT_TYPE_NAME (parent), "TransportReceiveBin"))
      n++;
    g_value_reset (&item);
  }
  g_value_unset (&item);
  return n;
}

/* Packets webrtcbin's session counted from @ssrc (its inbound-rtp), and
 * in @lost those it missed. */
static guint64
webrtcbin_packets_received (GstElement *webrtcbin, guint32 ssrc, gint64 *lost)
{
  *lost = webrtcbin_rtp_counter (webrtcbin, GST_WEBRTC_STATS_INBOUND_RTP, ssrc,
                                 "packets-lost", TRUE);
  return (guint64)webrtcbin_rtp_counter (
      webrtcbin, GST_WEBRTC_STATS_INBOUND_RTP, ssrc, "packets-received", FALSE);
}

/* With lean-receive, alice's packets past her session went around
 * rtpbin's pass-through elements (hc-receive-shortcut.h), into her
 * demuxer's stream pads and from her passthroughs to webrtcbin's src pads;
 * without, none did. */
static void
assert_receive_shortcuts (GstElement *alice_in_room, gboolean lean)
{
  guint64 past_demuxer = 0;
  guint64 into_demuxer
      = hc_receive_shortcut_get_packets (alice_in_room, &past_demuxer);

  g_test_message ("alice: %" G_GUINT64_FORMAT " packets around her demuxer, "
                  "%" G_GUINT64_FORMAT " past it",
                  into_demuxer, past_demuxer);
  if (lean) {
    g_assert_cmpuint (into_demuxer, >=, MIN_BUFFERS);
    g_assert_cmpuint (past_demuxer, >=, into_demuxer);
  } else {
    g_assert_cmpuint (into_demuxer, ==, 0);
    g_assert_cmpuint (past_demuxer, ==, 0);
  }
}

/* Returns: (transfer full): the room's webrtcbin of participant @pid */
static GstElement *
room_peer (Fixture *f, const gchar *pid)
{
  g_autofree gchar *name = g_strdup_printf ("peer-%s", pid);
  GstElement *webrtcbin = gst_bin_get_by_name (
      GST_BIN (hc_media_room_get_pipeline (f->room)), name);

  g_assert_nonnull (webrtcbin);
  return webrtcbin;
}

/* Both of bob's streams (alice's audio and video) keep coming, and
 * nothing of them was lost. */
static void
assert_flowing_without_loss (Client *bob)
{
  g_autoptr (GArray) ssrcs = offered_ssrcs (bob);

  g_assert_cmpuint (ssrcs->len, ==, 2);
  for (guint i = 0; i < ssrcs->len; i++) {
    guint32 ssrc = g_array_index (ssrcs, guint32, i);
    gint64 lost = 0;
    guint64 before = webrtcbin_packets_received (bob->webrtcbin, ssrc, &lost);
    guint64 after;

    run_for (500);
    after = webrtcbin_packets_received (bob->webrtcbin, ssrc, &lost);
    g_test_message ("bob, ssrc %u: %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT
                    " packets, %" G_GINT64_FORMAT " lost",
                    ssrc, before, after, lost);
    g_assert_cmpuint (after, >, before);
    g_assert_cmpint (lost, ==, 0);
  }
}

/* The server's receive path: with lean-receive, once alice's transport is
 * through, the RTP she sends goes from the transport's thread straight to
 * decryption (the receive queue only carries RTCP and DTLS), and nothing
 * is lost or held back on the way (bob decodes her video, and receives
 * every packet).  Without, every packet takes the queue. */
static void
lean_receive (gboolean lean)
{
  Fixture f = { 0 };
  g_autoptr (GstElement) alice_in_room = NULL;
  HcReceiveDirectStats stats;
  Client *bob;
  guint64 direct, unprotected;

  fixture_init (&f);
  hc_media_room_set_lean_receive (f.room, lean);
  bob = join_alice_and_bob (&f);
  alice_in_room = room_peer (&f, "alice");
  hc_receive_direct_get_stats (alice_in_room, &stats);
  direct = stats.packets;
  g_test_message ("alice: %" G_GUINT64_FORMAT
                  " packets received directly, %" G_GUINT64_FORMAT
                  " decrypted there",
                  direct, stats.srtp.unprotected);
  if (lean) {
    g_assert_cmpuint (direct, >=, MIN_BUFFERS);
    /* decrypted on the direct path, not by srtpdec */
    g_assert_cmpuint (stats.srtp.unprotected, >=, MIN_BUFFERS);
  } else {
    g_assert_cmpuint (direct, ==, 0);
    g_assert_cmpuint (stats.srtp.unprotected, ==, 0);
  }
  unprotected = stats.srtp.unprotected;
  g_assert_cmpuint (receive_queues (alice_in_room), ==, 1);
  /* still flowing, nothing lost between alice and bob's decoder */
  assert_flowing_without_loss (bob);
  hc_receive_direct_get_stats (alice_in_room, &stats);
  if (lean) {
    g_assert_cmpuint (stats.packets, >, direct);
    g_assert_cmpuint (stats.srtp.unprotected, >, unprotected);
  }
  /* nothing failed, nothing was left to srtpdec */
  g_assert_cmpuint (stats.srtp.dropped, ==, 0);
  g_assert_cmpuint (stats.srtp.fallback, ==, 0);
  g_assert_cmpuint (stats.srtp.pinned, ==, 0);
  assert_receive_shortcuts (alice_in_room, lean);
  fixture_clear (&f);
}

static void
test_lean_receive (void)
{
  lean_receive (TRUE);
}

static void
test_queued_receive (void)
{
  lean_receive (FALSE);
}

/* ---------------------------------------------------------------------- */
/* Decryption on the direct path: rollover and damaged packets            */
/* ---------------------------------------------------------------------- */

/* A client payloader's sequence numbers, rewritten: nothing passes until
 * the client's transport is connected (what it sends before is lost),
 * then they count up from @first, so that the room sees the last packets
 * before they wrap. */
typedef struct {
  guint16 first;
  guint n;     /* streaming thread */
  gint passed; /* atomic */
  gint *connected;
} Renumber;

static gboolean
renumber (GstBuffer **buffer, guint idx, gpointer data)
{
  Renumber *r = data;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  *buffer = gst_buffer_make_writable (*buffer);
  g_assert_true (gst_rtp_buffer_map (*buffer, GST_MAP_READWRITE, &rtp));
  gst_rtp_buffer_set_seq (&rtp, (guint16)(r->first + r->n++));
  gst_rtp_buffer_unmap (&rtp);
  g_atomic_int_inc (&r->passed);
  return TRUE;
}

static GstPadProbeReturn
on_payloaded (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Renumber *r = data;

  if (!g_atomic_int_get (r->connected))
    return GST_PAD_PROBE_DROP;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list
        = gst_buffer_list_make_writable (GST_PAD_PROBE_INFO_BUFFER_LIST (info));

    gst_buffer_list_foreach (list, renumber, r);
    info->data = list;
  } else {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

    renumber (&buffer, 0, r);
    info->data = buffer;
  }
  return GST_PAD_PROBE_OK;
}

static void
renumber_payloader (Client *c, const gchar *name, Renumber *r)
{
  g_autoptr (GstElement) pay
      = gst_bin_get_by_name (GST_BIN (c->pipeline), name);
  g_autoptr (GstPad) src = NULL;

  g_assert_nonnull (pay);
  src = gst_element_get_static_pad (pay, "src");
  gst_pad_add_probe (src,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_payloaded, r, NULL);
}

typedef struct {
  GstElement *webrtcbin;
  gint connected; /* atomic */
} ConnectedFlag;

/* main context, every 20 ms until connected */
static gboolean
poll_connected (gpointer data)
{
  ConnectedFlag *flag = data;
  GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;

  g_object_get (flag->webrtcbin, "connection-state", &state, NULL);
  if (state != GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
    return G_SOURCE_CONTINUE;
  g_atomic_int_set (&flag->connected, 1);
  return G_SOURCE_REMOVE;
}

/* How many of srtpdec's streams (the room's receive decoder of a
 * participant) are past their first rollover; in @n all it has. */
static guint
decoder_streams_rolled_over (GstElement *srtpdec, guint *n)
{
  g_autoptr (GstStructure) stats = NULL;
  const GValue *streams;
  guint rolled = 0;

  g_object_get (srtpdec, "stats", &stats, NULL);
  streams = gst_structure_get_value (stats, "streams");
  *n = gst_value_array_get_size (streams);
  for (guint i = 0; i < *n; i++) {
    guint roc = 0;

    g_assert_true (gst_structure_get_uint (
        gst_value_get_structure (gst_value_array_get_value (streams, i)), "roc",
        &roc));
    rolled += roc > 0;
  }
  return rolled;
}

static gboolean
video_rolled_over (gpointer data)
{
  guint n;

  return decoder_streams_rolled_over (data, &n) >= 1;
}

typedef struct {
  GstElement *webrtcbin;
  Renumber *audio;
} AudioWrapped;

/* alice's audio wrapped a second ago, and its packets since were
 * decrypted on the direct path */
static gboolean
audio_wrapped (gpointer data)
{
  AudioWrapped *w = data;
  HcReceiveDirectStats stats;

  hc_receive_direct_get_stats (w->webrtcbin, &stats);
  return g_atomic_int_get (&w->audio->passed) > 65536 - w->audio->first + 50
         && stats.srtp.unprotected > 50;
}

/* alice's video wraps its sequence numbers before the room's transport
 * goes direct (srtpdec decrypted the wrap: the direct path's stream
 * must start at its rollover counter, 1), her audio after (the direct
 * path follows the wrap itself); every packet is decrypted on the direct
 * path once there, none fails, and bob gets all of both. */
static void
test_lean_receive_rollover (void)
{
  Fixture f = { 0 };
  g_autoptr (GstElement) alice_in_room = NULL;
  g_autoptr (GstElement) srtpdec = NULL;
  ConnectedFlag connected = { 0 };
  /* video: 10 packets before the wrap (under a second), audio: 300 (6 s) */
  Renumber video = { 65526, 0, 0, &connected.connected };
  Renumber audio = { 65236, 0, 0, &connected.connected };
  HcReceiveDirectStats stats;
  AudioWrapped wrapped;
  Client *alice, *bob;
  guint n = 0;

  fixture_init (&f);
  hc_media_room_set_lean_receive (f.room, TRUE);
  hc_receive_direct_hold (TRUE);
  alice = client_new ("alice");
  connected.webrtcbin = alice->webrtcbin;
  renumber_payloader (alice, "vpay", &video);
  renumber_payloader (alice, "apay", &audio);
  g_timeout_add (20, poll_connected, &connected);
  bob = join_with_bob (&f, alice);
  alice_in_room = room_peer (&f, "alice");
  srtpdec = hc_find_by_factory (GST_BIN (alice_in_room), "srtpdec");
  g_assert_nonnull (srtpdec);
  g_assert_true (in_time (wait_until (video_rolled_over, srtpdec, WAIT_MS),
                          "alice's video wrapping"));
  g_assert_cmpint (g_atomic_int_get (&audio.passed), <, 65536 - audio.first);
  g_assert_cmpuint (hc_receive_direct_get_packets (alice_in_room), ==, 0);
  hc_receive_direct_hold (FALSE);

  wrapped.webrtcbin = alice_in_room;
  wrapped.audio = &audio;
  g_assert_true (in_time (wait_until (audio_wrapped, &wrapped, WAIT_MS),
                          "alice's audio wrapping on the direct path"));
  /* srtpdec did not see the audio's wrap */
  g_assert_cmpuint (decoder_streams_rolled_over (srtpdec, &n), ==, 1);
  g_assert_cmpuint (n, ==, 2);
  assert_flowing_without_loss (bob);
  hc_receive_direct_get_stats (alice_in_room, &stats);
  g_test_message ("alice: %" G_GUINT64_FORMAT " direct, %" G_GUINT64_FORMAT
                  " decrypted there, %" G_GUINT64_FORMAT " left to srtpdec",
                  stats.packets, stats.srtp.unprotected, stats.srtp.fallback);
  g_assert_cmpuint (stats.srtp.unprotected, ==, stats.packets);
  g_assert_cmpuint (stats.srtp.fallback, ==, 0);
  g_assert_cmpuint (stats.srtp.pinned, ==, 0);
  g_assert_cmpuint (stats.srtp.dropped, ==, 0);
  fixture_clear (&f);
}

/* On a client's transport output (after SRTP): once armed (1), a damaged
 * copy of the next RTP packet goes before it (its tag's last octet
 * flipped), and the packet itself once more before the next one (a
 * replay).  Armed with 2: JUNK_SSRCS copies of the next one, each under
 * another SSRC. */
#define JUNK_SSRCS 100

typedef struct {
  gint armed; /* atomic */
  gboolean injecting;
  GstBuffer *sent;
} Tamper;

static GstBuffer *
first_rtp (GstPadProbeInfo *info)
{
  GstBuffer *buffer = NULL;
  guint8 head[2];

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);

    for (guint i = 0; i < gst_buffer_list_length (list) && !buffer; i++)
      if (gst_buffer_extract (gst_buffer_list_get (list, i), 0, head, 2) == 2
          && (head[1] & 0x7f) >= 96)
        buffer = gst_buffer_list_get (list, i);
    return buffer;
  }
  buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  /* (RTCP's types, 200-206, are 72-78 without the marker bit) */
  return gst_buffer_extract (buffer, 0, head, 2) == 2 && (head[1] & 0x7f) >= 96
             ? buffer
             : NULL;
}

static GstPadProbeReturn
on_transport_sent (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Tamper *t = data;
  GstBuffer *packet;

  if (t->injecting || !g_atomic_int_get (&t->armed)
      || (packet = first_rtp (info)) == NULL)
    return GST_PAD_PROBE_OK;
  t->injecting = TRUE;
  if (g_atomic_int_get (&t->armed) == 2) {
    for (guint i = 0; i < JUNK_SSRCS; i++) {
      GstBuffer *junk = gst_buffer_copy_deep (packet);
      guint8 ssrc[4];

      GST_WRITE_UINT32_BE (ssrc, 0x4a000000 + i);
      gst_buffer_fill (junk, 8, ssrc, 4);
      gst_pad_chain (pad, junk);
    }
    g_atomic_int_set (&t->armed, 0);
  } else if (t->sent == NULL) {
    GstBuffer *damaged = gst_buffer_copy_deep (packet);
    GstMapInfo map;

    g_assert_true (gst_buffer_map (damaged, &map, GST_MAP_READWRITE));
    map.data[map.size - 1] ^= 0xff;
    gst_buffer_unmap (damaged, &map);
    gst_pad_chain (pad, damaged);
    t->sent = gst_buffer_copy_deep (packet);
  } else {
    gst_pad_chain (pad, g_steal_pointer (&t->sent));
    g_atomic_int_set (&t->armed, 0);
  }
  t->injecting = FALSE;
  return GST_PAD_PROBE_OK;
}

static gboolean
two_dropped (gpointer data)
{
  HcReceiveDirectStats stats;

  hc_receive_direct_get_stats (data, &stats);
  return stats.srtp.dropped >= 2;
}

static gboolean
junk_left_to_srtpdec (gpointer data)
{
  HcReceiveDirectStats stats;

  hc_receive_direct_get_stats (data, &stats);
  /* (alice's audio and video, maybe their RTX, took the others) */
  return stats.srtp.fallback >= 64 - 4;
}

static gboolean
decrypted_directly (gpointer data)
{
  HcReceiveDirectStats stats;

  hc_receive_direct_get_stats (data, &stats);
  return stats.srtp.unprotected >= 3 * MIN_BUFFERS;
}

/* A damaged and a replayed packet reach the room once alice's transport
 * is direct: both are dropped and counted, the rest of her streams is
 * decrypted there and reaches bob whole.  So do her streams after a
 * flood of packets under unknown SSRCs. */
static void
test_lean_receive_tampered (void)
{
  Fixture f = { 0 };
  g_autoptr (GstElement) alice_in_room = NULL;
  g_autoptr (GstElement) nicesink = NULL;
  g_autoptr (GstPad) sink = NULL;
  Tamper tamper = { 0 };
  HcReceiveDirectStats stats;
  guint64 unprotected;
  Client *bob;

  fixture_init (&f);
  hc_media_room_set_lean_receive (f.room, TRUE);
  bob = join_alice_and_bob (&f);
  alice_in_room = room_peer (&f, "alice");
  g_assert_true (
      in_time (wait_until (decrypted_directly, alice_in_room, WAIT_MS),
               "alice's packets decrypted on the direct path"));
  nicesink = hc_find_by_factory (
      GST_BIN (((Client *)f.clients->pdata[0])->webrtcbin), "nicesink");
  g_assert_nonnull (nicesink);
  sink = gst_element_get_static_pad (nicesink, "sink");
  gst_pad_add_probe (sink,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_transport_sent, &tamper, NULL);
  g_atomic_int_set (&tamper.armed, 1);
  g_assert_true (in_time (wait_until (two_dropped, alice_in_room, WAIT_MS),
                          "the damaged and the replayed packet dropped"));
  hc_receive_direct_get_stats (alice_in_room, &stats);
  unprotected = stats.srtp.unprotected;
  g_assert_cmpuint (stats.srtp.dropped, ==, 2);
  assert_flowing_without_loss (bob);
  hc_receive_direct_get_stats (alice_in_room, &stats);
  g_assert_cmpuint (stats.srtp.unprotected, >, unprotected);
  g_assert_cmpuint (stats.srtp.dropped, ==, 2);
  g_assert_cmpuint (stats.srtp.fallback, ==, 0);
  g_assert_cmpuint (stats.srtp.pinned, ==, 0);

  /* packets under ever new SSRCs: srtpdec's (each is tried once here, up
   * to 64 SSRCs per transport), and they harm nobody */
  g_atomic_int_set (&tamper.armed, 2);
  g_assert_true (
      in_time (wait_until (junk_left_to_srtpdec, alice_in_room, WAIT_MS),
               "packets of unknown SSRCs left to srtpdec"));
  hc_receive_direct_get_stats (alice_in_room, &stats);
  unprotected = stats.srtp.unprotected;
  assert_flowing_without_loss (bob);
  hc_receive_direct_get_stats (alice_in_room, &stats);
  g_test_message ("%" G_GUINT64_FORMAT " of %d junk SSRCs tried",
                  stats.srtp.fallback, JUNK_SSRCS);
  g_assert_cmpuint (stats.srtp.fallback, <=, 64 - 2);
  g_assert_cmpuint (stats.srtp.unprotected, >, unprotected);
  g_assert_cmpuint (stats.srtp.dropped, ==, 2);
  g_assert_cmpuint (stats.srtp.pinned, ==, 0);
  fixture_clear (&f);
  gst_clear_buffer (&tamper.sent);
}

int
main (int argc, char **argv)
{
  g_autofree gchar *dot_dir = g_dir_make_tmp ("hc-media-room-XXXXXX", NULL);
  int ret;

  /* read by gst_init() */
  g_setenv ("GST_DEBUG_DUMP_DOT_DIR", dot_dir, TRUE);
  media_test_init (&argc, &argv);

  g_test_add_func ("/media-room/refused-offers", test_refused_offers);
  g_test_add_func ("/media-room/state-errors", test_state_errors);
  g_test_add_func ("/media-room/declined-codec", test_declined_codec);
  g_test_add_func ("/media-room/leave-during-join", test_leave_during_join);
  g_test_add_func ("/media-room/three-clients", test_three_clients);
  g_test_add_func ("/media-room/sender-clock", test_sender_clock);
  g_test_add_func ("/media-room/leaves-together", test_leaves_together);
  g_test_add_func ("/media-room/declined-tracks", test_declined_tracks);
  g_test_add_func ("/media-room/answer-takes-transport-cc",
                   test_answer_takes_transport_cc);
  g_test_add_func ("/media-room/lean-send", test_lean_send);
  g_test_add_func ("/media-room/webrtcbin-send", test_webrtcbin_send);
  g_test_add_func ("/media-room/lean-receive", test_lean_receive);
  g_test_add_func ("/media-room/queued-receive", test_queued_receive);
  g_test_add_func ("/media-room/lean-receive-rollover",
                   test_lean_receive_rollover);
  g_test_add_func ("/media-room/lean-receive-tampered",
                   test_lean_receive_tampered);
  ret = g_test_run ();
  g_rmdir (dot_dir);
  return ret;
}
