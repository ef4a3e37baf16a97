/* hyperconf — HcMediaRoom's faults: a participant whose connection
 * failed, whose media stopped or one of whose elements posted an error is
 * removed, and the rest of the room goes on (hc-media-room.h,
 * "participant-failed").
 *
 *   webrtcbin connection-state "failed" ─────────────────┐
 *   media check (timer, main context): no packet from     │
 *     it for media-timeout                                ├─▶ hc_room_fail
 *   bus ERROR from its webrtcbin, its tracks' heads or    │   │ idle
 *     the mixer's decoding inputs of its tracks ──────────┘   ▼
 *                            remove it (as a leave), "participant-failed"
 *   bus ERROR from the mixer's own elements (composite, mix-minus,
 *     encoders) ─▶ the mixer is restarted (1st at once, then backing off)
 *
 * Activity is measured where it costs nothing: a probe on the src pad of
 * every nicesrc inside the participant's webrtcbin adds one to an atomic
 * counter per buffer (every datagram from the client that is not STUN:
 * SRTP, SRTCP, DTLS).  The check reads the counters on the main context
 * every quarter of the timeout (at most every second).  RTCP is enough:
 * a client that publishes nothing, or mutes, still sends receiver or
 * sender reports every few seconds.  Before its first packet a
 * participant has at least FIRST_PACKET_MS (ICE and DTLS take time).
 */
#define G_LOG_DOMAIN "hc-room"

#include "hc-room-private.h"

#define GST_CAT_DEFAULT hc_room_debug

/* Least time a participant has for its first packet after its answer. */
#define FIRST_PACKET_MS 10000
/* Restarts of a failing mixer wait 1 s, 2 s, 4 s ... at most this. */
#define MIXER_RESTART_MAX_MS 30000

typedef struct {
  gchar *pid;
  HcPeer *peer; /* the same participant, not a later one of that pid */
  gchar *reason;
} FailedParticipant;

static void
failed_participant_free (FailedParticipant *f)
{
  g_free (f->pid);
  g_object_unref (f->peer);
  g_free (f->reason);
  g_free (f);
}

/* ---------------------------------------------------------------------- */
/* Removal                                                                 */
/* ---------------------------------------------------------------------- */

