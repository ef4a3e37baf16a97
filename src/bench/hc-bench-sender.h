/* hyperconf-bench — replays one pre-encoded clip into an appsrc, in a loop,
 * in real time, as one synthetic participant's track.
 *
 * One pacer (a 5 ms timeout on the main context) serves every sender:
 * each tick pushes the frames that fell due.  Sequence numbers and RTP
 * timestamps continue across loops; the SSRC is the sender's own.  A
 * force-key-unit event coming upstream (the publisher's webrtcbin turns
 * a PLI into one) makes the next frame the clip's first one, a keyframe:
 * what a browser's encoder does when asked.
 *
 * If the main context falls more than 500 ms behind, the backlog is
 * dropped, not burst out, and counted (hc_bench_sender_get_late_skips):
 * a load generator that cannot keep up must say so. */
#pragma once

#include <gst/gst.h>

#include "hc-bench-clip.h"

G_BEGIN_DECLS

typedef struct _HcBenchSender HcBenchSender;

/* @clip: (transfer none): must outlive the sender */
HcBenchSender *hc_bench_sender_new (const HcBenchClip *clip, guint32 ssrc);

/* Returns: (transfer none): the appsrc, for the caller to add to a bin */
GstElement *hc_bench_sender_get_element (HcBenchSender *self);

/* Starts pacing (from the clip's first frame). */
void hc_bench_sender_start (HcBenchSender *self);

/* Asks for a keyframe as a PLI would. */
void hc_bench_sender_request_keyframe (HcBenchSender *self);

guint hc_bench_sender_get_keyframe_requests (HcBenchSender *self);
guint64 hc_bench_sender_get_packets (HcBenchSender *self);

/* Times, over all senders, the pacer dropped a backlog. */
guint hc_bench_sender_get_late_skips (void);

/* Stops pacing and frees; call once the appsrc is in the NULL state. */
void hc_bench_sender_free (HcBenchSender *self);

G_END_DECLS
