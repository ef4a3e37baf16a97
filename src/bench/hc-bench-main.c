/* hyperconf-bench — load generator and benchmark for hyperconf (issue 4).
 *
 * Starts a hyperconf server on a free loopback port (or uses --server),
 * runs synthetic participants in this process (PROTOCOL.md over real
 * WebSockets, pre-encoded VP8 and Opus, receiving into fakesinks), and
 * prints a table (or --json) of server CPU per forwarded packet, packet
 * rates, loss, memory and threads per participant, join-to-first-frame
 * latency and churn.  `--scenario smoke` is the CI check: exit status 0
 * only when media flowed in every direction.
 *
 * Exit status: 0 done (smoke: media flowed), 1 a scenario failed or the
 * server could not start, 2 usage. */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <gst/gst.h>
#include <hyperconf/hc-forwarder.h>
#include <hyperconf/hc-srtp-crypto.h>

#include "hc-bench-clip.h"
#include "hc-bench-context.h"
#include "hc-bench-janus-server.h"
#include "hc-bench-report.h"
#include "hc-bench-scenarios.h"
#include "hc-bench-util.h"

#define EXIT_USAGE 2

typedef struct {
  gchar *scenario;
  gchar *server_url;
  gint server_pid;
  gchar *peer;
  gchar *peer_url; /* from --peer janus=URL */
  gint peer_pid;
  gchar *loads;
  gboolean json;
  gint measure_s;
  gint ramp_measure_s;
  gint ramp_max_rooms;
  gint latency_joins;
  gint churn_cycles;
  gint jitter_ms;
  gchar *generator;
  gint width, height, fps, kbps;
  gint budget_s;
  gchar *workdir;
  gchar *server_bin;
  gchar **server_env;
  gchar **server_config;
} Options;

static void
options_clear (Options *o)
{
  g_free (o->scenario);
  g_free (o->server_url);
  g_free (o->peer);
  g_free (o->peer_url);
  g_free (o->loads);
  g_free (o->workdir);
  g_free (o->server_bin);
  g_strfreev (o->server_env);
  g_strfreev (o->server_config);
}

static gboolean
scenario_wanted (const Options *o, const gchar *name)
{
  return g_str_equal (o->scenario, "all") || g_str_equal (o->scenario, name);
}

static gboolean start_server_with (HcBenchContext *ctx, const Options *o,
                                   const gchar *extra_config, GError **error);

static gboolean
start_server (HcBenchContext *ctx, const Options *o, GError **error)
{
  return start_server_with (ctx, o, NULL, error);
}

/* --server-config GROUP.KEY=VALUE entries as key-file lines after
 * @extra_config (GKeyFile merges a group named twice). */
static gchar *
server_config_text (const Options *o, const gchar *extra_config, GError **error)
{
  GString *text = g_string_new (extra_config);

  for (gchar **entry = o->server_config; entry && *entry; entry++) {
    const gchar *dot = strchr (*entry, '.');
    const gchar *eq = dot ? strchr (dot, '=') : NULL;

    if (dot == NULL || eq == NULL || dot == *entry || eq == dot + 1) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--server-config %s: not GROUP.KEY=VALUE", *entry);
      g_string_free (text, TRUE);
      return NULL;
    }
    g_string_append_printf (text, "[%.*s]\n%.*s=%s\n", (int)(dot - *entry),
                            *entry, (int)(eq - dot - 1), dot + 1, eq + 1);
  }
  return g_string_free (text, FALSE);
}

static gboolean
start_server_with (HcBenchContext *ctx, const Options *o,
                   const gchar *extra_config, GError **error)
{
  g_autofree gchar *config = NULL;

  if (ctx->target == HC_BENCH_TARGET_JANUS) {
    ctx->server = hc_bench_janus_server_start (o->peer_url, o->peer_pid,
                                               o->workdir, error);
    if (ctx->server) {
      g_printerr ("hyperconf-bench: %s at %s (pid %d)\n", ctx->label,
                  o->peer_url, hc_bench_server_get_pid (ctx->server));
      hc_bench_proc_read (hc_bench_server_get_pid (ctx->server),
                          &ctx->server_fresh);
    }
    return ctx->server != NULL;
  }
  config = server_config_text (o, extra_config, error);
  if (config == NULL)
    return FALSE;
  if (o->server_url)
    ctx->server = hc_bench_server_new_remote (o->server_url, o->server_pid);
  else
    ctx->server = hc_bench_server_spawn (
        o->server_bin ? o->server_bin : HC_BENCH_SERVER_BIN, o->workdir, config,
        (const gchar *const *)o->server_env, error);
  if (ctx->server == NULL
      || !hc_bench_server_discover (ctx->server, ctx->session, error)) {
    g_clear_pointer (&ctx->server, hc_bench_server_free);
    return FALSE;
  }
  g_printerr ("hyperconf-bench: %s at %s (pid %d)\n", ctx->label,
              hc_bench_server_get_http_url (ctx->server),
              hc_bench_server_get_pid (ctx->server));
  hc_bench_proc_read (hc_bench_server_get_pid (ctx->server),
                      &ctx->server_fresh);
  return TRUE;
}