static gboolean
remove_failed (gpointer data)
{
  HcMediaRoom *self = g_object_ref (data);
  g_autoptr (GPtrArray) failed = g_steal_pointer (&self->failed);

  self->failed = g_ptr_array_new_with_free_func (
      (GDestroyNotify)failed_participant_free);
  g_clear_pointer (&self->fail_idle, g_source_unref);
  for (guint i = 0; i < failed->len; i++) {
    FailedParticipant *f = g_ptr_array_index (failed, i);
    Participant *p = hc_room_lookup_peer (self, f->pid, f->peer);

    if (p == NULL)
      continue; /* it left meanwhile */
    hc_room_participant_remove (self, p);
    g_signal_emit_by_name (self, "participant-failed", f->pid, f->reason);
  }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

void
hc_room_fail (HcMediaRoom *self, Participant *p, const gchar *reason)
{
  FailedParticipant *f;

  if (p->failing)
    return;
  p->failing = TRUE;
  g_message ("room %s: removing %s: %s", self->name, p->pid, reason);
  f = g_new0 (FailedParticipant, 1);
  f->pid = g_strdup (p->pid);
  f->peer = g_object_ref (p->peer);
  f->reason = g_strdup (reason);
  g_ptr_array_add (self->failed, f);
  /* Never from inside the webrtcbin signal, timer or bus message that
   * noticed: the removal frees what they are looking at. */
  if (self->fail_idle == NULL) {
    self->fail_idle = g_idle_source_new ();
    g_source_set_callback (self->fail_idle, remove_failed, self, NULL);
    g_source_attach (self->fail_idle, self->context);
  }
}

/* ---------------------------------------------------------------------- */
/* Media activity                                                          */
/* ---------------------------------------------------------------------- */

static GstPadProbeReturn
count_packet (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  HcActivity *activity = data;

  g_atomic_int_inc (&activity->packets);
  return GST_PAD_PROBE_OK;
}

typedef struct {
  Participant *p;
  guint n_probes;
} Watch;

static void
watch_nicesrc (const GValue *item, gpointer data)
{
  GstElement *element = g_value_get_object (item);
  Watch *watch = data;
  Participant *p = watch->p;
  GstElementFactory *factory = gst_element_get_factory (element);
  g_autoptr (GstPad) src = NULL;

  if (factory == NULL || !g_str_equal (GST_OBJECT_NAME (factory), "nicesrc"))
    return;
  src = gst_element_get_static_pad (element, "src");
  if (src == NULL)
    return;
  gst_pad_add_probe (src,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     count_packet, g_atomic_rc_box_acquire (p->activity),
                     (GDestroyNotify)g_atomic_rc_box_release);
  watch->n_probes++;
}

void
hc_room_watch_media (HcMediaRoom *self, Participant *p)
{
  g_autoptr (GstIterator) it = NULL;
  Watch watch = { p, 0 };

  if (p->activity)
    return;
  p->activity = g_atomic_rc_box_new0 (HcActivity);
  p->last_activity_us = g_get_monotonic_time ();
  p->last_packets = 0;
  /* The answer made webrtcbin's transports (one with max-bundle), each
   * with a nicesrc in its receive bin. */
  it = gst_bin_iterate_recurse (GST_BIN (hc_peer_get_webrtcbin (p->peer)));
  while (gst_iterator_foreach (it, watch_nicesrc, &watch)
         == GST_ITERATOR_RESYNC)
    gst_iterator_resync (it);
  if (watch.n_probes == 0) {
    GST_WARNING_OBJECT (self->pipeline, "%s: no nicesrc, media not watched",
                        p->pid);
    g_clear_pointer (&p->activity, g_atomic_rc_box_release);
  }
}

static gboolean
media_check (gpointer data)
{
  HcMediaRoom *self = data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  Participant *p;

  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&p)) {
    gint packets;
    guint limit_ms;

    if (p->activity == NULL || p->failing)
      continue;
    packets = g_atomic_int_get (&p->activity->packets);
    if (packets != p->last_packets) {
      p->seen_packet = TRUE;
      p->last_packets = packets;
      p->last_activity_us = now;
      continue;
    }
    limit_ms = p->seen_packet ? self->media_timeout_ms
                              : MAX (self->media_timeout_ms, FIRST_PACKET_MS);
    if (now - p->last_activity_us >= (gint64)limit_ms * 1000) {
      g_autofree gchar *reason = g_strdup_printf (
          p->seen_packet ? "no RTP or RTCP for %u ms"
                         : "no packet within %u ms of its answer",
          limit_ms);

      hc_room_fail (self, p, reason);
    }
  }
  return G_SOURCE_CONTINUE;
}

void
hc_media_room_set_media_timeout (HcMediaRoom *self, guint timeout_ms)
{
  g_return_if_fail (HC_IS_MEDIA_ROOM (self));
  self->media_timeout_ms = timeout_ms;
  if (self->media_check) {
    g_source_destroy (self->media_check);
    g_clear_pointer (&self->media_check, g_source_unref);
  }
  if (timeout_ms == 0)
    return;
  self->media_check = g_timeout_source_new (CLAMP (timeout_ms / 4, 50, 1000));
  g_source_set_callback (self->media_check, media_check, self, NULL);
  g_source_attach (self->media_check, self->context);
}

/* ---------------------------------------------------------------------- */
/* Errors                                                                  */
/* ---------------------------------------------------------------------- */

/* The child of the room's pipeline that holds @object (itself, or one of
 * its ancestors), or NULL when it is not in the pipeline (any more).
 * Returns: (transfer full) (nullable) */
