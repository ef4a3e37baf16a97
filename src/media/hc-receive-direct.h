/* hyperconf — webrtcbin's received packets without its receive queue's
 * thread hop (private to src/media; the load generator uses it too).
 *
 * webrtcbin 1.22 receives each transport through a TransportReceiveBin:
 *
 *   nicesrc ─▶ capsfilter ─▶ queue ─▶ dtlssrtpdec ─▶ rtpbin ─▶ ...
 *     (nicesrc's thread)      │ (the queue's thread)     ▲
 *                             ╰─ probe: once the transport is through,
 *                                each RTP packet is decrypted here, on
 *                                nicesrc's thread, and pushed out of
 *                                dtlssrtpdec's rtp_src (hc-receive-srtp.h;
 *                                packets it does not take, to
 *                                dtlssrtpdec's sink).  RTCP and DTLS
 *                                keep the queue: hc-receive-direct.c
 *
 * The queue is leaky: before the transport is connected, webrtcbin blocks
 * dtlssrtpdec's input and the queue keeps nicesrc's thread (which also
 * answers ICE checks) from blocking with it.  Once a packet has come out
 * of the queue that is over; what the queue still costs is a thread
 * wake-up and a hand-off per received packet (docs/performance.md,
 * "Received packets on the transport's thread").  Events keep going
 * through the queue; so does everything until the queue is first empty
 * after a packet passed, so no RTP packet overtakes one still queued.
 * Decrypting in the probe saves dtlssrtpdec's demux, srtpdec and the six
 * pads between them per packet (docs/performance.md, "Decrypting received
 * RTP on the transport's thread").
 */
#pragma once

#include <gst/gst.h>

#include "hc-receive-srtp.h"

G_BEGIN_DECLS

/* From now on, every transport @webrtcbin creates receives directly
 * (those that exist already too).  Call once, before the first
 * description. */
void hc_receive_direct_enable (GstElement *webrtcbin);

/* RTP packets that went straight from nicesrc to dtlssrtpdec in @webrtcbin,
 * over all its transports (0 if it was not enabled). */
guint64 hc_receive_direct_get_packets (GstElement *webrtcbin);

typedef struct {
  guint64 packets;         /* as hc_receive_direct_get_packets() */
  HcReceiveSrtpStats srtp; /* of those, what hc-receive-srtp.c did */
} HcReceiveDirectStats;

/* The counters of @webrtcbin's transports, summed. */
void hc_receive_direct_get_stats (GstElement *webrtcbin,
                                  HcReceiveDirectStats *stats);

/* Tests: while held, no transport goes direct (in every webrtcbin): its
 * packets take the queue and srtpdec, as before the switch. */
void hc_receive_direct_hold (gboolean hold);

G_END_DECLS
