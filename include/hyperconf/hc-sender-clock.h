/* hyperconf — a publisher's sender report, travelling with its stream.
 *
 *   publisher RTCP SR ─▶ hcrtppassthrough (sink_rtcp) ─▶ event before the
 *   next RTP packet ─▶ hcforwarder (SSRC rewritten per output) ─▶
 *   hcsrtpsend (SRs toward the subscriber with the publisher's mapping)
 *
 * The event is a serialized custom downstream event named
 * "hc-sender-clock", so it stays in order with the packets it describes.
 * The RTP time is in the stream's own timestamp space (the forwarder
 * rewrites SSRC and sequence numbers, not timestamps), so a subscriber
 * that gets SRs with this NTP/RTP pair keeps the publisher's lip sync.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define HC_SENDER_CLOCK_EVENT_NAME "hc-sender-clock"

/**
 * hc_sender_clock_event_new:
 * @ssrc: the stream the mapping belongs to
 * @ntp_time: the SR's 64-bit NTP timestamp (RFC 3550 §6.4.1)
 * @rtp_time: the SR's RTP timestamp
 * @arrival_us: g_get_monotonic_time() when the SR arrived, so that a
 *   receiver can move the pair forward to "now"
 *
 * Returns: (transfer full): the event
 */
GstEvent *hc_sender_clock_event_new (guint32 ssrc, guint64 ntp_time,
                                     guint32 rtp_time, gint64 arrival_us);

/* Returns: FALSE (outputs untouched) if @event is not one. */
gboolean hc_sender_clock_event_parse (GstEvent *event, guint32 *ssrc,
                                      guint64 *ntp_time, guint32 *rtp_time,
                                      gint64 *arrival_us);

/* A copy of @event for another stream (the forwarder's outputs). */
GstEvent *hc_sender_clock_event_with_ssrc (GstEvent *event, guint32 ssrc);

G_END_DECLS