static GstElement *
room_child_of (HcMediaRoom *self, GstObject *object)
{
  GstObject *current = gst_object_ref (object);
  GstObject *parent;

  while ((parent = gst_object_get_parent (current)) != NULL) {
    gboolean top = parent == GST_OBJECT (self->pipeline);

    gst_object_unref (parent);
    if (top)
      break;
    gst_object_unref (current);
    current = parent; /* still held by its own parent */
    gst_object_ref (current);
  }
  if (parent == NULL || !GST_IS_ELEMENT (current))
    gst_clear_object (&current);
  return (GstElement *)current;
}

/* The participant whose webrtcbin or track head @element is. */
static Participant *
owner_of (HcMediaRoom *self, GstElement *element)
{
  GHashTableIter iter;
  Participant *p;

  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&p)) {
    if (hc_peer_get_webrtcbin (p->peer) == element)
      return p;
    for (guint i = 0; i < p->tracks->len; i++) {
      Track *t = g_ptr_array_index (p->tracks, i);

      if (hc_track_head_get_element (t->head) == element)
        return p;
    }
  }
  return NULL;
}

static gboolean
restart_mixer (gpointer data)
{
  HcMediaRoom *self = data;

  g_clear_pointer (&self->mixer_restart, g_source_unref);
  hc_room_mcu_restart (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_mixer_restart (HcMediaRoom *self)
{
  guint delay_ms = 0;

  if (self->mixer_restart)
    return; /* errors of the failed mixer's other elements */
  if (self->mixer_restarts > 0)
    delay_ms = MIN (1000u << MIN (self->mixer_restarts - 1, 15),
                    MIXER_RESTART_MAX_MS);
  self->mixer_restarts++;
  g_message ("room %s: restarting the mixer in %u ms", self->name, delay_ms);
  self->mixer_restart = g_timeout_source_new (delay_ms);
  g_source_set_callback (self->mixer_restart, restart_mixer, self, NULL);
  g_source_attach (self->mixer_restart, self->context);
}

void
hc_room_faults_handle_error (HcMediaRoom *self, GstMessage *message)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *debug = NULL;
  g_autofree gchar *reason = NULL;
  g_autoptr (GstElement) child
      = room_child_of (self, GST_MESSAGE_SRC (message));
  Participant *p;
  const gchar *pid = NULL;
  gboolean shared = FALSE;

  /* Posted while a leaving participant's elements stopped: noise. */
  if (child == NULL)
    return;
  gst_message_parse_error (message, &error, &debug);
  reason = g_strdup_printf ("error from %s: %s", GST_MESSAGE_SRC_NAME (message),
                            error->message);
  GST_WARNING_OBJECT (GST_MESSAGE_SRC (message), "%s (%s)", error->message,
                      debug ? debug : "");
  p = owner_of (self, child);
  if (p == NULL && self->mixer)
    pid = hc_mixer_find_element (self->mixer, child, &shared);
  if (pid)
    p = hc_room_lookup (self, pid);
  if (p) {
    hc_room_fail (self, p, reason);
  } else if (shared) {
    g_message ("room %s: the mixer failed: %s", self->name, reason);
    schedule_mixer_restart (self);
  } else {
    /* Nobody's: the room goes on as it can. */
    g_message ("room %s: %s (%s)", self->name, reason, debug ? debug : "");
  }
}

/* ---------------------------------------------------------------------- */
/* Life                                                                    */
/* ---------------------------------------------------------------------- */

void
hc_room_faults_init (HcMediaRoom *self)
{
  self->failed = g_ptr_array_new_with_free_func (
      (GDestroyNotify)failed_participant_free);
}

static void
clear_source (GSource **source)
{
  if (*source) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

void
hc_room_faults_dispose (HcMediaRoom *self)
{
  clear_source (&self->media_check);
  clear_source (&self->fail_idle);
  clear_source (&self->mixer_restart);
  g_clear_pointer (&self->failed, g_ptr_array_unref);
}
