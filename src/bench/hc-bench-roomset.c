/* hyperconf-bench — HcBenchRoomSet: joining rooms, waiting for media,
 * one measuring window (server CPU from /proc, packets from the
 * subscribers' counters). */
#include "hc-bench-roomset.h"
#include "hc-bench-sender.h"
#include "hc-bench-util.h"

#include <sys/resource.h>

/* Bounds: a join (signalling, ICE, DTLS) and the media of a new room. */
#define JOIN_TIMEOUT_MS       20000
#define FLOW_TIMEOUT_MS       20000
#define ROOMS_GONE_TIMEOUT_MS 30000
/* Packets a stream must have received to count as flowing. */
#define FLOWING_PACKETS 5

typedef struct {
  gchar *name;
  GPtrArray *clients; /* HcBenchClient */
} Room;

struct _HcBenchRoomSet {
  HcBenchContext *ctx;
  GPtrArray *rooms; /* Room */
  HcBenchProc idle;
  gint64 started;
};

static void
room_free (gpointer data)
{
  Room *room = data;

  for (guint i = 0; i < room->clients->len; i++)
    hc_bench_client_leave (g_ptr_array_index (room->clients, i));
  g_ptr_array_unref (room->clients);
  g_free (room->name);
  g_free (room);
}

HcBenchRoomSet *
hc_bench_room_set_new (HcBenchContext *ctx)
{
  HcBenchRoomSet *self = g_new0 (HcBenchRoomSet, 1);

  self->ctx = ctx;
  self->rooms = g_ptr_array_new_with_free_func (room_free);
  hc_bench_proc_read (hc_bench_server_get_pid (ctx->server), &self->idle);
  return self;
}

static gboolean
room_gone_or_unknown (gpointer user_data)
{
  HcBenchContext *ctx = user_data;

  /* Ask twice a second, not at every main-context iteration. */
  hc_bench_sleep (200);
  return hc_bench_server_count_rooms (ctx->server, ctx->session) <= 0;
}

void
hc_bench_room_set_free (HcBenchRoomSet *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->rooms);
  /* The next scenario starts from an empty server (Janus: no admin API
   * here, count_rooms says -1 and we go on). */
  if (!hc_bench_wait (room_gone_or_unknown, self->ctx, ROOMS_GONE_TIMEOUT_MS))
    g_printerr ("hyperconf-bench: rooms still open %u s after everyone "
                "left\n",
                ROOMS_GONE_TIMEOUT_MS / 1000);
  g_free (self);
}

guint
hc_bench_room_set_get_n_rooms (HcBenchRoomSet *self)
{
  return self->rooms->len;
}

GPtrArray *
hc_bench_room_set_get_room (HcBenchRoomSet *self, guint i)
{
  return ((Room *)g_ptr_array_index (self->rooms, i))->clients;
}

/* ---- joining ---------------------------------------------------------- */

static gboolean
wave_settled (gpointer user_data)
{
  GPtrArray *wave = user_data;

  for (guint i = 0; i < wave->len; i++) {
    HcBenchClient *c = g_ptr_array_index (wave, i);
    HcBenchClientState state = hc_bench_client_get_state (c);

    if (state == HC_BENCH_CLIENT_FAILED)
      continue;
    if (state != HC_BENCH_CLIENT_JOINED || !hc_bench_client_is_connected (c))
      return FALSE;
  }
  return TRUE;
}

static guint
joined_in (Room *room)
{
  guint n = 0;

  for (guint i = 0; i < room->clients->len; i++)
    if (hc_bench_client_get_state (g_ptr_array_index (room->clients, i))
        == HC_BENCH_CLIENT_JOINED)
      n++;
  return n;
}

/* Every joined participant receives audio and video from every other
 * joined participant of its room. */
