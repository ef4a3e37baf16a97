/* hyperconf — SDP helpers of the media layer (private to src/media).
 *
 * GstSDPMessage parses nearly any text without complaint, so
 * hc_sdp_parse() adds the few checks that tell SDP from garbage; webrtcbin
 * checks the rest (ICE credentials, fingerprint, setup) when the
 * description is set.
 */
#pragma once

#include <glib.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

/* Returns: (transfer full): the parsed message, or %NULL with
 * HC_MEDIA_ERROR_BAD_SDP */
GstSDPMessage *hc_sdp_parse (const gchar *text, GError **error);

/* The codec hyperconf accepts on @media (Opus/48000 on audio, VP8/90000 on
 * video), as codec-preferences caps carrying the offered payload type.
 * Returns: (transfer full) (nullable): %NULL when the m-line offers neither
 *   or is rejected (port 0) */
GstCaps *hc_sdp_media_get_accepted_caps (const GstSDPMedia *media);

/* A payload type for the codec of @codec (codec-preferences caps: its
 * encoding-name, and for H.264 its packetization-mode and
 * profile-level-id) on a new m-line to the peer that sent @offer: the one
 * @offer gives that codec, else a dynamic one (96-127) that no m-line of
 * @offer and no entry of @taken (gint) uses, so that no payload type of the
 * BUNDLE group names two codecs; -1 when none is free. */
gint hc_sdp_pick_payload (const GstSDPMessage *offer, const GstCaps *codec,
                          const GArray *taken);

/* Codec preferences for webrtcbin's answer to @offer, one caps per m-line:
 * the accepted codec with the offered payload type, so that webrtcbin
 * answers only that; for the other m-lines a codec that matches nothing,
 * which webrtcbin then rejects.
 * Returns: (transfer full) (element-type GstCaps): as many caps as m-lines */
GPtrArray *hc_sdp_answer_codecs (const GstSDPMessage *offer);

/* TRUE when some m-line offers a codec we accept. */
gboolean hc_sdp_has_accepted_media (const GstSDPMessage *msg);

/* Returns: (transfer full) (nullable): the MediaStreamTrack id of @media,
 * from `a=msid:<stream> <track>` or else `a=ssrc:<n> msid:<stream> <track>` */
gchar *hc_sdp_media_get_track_id (const GstSDPMedia *media);

/* The first SSRC of `a=ssrc:` lines, or 0. */
guint32 hc_sdp_media_get_ssrc (const GstSDPMedia *media);

/* The index of the m-line with `a=mid:@mid`, or -1. */
gint hc_sdp_find_mid (const GstSDPMessage *msg, const gchar *mid);

/* Replaces any `a=msid:` of @media by `a=msid:@stream @track`, and the
 * msid of its `a=ssrc:<n> msid:` lines likewise. */
void hc_sdp_media_set_msid (GstSDPMedia *media, const gchar *stream,
                            const gchar *track);

/* TRUE when @media sends (sendrecv or sendonly, which is also the default
 * when no direction is written) and is not rejected. */
gboolean hc_sdp_media_is_sending (const GstSDPMedia *media);
/* TRUE when @media receives (sendrecv or recvonly, or no direction written)
 * and is not rejected. */
gboolean hc_sdp_media_is_receiving (const GstSDPMedia *media);

G_END_DECLS
