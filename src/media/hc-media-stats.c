/* hyperconf — per-participant statistics for the admin API
 * (hc_media_room_get_stats_async, hc-media-room.h).
 *
 *   get-stats ─▶ sample ─┬─ a recent earlier sample? ─▶ rates against it
 *                        └─ none: wait RATE_WINDOW_MS, get-stats again,
 *                                 rates between the two
 *
 * webrtcbin's report is one GstStructure per stats object (W3C
 * webrtc-stats, GStreamer spelling).  The participant's publishing shows
 * in "inbound-rtp" (what the server receives from it); what the server
 * sends it, in "outbound-rtp" and in the participant's own receiver
 * reports, "remote-inbound-rtp" (its loss and the round-trip time).
 * What the participant's hcsrtpsend sent itself (the lean send path,
 * hc-lean-send.h) never passed webrtcbin's RTP session: its own counters
 * are added to "outbound-rtp"'s.  Everything runs on the room's main
 * context.
 */
#include "hc-room-private.h"

#include <string.h>

#define SAMPLE_KEY "hc-media-stats-sample"
/* Rates come from two samples at least this far apart ... */
#define RATE_WINDOW_MS 1000
/* ... and an earlier sample older than this is not reused. */
#define SAMPLE_MAX_AGE_US (30 * G_USEC_PER_SEC)

typedef struct {
  gint64 at_us; /* monotonic */
  guint64 bytes_received, bytes_sent;
} Sample;

typedef struct {
  gchar *pid;
  HcPeer *peer;
  GstElement *lean; /* its hcsrtpsend, or NULL */
  Sample first;
  gboolean waited;
} StatsOp;

static void
stats_op_free (StatsOp *op)
{
  g_free (op->pid);
  g_clear_object (&op->peer);
  gst_clear_object (&op->lean);
  g_free (op);
}

/* A numeric field whatever its GType (packets-lost is an int in one
 * GStreamer release and an int64 in the next). */
static gboolean
number (const GstStructure *s, const gchar *field, gdouble *out)
{
  const GValue *value = gst_structure_get_value (s, field);
  GValue as_double = G_VALUE_INIT;

  if (value == NULL
      || !g_value_type_transformable (G_VALUE_TYPE (value), G_TYPE_DOUBLE))
    return FALSE;
  g_value_init (&as_double, G_TYPE_DOUBLE);
  g_value_transform (value, &as_double);
  *out = g_value_get_double (&as_double);
  return TRUE;
}

static gboolean
add_stats_object (GQuark field, const GValue *value, gpointer user_data)
{
  HcMediaStats *stats = user_data;
  const GstStructure *s;
  GstWebRTCStatsType type;
  gdouble v;

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;
  s = gst_value_get_structure (value);
  if (!gst_structure_get (s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, NULL))
    return TRUE;
  switch (type) {
    case GST_WEBRTC_STATS_INBOUND_RTP:
      if (number (s, "bytes-received", &v))
        stats->bytes_received += (guint64)v;
      if (number (s, "packets-received", &v))
        stats->packets_received += (guint64)v;
      if (number (s, "packets-lost", &v))
        stats->packets_lost_in += (gint64)v;
      break;
    case GST_WEBRTC_STATS_OUTBOUND_RTP:
      if (number (s, "bytes-sent", &v))
        stats->bytes_sent += (guint64)v;
      if (number (s, "packets-sent", &v))
        stats->packets_sent += (guint64)v;
      break;
    case GST_WEBRTC_STATS_REMOTE_INBOUND_RTP:
      if (number (s, "packets-lost", &v))
        stats->packets_lost_out += (gint64)v;
      if (number (s, "fraction-lost", &v))
        stats->fraction_lost_out = MAX (stats->fraction_lost_out, v);
      /* 0 until a receiver report with a delay came back */
      if (number (s, "round-trip-time", &v) && v > 0)
        stats->rtt_s = MAX (stats->rtt_s, v);
      break;
    default:
      break;
  }
  return TRUE;
}

