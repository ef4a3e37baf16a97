/* hyperconf-bench — results and their presentation. */
#include "hc-bench-report.h"

#include <json-glib/json-glib.h>

#include <math.h>
#include <stdio.h>

HcBenchResults *
hc_bench_results_new (const gchar *label)
{
  HcBenchResults *results = g_new0 (HcBenchResults, 1);

  results->label = g_strdup (label);
  results->loads
      = g_ptr_array_new_with_free_func ((GDestroyNotify)hc_bench_load_free);
  results->latencies = g_ptr_array_new_with_free_func (g_free);
  results->ramp_max_streams = -1;
  results->notes = g_ptr_array_new_with_free_func (g_free);
  results->server_exit = -1;
  return results;
}

void
hc_bench_results_free (HcBenchResults *results)
{
  if (results == NULL)
    return;
  g_free (results->label);
  g_ptr_array_unref (results->loads);
  g_ptr_array_unref (results->latencies);
  g_ptr_array_unref (results->notes);
  if (results->churn) {
    g_free (results->churn->note);
    g_free (results->churn);
  }
  g_free (results->smoke_note);
  g_free (results->ramp_stop);
  g_free (results);
}

HcBenchLoad *
hc_bench_load_new (const gchar *name)
{
  HcBenchLoad *load = g_new0 (HcBenchLoad, 1);

  load->name = g_strdup (name);
  load->cpu_us_per_packet = -1;
  load->switches_per_packet = -1;
  load->server_cpu_pct = -1;
  load->rss_kb_per_participant = -1;
  load->threads_per_participant = -1;
  return load;
}

void
hc_bench_load_free (HcBenchLoad *load)
{
  if (load == NULL)
    return;
  g_free (load->name);
  g_free (load->note);
  g_free (load);
}

/* ---- text ------------------------------------------------------------- */

static gchar *
num (gdouble v, gint decimals)
{
  return v < 0 || isnan (v) ? g_strdup ("n/a")
                            : g_strdup_printf ("%.*f", decimals, v);
}

static void
print_loads (HcBenchResults *r)
{
  g_print ("\n[%s] load: server CPU per forwarded packet = server "
           "utime+stime / packets received by all subscribers\n",
           r->label);
  g_print ("%-12s %5s %9s %8s %7s %7s %6s %7s %6s %6s %6s %6s %8s %7s %6s  "
           "%s\n",
           "scenario", "parts", "streams", "pkt/s", "loss%", "us/pkt", "cs/pkt",
           "srvCPU%", "mach%", "bench%", "other%", "RSS MB", "MB/part",
           "thr/pt", "setup", "note");
  for (guint i = 0; i < r->loads->len; i++) {
    HcBenchLoad *l = g_ptr_array_index (r->loads, i);
    g_autofree gchar *streams
        = g_strdup_printf ("%u/%u", l->streams, l->expected_streams);
    g_autofree gchar *us = num (l->cpu_us_per_packet, 1);
    g_autofree gchar *cs = num (l->switches_per_packet, 2);
    g_autofree gchar *srv = num (l->server_cpu_pct, 0);
    g_autofree gchar *others = num (l->others_cpu_pct, 0);
    g_autofree gchar *rss = num (l->loaded.rss_kb / 1024.0, 0);
    g_autofree gchar *mb = num (l->rss_kb_per_participant / 1024.0, 2);
    g_autofree gchar *thr = num (l->threads_per_participant, 1);
    g_autoptr (GString) note = g_string_new (l->note ? l->note : "");

    if (l->expected_pps > 0 && l->pps < 0.9 * l->expected_pps)
      g_string_append_printf (note,
                              "%sonly %.0f%% of the packets the publishers "
                              "would send arrived",
                              note->len ? "; " : "",
                              100.0 * l->pps / l->expected_pps);
    if (l->pacer_skips)
      g_string_append_printf (note, "%sload generator fell behind %u times",
                              note->len ? "; " : "", l->pacer_skips);
    g_print ("%-12s %5u %9s %8.0f %7.2f %7s %6s %7s %6.0f %6.0f %6s %6s %8s "
             "%7s %6.1f  %s\n",
             l->name, l->participants, streams, l->pps, l->loss_pct, us, cs,
             srv, l->machine_cpu_pct, l->bench_cpu_pct, others, rss, mb, thr,
             l->setup_s, note->str);
  }
  if (r->ramp_max_streams >= 0)
    g_print ("ramp: at most %.0f forwarded streams at <= 1%% loss; stopped "
             "%s\n",
             r->ramp_max_streams, r->ramp_stop ? r->ramp_stop : "");
}

