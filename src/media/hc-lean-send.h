/* hyperconf — the lean send path of one subscriber (private to src/media).
 *
 *   head (hcforwarder) src_N ─▶ sink_N  hcsrtpsend "lean-<pid>"  src_N ─▶
 *                                          │ lean: SRTP + libnice     webrtcbin
 *                                          ▼                          sink_%u
 *                              webrtcbin's own NiceAgent socket
 *
 * One hcsrtpsend (hc-srtp-send.h) per participant, beside its webrtcbin in
 * the room's bin; every branch into the participant goes through it.  This
 * file wires it to what webrtcbin owns, found inside webrtcbin's bin tree
 * and its ICE agent since 1.22 keeps them private:
 *
 *   dtlssrtpenc "on-key-set" (DTLS thread) ─▶ dtlsenc "encoder-key",
 *       "srtp-cipher", "srtp-auth" ─▶ hc_srtp_send_set_key
 *   nicesink "stream", "component" + webrtcbin "ice-agent" "agent"
 *       ─▶ "agent", "stream-id", "component-id"
 *   NiceAgent "new-selected-pair-full" (any thread) ─▶ "send-on-agent"
 *       (TRUE for a UDP, non-relayed local candidate; else webrtcbin's path)
 *   rtpbin session 0 "on-feedback-rtcp" (generic NACK) ─▶ handle_nack
 *   rtpbin session 0 "on-sending-rtcp" ─▶ write_sender_reports
 *   local description a=ssrc-group:FID + rtx rtpmap ─▶ set_rtx
 *
 * The transport, its encoder and the RTP session appear only once a
 * description is set, so hc_lean_send_update() looks again at each
 * negotiation and at connection (main context); the signal handlers run
 * on webrtcbin's threads and only call hcsrtpsend's thread-safe API.
 */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

typedef struct _HcLeanSend HcLeanSend;

/* An hcsrtpsend named @name in @bin, for @webrtcbin (also in @bin). */
HcLeanSend *hc_lean_send_new (GstBin *bin, GstElement *webrtcbin,
                              const gchar *name);
/* Returns: (transfer none): the hcsrtpsend */
GstElement *hc_lean_send_get_element (HcLeanSend *self);
/* Looks for what appeared since the last call (keys, socket, RTP session)
 * and reads the branches' SSRCs and RTX streams from @local (nullable),
 * the local description. */
void hc_lean_send_update (HcLeanSend *self, const GstSDPMessage *local);
/**
 * hc_lean_send_link:
 * @element: an hcsrtpsend (hc_lean_send_get_element())
 * @src: what sends: a forwarder's src pad, a synthetic sender's
 * @webrtc_sink: a sink_%u pad of the element's webrtcbin
 * @lean_sink: (out) (optional) (transfer full): the element's pad now
 *   linked to @src; releasing it (gst_element_release_request_pad) removes
 *   the pair
 * @lean_src: (out) (optional) (transfer full): the pair's src pad
 *
 * Links @src ─▶ sink_N, and src_N ─▶ @webrtc_sink (hc-srtp-send.h: the
 * pair has one number).  Returns: FALSE (logged) if a link failed.
 */
gboolean hc_lean_send_link (GstElement *element, GstPad *src,
                            GstPad *webrtc_sink, GstPad **lean_sink,
                            GstPad **lean_src);
/* Disconnects from webrtcbin's insides, stops and removes the element;
 * every branch through it must be freed first. */
void hc_lean_send_free (HcLeanSend *self);

/* Adds what @element (an hcsrtpsend) sent itself, over all its SSRCs, to
 * @packets and @bytes (RTP payload octets, as webrtcbin's "outbound-rtp"
 * counts them; what it passed to webrtcbin, webrtcbin counts). */
void hc_lean_send_add_stats (GstElement *element, guint64 *packets,
                             guint64 *bytes);

G_END_DECLS
