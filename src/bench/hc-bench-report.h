/* hyperconf-bench — the figures the scenarios measure, and their table
 * (or JSON) at the end; with a peer server (Janus), side by side with the
 * ratio hyperconf / peer. */
#pragma once

#include <glib.h>

#include "hc-bench-server.h"

G_BEGIN_DECLS

/* One measuring window of a rooms x participants load. */
typedef struct {
  gchar *name; /* "1x5", "ramp 7x5" */
  guint rooms;
  guint per_room;
  guint participants; /* joined */
  guint failed_joins;
  guint expected_streams; /* participants x (per_room - 1) x 2 */
  guint streams;          /* streams that received packets in the window */
  gdouble seconds;
  guint64 packets; /* received by all subscribers = forwarded by the server */
  guint64 lost;
  gdouble pps;
  gdouble expected_pps; /* what the publishers' clips would give */
  gdouble loss_pct;
  gdouble cpu_us_per_packet;   /* < 0: unknown */
  gdouble switches_per_packet; /* server context switches, < 0: unknown */
  gdouble server_cpu_pct;      /* of one core */
  gdouble machine_cpu_pct;     /* of the whole machine */
  gdouble bench_cpu_pct;       /* this process, of one core */
  gdouble others_cpu_pct;      /* everything else on the machine, one core */
  HcBenchProc idle;            /* before anyone joined */
  HcBenchProc loaded;          /* at the end of the window */
  gdouble rss_kb_per_participant;
  gdouble threads_per_participant;
  gdouble setup_s;   /* from the first join until everything flowed */
  guint pacer_skips; /* the load generator fell behind */
  gchar *note;
} HcBenchLoad;

typedef struct {
  guint room_size; /* participants in the room, the joiner included */
  guint joins;
  guint samples; /* (joiner, publisher) pairs that got a keyframe */
  guint missing; /* pairs that got none in time */
  gint64 p50_us;
  gint64 p95_us;
  gint64 max_us;
  /* Phases, p50 over the joins: the server accepted the join, the media
   * transport (ICE + DTLS) came up. */
  gint64 joined_p50_us;
  gint64 connected_p50_us;
  /* Keyframe requests (PLI/FIR) the publishers got, per join. */
  gdouble keyframe_requests_per_join;
} HcBenchLatency;

typedef struct {
  guint cycles;
  guint failed;
  /* of the cycles, those that vanished as planned (hyperconf): once the
   * server had the join offer, and when its answer arrived */
  guint vanished_offered;
  guint vanished_answered;
  gdouble seconds;
  HcBenchProc before;
  HcBenchProc after;
  /* the room's elements as the server counts them, and with webrtcbin's
   * insides (which 1.22 does not give back until a webrtcbin goes) */
  gint elements_before;
  gint elements_after;
  gint elements_deep_before;
  gint elements_deep_after;
  /* then a few cycles two at a time */
  guint concurrent_cycles;
  guint concurrent_failed;
  gboolean concurrent_hung;
  gchar *note;
} HcBenchChurn;

typedef struct {
  gchar *label;         /* "hyperconf", "janus" */
  GPtrArray *loads;     /* HcBenchLoad */
  GPtrArray *latencies; /* HcBenchLatency */
  HcBenchChurn *churn;  /* nullable */
  gboolean smoke_ran;
  gboolean smoke_ok;
  gchar *smoke_note;
  gdouble ramp_max_streams; /* most streams at <= 1% loss, -1: not run */
  gchar *ramp_stop;         /* why the ramp stopped */
  GPtrArray *notes;         /* gchar *: what went wrong on the way */
  /* a server we started: its exit status after SIGTERM (-1: killed, or
   * not ours) and whether its log holds a sanitizer report */
  gint server_exit;
  gboolean sanitizer_report;
} HcBenchResults;

HcBenchResults *hc_bench_results_new (const gchar *label);
void hc_bench_results_free (HcBenchResults *results);
HcBenchLoad *hc_bench_load_new (const gchar *name);
void hc_bench_load_free (HcBenchLoad *load);

/* Prints @results (and @peer side by side, when not NULL) as a table or
 * JSON on stdout. */
void hc_bench_report_print (HcBenchResults *results, HcBenchResults *peer,
                            gboolean json, const gchar *setup);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcBenchResults, hc_bench_results_free)

G_END_DECLS