static gboolean
all_flowing (gpointer user_data)
{
  HcBenchRoomSet *self = user_data;

  for (guint r = 0; r < self->rooms->len; r++) {
    Room *room = g_ptr_array_index (self->rooms, r);
    guint others = joined_in (room) - 1;

    for (guint i = 0; i < room->clients->len; i++) {
      HcBenchClient *c = g_ptr_array_index (room->clients, i);
      HcBenchRecv *recv = hc_bench_client_get_recv (c);

      if (hc_bench_client_get_state (c) != HC_BENCH_CLIENT_JOINED)
        continue;
      if (recv == NULL
          || hc_bench_recv_count_flowing (recv, "audio", FLOWING_PACKETS)
                 < others
          || hc_bench_recv_count_flowing (recv, "video", FLOWING_PACKETS)
                 < others)
        return FALSE;
    }
  }
  return TRUE;
}

gboolean
hc_bench_room_set_add (HcBenchRoomSet *self, guint n, guint per_room,
                       GString *note)
{
  HcBenchContext *ctx = self->ctx;
  guint first = self->rooms->len;
  gboolean ok = TRUE;

  if (self->started == 0)
    self->started = hc_bench_now ();
  for (guint r = 0; r < n; r++) {
    Room *room = g_new0 (Room, 1);

    room->name = hc_bench_context_room_name (ctx, "room");
    room->clients = g_ptr_array_new_with_free_func (g_object_unref);
    g_ptr_array_add (self->rooms, room);
  }
  for (guint i = 0; i < per_room; i++) {
    g_autoptr (GPtrArray) wave = g_ptr_array_new ();

    for (guint r = first; r < self->rooms->len; r++) {
      Room *room = g_ptr_array_index (self->rooms, r);
      g_autofree gchar *name = g_strdup_printf ("%s-p%u", room->name, i);
      HcBenchClient *c = hc_bench_context_new_client (ctx, room->name, name);

      g_ptr_array_add (room->clients, c);
      g_ptr_array_add (wave, c);
      hc_bench_client_join (c);
    }
    hc_bench_wait (wave_settled, wave, JOIN_TIMEOUT_MS);
    for (guint j = 0; j < wave->len; j++) {
      HcBenchClient *c = g_ptr_array_index (wave, j);

      if (hc_bench_client_get_state (c) != HC_BENCH_CLIENT_JOINED
          || !hc_bench_client_is_connected (c)) {
        const gchar *error = hc_bench_client_get_error (c);

        g_string_append_printf (
            note, "%s%s did not join: %s", note->len ? "; " : "",
            hc_bench_client_get_config (c)->name, error ? error : "timed out");
        /* Counted as failed from now on. */
        hc_bench_client_set_state (c, HC_BENCH_CLIENT_FAILED, NULL);
        ok = FALSE;
      }
    }
  }
  if (!hc_bench_wait (all_flowing, self, FLOW_TIMEOUT_MS)) {
    g_string_append_printf (note, "%snot every stream flowed within %u s",
                            note->len ? "; " : "", FLOW_TIMEOUT_MS / 1000);
    ok = FALSE;
  }
  return ok;
}

/* ---- measuring -------------------------------------------------------- */

