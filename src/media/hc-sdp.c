/* hyperconf — SDP helpers of the media layer. */
#define G_LOG_DOMAIN "hc-media"

#include "hc-sdp.h"

#include <hyperconf/hc-media-room.h>

#include <stdlib.h>
#include <string.h>

typedef struct {
  const gchar *media;         /* m= media */
  const gchar *encoding_name; /* as GStreamer caps spell it */
  gint clock_rate;
  const gchar *encoding_params; /* channels, or NULL */
} AcceptedCodec;

/* The only codecs an SFU room forwards: every participant must decode
 * what every other one sends, and browsers all do Opus and VP8. */
static const AcceptedCodec accepted_codecs[] = {
  { "audio", "OPUS", 48000, "2" },
  { "video", "VP8", 90000, NULL },
};

GstSDPMessage *
hc_sdp_parse (const gchar *text, GError **error)
{
  g_autoptr (GstSDPMessage) msg = NULL;

  if (text == NULL || !g_str_has_prefix (text, "v=0")) {
    g_set_error (error, HC_MEDIA_ERROR, HC_MEDIA_ERROR_BAD_SDP,
                 "SDP must start with v=0");
    return NULL;
  }
  /* SDP is UTF-8 (RFC 8866 §5), and what we copy from it (the media
   * kind, codec names, track ids) goes into caps, which refuse anything
   * else with a warning and a field left out.  JSON's \u escapes can
   * carry a lone surrogate, so a valid frame is no proof. */
  if (!g_utf8_validate (text, -1, NULL)) {
    g_set_error (error, HC_MEDIA_ERROR, HC_MEDIA_ERROR_BAD_SDP,
                 "SDP is not UTF-8");
    return NULL;
  }
  if (gst_sdp_message_new_from_text (text, &msg) != GST_SDP_OK) {
    g_set_error (error, HC_MEDIA_ERROR, HC_MEDIA_ERROR_BAD_SDP,
                 "SDP does not parse");
    return NULL;
  }
  /* The parser skips lines it does not understand; an offer without
   * origin or with media lines it could not read is not one we can
   * answer. */
  if (gst_sdp_message_get_origin (msg)->sess_id == NULL) {
    g_set_error (error, HC_MEDIA_ERROR, HC_MEDIA_ERROR_BAD_SDP,
                 "SDP has no o= line");
    return NULL;
  }
  for (guint i = 0; i < gst_sdp_message_medias_len (msg); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (msg, i);

    /* "m=audio" alone leaves the protocol "", not NULL */
    if (gst_sdp_media_get_media (media) == NULL
        || gst_sdp_media_get_media (media)[0] == '\0'
        || gst_sdp_media_get_proto (media) == NULL
        || gst_sdp_media_get_proto (media)[0] == '\0') {
      g_set_error (error, HC_MEDIA_ERROR, HC_MEDIA_ERROR_BAD_SDP,
                   "m-line %u is malformed", i);
      return NULL;
    }
  }
  return g_steal_pointer (&msg);
}

/* "96 VP8/90000" -> pt 96, name "VP8", rate 90000 */
static gboolean
parse_rtpmap (const gchar *value, gint *pt, gchar **name, gint *rate)
{
  g_auto (GStrv) parts = NULL;
  gchar *end = NULL;

  *pt = (gint)g_ascii_strtoll (value, &end, 10);
  if (end == value || *end != ' ' || *pt < 0 || *pt > 127)
    return FALSE;
  parts = g_strsplit (end + 1, "/", 3);
  if (g_strv_length (parts) < 2)
    return FALSE;
  *name = g_strdup (parts[0]);
  *rate = atoi (parts[1]);
  return TRUE;
}

static gboolean
has_attribute (const GstSDPMedia *media, const gchar *key)
{
  /* gst_sdp_media_get_attribute_val() returns NULL for a flag attribute
   * that is present. */
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    if (g_strcmp0 (gst_sdp_media_get_attribute (media, i)->key, key) == 0)
      return TRUE;
  }
  return FALSE;
}

/* Port 0 rejects an m-line, except with a=bundle-only (RFC 8843 §6), which
 * webrtcbin writes on every m-line but the first under max-bundle. */
static gboolean
is_rejected (const GstSDPMedia *media)
{
  return gst_sdp_media_get_port (media) == 0
         && !has_attribute (media, "bundle-only");
}

/* The transport-wide congestion control header extension, when @media
 * offers it, as the "extmap-<id>" field from which webrtcbin 1.22 writes
 * a=extmap into its answer.  Without it the answer accepts the offer's
 * "a=rtcp-fb transport-cc" but not the extension that carries the sequence
 * numbers, and webrtcbin sends no REMB either: a browser is then left with
 * no bandwidth feedback, estimates from loss reports alone, starts low and
 * paces every keyframe at that rate. */
