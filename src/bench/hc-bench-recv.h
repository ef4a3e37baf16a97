/* hyperconf-bench — what one synthetic participant receives, counted on
 * webrtcbin's src pads by a buffer probe (no depayloading, no decoding):
 * packets, bytes, sequence gaps per SSRC, and when the first packet and
 * the first VP8 keyframe arrived.  Like a browser's decoder, a video
 * stream that starts without a keyframe makes it ask for one (PLI).
 *
 * The probes run on streaming threads and only touch one stream's
 * counters (atomics); everything else is main-context only.  Free only
 * after the pipeline holding the pads reached NULL. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _HcBenchRecv HcBenchRecv;

typedef struct {
  guint64 packets;
  guint64 lost; /* sequence numbers skipped */
  guint64 bytes;
  guint streams; /* streams with packets (in the window, for windows) */
  guint audio_streams;
  guint video_streams;
} HcBenchCounts;

HcBenchRecv *hc_bench_recv_new (void);
void hc_bench_recv_free (HcBenchRecv *self);

/* Counts what @pad pushes; @media is "audio" or "video". */
void hc_bench_recv_watch (HcBenchRecv *self, GstPad *pad, const gchar *media);

/* Totals since the start. */
void hc_bench_recv_get_counts (HcBenchRecv *self, HcBenchCounts *counts);

/* Starts a measuring window; get_window gives what came since. */
void hc_bench_recv_mark (HcBenchRecv *self);
void hc_bench_recv_get_window (HcBenchRecv *self, HcBenchCounts *counts);

/* Streams of @media ("audio", "video" or NULL for both) that received at
 * least @min_packets. */
guint hc_bench_recv_count_flowing (HcBenchRecv *self, const gchar *media,
                                   guint64 min_packets);

/* Returns: (transfer full) (element-type gint64): the monotonic times (us)
 * of the first keyframe of each video stream that got one */
GArray *hc_bench_recv_get_keyframe_times (HcBenchRecv *self);

G_END_DECLS
