/* hyperconf — hcsrtpsend: the lean send path toward one subscriber.
 *
 *                       hcsrtpsend (one per subscriber transport)
 *   forwarder src ─▶ sink_0 ─┬─ passthrough ─▶ src_0 ─▶ webrtcbin sink_%u
 *   forwarder src ─▶ sink_1 ─┤                src_1 ─▶ webrtcbin sink_%u
 *                            └─ lean: keep in the RTX ring, SRTP-protect,
 *                               nice_agent_send_messages_nonblocking()
 *                               on webrtcbin's own ICE agent/stream/component
 *
 * Requesting "sink_%u" creates "src_%u" with the same number.  Events and
 * queries pass through both ways (caps, so that webrtcbin's create-offer
 * still reads the branch's SSRC; upstream force-key-unit and NACK events
 * toward the forwarder).  Buffers go to src_%u (webrtcbin's own send path)
 * until the element is lean: "agent", "stream-id" and "component-id" set,
 * a key set with hc_srtp_send_set_key(), and "send-on-agent" TRUE.  From
 * then on each buffer (or buffer list) is protected with libsrtp2 and sent
 * with one nice_agent_send_messages_nonblocking() call; nothing is pushed
 * to src_%u any more (events still are).
 *
 * What webrtcbin's send path did and this element then does itself:
 *  - keeps what it sent (per SSRC, "rtx-history" packets) and answers
 *    NACKs (hc_srtp_send_handle_nack) on the negotiated RTX stream
 *    (hc_srtp_send_set_rtx; RFC 4588: OSN + original payload);
 *  - writes sender reports: hc_srtp_send_write_sender_reports() turns the
 *    receiver report header of an SSRC this element sends into that
 *    SSRC's sender report, with the NTP/RTP pair from the publisher's own
 *    SR (the "hc-sender-clock" event, hc-sender-clock.h, moved forward to
 *    now) or, without one, from the local clock.  The rooms
 *    (src/media/hc-lean-send.c) append one per lean SSRC to each regular
 *    compound webrtcbin's rtpsession sends (its "on-sending-rtcp"), so the
 *    SRTCP index stays webrtcbin's: webrtcbin 1.22's session never learns
 *    the lean SSRCs (its rtpfunnel does not pass the branches' caps on),
 *    so it sends no report of its own for them;
 *  - counts packets and octets per SSRC ("stats").
 * Subscribers' PLI/FIR keep travelling upstream through webrtcbin and this
 * element to the forwarder, as before.
 *
 * Threads: none of its own.  Buffers are sent in the pushing thread; the
 * ring, the counters, the key and the SRTP sessions (one per SSRC) are
 * under one lock, never held while calling into libnice.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define HC_TYPE_SRTP_SEND (hc_srtp_send_get_type ())
G_DECLARE_FINAL_TYPE (HcSrtpSend, hc_srtp_send, HC, SRTP_SEND, GstElement)

/* Values of dtlsenc's "srtp-cipher" and "srtp-auth" (GstDtlsSrtpCipher,
 * GstDtlsSrtpAuth in gst-plugins-bad ext/dtls). */
#define HC_SRTP_SEND_CIPHER_AES_128_ICM 1
#define HC_SRTP_SEND_AUTH_HMAC_SHA1_32  1
#define HC_SRTP_SEND_AUTH_HMAC_SHA1_80  2

/**
 * hc_srtp_send_set_key:
 * @key: (nullable): master key followed by master salt (30 octets for
 *   AES_CM_128), as dtlsenc's "encoder-key"; NULL forgets the key (back to
 *   webrtcbin's path)
 * @cipher: HC_SRTP_SEND_CIPHER_*
 * @auth: HC_SRTP_SEND_AUTH_*
 *
 * (Re)keys the SRTP session (a DTLS handshake that produced new keys).
 * Returns: FALSE, with the previous state kept, if libsrtp2 refuses the key
 *   or the suite is unknown.
 */
gboolean hc_srtp_send_set_key (HcSrtpSend *self, GstBuffer *key, guint cipher,
                               guint auth);

/* The RTX stream negotiated for @ssrc (from the local description's
 * a=ssrc-group:FID and rtx rtpmap); without one, NACKs for @ssrc are
 * counted and not answered. */
void hc_srtp_send_set_rtx (HcSrtpSend *self, guint32 ssrc, guint32 rtx_ssrc,
                           guint8 rtx_payload_type);

/**
 * hc_srtp_send_handle_nack:
 * @media_ssrc: the SSRC the NACK is for (as the subscriber saw it)
 * @fci: the Generic NACK FCI (RFC 4585 §6.2.1: PID, BLP pairs)
 *
 * Call from rtpsession's "on-feedback-rtcp" (any thread).  Sends what the
 * ring still holds, each once per request, on the RTX stream.
 * Returns: the number of packets retransmitted.
 */
guint hc_srtp_send_handle_nack (HcSrtpSend *self, guint32 media_ssrc,
                                const guint8 *fci, gsize fci_size);

/**
 * hc_srtp_send_write_sender_reports:
 * @rtcp: an RTCP compound about to be sent (writable, as rtpsession's
 *   "on-sending-rtcp" hands it)
 *
 * If the compound starts with a receiver report from an SSRC this element
 * sent leanly, rewrites it in place into a sender report (same report
 * blocks).  Returns: TRUE if it did.
 */
gboolean hc_srtp_send_write_sender_reports (HcSrtpSend *self, GstBuffer *rtcp);

/**
 * hc_srtp_send_forward:
 * @self: an hcsrtpsend
 * @sinkpad: its sink pad the packet is for (the caller's src pad's peer)
 * @base: the packet the caller forwards: its first @base_header_len octets
 *   are sent as @header instead (the caller's rewrite), the rest as it is
 * @header: (array length=header_len): the RTP header to send
 * @ret: (out): the flow, when handled
 *
 * What pushing the rewritten packet on @sinkpad's peer would do on the lean
 * path, without making it a buffer: the forwarder's direct hand-off
 * (hc-forwarder.c).  @base is what the RTX ring keeps (its timestamp,
 * marker and payload are the packet's).  Serialized with the pad's data
 * flow like a push (under its stream lock), and with events the caller
 * pushed on the pad before.
 *
 * Returns: TRUE if handled (sent, or dropped as a push would have been:
 * see @ret); FALSE if the pad's pair is not lean now: the caller pushes
 * the rewritten buffer instead.
 */
gboolean hc_srtp_send_forward (HcSrtpSend *self, GstPad *sinkpad,
                               GstBuffer *base, gsize base_header_len,
                               const guint8 *header, gsize header_len,
                               GstFlowReturn *ret);

G_END_DECLS