static void
add_transport_cc_extmap (const GstSDPMedia *media, GstCaps *caps)
{
  static const gchar twcc_uri[]
      = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-"
        "extensions-01";

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
    g_autofree gchar *field = NULL;
    gchar *end = NULL;
    guint64 id;

    if (g_strcmp0 (attr->key, "extmap") != 0 || attr->value == NULL)
      continue;
    id = g_ascii_strtoull (attr->value, &end, 10);
    /* "<id>[/<direction>] <uri> ..." with a one- or two-byte header id */
    if (end == attr->value || id < 1 || id > 255)
      continue;
    end += strcspn (end, " ");
    if (!g_str_has_prefix (end, " ")
        || strncmp (end + 1, twcc_uri, strlen (twcc_uri)) != 0
        || (end[1 + strlen (twcc_uri)] != '\0'
            && end[1 + strlen (twcc_uri)] != ' '))
      continue;
    field = g_strdup_printf ("extmap-%u", (guint)id);
    gst_caps_set_simple (caps, field, G_TYPE_STRING, twcc_uri, NULL);
    return;
  }
}

GstCaps *
hc_sdp_media_get_accepted_caps (const GstSDPMedia *media)
{
  const gchar *kind = gst_sdp_media_get_media (media);

  if (kind == NULL || is_rejected (media))
    return NULL;

  for (guint c = 0; c < G_N_ELEMENTS (accepted_codecs); c++) {
    const AcceptedCodec *codec = &accepted_codecs[c];

    if (g_strcmp0 (kind, codec->media) != 0)
      continue;
    for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
      g_autofree gchar *name = NULL;
      gint pt, rate;

      if (g_strcmp0 (attr->key, "rtpmap") != 0 || attr->value == NULL
          || !parse_rtpmap (attr->value, &pt, &name, &rate))
        continue;
      if (g_ascii_strcasecmp (name, codec->encoding_name) != 0
          || rate != codec->clock_rate)
        continue;
      {
        GstCaps *caps = gst_caps_new_simple (
            "application/x-rtp", "media", G_TYPE_STRING, codec->media,
            "encoding-name", G_TYPE_STRING, codec->encoding_name, "clock-rate",
            G_TYPE_INT, codec->clock_rate, "payload", G_TYPE_INT, pt, NULL);

        /* These caps become codec preferences, from which webrtcbin writes
         * later offers: without the channels, Opus is offered as
         * "OPUS/48000", which browsers refuse (RFC 7587 says /2). */
        if (codec->encoding_params)
          gst_caps_set_simple (caps, "encoding-params", G_TYPE_STRING,
                               codec->encoding_params, NULL);
        add_transport_cc_extmap (media, caps);
        return caps;
      }
    }
  }
  return NULL;
}

/* Whether @offer's fmtp for @pt on @media holds the H.264 parameters of
 * @codec that must match (RFC 6184 §8.2.2: packetization-mode and
 * profile-level-id; we ask for them exactly). */
static gboolean
fmtp_matches (const GstSDPMedia *media, gint pt, const GstStructure *codec)
{
  static const gchar *const keys[]
      = { "packetization-mode", "profile-level-id", NULL };
  g_autofree gchar *prefix = g_strdup_printf ("%d ", pt);
  const gchar *fmtp = NULL;

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);

    if (g_strcmp0 (attr->key, "fmtp") == 0 && attr->value
        && g_str_has_prefix (attr->value, prefix))
      fmtp = attr->value;
  }
  g_autofree gchar *lower = fmtp ? g_ascii_strdown (fmtp, -1) : NULL;

  for (guint k = 0; keys[k]; k++) {
    const gchar *want = gst_structure_get_string (codec, keys[k]);
    g_autofree gchar *param = NULL;
    g_autofree gchar *lower_param = NULL;

    if (want == NULL)
      continue;
    param = g_strdup_printf ("%s=%s", keys[k], want);
    lower_param = g_ascii_strdown (param, -1);
    if (lower == NULL || strstr (lower, lower_param) == NULL)
      return FALSE;
  }
  return TRUE;
}

