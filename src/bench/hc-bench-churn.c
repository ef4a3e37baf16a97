/* hyperconf-bench — churn: participants join and leave, over and over,
 * next to one resident, a few at a time; the server's RSS, open fds,
 * threads and the room pipeline's elements are taken before and after.
 * A cycle is a join until the resident's audio and video arrive, then a
 * leave (session closed).  Against hyperconf, one cycle in three instead
 * vanishes mid-negotiation (socket closed with no `close`) once the
 * server has the join offer, and one in three when its answer arrives,
 * before ICE connects: the server ends those after its grace period, so
 * the "after" figures wait for the pipeline to be back to its count. */
#include "hc-bench-scenarios.h"
#include "hc-bench-roomset.h"
#include "hc-bench-util.h"

/* generous: an ASan build of the server is several times slower */
#define CYCLE_TIMEOUT_US (30 * G_USEC_PER_SEC)
/* Cycles run before the "before" figures, so that one-time allocations
 * (plugin loading, caches, pools) are not counted as growth. */
#define WARMUP_CYCLES 10
#define SETTLE_MS     3000
/* After the measured cycles (one at a time), a few run two at a time:
 * joins and leaves overlapping in one room is a case of its own. */
#define CONCURRENT_CYCLES   20
#define CONCURRENT_PARALLEL 2
/* Vanished participants stay for the node's grace period (10 s by
 * default) before the server ends them. */
#define GONE_TIMEOUT_MS 60000
/* A vanishing cycle starts only while the room holds fewer than this
 * (the resident and those still in their grace period): the spawned
 * server takes 16 per room. */
#define MAX_LINGERING 8

typedef struct {
  HcBenchContext *ctx;
  const gchar *room;
  HcBenchClient *slots[16];
  gint64 started[16];
  guint parallel;
  guint to_start;
  guint done;
  guint failed;
  gboolean vanishing; /* some cycles vanish (hyperconf only) */
  guint n_started;
  gint64 full_until; /* room_too_full() until then */
  guint vanished[3]; /* by HcBenchVanish */
  gboolean server_hung;
} Churn;

static gboolean
cycle_done (HcBenchClient *c, gint64 started)
{
  HcBenchRecv *recv = hc_bench_client_get_recv (c);

  if (hc_bench_client_get_state (c) == HC_BENCH_CLIENT_FAILED
      || hc_bench_client_get_state (c) == HC_BENCH_CLIENT_VANISHED)
    return TRUE;
  if (hc_bench_now () - started > CYCLE_TIMEOUT_US)
    return TRUE;
  /* Done once the resident's audio and video reach the joiner: every
   * negotiation of the join is over, so the leave that follows tears down
   * a settled participant (leaving mid-negotiation is the latency
   * scenario's and the ramp's business). */
  return hc_bench_client_get_state (c) == HC_BENCH_CLIENT_JOINED
         && hc_bench_client_is_connected (c) && recv
         && hc_bench_recv_count_flowing (recv, "audio", 1) > 0
         && hc_bench_recv_count_flowing (recv, "video", 1) > 0;
}

/* Leave, vanish once the offer is sent, vanish when the answer comes. */
static HcBenchVanish
next_vanish (Churn *churn)
{
  return churn->vanishing ? churn->n_started % 3 : HC_BENCH_VANISH_NEVER;
}

/* Before a vanishing cycle: are too many earlier ones still in their
 * grace period?  Asked at most twice a second. */
static gboolean
room_too_full (Churn *churn)
{
  if (next_vanish (churn) == HC_BENCH_VANISH_NEVER)
    return FALSE;
  if (hc_bench_now () < churn->full_until)
    return TRUE;
  if (hc_bench_server_count_participants (churn->ctx->server,
                                          churn->ctx->session, churn->room)
      < MAX_LINGERING)
    return FALSE;
  churn->full_until = hc_bench_now () + G_USEC_PER_SEC / 2;
  return TRUE;
}

static gboolean
churn_step (gpointer user_data)
{
  Churn *churn = user_data;
  gboolean idle = TRUE;

  for (guint i = 0; i < churn->parallel; i++) {
    HcBenchClient *c = churn->slots[i];

    if (c && cycle_done (c, churn->started[i])) {
      HcBenchVanish vanish = hc_bench_client_get_config (c)->vanish;

      if (vanish != HC_BENCH_VANISH_NEVER
          && hc_bench_client_get_state (c) == HC_BENCH_CLIENT_VANISHED) {
        churn->vanished[vanish]++;
      } else if (hc_bench_client_get_state (c) != HC_BENCH_CLIENT_JOINED
                 || !hc_bench_client_is_connected (c)) {
        churn->failed++;
        /* A failed join: is the server still there at all? */
        if (!churn->server_hung)
          churn->server_hung = !hc_bench_server_is_alive (churn->ctx->server,
                                                          churn->ctx->session);
      }
      hc_bench_client_leave (c);
      g_clear_object (&churn->slots[i]);
      churn->done++;
    }
    if (churn->slots[i] == NULL && churn->to_start > 0 && !churn->server_hung
        && hc_bench_now () < churn->ctx->deadline && !room_too_full (churn)) {
      g_autofree gchar *name
          = g_strdup_printf ("%s-c%u", churn->room, churn->to_start);
      HcBenchVanish vanish = next_vanish (churn);

      churn->to_start--;
      churn->n_started++;
      churn->slots[i] = hc_bench_context_new_client_full (
          churn->ctx, churn->room, name, churn->ctx->video, churn->ctx->audio,
          NULL, vanish);
      churn->started[i] = hc_bench_now ();
      hc_bench_client_join (churn->slots[i]);
    }
    if (churn->slots[i])
      idle = FALSE;
  }
  /* Waiting for room is not being done. */
  if (churn->to_start > 0 && !churn->server_hung
      && hc_bench_now () < churn->ctx->deadline)
    idle = FALSE;
  return idle;
}