static void
print_latencies (HcBenchResults *r)
{
  if (r->latencies->len == 0)
    return;
  g_print ("\n[%s] join to first keyframe, per (joiner, publisher) pair\n",
           r->label);
  g_print ("%-10s %6s %8s %8s %9s %9s %9s %11s %11s %8s\n", "room of", "joins",
           "samples", "missing", "p50 ms", "p95 ms", "max ms", "joined p50",
           "connect p50", "PLI/join");
  for (guint i = 0; i < r->latencies->len; i++) {
    HcBenchLatency *l = g_ptr_array_index (r->latencies, i);

    g_print ("%-10u %6u %8u %8u %9.0f %9.0f %9.0f %11.0f %11.0f %8.1f\n",
             l->room_size, l->joins, l->samples, l->missing, l->p50_us / 1000.0,
             l->p95_us / 1000.0, l->max_us / 1000.0, l->joined_p50_us / 1000.0,
             l->connected_p50_us / 1000.0, l->keyframe_requests_per_join);
  }
}

static void
print_notes (HcBenchResults *r)
{
  for (guint i = 0; i < r->notes->len; i++)
    g_print ("[%s] note: %s\n", r->label,
             (const gchar *)g_ptr_array_index (r->notes, i));
}

static void
print_churn (HcBenchResults *r)
{
  HcBenchChurn *c = r->churn;

  if (c == NULL)
    return;
  g_print ("\n[%s] churn: %u join/leave cycles (%u failed) in %.0f s%s%s\n",
           r->label, c->cycles, c->failed, c->seconds,
           c->note && *c->note ? ": " : "", c->note ? c->note : "");
  if (c->vanished_offered || c->vanished_answered)
    g_print ("of which vanished mid-negotiation: %u with the offer sent, %u "
             "with the answer in\n",
             c->vanished_offered, c->vanished_answered);
  g_print ("%-10s %10s %10s %10s\n", "", "before", "after", "change");
  g_print ("%-10s %10.1f %10.1f %+10.1f\n", "RSS MB", c->before.rss_kb / 1024.0,
           c->after.rss_kb / 1024.0,
           (c->after.rss_kb - c->before.rss_kb) / 1024.0);
  g_print ("%-10s %10d %10d %+10d\n", "fds", c->before.fds, c->after.fds,
           c->after.fds - c->before.fds);
  g_print ("%-10s %10d %10d %+10d\n", "threads", c->before.threads,
           c->after.threads, c->after.threads - c->before.threads);
  g_print ("%-10s %10d %10d %+10d\n", "elements", c->elements_before,
           c->elements_after, c->elements_after - c->elements_before);
  g_print ("%-10s %10d %10d %+10d  (webrtcbin insides too)\n", "deep",
           c->elements_deep_before, c->elements_deep_after,
           c->elements_deep_after - c->elements_deep_before);
  if (c->concurrent_cycles)
    g_print ("then %u cycles two at a time: %u failed%s\n",
             c->concurrent_cycles, c->concurrent_failed,
             c->concurrent_hung ? "; the server stopped answering" : "");
}

/* ---- side by side ----------------------------------------------------- */

static void
print_pair (const gchar *scenario, const gchar *metric, gdouble a, gdouble b)
{
  g_autofree gchar *x = num (a, 2);
  g_autofree gchar *y = num (b, 2);
  /* Changes (churn growth) may be negative: no ratio, plain numbers. */
  gboolean signed_values = g_str_has_suffix (metric, "growth MB");

  if (signed_values) {
    g_free (x);
    g_free (y);
    x = g_strdup_printf ("%+.2f", a);
    y = g_strdup_printf ("%+.2f", b);
    g_print ("%-12s %-22s %12s %12s %8s\n", scenario, metric, x, y, "-");
    return;
  }
  g_autofree gchar *ratio
      = a >= 0 && b > 0 ? g_strdup_printf ("%.2f", a / b) : g_strdup ("n/a");

  g_print ("%-12s %-22s %12s %12s %8s\n", scenario, metric, x, y, ratio);
}

static HcBenchLoad *
find_load (HcBenchResults *r, const gchar *name)
{
  for (guint i = 0; i < r->loads->len; i++) {
    HcBenchLoad *l = g_ptr_array_index (r->loads, i);

    if (g_str_equal (l->name, name))
      return l;
  }
  return NULL;
}

