/* hyperconf-bench — the scenarios of issue 4.  Each is bounded in count
 * and time and leaves the server with no room of its own behind. */
#pragma once

#include "hc-bench-context.h"
#include "hc-bench-report.h"

G_BEGIN_DECLS

/* One room of 2 for a few seconds: TRUE when each participant received
 * audio and video from the other. */
gboolean hc_bench_scenario_smoke (HcBenchContext *ctx, HcBenchResults *results);

/* A room of 2 for a few seconds, not measured: the server loads its
 * plugins and makes its one-time allocations here, not in the first
 * measured scenario. */
void hc_bench_scenario_warmup (HcBenchContext *ctx);

/* @rooms rooms of @per_room participants, measured for ctx->measure_s. */
HcBenchLoad *hc_bench_scenario_load (HcBenchContext *ctx, guint rooms,
                                     guint per_room);

/* Adds rooms of 5 until the loss passes 1% or the CPU is saturated;
 * appends one row per step to @results. */
void hc_bench_scenario_ramp (HcBenchContext *ctx, HcBenchResults *results);

/* ctx->latency_joins participants join, one after the other, a room where
 * @room_size - 1 others publish; time from the join to the first keyframe
 * of each publisher. */
HcBenchLatency *hc_bench_scenario_latency (HcBenchContext *ctx,
                                           guint room_size);

/* ctx->churn_cycles join/leave cycles next to a resident participant. */
HcBenchChurn *hc_bench_scenario_churn (HcBenchContext *ctx);

/* MCU receivers of the MCU scenario's steps. */
#define HC_BENCH_MCU_STEPS 4
extern const guint hc_bench_mcu_receivers[HC_BENCH_MCU_STEPS];

/* issue 9: one room of 4 publishers with 0, 1, 2 and 4 MCU receivers on
 * ctx->server (whose [mcu] profile is @profile, for the rows); appends one
 * text row per step to @rows and the server's CPU (% of a core, -1 when
 * not measured) to @cpu. */
void hc_bench_scenario_mcu (HcBenchContext *ctx, const gchar *profile,
                            GPtrArray *rows, gdouble cpu[HC_BENCH_MCU_STEPS]);

/* The same mixing graph alone under gst-launch-1.0 (pipelines/ texts),
 * @width x @height at @fps out, inputs @in_width x @in_height at @in_fps;
 * its CPU (% of a core, -1 when it did not run) in @cpu.
 * Returns: (transfer full): its row */
gchar *hc_bench_mcu_floor (const HcBenchContext *ctx, const gchar *profile,
                           guint width, guint height, guint fps, guint in_width,
                           guint in_height, guint in_fps, gdouble *cpu);

G_END_DECLS