/* Until the room's pipeline is down to @elements again, or the grace
 * periods are long over (the "after" figures then show what stayed). */
static void
wait_for_elements (Churn *churn, gint elements)
{
  gint64 deadline = hc_bench_now () + GONE_TIMEOUT_MS * (gint64)1000;

  while (elements >= 0 && !churn->server_hung && hc_bench_now () < deadline
         && hc_bench_server_count_room_elements (
                churn->ctx->server, churn->ctx->session, churn->room)
                > elements)
    hc_bench_sleep (1000);
}

static void
run_cycles (Churn *churn, guint cycles)
{
  churn->to_start = cycles;
  /* churn_step is the predicate: it advances the cycles each time the
   * main context wakes up, and is done when no slot is busy. */
  while (!hc_bench_wait (churn_step, churn, 50))
    ;
}

HcBenchChurn *
hc_bench_scenario_churn (HcBenchContext *ctx)
{
  HcBenchChurn *result = g_new0 (HcBenchChurn, 1);
  HcBenchRoomSet *set = hc_bench_room_set_new (ctx);
  g_autoptr (GString) note = g_string_new (NULL);
  GPid pid = hc_bench_server_get_pid (ctx->server);
  Churn churn = { 0 };
  gint64 t0;

  g_printerr ("hyperconf-bench: %s: churn, %u cycles%s, then %u by %u ...\n",
              ctx->label, ctx->churn_cycles,
              ctx->target == HC_BENCH_TARGET_HYPERCONF
                  ? " (2 in 3 vanish mid-negotiation)"
                  : "",
              CONCURRENT_CYCLES, CONCURRENT_PARALLEL);
  hc_bench_room_set_add (set, 1, 1, note);
  churn.ctx = ctx;
  churn.room = hc_bench_client_get_config (
                   g_ptr_array_index (hc_bench_room_set_get_room (set, 0), 0))
                   ->room;
  churn.parallel = 1;

  run_cycles (&churn, WARMUP_CYCLES);
  hc_bench_sleep (SETTLE_MS);
  hc_bench_proc_read (pid, &result->before);
  result->elements_before = hc_bench_server_count_room_elements (
      ctx->server, ctx->session, churn.room);
  result->elements_deep_before
      = hc_bench_server_count_elements (ctx->server, ctx->session, churn.room);

  churn.done = churn.failed = 0;
  churn.vanishing = ctx->target == HC_BENCH_TARGET_HYPERCONF;
  t0 = hc_bench_now ();
  run_cycles (&churn, ctx->churn_cycles);
  churn.vanishing = FALSE;
  result->seconds = (hc_bench_now () - t0) / 1e6;
  result->cycles = churn.done;
  result->failed = churn.failed;
  if (churn.server_hung)
    g_string_append_printf (note,
                            "%sthe server stopped answering (/healthz) "
                            "after %u cycles",
                            note->len ? "; " : "", churn.done);
  else if (churn.done < ctx->churn_cycles)
    g_string_append_printf (note, "%sstopped after %u cycles (time budget)",
                            note->len ? "; " : "", churn.done);

  result->vanished_offered = churn.vanished[HC_BENCH_VANISH_OFFERED];
  result->vanished_answered = churn.vanished[HC_BENCH_VANISH_ANSWERED];
  /* The vanished ones go when their grace period ends. */
  wait_for_elements (&churn, result->elements_before);
  hc_bench_sleep (SETTLE_MS);
  hc_bench_proc_read (pid, &result->after);
  result->elements_after = hc_bench_server_count_room_elements (
      ctx->server, ctx->session, churn.room);
  result->elements_deep_after
      = hc_bench_server_count_elements (ctx->server, ctx->session, churn.room);
  if (!churn.server_hung) {
    churn.done = churn.failed = 0;
    churn.parallel = CONCURRENT_PARALLEL;
    run_cycles (&churn, CONCURRENT_CYCLES);
    result->concurrent_cycles = churn.done;
    result->concurrent_failed = churn.failed;
    result->concurrent_hung = churn.server_hung;
  }
  result->note = g_strdup (note->str);
  hc_bench_room_set_free (set);
  return result;
}
