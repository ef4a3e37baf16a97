/* hyperconf — HcPeer: one webrtcbin, its negotiation as a GIO-style async
 * API, and its thread hops (private to src/media).
 *
 *          main context                          webrtcbin threads
 *   ───────────────────────────        ─────────────────────────────────
 *   hc_peer_*_async ──signal──────────▶ :pc thread runs the operation
 *   GTask completes ◀──idle source──── GstPromise reply (or its loss)
 *   "ice-candidate" ◀──idle source──── on-ice-candidate (:pc thread)
 *   "ice-gathering-done",
 *   "connection-state" ◀─idle source── notify:: (any thread)
 *   "rtp-src-pad" ◀──idle source────── first buffer on a src pad, which
 *                                      stays blocked until the handlers
 *                                      of "rtp-src-pad" returned
 *
 * Every signal is emitted on the main context the peer was created on,
 * and never after hc_peer_close().  A promise is never dropped: a reply
 * with an error, an interrupted or expired promise, and a promise that
 * webrtcbin freed without replying (closed meanwhile) all finish the task
 * with an error.
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

G_BEGIN_DECLS

#define HC_TYPE_PEER (hc_peer_get_type ())
G_DECLARE_FINAL_TYPE (HcPeer, hc_peer, HC, PEER, GObject)

/* A webrtcbin named @name (bundle-policy max-bundle, no STUN server), not
 * yet in any bin. */
HcPeer *hc_peer_new (const gchar *name);

/* The received media is only forwarded, or decoded behind a jitter buffer
 * of the decoder's own: every stream received from now on gets an
 * hcrtppassthrough instead of webrtcbin's rtpjitterbuffer (and its two
 * threads).  Call before the first remote description.  Returns FALSE if
 * this webrtcbin cannot do it (it then keeps its jitter buffers). */
gboolean hc_peer_set_forward_only (HcPeer *self);

/* Returns: (transfer none) */
GstElement *hc_peer_get_webrtcbin (HcPeer *self);
const gchar *hc_peer_get_name (HcPeer *self);

/* Disconnects from webrtcbin: no signal is emitted after this, and pending
 * tasks finish with an error.  The caller removes the element. */
void hc_peer_close (HcPeer *self);
gboolean hc_peer_is_closed (HcPeer *self);

/* @sdp: (transfer none): copied */
void hc_peer_set_remote_description_async (HcPeer *self, GstWebRTCSDPType type,
                                           const GstSDPMessage *sdp,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
gboolean hc_peer_set_remote_description_finish (HcPeer *self,
                                                GAsyncResult *result,
                                                GError **error);

void hc_peer_create_answer_async (HcPeer *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
/* Returns: (transfer full) */
GstWebRTCSessionDescription *hc_peer_create_answer_finish (HcPeer *self,
                                                           GAsyncResult *result,
                                                           GError **error);

void hc_peer_create_offer_async (HcPeer *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
/* Returns: (transfer full) */
GstWebRTCSessionDescription *hc_peer_create_offer_finish (HcPeer *self,
                                                          GAsyncResult *result,
                                                          GError **error);

/* @desc: (transfer none): copied */
void hc_peer_set_local_description_async (
    HcPeer *self, const GstWebRTCSessionDescription *desc,
    GCancellable *cancellable, GAsyncReadyCallback callback,
    gpointer user_data);
gboolean hc_peer_set_local_description_finish (HcPeer *self,
                                               GAsyncResult *result,
                                               GError **error);

/* webrtcbin's "get-stats" for the whole connection (W3C webrtc-stats
 * names, GStreamer spelling: "inbound-rtp", "bytes-received" ...). */
void hc_peer_get_stats_async (HcPeer *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
/* Returns: (transfer full): the stats structure */
GstStructure *hc_peer_get_stats_finish (HcPeer *self, GAsyncResult *result,
                                        GError **error);

/* Returns: (transfer full) (nullable): webrtcbin's "local-description" /
 * "remote-description" (pending favoured over current) */
GstWebRTCSessionDescription *hc_peer_get_local_description (HcPeer *self);
GstWebRTCSessionDescription *hc_peer_get_remote_description (HcPeer *self);

/* Returns: (transfer full) (element-type GstWebRTCRTPTransceiver) */
GPtrArray *hc_peer_get_transceivers (HcPeer *self);

void hc_peer_add_ice_candidate (HcPeer *self, guint mline_index,
                                const gchar *candidate);

/* Codec preferences, by m-line, for the transceivers webrtcbin creates
 * while it answers an offer: 1.22 creates them inside create-answer (on its
 * :pc thread) and intersects the offer with their preferences right after
 * "on-new-transceiver", so that is the only moment to set them.  A caps
 * that intersects nothing in the offer makes webrtcbin reject the m-line.
 * @caps_by_mline: (transfer none) (element-type GstCaps) */
void hc_peer_set_answer_codecs (HcPeer *self, GPtrArray *caps_by_mline);

/* Signals (main context):
 *  "ice-candidate" (guint mline_index, const gchar *candidate)
 *  "ice-gathering-done" ()
 *  "connection-state" (GstWebRTCPeerConnectionState state)
 *  "rtp-src-pad" (GstPad *pad, GstCaps *caps, guint ssrc): a src pad's
 *      first RTP buffer arrived (caps and SSRC as it carried them); the pad
 *      is blocked until the handlers returned, so they may link it.
 */

G_END_DECLS