static gint64
own_cpu_us (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC
         + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

void
hc_bench_room_set_measure (HcBenchRoomSet *self, guint seconds,
                           HcBenchLoad *load)
{
  GPid pid = hc_bench_server_get_pid (self->ctx->server);
  HcBenchProc before, after;
  guint64 busy0 = 0, total0 = 0, busy1 = 0, total1 = 0;
  gint64 t0, t1, own0, own1;
  guint skips0;
  gboolean have_proc;

  load->setup_s = (hc_bench_now () - self->started) / 1e6;
  for (guint r = 0; r < self->rooms->len; r++) {
    Room *room = g_ptr_array_index (self->rooms, r);

    for (guint i = 0; i < room->clients->len; i++) {
      HcBenchRecv *recv
          = hc_bench_client_get_recv (g_ptr_array_index (room->clients, i));

      if (recv)
        hc_bench_recv_mark (recv);
    }
  }
  have_proc = hc_bench_proc_read (pid, &before);
  hc_bench_machine_cpu (&busy0, &total0);
  own0 = own_cpu_us ();
  skips0 = hc_bench_sender_get_late_skips ();
  t0 = hc_bench_now ();

  hc_bench_sleep (seconds * 1000);

  t1 = hc_bench_now ();
  have_proc = hc_bench_proc_read (pid, &after) && have_proc;
  hc_bench_machine_cpu (&busy1, &total1);
  own1 = own_cpu_us ();

  load->rooms = self->rooms->len;
  load->seconds = (t1 - t0) / 1e6;
  load->participants = 0;
  load->failed_joins = 0;
  load->expected_streams = 0;
  load->streams = 0;
  load->packets = 0;
  load->lost = 0;
  for (guint r = 0; r < self->rooms->len; r++) {
    Room *room = g_ptr_array_index (self->rooms, r);
    guint joined = joined_in (room);

    load->per_room = MAX (load->per_room, room->clients->len);
    load->participants += joined;
    load->failed_joins += room->clients->len - joined;
    load->expected_streams += joined * (joined - 1) * 2;
    for (guint i = 0; i < room->clients->len; i++) {
      HcBenchClient *c = g_ptr_array_index (room->clients, i);
      HcBenchRecv *recv = hc_bench_client_get_recv (c);
      HcBenchCounts counts;

      if (recv == NULL
          || hc_bench_client_get_state (c) != HC_BENCH_CLIENT_JOINED)
        continue;
      hc_bench_recv_get_window (recv, &counts);
      load->packets += counts.packets;
      load->lost += counts.lost;
      load->streams += counts.streams;
    }
  }
  load->pps = load->packets / load->seconds;
  /* Every joined participant should get each other's clips in full:
   * far less means the server or the load generator cannot keep up. */
  load->expected_pps = 0;
  for (guint r = 0; r < self->rooms->len; r++) {
    guint joined = joined_in (g_ptr_array_index (self->rooms, r));

    load->expected_pps += joined * (joined ? joined - 1 : 0)
                          * (hc_bench_clip_get_pps (self->ctx->video)
                             + hc_bench_clip_get_pps (self->ctx->audio));
  }
  load->loss_pct = load->packets + load->lost > 0
                       ? 100.0 * load->lost / (load->packets + load->lost)
                       : 0;
  load->machine_cpu_pct
      = total1 > total0 ? 100.0 * (busy1 - busy0) / (total1 - total0) : -1;
  load->bench_cpu_pct = 100.0 * (own1 - own0) / (t1 - t0);
  load->others_cpu_pct = -1;
  load->pacer_skips = hc_bench_sender_get_late_skips () - skips0;
  load->idle = self->idle;
  if (have_proc) {
    gint64 cpu = after.cpu_us - before.cpu_us;

    load->loaded = after;
    load->server_cpu_pct = 100.0 * cpu / (t1 - t0);
    /* Other people's jobs on a shared machine skew every figure: show
     * how much CPU they took meanwhile. */
    if (load->machine_cpu_pct >= 0)
      load->others_cpu_pct
          = MAX (0, load->machine_cpu_pct * g_get_num_processors ()
                        - load->server_cpu_pct - load->bench_cpu_pct);
    load->cpu_us_per_packet
        = load->packets > 0 ? (gdouble)cpu / load->packets : -1;
    load->switches_per_packet
        = load->packets > 0
              ? (gdouble)(after.ctx_switches - before.ctx_switches)
                    / load->packets
              : -1;
    if (load->participants > 0) {
      load->rss_kb_per_participant
          = (gdouble)(after.rss_kb - self->idle.rss_kb) / load->participants;
      load->threads_per_participant
          = (gdouble)(after.threads - self->ctx->server_fresh.threads)
            / load->participants;
    }
  } else {
    load->server_cpu_pct = -1;
    load->cpu_us_per_packet = -1;
    load->switches_per_packet = -1;
    load->rss_kb_per_participant = -1;
    load->threads_per_participant = -1;
  }
}