static void
print_comparison (HcBenchResults *a, HcBenchResults *b)
{
  g_print ("\nside by side: %s vs %s (ratio = %s / %s)\n", a->label, b->label,
           a->label, b->label);
  g_print ("%-12s %-22s %12s %12s %8s\n", "scenario", "figure", a->label,
           b->label, "ratio");
  for (guint i = 0; i < a->loads->len; i++) {
    HcBenchLoad *x = g_ptr_array_index (a->loads, i);
    HcBenchLoad *y = find_load (b, x->name);

    if (y == NULL)
      continue;
    print_pair (x->name, "us CPU / fwd packet", x->cpu_us_per_packet,
                y->cpu_us_per_packet);
    print_pair (x->name, "packets / s", x->pps, y->pps);
    print_pair (x->name, "forwarded streams", x->streams, y->streams);
    print_pair (x->name, "loss %", x->loss_pct, y->loss_pct);
    print_pair (x->name, "server CPU %", x->server_cpu_pct, y->server_cpu_pct);
    print_pair (x->name, "RSS MB / participant",
                x->rss_kb_per_participant / 1024.0,
                y->rss_kb_per_participant / 1024.0);
    print_pair (x->name, "threads / participant", x->threads_per_participant,
                y->threads_per_participant);
  }
  if (a->ramp_max_streams >= 0 && b->ramp_max_streams >= 0)
    print_pair ("ramp", "max streams <=1% loss", a->ramp_max_streams,
                b->ramp_max_streams);
  for (guint i = 0; i < a->latencies->len && i < b->latencies->len; i++) {
    HcBenchLatency *x = g_ptr_array_index (a->latencies, i);
    HcBenchLatency *y = g_ptr_array_index (b->latencies, i);
    g_autofree gchar *name = g_strdup_printf ("join %u", x->room_size);

    print_pair (name, "first frame p50 ms", x->p50_us / 1000.0,
                y->p50_us / 1000.0);
    print_pair (name, "first frame p95 ms", x->p95_us / 1000.0,
                y->p95_us / 1000.0);
  }
  if (a->churn && b->churn) {
    print_pair ("churn", "RSS growth MB",
                (a->churn->after.rss_kb - a->churn->before.rss_kb) / 1024.0,
                (b->churn->after.rss_kb - b->churn->before.rss_kb) / 1024.0);
  }
}

/* ---- JSON ------------------------------------------------------------- */

static void
add_proc (JsonBuilder *b, const gchar *name, const HcBenchProc *p)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cpu_us");
  json_builder_add_int_value (b, p->cpu_us);
  json_builder_set_member_name (b, "rss_kb");
  json_builder_add_int_value (b, p->rss_kb);
  json_builder_set_member_name (b, "threads");
  json_builder_add_int_value (b, p->threads);
  json_builder_set_member_name (b, "fds");
  json_builder_add_int_value (b, p->fds);
  json_builder_set_member_name (b, "ctx_switches");
  json_builder_add_int_value (b, p->ctx_switches);
  json_builder_end_object (b);
}

static void
add_double (JsonBuilder *b, const gchar *name, gdouble v)
{
  json_builder_set_member_name (b, name);
  if (v < 0 || isnan (v))
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, v);
}

