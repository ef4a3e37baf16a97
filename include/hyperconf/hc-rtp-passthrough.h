/* hyperconf — hcrtppassthrough: what a participant's rtpbin gets in place
 * of a jitter buffer when the received media is only forwarded (SFU).
 *
 *   rtpssrcdemux src_<ssrc> ─▶ sink ─▶ src ─▶ rtpptdemux ─▶ webrtcbin src
 *                                ▲       │
 *   upstream events (NACK, PLI) ─┘◀──────┘ (to the RTP sink only)
 *
 * Every packet is pushed on at once, in the caller's thread: no queue, no
 * thread, no timer, no reordering (the subscribers' own jitter buffers
 * reorder).  Sequence numbers are only watched, for the statistics that
 * webrtcbin's get-stats reads through the "stats" property (packets lost,
 * duplicated, recovered) and, with "do-retransmission", to ask upstream for
 * each missing packet once as soon as a gap shows (rtpsession sends the
 * NACK).  A packet seen twice within the last HC_RTP_PASSTHROUGH_WINDOW
 * sequence numbers is dropped; a late one is pushed as it comes.
 *
 * The sender's RTCP comes in on the "sink_rtcp" request pad (rtpbin links
 * it to the stream's rtcp_src_<ssrc> of rtpssrcdemux): the NTP/RTP pair of
 * each SR is pushed on "src", before the next packet, as the serialized
 * "hc-sender-clock" event (hc-sender-clock.h), so that the forwarder's
 * outputs can write sender reports with the publisher's own mapping.
 *
 * Properties that rtpbin and webrtcbin set on a jitter buffer ("latency",
 * "do-lost", "drop-on-latency") are accepted and change nothing: nothing is
 * held, so there is nothing to time out, and no lost-packet events are sent.
 * Install it with hc_rtp_passthrough_install() on a webrtcbin.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define HC_TYPE_RTP_PASSTHROUGH (hc_rtp_passthrough_get_type ())
G_DECLARE_FINAL_TYPE (HcRtpPassthrough, hc_rtp_passthrough, HC, RTP_PASSTHROUGH,
                      GstElement)

/* Sequence numbers remembered for duplicate and late-packet detection. */
#define HC_RTP_PASSTHROUGH_WINDOW 512

/**
 * hc_rtp_passthrough_install:
 * @webrtcbin: a webrtcbin, before it receives any stream
 *
 * Makes the rtpbin inside @webrtcbin create an hcrtppassthrough instead of
 * an rtpjitterbuffer for every stream it receives from now on.
 *
 * Returns: FALSE if @webrtcbin has no rtpbin child (not a webrtcbin of the
 * 1.22 shape); then nothing changed.
 */
gboolean hc_rtp_passthrough_install (GstElement *webrtcbin);

/**
 * hc_rtp_passthrough_set_shortcut:
 * @self: an hcrtppassthrough
 * @pad: the pad where its packets of payload type @pt end up (webrtcbin's
 *   src pad for the stream), already linked and past its first packet
 * @pt: the payload type
 *
 * From now on, packets of payload type @pt (and the "hc-sender-clock"
 * events before them) are pushed on @pad itself, not through what lies
 * between (rtpbin's FEC decoder, rtpptdemux and two ghost pads, which pass
 * such a packet on unchanged).  Other payload types (RED, FEC, a new
 * codec) keep that way; so do events.  Only the first call counts; @pad
 * is held until @self is finalized.  Used by hc-receive-shortcut.c.
 */
void hc_rtp_passthrough_set_shortcut (HcRtpPassthrough *self, GstPad *pad,
                                      guint8 pt);

/* Packets pushed on the shortcut so far. */
guint64 hc_rtp_passthrough_get_shortcut_packets (HcRtpPassthrough *self);

G_END_DECLS
