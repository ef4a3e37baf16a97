/* hyperconf-bench — what every scenario needs: the server under test, how
 * to make a synthetic participant for it, the clips, and the knobs. */
#pragma once

#include "hc-bench-client.h"
#include "hc-bench-server.h"

G_BEGIN_DECLS

typedef enum {
  HC_BENCH_TARGET_HYPERCONF,
  HC_BENCH_TARGET_JANUS,
} HcBenchTarget;

typedef struct {
  HcBenchTarget target;
  const gchar *label; /* "hyperconf", "janus" */
  SoupSession *session;
  HcBenchServer *server;
  /* The server as it started, before any participant: GStreamer keeps
   * idle streaming threads around for a while after a room goes, so
   * threads per participant count from here, not from just before a
   * scenario. */
  HcBenchProc server_fresh;
  const HcBenchClip *video;
  const HcBenchClip *audio;
  guint jitter_ms;
  gboolean lean_send; /* the synthetic publishers send with hcsrtpsend */
  guint measure_s;    /* measuring window of the fixed load scenarios */
  guint ramp_measure_s;
  guint ramp_max_rooms;
  guint latency_joins; /* joins per room size */
  guint churn_cycles;
  gint64 deadline; /* monotonic us: scenarios cut themselves short after */
  guint serial;    /* for unique room and participant names */
} HcBenchContext;

/* A new participant (not joined yet) for @room. */
HcBenchClient *hc_bench_context_new_client (HcBenchContext *ctx,
                                            const gchar *room,
                                            const gchar *name);

/* The same, publishing @video and @audio (nullable: not that kind),
 * receiving in @mode (NULL: "sfu"; a static string) and vanishing
 * mid-negotiation as @vanish says. */
HcBenchClient *
hc_bench_context_new_client_full (HcBenchContext *ctx, const gchar *room,
                                  const gchar *name, const HcBenchClip *video,
                                  const HcBenchClip *audio, const gchar *mode,
                                  HcBenchVanish vanish);

/* A room name no earlier scenario used. */
gchar *hc_bench_context_room_name (HcBenchContext *ctx, const gchar *prefix);

G_END_DECLS