/* A scenario that left the server hung (it has happened: see
 * docs/performance.md) must not take the next ones down with it: a
 * spawned server is replaced, and the results say so. */
static gboolean
ensure_server (HcBenchContext *ctx, const Options *o, HcBenchResults *results,
               const gchar *next)
{
  g_autoptr (GError) error = NULL;

  if (hc_bench_server_is_alive (ctx->server, ctx->session))
    return TRUE;
  if (ctx->target == HC_BENCH_TARGET_HYPERCONF ? o->server_url != NULL
                                               : o->peer_pid != 0) {
    g_ptr_array_add (results->notes,
                     g_strdup_printf ("the server stopped answering before "
                                      "%s; not run",
                                      next));
    return FALSE;
  }
  g_ptr_array_add (
      results->notes,
      g_strdup_printf ("the server stopped answering before %s "
                       "(log kept in %s); a new one was started",
                       next, hc_bench_server_get_log_path (ctx->server)));
  g_clear_pointer (&ctx->server, hc_bench_server_free);
  if (!start_server (ctx, o, &error)) {
    g_ptr_array_add (results->notes, g_strdup (error->message));
    return FALSE;
  }
  hc_bench_scenario_warmup (ctx);
  return TRUE;
}

/* Runs the selected scenarios against @ctx's server, each on a server
 * that still answers. */
static gboolean
run_scenarios (HcBenchContext *ctx, const Options *o, HcBenchResults *results)
{
  static const guint latency_sizes[] = { 2, 5, 10 };
  gboolean ok = TRUE;

  if (g_str_equal (o->scenario, "smoke")) {
    ok = hc_bench_scenario_smoke (ctx, results);
    if (!ok)
      g_printerr ("hyperconf-bench: smoke FAILED: %s\n", results->smoke_note);
    return ok;
  }
  hc_bench_scenario_warmup (ctx);
  if (scenario_wanted (o, "load")) {
    g_auto (GStrv) loads = g_strsplit (o->loads, ",", -1);

    for (guint i = 0; loads[i]; i++) {
      guint rooms = 0, per_room = 0;

      if (sscanf (loads[i], "%ux%u", &rooms, &per_room) != 2 || rooms == 0
          || per_room < 2) {
        g_printerr ("hyperconf-bench: bad load %s (ROOMSxPARTICIPANTS)\n",
                    loads[i]);
        continue;
      }
      if (hc_bench_now () > ctx->deadline) {
        g_ptr_array_add (
            results->notes,
            g_strdup_printf ("load %s not run: out of time", loads[i]));
        continue;
      }
      if (ensure_server (ctx, o, results, loads[i]))
        g_ptr_array_add (results->loads,
                         hc_bench_scenario_load (ctx, rooms, per_room));
    }
  }
  if (scenario_wanted (o, "latency"))
    for (guint i = 0; i < G_N_ELEMENTS (latency_sizes); i++)
      if (ensure_server (ctx, o, results, "the latency scenario"))
        g_ptr_array_add (results->latencies,
                         hc_bench_scenario_latency (ctx, latency_sizes[i]));
  if (scenario_wanted (o, "churn")
      && ensure_server (ctx, o, results, "the churn"))
    results->churn = hc_bench_scenario_churn (ctx);
  if (scenario_wanted (o, "ramp")
      && ensure_server (ctx, o, results, "the ramp"))
    hc_bench_scenario_ramp (ctx, results);
  return ok;
}

/* issue 9: the MCU scenario, at the [mcu] defaults and at 640x480 30 fps,
 * each on a server of its own (the profile is server configuration), then
 * the bare graph of each profile.  Prints its own table. */
