/* hyperconf — libFuzzer target: a client's SDP, as the server handles it
 * before webrtcbin sees it (src/media/hc-sdp.c).
 *
 * The input is the text of a join offer or of an answer.  It goes through
 * what hc-room-negotiate.c, hc-media-room.c and hc-room-mcu.c do with it:
 * hc_sdp_parse(), the codec preferences of the answer, the directions,
 * mids, SSRCs and track ids; then each track id it names is written into
 * a server offer to another participant the way the room does it
 * (hc_sdp_media_set_msid()), and that offer is printed and read back.
 * Checked as it goes, aborting when a promise breaks:
 *  - a refusal is HC_MEDIA_ERROR_BAD_SDP, an acceptance sets no error;
 *  - one codec preference per m-line, the accepted codec's or a declined
 *    one, fixed caps with a payload type of 0 to 127;
 *  - hc_sdp_has_accepted_media() agrees with the m-lines;
 *  - hc_sdp_find_mid() finds each m-line's mid at or before it;
 *  - a track id one client chose reaches the others' offers unchanged,
 *    as one a=msid line that reads back as the same track.
 * Criticals and warnings abort (hc-fuzz.h).  No pipeline, no webrtcbin.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <hyperconf/hc-media-room.h>

#include "src/media/hc-sdp.h"

#include "hc-fuzz.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  hc_fuzz_abort_on_log (HC_FUZZ_WARNINGS);
  /* Caps need GStreamer's types; no plugin is loaded. */
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  gst_init (NULL, NULL);
  return 0;
}

static void
check_codecs (const GstSDPMessage *msg)
{
  g_autoptr (GPtrArray) codecs = hc_sdp_answer_codecs (msg);
  gboolean any = FALSE;

  CHECK (codecs->len == gst_sdp_message_medias_len (msg));
  for (guint i = 0; i < codecs->len; i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (msg, i);
    g_autoptr (GstCaps) accepted = hc_sdp_media_get_accepted_caps (media);
    GstCaps *preference = g_ptr_array_index (codecs, i);
    const GstStructure *s;
    gint pt = -1;

    CHECK (gst_caps_is_fixed (preference));
    s = gst_caps_get_structure (preference, 0);
    if (accepted == NULL) {
      CHECK (g_strcmp0 (gst_structure_get_string (s, "encoding-name"),
                        "X-HC-DECLINED")
             == 0);
      continue;
    }
    any = TRUE;
    CHECK (gst_caps_is_equal (accepted, preference));
    CHECK (gst_structure_get_int (s, "payload", &pt) && pt >= 0 && pt <= 127);
  }
  CHECK (any == hc_sdp_has_accepted_media (msg));
}

static void
check_media (const GstSDPMessage *msg)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (msg); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (msg, i);
    const gchar *mid = gst_sdp_media_get_attribute_val (media, "mid");
    g_autofree gchar *track = hc_sdp_media_get_track_id (media);

    if (mid) {
      gint found = hc_sdp_find_mid (msg, mid);

      CHECK (found >= 0 && (guint)found <= i);
    }
    hc_sdp_media_get_ssrc (media);
    hc_sdp_media_is_sending (media);
    hc_sdp_media_is_receiving (media);
    if (track)
      CHECK (track[0] != '\0');
  }
  CHECK (hc_sdp_find_mid (msg, NULL) == -1);
}

/* A server offer to another participant, as webrtcbin writes it for a
 * forwarded track (one m-line, msid only in a=ssrc). */
static const gchar server_offer[]
    = "v=0\r\n"
      "o=- 1 1 IN IP4 0.0.0.0\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=mid:video0\r\n"
      "a=sendonly\r\n"
      "a=rtpmap:96 VP8/90000\r\n"
      "a=ssrc:1234 msid:user1@host-1234 webrtctransceiver1\r\n"
      "a=ssrc:1234 cname:user1@host-1234\r\n";

/* That offer names the track by the id this client gave it
 * (hc-media-room.c: track_id_for_pad(), hc-room-negotiate.c:
 * add_msid_lines()): whatever the client wrote must come out as that
 * same track, and change nothing else in the other participant's SDP. */
static void
check_relayed_track_id (const gchar *track)
{
  g_autoptr (GstSDPMessage) offer = hc_sdp_parse (server_offer, NULL);
  g_autoptr (GstSDPMessage) read_back = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *again = NULL;
  g_autofree gchar *expected = NULL;
  const GstSDPMedia *media;
  guint msids = 0;

  CHECK (offer != NULL);
  hc_sdp_media_set_msid ((GstSDPMedia *)gst_sdp_message_get_media (offer, 0),
                         "pid-0123456789abcdef", track);
  text = gst_sdp_message_as_text (offer);
  read_back = hc_sdp_parse (text, NULL);
  CHECK (read_back != NULL);
  CHECK (gst_sdp_message_medias_len (read_back) == 1);
  media = gst_sdp_message_get_media (read_back, 0);
  /* the same attributes, and a=msid */
  CHECK (gst_sdp_media_attributes_len (media) == 6);
  for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++)
    if (g_strcmp0 (gst_sdp_media_get_attribute (media, j)->key, "msid") == 0)
      msids++;
  CHECK (msids == 1);
  again = hc_sdp_media_get_track_id (media);
  CHECK (g_strcmp0 (again, track) == 0);
  expected = g_strdup_printf ("1234 msid:pid-0123456789abcdef %s", track);
  CHECK (g_strcmp0 (gst_sdp_media_get_attribute_val (media, "ssrc"), expected)
         == 0);
}

static void
check_relayed_track_ids (const GstSDPMessage *msg)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (msg); i++) {
    g_autofree gchar *track
        = hc_sdp_media_get_track_id (gst_sdp_message_get_media (msg, i));

    if (track)
      check_relayed_track_id (track);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree gchar *text = g_strndup ((const gchar *)data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstSDPMessage) msg = hc_sdp_parse (text, &error);

  if (msg == NULL) {
    CHECK (g_error_matches (error, HC_MEDIA_ERROR, HC_MEDIA_ERROR_BAD_SDP));
    return 0;
  }
  CHECK (error == NULL);
  check_codecs (msg);
  check_media (msg);
  check_relayed_track_ids (msg);
  return 0;
}