gint
hc_sdp_pick_payload (const GstSDPMessage *offer, const GstCaps *codec,
                     const GArray *taken)
{
  const GstStructure *s = gst_caps_get_structure (codec, 0);
  const gchar *encoding = gst_structure_get_string (s, "encoding-name");
  gboolean used[128] = { FALSE };

  for (guint m = 0; m < gst_sdp_message_medias_len (offer); m++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (offer, m);

    for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
      g_autofree gchar *name = NULL;
      gint pt, rate;

      if (g_strcmp0 (attr->key, "rtpmap") != 0 || attr->value == NULL
          || !parse_rtpmap (attr->value, &pt, &name, &rate) || pt < 0
          || pt > 127)
        continue;
      used[pt] = TRUE;
      if (encoding && g_ascii_strcasecmp (name, encoding) == 0
          && fmtp_matches (media, pt, s))
        return pt;
    }
    /* formats without an rtpmap line (static ones) */
    for (guint f = 0; f < gst_sdp_media_formats_len (media); f++) {
      gint pt = atoi (gst_sdp_media_get_format (media, f));

      if (pt >= 0 && pt <= 127)
        used[pt] = TRUE;
    }
  }
  for (guint i = 0; taken && i < taken->len; i++) {
    gint pt = g_array_index (taken, gint, i);

    if (pt >= 0 && pt <= 127)
      used[pt] = TRUE;
  }
  for (gint pt = 96; pt <= 127; pt++) {
    if (!used[pt])
      return pt;
  }
  return -1;
}

GPtrArray *
hc_sdp_answer_codecs (const GstSDPMessage *offer)
{
  GPtrArray *codecs
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_caps_unref);

  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (offer, i);
    GstCaps *caps = hc_sdp_media_get_accepted_caps (media);

    if (caps == NULL)
      caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING,
                                  gst_sdp_media_get_media (media),
                                  "encoding-name", G_TYPE_STRING,
                                  "X-HC-DECLINED", NULL);
    g_ptr_array_add (codecs, caps);
  }
  return codecs;
}

gboolean
hc_sdp_has_accepted_media (const GstSDPMessage *msg)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (msg); i++) {
    g_autoptr (GstCaps) caps
        = hc_sdp_media_get_accepted_caps (gst_sdp_message_get_media (msg, i));

    if (caps)
      return TRUE;
  }
  return FALSE;
}

/* "<stream> <track>" -> track */
static gchar *
track_of_msid (const gchar *msid)
{
  g_auto (GStrv) parts = g_strsplit (msid, " ", 3);

  if (g_strv_length (parts) >= 2 && parts[1][0] != '\0')
    return g_strdup (parts[1]);
  return NULL;
}

gchar *
hc_sdp_media_get_track_id (const GstSDPMedia *media)
{
  const gchar *msid = gst_sdp_media_get_attribute_val (media, "msid");

  if (msid)
    return track_of_msid (msid);

  /* webrtcbin (and older browsers) only write "a=ssrc:<n> msid:..." */
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
    const gchar *found;

    if (g_strcmp0 (attr->key, "ssrc") != 0 || attr->value == NULL)
      continue;
    found = strstr (attr->value, " msid:");
    if (found)
      return track_of_msid (found + strlen (" msid:"));
  }
  return NULL;
}

guint32
hc_sdp_media_get_ssrc (const GstSDPMedia *media)
{
  const gchar *ssrc = gst_sdp_media_get_attribute_val (media, "ssrc");

  return ssrc ? (guint32)g_ascii_strtoull (ssrc, NULL, 10) : 0;
}

gint
hc_sdp_find_mid (const GstSDPMessage *msg, const gchar *mid)
{
  for (guint i = 0; mid && i < gst_sdp_message_medias_len (msg); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (msg, i);

    if (g_strcmp0 (gst_sdp_media_get_attribute_val (media, "mid"), mid) == 0)
      return (gint)i;
  }
  return -1;
}

void
hc_sdp_media_set_msid (GstSDPMedia *media, const gchar *stream,
                       const gchar *track)
{
  g_autofree gchar *value = g_strdup_printf ("%s %s", stream, track);

  for (guint i = gst_sdp_media_attributes_len (media); i > 0; i--) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i - 1);
    const gchar *msid = attr->value ? strstr (attr->value, " msid:") : NULL;

    if (g_strcmp0 (attr->key, "msid") == 0) {
      gst_sdp_media_remove_attribute (media, i - 1);
    } else if (g_strcmp0 (attr->key, "ssrc") == 0 && msid) {
      /* webrtcbin names the track after its transceiver there: say the
       * same as a=msid (RFC 8830 §2) */
      g_autofree gchar *ssrc_value = g_strdup_printf (
          "%.*s msid:%s", (int)(msid - attr->value), attr->value, value);
      GstSDPAttribute replacement;

      gst_sdp_attribute_set (&replacement, "ssrc", ssrc_value);
      gst_sdp_media_replace_attribute (media, i - 1, &replacement);
    }
  }
  gst_sdp_media_add_attribute (media, "msid", value);
}

gboolean
hc_sdp_media_is_sending (const GstSDPMedia *media)
{
  return !is_rejected (media) && !has_attribute (media, "recvonly")
         && !has_attribute (media, "inactive");
}

gboolean
hc_sdp_media_is_receiving (const GstSDPMedia *media)
{
  return !is_rejected (media) && !has_attribute (media, "sendonly")
         && !has_attribute (media, "inactive");
}
