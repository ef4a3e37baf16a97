/* hyperconf-bench — the MCU scenario (issue 9): what the mixer costs.
 *
 * One room of 4 SFU publishers (VP8 + Opus each, the benchmark's clips),
 * measured with 0, 1, 2 and 4 MCU receivers added (each joins with
 * options.mode "mcu" and publishes Opus only, as a person on a weak link
 * still speaks), on a server whose [mcu] profile the caller chose.  Then
 * the practical floor: the same mixing graph, built from the pipelines/
 * files the server loads, run alone under gst-launch-1.0 with 4 VP8 and 4
 * Opus RTP inputs arriving over loopback UDP from a second gst-launch-1.0
 * (not measured): 4 decodes, one composite, one encode, one audio mix
 * (hcmixminus, from the plugin in the build tree, of 5 voices: the
 * receiver's too) and its 2 encodes (the plain sum and one pool output,
 * as with one MCU receiver who publishes a voice).
 *
 *   row "MCU x"  = server CPU with x MCU receivers
 *   row "floor"  = CPU of the gst-launch-1.0 graph alone
 */
#include "hc-bench-scenarios.h"
#include "hc-bench-roomset.h"
#include "hc-bench-util.h"

#include "../media/hc-pipeline.h"

#include <string.h>

#define PUBLISHERS 4
#define WARMUP_MS  3000
/* After receivers joined: their renegotiations, keyframes, and a mixer's
 * first seconds (decoders catching up) are not its steady cost. */
#define MIXER_WARMUP_MS 10000
#define JOIN_TIMEOUT_MS 30000
#define FLOWING_PACKETS 20
/* UDP ports of the floor's inputs: video 0..3, audio 4..7 from here. */
#define FLOOR_PORT_BASE 47210

const guint hc_bench_mcu_receivers[HC_BENCH_MCU_STEPS] = { 0, 1, 2, 4 };

typedef struct {
  GPtrArray *receivers; /* HcBenchClient */
} Receivers;

/* Joined, connected, and getting the mix: one audio and one video stream. */
static gboolean
receivers_flowing (gpointer user_data)
{
  Receivers *r = user_data;

  for (guint i = 0; i < r->receivers->len; i++) {
    HcBenchClient *c = g_ptr_array_index (r->receivers, i);
    HcBenchRecv *recv = hc_bench_client_get_recv (c);

    if (hc_bench_client_get_state (c) == HC_BENCH_CLIENT_FAILED)
      return TRUE; /* no use waiting */
    if (hc_bench_client_get_state (c) != HC_BENCH_CLIENT_JOINED
        || !hc_bench_client_is_connected (c) || recv == NULL
        || hc_bench_recv_count_flowing (recv, "video", FLOWING_PACKETS) < 1
        || hc_bench_recv_count_flowing (recv, "audio", FLOWING_PACKETS) < 1)
      return FALSE;
  }
  return TRUE;
}

/* CPU of @pid over @seconds, in % of one core; -1 when /proc says nothing. */
static gdouble
measure_cpu (GPid pid, guint seconds)
{
  HcBenchProc before, after;
  gint64 t0, t1;

  if (!hc_bench_proc_read (pid, &before))
    return -1;
  t0 = hc_bench_now ();
  hc_bench_sleep (seconds * 1000);
  t1 = hc_bench_now ();
  if (!hc_bench_proc_read (pid, &after))
    return -1;
  return 100.0 * (after.cpu_us - before.cpu_us) / (gdouble)(t1 - t0);
}

/* Each MCU receiver's streams in the window: "1v+1a" when it got exactly
 * the mix. */
static gchar *
receivers_window (Receivers *r)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < r->receivers->len; i++) {
    HcBenchCounts counts = { 0 };
    HcBenchRecv *recv
        = hc_bench_client_get_recv (g_ptr_array_index (r->receivers, i));

    if (recv)
      hc_bench_recv_get_window (recv, &counts);
    g_string_append_printf (out, "%s%uv+%ua", i ? " " : "",
                            counts.video_streams, counts.audio_streams);
  }
  return g_string_free (out, FALSE);
}

static void
mark_receivers (Receivers *r)
{
  for (guint i = 0; i < r->receivers->len; i++) {
    HcBenchRecv *recv
        = hc_bench_client_get_recv (g_ptr_array_index (r->receivers, i));

    if (recv)
      hc_bench_recv_mark (recv);
  }
}

