/* hyperconf-bench — the load scenarios: smoke, rooms x participants, and
 * the ramp. */
#include "hc-bench-scenarios.h"
#include "hc-bench-roomset.h"
#include "hc-bench-util.h"

#define SMOKE_MEDIA_S 3
/* Let the jitter buffers, keyframe requests and renegotiations of the
 * last joins settle before measuring. */
#define WARMUP_MS 2000
/* Stop the ramp when the server and the load generator together use this
 * share of the machine's cores (other people's jobs on a shared machine
 * do not count: loss would show their effect anyway). */
#define SATURATED_PCT  95.0
#define MAX_LOSS_PCT   1.0
#define RAMP_ROOM_SIZE 5

gboolean
hc_bench_scenario_smoke (HcBenchContext *ctx, HcBenchResults *results)
{
  HcBenchRoomSet *set = hc_bench_room_set_new (ctx);
  g_autoptr (GString) note = g_string_new (NULL);
  HcBenchLoad *load = hc_bench_load_new ("smoke 1x2");
  GPtrArray *room;
  gboolean ok;

  ok = hc_bench_room_set_add (set, 1, 2, note);
  hc_bench_room_set_measure (set, SMOKE_MEDIA_S, load);
  /* Media in every direction: each one got audio and video from the
   * other, and more of it during the window. */
  room = hc_bench_room_set_get_room (set, 0);
  for (guint i = 0; i < room->len; i++) {
    HcBenchClient *c = g_ptr_array_index (room, i);
    HcBenchRecv *recv = hc_bench_client_get_recv (c);
    HcBenchCounts window;

    if (recv == NULL) {
      ok = FALSE;
      continue;
    }
    hc_bench_recv_get_window (recv, &window);
    if (window.audio_streams < 1 || window.video_streams < 1) {
      g_string_append_printf (
          note, "%s%s received %u audio and %u video streams",
          note->len ? "; " : "", hc_bench_client_get_config (c)->name,
          window.audio_streams, window.video_streams);
      ok = FALSE;
    }
  }
  hc_bench_room_set_free (set);
  load->note = g_strdup (note->str);
  g_ptr_array_add (results->loads, load);
  results->smoke_ran = TRUE;
  results->smoke_ok = ok;
  results->smoke_note = g_strdup (note->str);
  return ok;
}

void
hc_bench_scenario_warmup (HcBenchContext *ctx)
{
  HcBenchRoomSet *set = hc_bench_room_set_new (ctx);
  g_autoptr (GString) note = g_string_new (NULL);

  g_printerr ("hyperconf-bench: %s: warm-up ...\n", ctx->label);
  hc_bench_room_set_add (set, 1, 2, note);
  hc_bench_sleep (WARMUP_MS);
  hc_bench_room_set_free (set);
}

HcBenchLoad *
hc_bench_scenario_load (HcBenchContext *ctx, guint rooms, guint per_room)
{
  g_autofree gchar *name = g_strdup_printf ("%ux%u", rooms, per_room);
  HcBenchLoad *load = hc_bench_load_new (name);
  HcBenchRoomSet *set = hc_bench_room_set_new (ctx);
  g_autoptr (GString) note = g_string_new (NULL);

  g_printerr ("hyperconf-bench: %s: %s ...\n", ctx->label, name);
  hc_bench_room_set_add (set, rooms, per_room, note);
  hc_bench_sleep (WARMUP_MS);
  hc_bench_room_set_measure (set, ctx->measure_s, load);
  hc_bench_room_set_free (set);
  load->note = g_strdup (note->str);
  return load;
}

void
hc_bench_scenario_ramp (HcBenchContext *ctx, HcBenchResults *results)
{
  HcBenchRoomSet *set = hc_bench_room_set_new (ctx);
  g_autofree gchar *stop = NULL;

  results->ramp_max_streams = 0;
  for (guint rooms = 1; stop == NULL; rooms++) {
    g_autofree gchar *name
        = g_strdup_printf ("ramp %ux%u", rooms, RAMP_ROOM_SIZE);
    HcBenchLoad *load = hc_bench_load_new (name);
    g_autoptr (GString) note = g_string_new (NULL);

    g_printerr ("hyperconf-bench: %s: %s ...\n", ctx->label, name);
    if (!hc_bench_room_set_add (set, 1, RAMP_ROOM_SIZE, note))
      stop = g_strdup_printf ("at %u rooms: %s", rooms, note->str);
    hc_bench_sleep (WARMUP_MS);
    hc_bench_room_set_measure (set, ctx->ramp_measure_s, load);
    load->note = g_strdup (note->str);
    g_ptr_array_add (results->loads, load);
    if (load->loss_pct <= MAX_LOSS_PCT && stop == NULL)
      results->ramp_max_streams
          = MAX (results->ramp_max_streams, load->streams);
    if (stop)
      break;
    if (load->loss_pct > MAX_LOSS_PCT)
      stop = g_strdup_printf ("at %u rooms: loss %.2f%% > %.0f%%", rooms,
                              load->loss_pct, MAX_LOSS_PCT);
    else if (load->server_cpu_pct + load->bench_cpu_pct
             >= SATURATED_PCT * g_get_num_processors ())
      stop = g_strdup_printf ("at %u rooms: server + load generator use "
                              "%.0f%% of %u cores (saturated)",
                              rooms,
                              (load->server_cpu_pct + load->bench_cpu_pct)
                                  / g_get_num_processors (),
                              g_get_num_processors ());
    else if (rooms >= ctx->ramp_max_rooms)
      stop = g_strdup_printf ("at %u rooms: the --ramp-max-rooms limit", rooms);
    else if (hc_bench_now () > ctx->deadline)
      stop = g_strdup_printf ("at %u rooms: out of time", rooms);
  }
  results->ramp_stop = g_steal_pointer (&stop);
  hc_bench_room_set_free (set);
}