static gboolean
run_mcu (HcBenchContext *ctx, const Options *o)
{
  static const struct {
    const gchar *label;
    const gchar *config;
    guint width, height, fps;
  } profiles[] = {
    { "640x360@15", NULL, 640, 360, 15 },
    { "640x480@30", "[mcu]\nwidth=640\nheight=480\nframerate=30\n", 640, 480,
      30 },
  };
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = TRUE;

  if (o->server_url) {
    g_printerr ("hyperconf-bench: the mcu scenario starts its own servers "
                "(their [mcu] profile); --server is not used\n");
  }
  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++) {
    g_autoptr (GError) error = NULL;
    gdouble cpu[HC_BENCH_MCU_STEPS], floor_cpu = -1;
    Options own = *o;

    own.server_url = NULL;
    if (!start_server_with (ctx, &own, profiles[i].config, &error)) {
      g_ptr_array_add (rows,
                       g_strdup_printf ("%-9s no server: %s", profiles[i].label,
                                        error->message));
      ok = FALSE;
      continue;
    }
    hc_bench_scenario_warmup (ctx);
    hc_bench_scenario_mcu (ctx, profiles[i].label, rows, cpu);
    g_clear_pointer (&ctx->server, hc_bench_server_free);
    g_ptr_array_add (
        rows, hc_bench_mcu_floor (ctx, profiles[i].label, profiles[i].width,
                                  profiles[i].height, profiles[i].fps, o->width,
                                  o->height, o->fps, &floor_cpu));
    /* Issue 9's goals: the mixer (MCU 1 less the SFU-only room) at most
     * 1.1x the bare graph, and further receivers almost free. */
    if (cpu[0] >= 0 && cpu[1] >= 0 && floor_cpu > 0)
      g_ptr_array_add (
          rows, g_strdup_printf ("%-9s mixer      %5.1f%% (MCU 1 - MCU 0) = "
                                 "%.2fx the floor",
                                 profiles[i].label, cpu[1] - cpu[0],
                                 (cpu[1] - cpu[0]) / floor_cpu));
    if (cpu[1] >= 0 && cpu[HC_BENCH_MCU_STEPS - 1] >= 0)
      g_ptr_array_add (
          rows,
          g_strdup_printf (
              "%-9s receivers  %+5.1f%% per MCU receiver beyond the first",
              profiles[i].label,
              (cpu[HC_BENCH_MCU_STEPS - 1] - cpu[1])
                  / (hc_bench_mcu_receivers[HC_BENCH_MCU_STEPS - 1] - 1)));
  }
  g_print ("MCU mode: one room of 4 publishers (VP8 %dx%d@%d + Opus each), "
           "MCU receivers publishing Opus; server CPU over %u s per row\n",
           o->width, o->height, o->fps, ctx->measure_s);
  for (guint i = 0; i < rows->len; i++)
    g_print ("  %s\n", (gchar *)g_ptr_array_index (rows, i));
  return ok;
}

static gchar *
default_workdir (void)
{
  return g_build_filename (HC_BENCH_BUILD_DIR, "bench-run", NULL);
}

/* All the scenarios against one server (ctx->target). */
static HcBenchResults *
bench_server (const Options *o, HcBenchContext *ctx, gboolean *ok)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HcBenchResults) results = hc_bench_results_new (ctx->label);

  if (!start_server (ctx, o, &error)) {
    g_printerr ("hyperconf-bench: %s\n", error->message);
    *ok = FALSE;
    return NULL;
  }
  *ok = run_scenarios (ctx, o, results);
  /* A server of ours must stop cleanly on SIGTERM, and an ASan build's
   * without a report (LeakSanitizer's at exit among them). */
  if (ctx->target == HC_BENCH_TARGET_HYPERCONF && o->server_url == NULL) {
    results->server_exit
        = hc_bench_server_stop (ctx->server, &results->sanitizer_report);
    if (results->server_exit != 0 || results->sanitizer_report) {
      g_ptr_array_add (
          results->notes,
          g_strdup_printf (
              "the server exited with %d after SIGTERM%s (log: %s)",
              results->server_exit,
              results->sanitizer_report ? ", with a sanitizer report" : "",
              hc_bench_server_get_log_path (ctx->server)));
      *ok = FALSE;
    }
  }
  g_clear_pointer (&ctx->server, hc_bench_server_free);
  return g_steal_pointer (&results);
}