void
hc_bench_scenario_mcu (HcBenchContext *ctx, const gchar *profile,
                       GPtrArray *rows, gdouble cpu_out[HC_BENCH_MCU_STEPS])
{
  HcBenchRoomSet *set = hc_bench_room_set_new (ctx);
  g_autoptr (GString) note = g_string_new (NULL);
  Receivers r = { g_ptr_array_new_with_free_func (g_object_unref) };
  GPid pid = hc_bench_server_get_pid (ctx->server);
  const gchar *room_name;

  for (guint step = 0; step < HC_BENCH_MCU_STEPS; step++)
    cpu_out[step] = -1;

  g_printerr ("hyperconf-bench: %s: MCU %s, %u publishers ...\n", ctx->label,
              profile, PUBLISHERS);
  if (!hc_bench_room_set_add (set, 1, PUBLISHERS, note)) {
    g_ptr_array_add (rows, g_strdup_printf ("%-9s %-10s the publishers' room "
                                            "did not come up: %s",
                                            profile, "-", note->str));
    goto out;
  }
  room_name = hc_bench_client_get_config (
                  g_ptr_array_index (hc_bench_room_set_get_room (set, 0), 0))
                  ->room;
  for (guint step = 0; step < G_N_ELEMENTS (hc_bench_mcu_receivers); step++) {
    g_autofree gchar *streams = NULL;
    gdouble cpu;

    while (r.receivers->len < hc_bench_mcu_receivers[step]) {
      g_autofree gchar *name
          = g_strdup_printf ("mcu-%u-%u", ctx->serial++, r.receivers->len);
      HcBenchClient *c = hc_bench_context_new_client_full (
          ctx, room_name, name, NULL, ctx->audio, "mcu", HC_BENCH_VANISH_NEVER);

      g_ptr_array_add (r.receivers, c);
      hc_bench_client_join (c);
    }
    if (!hc_bench_wait (receivers_flowing, &r, JOIN_TIMEOUT_MS)
        || !receivers_flowing (&r)) {
      g_ptr_array_add (rows,
                       g_strdup_printf ("%-9s MCU %-6u the mix did not reach "
                                        "every receiver",
                                        profile, hc_bench_mcu_receivers[step]));
      break;
    }
    hc_bench_sleep (r.receivers->len ? MIXER_WARMUP_MS : WARMUP_MS);
    mark_receivers (&r);
    cpu = cpu_out[step] = measure_cpu (pid, ctx->measure_s);
    streams = receivers_window (&r);
    g_ptr_array_add (rows,
                     g_strdup_printf ("%-9s MCU %-6u server %5.1f%% of "
                                      "a core  (receivers got %s)",
                                      profile, hc_bench_mcu_receivers[step],
                                      cpu, *streams ? streams : "-"));
    g_printerr ("hyperconf-bench: %s\n",
                (gchar *)g_ptr_array_index (rows, rows->len - 1));
  }
out:
  for (guint i = 0; i < r.receivers->len; i++)
    hc_bench_client_leave (g_ptr_array_index (r.receivers, i));
  hc_bench_sleep (500);
  g_ptr_array_unref (r.receivers);
  hc_bench_room_set_free (set);
}

/* ---- the floor: the graph alone under gst-launch-1.0 ------------------- */

/* @text with every `name=...` property dropped: the input graphs appear
 * four times in one gst-launch line, where names must be unique. */
static gchar *
without_names (const gchar *text)
{
  g_autoptr (GRegex) regex
      = g_regex_new ("\\bname=\\S+", G_REGEX_DEFAULT, 0, NULL);

  return g_regex_replace_literal (regex, text, -1, 0, "", 0, NULL);
}

/* @text with width=, height= and framerate= set. */
static gchar *
with_size (const gchar *text, guint width, guint height, guint fps)
{
  g_autofree gchar *w = NULL, *h = NULL;
  g_autoptr (GRegex) rw = g_regex_new ("\\bwidth=\\d+", 0, 0, NULL);
  g_autoptr (GRegex) rh = g_regex_new ("\\bheight=\\d+", 0, 0, NULL);
  g_autoptr (GRegex) rf = g_regex_new ("\\bframerate=\\d+/\\d+", 0, 0, NULL);
  g_autofree gchar *sw = g_strdup_printf ("width=%u", width);
  g_autofree gchar *sh = g_strdup_printf ("height=%u", height);
  g_autofree gchar *sf = g_strdup_printf ("framerate=%u/1", fps);

  w = g_regex_replace_literal (rw, text, -1, 0, sw, 0, NULL);
  h = g_regex_replace_literal (rh, w, -1, 0, sh, 0, NULL);
  return g_regex_replace_literal (rf, h, -1, 0, sf, 0, NULL);
}

