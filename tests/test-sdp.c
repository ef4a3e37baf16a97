/* hyperconf — the server's reading of a client's SDP (src/media/hc-sdp.c),
 * with the offers Chromium and Firefox really send (tests/fuzz/corpus/sdp,
 * captured from Chromium 156 and Firefox ESR 153 on this machine) and the
 * inputs fuzz-sdp found. */
#include <string.h>

#include <gst/gst.h>
#include <hyperconf/hc-media-room.h>

#include "src/media/hc-sdp.h"

static gchar *
corpus_sdp (const gchar *name)
{
  g_autofree gchar *path = g_test_build_filename (G_TEST_DIST, "fuzz", "corpus",
                                                  "sdp", name, NULL);
  gchar *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* The codec preference of m-line @i: encoding name and payload type. */
static void
assert_codec (GPtrArray *codecs, guint i, const gchar *name, gint pt)
{
  const GstStructure *s
      = gst_caps_get_structure (g_ptr_array_index (codecs, i), 0);
  gint payload = -1;

  g_assert_cmpstr (gst_structure_get_string (s, "encoding-name"), ==, name);
  if (pt >= 0) {
    g_assert_true (gst_structure_get_int (s, "payload", &payload));
    g_assert_cmpint (payload, ==, pt);
  }
}

/* What a browser offers is read as the join needs it: Opus and VP8 with
 * the browser's payload types, its track ids, and both directions. */
static void
test_browser_offers (void)
{
  static const struct {
    const gchar *file;
    gint opus_pt, vp8_pt;
    const gchar *audio_track;
  } offers[] = {
    { "chromium-offer.sdp", 111, 96, "414b689d-130e-4978-9f7d-438733ec7723" },
    { "firefox-offer.sdp", 109, 120, "{c1f37991-46c3-4aae-9c8a-c4bb6bba07c6}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (offers); i++) {
    g_autofree gchar *text = corpus_sdp (offers[i].file);
    g_autoptr (GError) error = NULL;
    g_autoptr (GstSDPMessage) sdp = hc_sdp_parse (text, &error);
    g_autoptr (GPtrArray) codecs = NULL;
    g_autofree gchar *track = NULL;

    g_assert_no_error (error);
    g_assert_nonnull (sdp);
    g_assert_true (hc_sdp_has_accepted_media (sdp));
    codecs = hc_sdp_answer_codecs (sdp);
    g_assert_cmpuint (codecs->len, ==, 2);
    assert_codec (codecs, 0, "OPUS", offers[i].opus_pt);
    assert_codec (codecs, 1, "VP8", offers[i].vp8_pt);
    track = hc_sdp_media_get_track_id (gst_sdp_message_get_media (sdp, 0));
    g_assert_cmpstr (track, ==, offers[i].audio_track);
    g_assert_true (
        hc_sdp_media_is_sending (gst_sdp_message_get_media (sdp, 0)));
    g_assert_true (
        hc_sdp_media_is_receiving (gst_sdp_message_get_media (sdp, 1)));
    g_assert_cmpint (hc_sdp_find_mid (sdp, "1"), ==, 1);
  }
}

/* A browser's answer to an offer of the server's (which sends, and the
 * browser only receives): what answer_accepts() reads before it starts a
 * branch. */
static void
test_browser_answers (void)
{
  static const gchar *const files[]
      = { "chromium-answer.sdp", "firefox-answer.sdp" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree gchar *text = corpus_sdp (files[i]);
    g_autoptr (GstSDPMessage) sdp = hc_sdp_parse (text, NULL);

    g_assert_nonnull (sdp);
    g_assert_cmpuint (gst_sdp_message_medias_len (sdp), ==, 2);
    for (guint j = 0; j < 2; j++) {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, j);

      g_assert_true (hc_sdp_media_is_receiving (media));
      g_assert_false (hc_sdp_media_is_sending (media));
    }
    g_assert_cmpint (hc_sdp_find_mid (sdp, "1"), ==, 1);
    g_assert_cmpint (hc_sdp_find_mid (sdp, "2"), ==, -1);
  }
}

static void
expect_bad_sdp (const gchar *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstSDPMessage) sdp = hc_sdp_parse (text, &error);

  g_assert_null (sdp);
  g_assert_error (error, HC_MEDIA_ERROR, HC_MEDIA_ERROR_BAD_SDP);
}

static void
test_refused (void)
{
  g_autofree gchar *offer = corpus_sdp ("chromium-offer.sdp");
  g_autofree gchar *not_utf8 = NULL;
  gchar *m;

  expect_bad_sdp ("");
  expect_bad_sdp ("this is not SDP");
  expect_bad_sdp ("v=0\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\n"); /* no o= */
  expect_bad_sdp ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nm=audio\r\n");

  /* Found by fuzz-sdp (corpus/sdp/not-utf8-media.sdp): a whole browser
   * offer but for a media kind that is not UTF-8.  It was accepted, and
   * the declined m-line's codec preference lost its media field to a
   * GStreamer warning on its way to webrtcbin. */
  not_utf8 = g_strdup (offer);
  m = strstr (not_utf8, "m=video");
  g_assert_nonnull (m);
  memcpy (m + 2, "\xff\xfe\xfd\xfc\xfb", 5);
  expect_bad_sdp (not_utf8);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sdp/browser-offers", test_browser_offers);
  g_test_add_func ("/sdp/browser-answers", test_browser_answers);
  g_test_add_func ("/sdp/refused", test_refused);
  return g_test_run ();
}