int
main (int argc, char **argv)
{
  Options o = { 0 };
  const GOptionEntry entries[] = {
    { "scenario", 's', 0, G_OPTION_ARG_STRING, &o.scenario,
      "smoke, load, latency, churn, ramp, all (default) or mcu (not in all)",
      "NAME" },
    { "server", 0, 0, G_OPTION_ARG_STRING, &o.server_url,
      "Use the hyperconf at URL (http://HOST:PORT/) instead of starting one",
      "URL" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &o.server_pid,
      "Its process id, for the CPU and memory figures", "PID" },
    { "peer", 0, 0, G_OPTION_ARG_STRING, &o.peer,
      "Run the same scenarios against janus=ws://HOST:8188 too", "KIND=URL" },
    { "loads", 0, 0, G_OPTION_ARG_STRING, &o.loads,
      "Load scenarios, ROOMSxPARTICIPANTS,... (1x2,1x5,4x5,1x10,10x5)",
      "LIST" },
    { "peer-pid", 0, 0, G_OPTION_ARG_INT, &o.peer_pid,
      "Process id of a Janus already running at the --peer URL", "PID" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o.json, "Print JSON, not a table",
      NULL },
    { "measure", 0, 0, G_OPTION_ARG_INT, &o.measure_s,
      "Seconds measured per load scenario (10)", "S" },
    { "ramp-measure", 0, 0, G_OPTION_ARG_INT, &o.ramp_measure_s,
      "Seconds measured per ramp step (5)", "S" },
    { "ramp-max-rooms", 0, 0, G_OPTION_ARG_INT, &o.ramp_max_rooms,
      "Most rooms of 5 the ramp adds (40)", "N" },
    { "latency-joins", 0, 0, G_OPTION_ARG_INT, &o.latency_joins,
      "Joins per room size in the latency scenario (10)", "N" },
    { "churn-cycles", 0, 0, G_OPTION_ARG_INT, &o.churn_cycles,
      "Join/leave cycles (1000)", "N" },
    { "jitter-ms", 0, 0, G_OPTION_ARG_INT, &o.jitter_ms,
      "Receivers' jitter buffer; 0: none, packets counted on arrival (0)",
      "MS" },
    { "generator", 0, 0, G_OPTION_ARG_STRING, &o.generator,
      "How the synthetic participants send and receive: lean (hcsrtpsend "
      "out, no jitter buffer in) or webrtcbin (its own send path, 50 ms "
      "jitter buffer: the generator of the figures before 2026-12-06) (lean)",
      "KIND" },
    { "width", 0, 0, G_OPTION_ARG_INT, &o.width, "Video width (640)", "PX" },
    { "height", 0, 0, G_OPTION_ARG_INT, &o.height, "Video height (360)", "PX" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &o.fps, "Video frame rate (15)", "N" },
    { "kbps", 0, 0, G_OPTION_ARG_INT, &o.kbps, "Video bit rate (400)", "KBPS" },
    { "budget", 0, 0, G_OPTION_ARG_INT, &o.budget_s,
      "Seconds after which scenarios cut themselves short (540)", "S" },
    { "workdir", 0, 0, G_OPTION_ARG_FILENAME, &o.workdir,
      "Where the server's config and log go (<build>/src/bench/bench-run)",
      "DIR" },
    { "server-bin", 0, 0, G_OPTION_ARG_FILENAME, &o.server_bin,
      "The hyperconf binary to start (this build's); e.g. an ASan build's",
      "PATH" },
    { "server-env", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.server_env,
      "Set NAME=VALUE in the started server's environment only (repeat)",
      "NAME=VALUE" },
    { "server-config", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.server_config,
      "Add KEY=VALUE to GROUP of the started server's configuration, e.g. "
      "media.lean-send=false (repeat)",
      "GROUP.KEY=VALUE" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HcBenchClip) video = NULL;
  g_autoptr (HcBenchClip) audio = NULL;
  g_autoptr (SoupSession) session = NULL;
  g_autoptr (HcBenchResults) results = NULL;
  g_autoptr (HcBenchResults) peer_results = NULL;
  g_autofree gchar *setup = NULL;
  HcBenchContext ctx = { 0 };
  gboolean ok = TRUE;

  setlocale (LC_ALL, "");
  context = g_option_context_new (NULL);
  g_option_context_set_summary (
      context, "Benchmark and load generator for hyperconf (issue 4).");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("hyperconf-bench: %s (try --help)\n", error->message);
    return EXIT_USAGE;
  }
  if (o.scenario == NULL)
    o.scenario = g_strdup ("all");
  if (!g_strv_contains ((const gchar *const[]){ "smoke", "load", "latency",
                                                "churn", "ramp", "all", "mcu",
                                                NULL },
                        o.scenario)) {
    g_printerr ("hyperconf-bench: unknown scenario %s\n", o.scenario);
    return EXIT_USAGE;
  }
#define DEFAULT(field, value)                                                  \
  if (o.field <= 0)                                                            \
  o.field = (value)
  DEFAULT (measure_s, 10);
  DEFAULT (ramp_measure_s, 5);
  DEFAULT (ramp_max_rooms, 40);
  DEFAULT (latency_joins, 10);
  DEFAULT (churn_cycles, 1000);
  if (o.generator == NULL)
    o.generator = g_strdup ("lean");
  if (g_strcmp0 (o.generator, "lean") != 0
      && g_strcmp0 (o.generator, "webrtcbin") != 0) {
    g_printerr ("hyperconf-bench: --generator is lean or webrtcbin\n");
    return EXIT_FAILURE;
  }
  DEFAULT (jitter_ms, g_str_equal (o.generator, "lean") ? 0 : 50);
  DEFAULT (width, 640);
  DEFAULT (height, 360);
  DEFAULT (fps, 15);
  DEFAULT (kbps, 400);
  DEFAULT (budget_s, 540);
#undef DEFAULT
  if (o.peer) {
    if (!g_str_has_prefix (o.peer, "janus=")) {
      g_printerr ("hyperconf-bench: --peer takes janus=ws://HOST:PORT\n");
      return EXIT_USAGE;
    }
    o.peer_url = g_strdup (o.peer + strlen ("janus="));
  }
  if (o.loads == NULL)
    o.loads = g_strdup ("1x2,1x5,4x5,1x10,10x5");
  if (o.workdir == NULL)
    o.workdir = default_workdir ();

  /* The synthetic participants' webrtcbins protect like the server's
   * (for Janus's runs too: the load generator is the same). */
  if (!hc_srtp_crypto_install (&error)) {
    g_warning ("SRTP: keeping libsrtp2's own crypto: %s", error->message);
    g_clear_error (&error);
  }
  hc_media_register_elements (NULL);
  /* Encoded once; every participant replays these packets. */
  video = hc_bench_clip_encode_video (o.width, o.height, o.fps, o.kbps, 10,
                                      &error);
  if (video)
    audio = hc_bench_clip_encode_audio (10, &error);
  if (video == NULL || audio == NULL) {
    g_printerr ("hyperconf-bench: %s\n", error->message);
    return EXIT_FAILURE;
  }
  setup = g_strdup_printf (
      "%u cores; per participant VP8 %dx%d@%d %.0f kbit/s %.0f pkt/s + Opus "
      "%.0f kbit/s %.0f pkt/s; receive jitter buffer %d ms; %s generator",
      g_get_num_processors (), o.width, o.height, o.fps,
      hc_bench_clip_get_kbps (video), hc_bench_clip_get_pps (video),
      hc_bench_clip_get_kbps (audio), hc_bench_clip_get_pps (audio),
      o.jitter_ms, o.generator);
  g_printerr ("hyperconf-bench: %s\n", setup);

  /* WebSockets leave the session's connection pool once upgraded; the
   * limits matter for the admin GETs only, but keep them out of the way. */
  session = soup_session_new_with_options ("max-conns", 4096,
                                           "max-conns-per-host", 4096, NULL);
  ctx.session = session;
  ctx.video = video;
  ctx.audio = audio;
  ctx.jitter_ms = o.jitter_ms;
  ctx.lean_send = g_str_equal (o.generator, "lean");
  ctx.measure_s = o.measure_s;
  ctx.ramp_measure_s = o.ramp_measure_s;
  ctx.ramp_max_rooms = o.ramp_max_rooms;
  ctx.latency_joins = o.latency_joins;
  ctx.churn_cycles = o.churn_cycles;
  ctx.target = HC_BENCH_TARGET_HYPERCONF;
  ctx.label = "hyperconf";
  ctx.deadline = hc_bench_now ()
                 + (gint64)o.budget_s * G_USEC_PER_SEC / (o.peer ? 2 : 1);

  if (g_str_equal (o.scenario, "mcu")) {
    ok = run_mcu (&ctx, &o);
    options_clear (&o);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
  }
  results = bench_server (&o, &ctx, &ok);
  if (results == NULL)
    return EXIT_FAILURE;
  if (o.peer_url) {
    gboolean peer_ok = TRUE;

    /* The same scenarios, clips and participants; one server at a time,
     * so that they never compete for the CPU. */
    ctx.target = HC_BENCH_TARGET_JANUS;
    ctx.label = "janus";
    ctx.serial = 0;
    ctx.deadline = hc_bench_now () + (gint64)o.budget_s * G_USEC_PER_SEC / 2;
    peer_results = bench_server (&o, &ctx, &peer_ok);
    if (peer_results == NULL)
      g_printerr ("hyperconf-bench: the Janus run did not start\n");
    if (g_str_equal (o.scenario, "smoke"))
      ok = ok && peer_ok;
  }
  hc_bench_report_print (results, peer_results, o.json, setup);
  options_clear (&o);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