/* @text with the first @what replaced by @with, or NULL without one. */
static gchar *
replace_once (const gchar *text, const gchar *what, const gchar *with)
{
  const gchar *at = strstr (text, what);

  if (at == NULL)
    return NULL;
  return g_strdup_printf ("%.*s%s%s", (gint)(at - text), text, with,
                          at + strlen (what));
}

/* Comments out, lines joined: gst-launch takes one description. */
static gchar *
pipeline_line (const gchar *name, GError **error)
{
  g_autofree gchar *text = hc_pipeline_text (name, error);
  g_auto (GStrv) lines = NULL;
  GString *out;

  if (text == NULL)
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  out = g_string_new (NULL);
  for (guint i = 0; lines[i]; i++)
    if (lines[i][0] != '#')
      g_string_append_printf (out, "%s ", lines[i]);
  return g_string_free (out, FALSE);
}

/* The measured graph: pipelines/ texts, 2x2 grid tiles, fakesinks. */
static gchar *
floor_description (guint width, guint height, guint fps, GError **error)
{
  g_autofree gchar *vin = pipeline_line ("mcu-video-input", error);
  g_autofree gchar *vout = vin ? pipeline_line ("mcu-video", error) : NULL;
  g_autofree gchar *ain
      = vout ? pipeline_line ("mcu-audio-input", error) : NULL;
  g_autofree gchar *aout
      = ain ? pipeline_line ("mcu-audio-output", error) : NULL;
  g_autofree gchar *amix = aout ? pipeline_line ("mcu-audio", error) : NULL;
  g_autofree gchar *tile = NULL, *input = NULL, *sized = NULL, *mix = NULL;
  g_autofree gchar *placed = NULL, *audio_output = NULL, *audio_input = NULL;
  g_autoptr (GString) positions = NULL;
  GString *d;

  if (amix == NULL)
    return NULL;
  tile = with_size (vin, width / 2, height / 2, fps);
  input = without_names (tile);
  sized = with_size (vout, width, height, fps);
  mix = without_names (sized);
  /* The compositor gets its name back, and the 2x2 grid as pad
   * properties. */
  positions = g_string_new ("compositor name=mix");
  for (guint i = 0; i < PUBLISHERS; i++)
    g_string_append_printf (positions, " sink_%u::xpos=%u sink_%u::ypos=%u", i,
                            (i % 2) * width / 2, i, (i / 2) * height / 2);
  placed = replace_once (mix, "compositor", positions->str);
  if (placed == NULL) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         "mcu-video.pipeline has no compositor");
    return NULL;
  }
  d = g_string_new (placed);
  g_string_append (d, "! fakesink sync=false ");
  for (guint i = 0; i < PUBLISHERS; i++)
    g_string_append_printf (
        d,
        "udpsrc port=%u caps=\"application/x-rtp,media=video,"
        "encoding-name=VP8,clock-rate=90000,payload=96\" ! %s ! mix.sink_%u ",
        FLOOR_PORT_BASE + i, input, i);
  audio_output = without_names (aout);
  audio_input = without_names (ain);
  /* The server's own mix-minus element (mcu-audio.pipeline, named "minus"
   * there), as with one MCU receiver who publishes a voice: the plain sum
   * and one pool output, each encoded; five voices (the receiver's too). */
  g_string_append_printf (
      d,
      "%s ! %s ! fakesink sync=false async=false "
      "minus.pool_0 ! %s ! fakesink sync=false async=false ",
      amix, audio_output, audio_output);
  g_string_append (d, " ");
  for (guint i = 0; i < PUBLISHERS + 1; i++)
    g_string_append_printf (d,
                            "udpsrc port=%u caps=\"application/x-rtp,"
                            "media=audio,encoding-name=OPUS,clock-rate=48000,"
                            "payload=111\" ! %s ! minus. ",
                            FLOOR_PORT_BASE + PUBLISHERS + i, audio_input);
  return g_string_free (d, FALSE);
}