static void
summarize (const GstStructure *report, HcMediaStats *stats)
{
  memset (stats, 0, sizeof *stats);
  stats->rtt_s = -1;
  gst_structure_foreach (report, add_stats_object, stats);
}

static void got_stats (GObject *source, GAsyncResult *result,
                       gpointer user_data);

static gboolean
sample_again (gpointer user_data)
{
  GTask *task = user_data;
  StatsOp *op = g_task_get_task_data (task);

  hc_peer_get_stats_async (op->peer, g_task_get_cancellable (task), got_stats,
                           task);
  return G_SOURCE_REMOVE;
}

static void
got_stats (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data; /* owned by this chain */
  StatsOp *op = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstStructure) report
      = hc_peer_get_stats_finish (HC_PEER (source), result, &error);
  HcMediaStats *stats;
  Sample now, *previous;
  gdouble seconds;

  if (report == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    g_object_unref (task);
    return;
  }
  stats = g_new0 (HcMediaStats, 1);
  summarize (report, stats);
  if (op->lean)
    hc_lean_send_add_stats (op->lean, &stats->packets_sent, &stats->bytes_sent);
  now.at_us = g_get_monotonic_time ();
  now.bytes_received = stats->bytes_received;
  now.bytes_sent = stats->bytes_sent;

  previous = g_object_get_data (G_OBJECT (op->peer), SAMPLE_KEY);
  if (!op->waited
      && (previous == NULL || now.at_us - previous->at_us > SAMPLE_MAX_AGE_US
          || now.at_us - previous->at_us < RATE_WINDOW_MS * 1000 / 2)) {
    /* No usable earlier sample: take this one and another in a while. */
    op->first = now;
    op->waited = TRUE;
    g_free (stats);
    g_timeout_add_full (G_PRIORITY_DEFAULT, RATE_WINDOW_MS, sample_again, task,
                        NULL);
    return;
  }
  if (op->waited)
    previous = &op->first;
  seconds = (now.at_us - previous->at_us) / (gdouble)G_USEC_PER_SEC;
  if (seconds > 0) {
    /* Counters restart when a stream is renegotiated away: never below 0. */
    stats->bitrate_in
        = now.bytes_received > previous->bytes_received
              ? (now.bytes_received - previous->bytes_received) * 8 / seconds
              : 0;
    stats->bitrate_out
        = now.bytes_sent > previous->bytes_sent
              ? (now.bytes_sent - previous->bytes_sent) * 8 / seconds
              : 0;
  }
  g_object_set_data_full (G_OBJECT (op->peer), SAMPLE_KEY,
                          g_memdup2 (&now, sizeof now), g_free);
  g_task_return_pointer (task, stats, g_free);
  g_object_unref (task);
}

void
hc_media_room_get_stats_async (HcMediaRoom *self, const gchar *pid,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Participant *p = hc_room_lookup (self, pid);
  StatsOp *op;

  g_task_set_source_tag (task, hc_media_room_get_stats_async);
  if (p == NULL) {
    g_task_return_new_error (task, HC_MEDIA_ERROR, HC_MEDIA_ERROR_UNKNOWN_PEER,
                             "no participant %s", pid);
    g_object_unref (task);
    return;
  }
  op = g_new0 (StatsOp, 1);
  op->pid = g_strdup (pid);
  op->peer = g_object_ref (p->peer);
  if (p->lean)
    op->lean = gst_object_ref (hc_lean_send_get_element (p->lean));
  g_task_set_task_data (task, op, (GDestroyNotify)stats_op_free);
  hc_peer_get_stats_async (op->peer, cancellable, got_stats, task);
}

gboolean
hc_media_room_get_stats_finish (HcMediaRoom *self, GAsyncResult *result,
                                HcMediaStats *stats, GError **error)
{
  g_autofree HcMediaStats *got = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  got = g_task_propagate_pointer (G_TASK (result), error);
  if (got == NULL)
    return FALSE;
  *stats = *got;
  return TRUE;
}
