/* hyperconf-bench — the one thing the benchmark reads inside VP8 RTP
 * payloads: whether a packet starts a frame, and whether that frame is a
 * keyframe (RFC 7741 §4.2 payload descriptor, then the VP8 payload
 * header's P bit, 0 on a keyframe). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 1: starts a keyframe, 0: starts a delta frame, -1: not the start of
 * partition 0 of a frame (or too short to tell). */
gint hc_bench_vp8_frame_start (const guint8 *payload, guint size);

G_END_DECLS