static void
add_int (JsonBuilder *b, const gchar *name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
add_string (JsonBuilder *b, const gchar *name, const gchar *v)
{
  json_builder_set_member_name (b, name);
  if (v)
    json_builder_add_string_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_results (JsonBuilder *b, HcBenchResults *r)
{
  json_builder_begin_object (b);
  if (r->smoke_ran) {
    json_builder_set_member_name (b, "smoke_ok");
    json_builder_add_boolean_value (b, r->smoke_ok);
  }
  json_builder_set_member_name (b, "loads");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->loads->len; i++) {
    HcBenchLoad *l = g_ptr_array_index (r->loads, i);

    json_builder_begin_object (b);
    add_string (b, "scenario", l->name);
    add_int (b, "rooms", l->rooms);
    add_int (b, "per_room", l->per_room);
    add_int (b, "participants", l->participants);
    add_int (b, "failed_joins", l->failed_joins);
    add_int (b, "streams", l->streams);
    add_int (b, "expected_streams", l->expected_streams);
    add_double (b, "seconds", l->seconds);
    add_int (b, "packets", l->packets);
    add_int (b, "lost", l->lost);
    add_double (b, "packets_per_s", l->pps);
    add_double (b, "expected_packets_per_s", l->expected_pps);
    add_double (b, "loss_pct", l->loss_pct);
    add_double (b, "server_cpu_us_per_packet", l->cpu_us_per_packet);
    add_double (b, "server_switches_per_packet", l->switches_per_packet);
    add_double (b, "server_cpu_pct", l->server_cpu_pct);
    add_double (b, "machine_cpu_pct", l->machine_cpu_pct);
    add_double (b, "bench_cpu_pct", l->bench_cpu_pct);
    add_double (b, "others_cpu_pct", l->others_cpu_pct);
    add_double (b, "rss_kb_per_participant", l->rss_kb_per_participant);
    add_double (b, "threads_per_participant", l->threads_per_participant);
    add_double (b, "setup_s", l->setup_s);
    add_int (b, "pacer_skips", l->pacer_skips);
    add_proc (b, "server_idle", &l->idle);
    add_proc (b, "server_loaded", &l->loaded);
    add_string (b, "note", l->note);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  if (r->ramp_max_streams >= 0) {
    add_double (b, "ramp_max_streams", r->ramp_max_streams);
    add_string (b, "ramp_stop", r->ramp_stop);
  }
  json_builder_set_member_name (b, "join_to_first_frame");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->latencies->len; i++) {
    HcBenchLatency *l = g_ptr_array_index (r->latencies, i);

    json_builder_begin_object (b);
    add_int (b, "room_size", l->room_size);
    add_int (b, "joins", l->joins);
    add_int (b, "samples", l->samples);
    add_int (b, "missing", l->missing);
    add_double (b, "p50_ms", l->p50_us / 1000.0);
    add_double (b, "p95_ms", l->p95_us / 1000.0);
    add_double (b, "max_ms", l->max_us / 1000.0);
    add_double (b, "joined_p50_ms", l->joined_p50_us / 1000.0);
    add_double (b, "connected_p50_ms", l->connected_p50_us / 1000.0);
    add_double (b, "keyframe_requests_per_join", l->keyframe_requests_per_join);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  if (r->churn) {
    json_builder_set_member_name (b, "churn");
    json_builder_begin_object (b);
    add_int (b, "cycles", r->churn->cycles);
    add_int (b, "failed", r->churn->failed);
    add_int (b, "vanished_offered", r->churn->vanished_offered);
    add_int (b, "vanished_answered", r->churn->vanished_answered);
    add_double (b, "seconds", r->churn->seconds);
    add_proc (b, "before", &r->churn->before);
    add_proc (b, "after", &r->churn->after);
    add_int (b, "elements_before", r->churn->elements_before);
    add_int (b, "elements_after", r->churn->elements_after);
    add_int (b, "elements_deep_before", r->churn->elements_deep_before);
    add_int (b, "elements_deep_after", r->churn->elements_deep_after);
    add_int (b, "concurrent_cycles", r->churn->concurrent_cycles);
    add_int (b, "concurrent_failed", r->churn->concurrent_failed);
    json_builder_set_member_name (b, "concurrent_server_hung");
    json_builder_add_boolean_value (b, r->churn->concurrent_hung);
    add_string (b, "note", r->churn->note);
    json_builder_end_object (b);
  }
  json_builder_set_member_name (b, "notes");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->notes->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (r->notes, i));
  json_builder_end_array (b);
  add_int (b, "server_exit", r->server_exit);
  json_builder_set_member_name (b, "sanitizer_report");
  json_builder_add_boolean_value (b, r->sanitizer_report);
  json_builder_end_object (b);
}

void
hc_bench_report_print (HcBenchResults *results, HcBenchResults *peer,
                       gboolean json, const gchar *setup)
{
  if (json) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonGenerator) gen = json_generator_new ();
    g_autoptr (JsonNode) root = NULL;
    g_autofree gchar *text = NULL;

    json_builder_begin_object (b);
    add_string (b, "setup", setup);
    json_builder_set_member_name (b, "servers");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, results->label);
    add_results (b, results);
    if (peer) {
      json_builder_set_member_name (b, peer->label);
      add_results (b, peer);
    }
    json_builder_end_object (b);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    json_generator_set_root (gen, root);
    json_generator_set_pretty (gen, TRUE);
    text = json_generator_to_data (gen, NULL);
    g_print ("%s\n", text);
    return;
  }
  g_print ("hyperconf-bench: %s\n", setup);
  print_loads (results);
  print_latencies (results);
  print_churn (results);
  print_notes (results);
  if (peer) {
    print_loads (peer);
    print_latencies (peer);
    print_churn (peer);
    print_notes (peer);
    print_comparison (results, peer);
  }
  fflush (stdout);
}