/* The floor's inputs: what the publishers send, from live test sources. */
static gchar *
sources_description (const HcBenchContext *ctx, guint width, guint height,
                     guint fps)
{
  GString *d = g_string_new (NULL);

  /* the MCU receiver's voice */
  g_string_append_printf (d,
                          "audiotestsrc is-live=true freq=250 ! opusenc ! "
                          "rtpopuspay pt=111 ! udpsink host=127.0.0.1 port=%u ",
                          FLOOR_PORT_BASE + 2 * PUBLISHERS);
  for (guint i = 0; i < PUBLISHERS; i++)
    g_string_append_printf (
        d,
        "videotestsrc is-live=true pattern=ball ! video/x-raw,width=%u,"
        "height=%u,framerate=%u/1 ! vp8enc deadline=1 cpu-used=8 "
        "target-bitrate=%u keyframe-max-dist=%u ! rtpvp8pay pt=96 ! "
        "udpsink host=127.0.0.1 port=%u "
        "audiotestsrc is-live=true freq=%u ! opusenc ! rtpopuspay pt=111 ! "
        "udpsink host=127.0.0.1 port=%u ",
        width, height, fps, (guint)(hc_bench_clip_get_kbps (ctx->video) * 1000),
        fps, FLOOR_PORT_BASE + i, 300 + 100 * i,
        FLOOR_PORT_BASE + PUBLISHERS + i);
  return g_string_free (d, FALSE);
}

/* gst-launch-1.0 finds hcmixminus in the plugin built next to us. */
static GSubprocess *
gst_launch (const gchar *description, GError **error)
{
  g_auto (GStrv) argv = NULL;
  g_autofree gchar *command
      = g_strdup_printf ("gst-launch-1.0 -q %s", description);
  g_autofree gchar *plugins
      = g_build_filename (HC_BENCH_BUILD_DIR, "..", "media", NULL);
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);

  if (!g_shell_parse_argv (command, NULL, &argv, error))
    return NULL;
  g_subprocess_launcher_setenv (launcher, "GST_PLUGIN_PATH", plugins, TRUE);
  return g_subprocess_launcher_spawnv (launcher, (const gchar *const *)argv,
                                       error);
}

gchar *
hc_bench_mcu_floor (const HcBenchContext *ctx, const gchar *profile,
                    guint width, guint height, guint fps, guint in_width,
                    guint in_height, guint in_fps, gdouble *cpu_out)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *graph = floor_description (width, height, fps, &error);
  g_autofree gchar *inputs = NULL;
  g_autoptr (GSubprocess) floor = NULL;
  g_autoptr (GSubprocess) sources = NULL;
  gdouble cpu;
  gboolean alive;

  *cpu_out = -1;
  if (graph == NULL)
    return g_strdup_printf ("%-9s floor      not run: %s", profile,
                            error->message);
  g_debug ("floor %s: gst-launch-1.0 %s", profile, graph);
  floor = gst_launch (graph, &error);
  inputs = sources_description (ctx, in_width, in_height, in_fps);
  /* The graph listens before the sources send, and they send a keyframe
   * every second (nothing carries the depayloaders' requests back over
   * UDP): else the decoders wait seconds for one and the floor measures
   * a composite of black tiles. */
  hc_bench_sleep (1000);
  if (floor)
    sources = gst_launch (inputs, &error);
  if (floor == NULL || sources == NULL) {
    if (floor && g_subprocess_get_identifier (floor))
      g_subprocess_force_exit (floor);
    return g_strdup_printf ("%-9s floor      not run: %s", profile,
                            error->message);
  }
  hc_bench_sleep (WARMUP_MS);
  cpu = measure_cpu (
      g_ascii_strtoll (g_subprocess_get_identifier (floor), NULL, 10),
      ctx->measure_s);
  alive = g_subprocess_get_identifier (floor) != NULL;
  for (GSubprocess **p = (GSubprocess *[]){ sources, floor, NULL }; *p; p++)
    if (g_subprocess_get_identifier (*p))
      g_subprocess_force_exit (*p);
  g_subprocess_wait (sources, NULL, NULL);
  g_subprocess_wait (floor, NULL, NULL);
  if (alive)
    *cpu_out = cpu;
  if (!alive || cpu < 0)
    return g_strdup_printf ("%-9s floor      gst-launch-1.0 stopped early "
                            "(a pipeline error)",
                            profile);
  return g_strdup_printf ("%-9s floor      gst-launch-1.0 %5.1f%% of a core "
                          "(4 VP8 + 5 Opus decodes, composite, 1 VP8 + 2 "
                          "Opus encodes)",
                          profile, cpu);
}
