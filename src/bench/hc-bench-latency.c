/* hyperconf-bench — join-to-first-frame latency: one participant after
 * the other joins a room where others already publish; for each publisher
 * the time from the start of the join (WebSocket, session, offer, ICE,
 * DTLS, the server's offer, its keyframe request) to the first VP8
 * keyframe received from it.  That is what a person joining sees: the
 * first picture of each of the others. */
#include "hc-bench-scenarios.h"
#include "hc-bench-roomset.h"
#include "hc-bench-util.h"

#define FIRST_FRAME_TIMEOUT_MS 10000
/* Between joins: let the server renegotiate with the residents after a
 * leave, so that each join starts from the same state. */
#define SETTLE_MS 1000

typedef struct {
  HcBenchClient *client;
  guint publishers;
  gint64 joined;    /* when the server accepted the join */
  gint64 connected; /* when ICE and DTLS were up */
} Joiner;

static gboolean
keyframes_from_all (gpointer user_data)
{
  Joiner *joiner = user_data;
  HcBenchRecv *recv = hc_bench_client_get_recv (joiner->client);
  g_autoptr (GArray) times = NULL;

  if (hc_bench_client_get_state (joiner->client) == HC_BENCH_CLIENT_FAILED)
    return TRUE;
  /* Called at each main-context wake-up: precise enough for phases. */
  if (joiner->joined == 0
      && hc_bench_client_get_state (joiner->client) == HC_BENCH_CLIENT_JOINED)
    joiner->joined = hc_bench_now ();
  if (joiner->connected == 0 && hc_bench_client_is_connected (joiner->client))
    joiner->connected = hc_bench_now ();
  if (recv == NULL)
    return FALSE;
  times = hc_bench_recv_get_keyframe_times (recv);
  return times->len >= joiner->publishers;
}

static void
add_phase (GArray *phases, gint64 when, HcBenchClient *client)
{
  gint64 t = when - hc_bench_client_get_join_start (client);

  if (when)
    g_array_append_val (phases, t);
}

static guint
keyframe_requests (GPtrArray *clients)
{
  guint n = 0;

  for (guint i = 0; i < clients->len; i++)
    n += hc_bench_client_get_keyframe_requests (g_ptr_array_index (clients, i));
  return n;
}

HcBenchLatency *
hc_bench_scenario_latency (HcBenchContext *ctx, guint room_size)
{
  HcBenchLatency *result = g_new0 (HcBenchLatency, 1);
  HcBenchRoomSet *set = hc_bench_room_set_new (ctx);
  g_autoptr (GString) note = g_string_new (NULL);
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) joined = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) connected = g_array_new (FALSE, FALSE, sizeof (gint64));
  GPtrArray *residents;
  const gchar *room;
  guint publishers = room_size - 1;
  guint requests;

  g_printerr ("hyperconf-bench: %s: join a room of %u ...\n", ctx->label,
              room_size);
  result->room_size = room_size;
  hc_bench_room_set_add (set, 1, publishers, note);
  if (note->len)
    g_printerr ("hyperconf-bench: latency room: %s\n", note->str);
  residents = hc_bench_room_set_get_room (set, 0);
  room = hc_bench_client_get_config (g_ptr_array_index (residents, 0))->room;
  hc_bench_sleep (SETTLE_MS);
  requests = keyframe_requests (residents);
  for (guint j = 0; j < ctx->latency_joins && hc_bench_now () < ctx->deadline;
       j++) {
    g_autofree gchar *name = g_strdup_printf ("%s-joiner%u", room, j);
    Joiner joiner
        = { hc_bench_context_new_client (ctx, room, name), publishers, 0, 0 };
    g_autoptr (GArray) times = NULL;
    HcBenchRecv *recv;

    hc_bench_client_join (joiner.client);
    hc_bench_wait (keyframes_from_all, &joiner, FIRST_FRAME_TIMEOUT_MS);
    recv = hc_bench_client_get_recv (joiner.client);
    times = recv ? hc_bench_recv_get_keyframe_times (recv)
                 : g_array_new (FALSE, FALSE, sizeof (gint64));
    for (guint i = 0; i < times->len; i++)
      add_phase (samples, g_array_index (times, gint64, i), joiner.client);
    add_phase (joined, joiner.joined, joiner.client);
    add_phase (connected, joiner.connected, joiner.client);
    result->joins++;
    result->missing += publishers > times->len ? publishers - times->len : 0;
    hc_bench_client_leave (joiner.client);
    g_object_unref (joiner.client);
    hc_bench_sleep (SETTLE_MS);
  }
  result->keyframe_requests_per_join
      = result->joins ? (gdouble)(keyframe_requests (residents) - requests)
                            / result->joins
                      : 0;
  hc_bench_room_set_free (set);
  result->samples = samples->len;
  result->p50_us = hc_bench_percentile (samples, 50);
  result->p95_us = hc_bench_percentile (samples, 95);
  result->max_us = hc_bench_percentile (samples, 100);
  result->joined_p50_us = hc_bench_percentile (joined, 50);
  result->connected_p50_us = hc_bench_percentile (connected, 50);
  return result;
}
