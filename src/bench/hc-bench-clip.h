/* hyperconf-bench — pre-encoded media: a few seconds of VP8 or Opus,
 * encoded once from a test source and kept in memory as RTP packets
 * grouped into frames, so that every synthetic participant replays the
 * same packets and the load generator spends nothing on encoding. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct {
  guint first_packet; /* index into HcBenchClip.packets */
  guint n_packets;
  guint32 rtp_ts;       /* as encoded, relative to the first frame */
  guint32 rtp_duration; /* ticks until the next frame */
  gint64 duration_us;
  gboolean keyframe;
} HcBenchFrame;

typedef struct {
  gchar *media;       /* "video" or "audio" */
  GstCaps *caps;      /* application/x-rtp caps for the sending appsrc */
  GPtrArray *packets; /* GBytes: whole RTP packets as the payloader made them */
  GArray *frames;     /* HcBenchFrame, frame 0 is a keyframe for video */
  gint64 duration_us;
  guint64 bytes;
} HcBenchClip;

/* @seconds of @width x @height VP8 at @fps and about @kbps (CBR), one
 * keyframe at the start only: keyframes afterwards come when a receiver
 * asks (the sender replays from frame 0), as a browser's encoder does. */
HcBenchClip *hc_bench_clip_encode_video (guint width, guint height, guint fps,
                                         guint kbps, guint seconds,
                                         GError **error);

/* @seconds of Opus, 20 ms frames, about 32 kbps. */
HcBenchClip *hc_bench_clip_encode_audio (guint seconds, GError **error);

void hc_bench_clip_free (HcBenchClip *clip);

/* Packets per second and kbit/s of the clip when replayed. */
gdouble hc_bench_clip_get_pps (const HcBenchClip *clip);
gdouble hc_bench_clip_get_kbps (const HcBenchClip *clip);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcBenchClip, hc_bench_clip_free)

G_END_DECLS
