/* hyperconf — HcMediaRoom's MCU side: the mode of each participant as a
 * receiver, the mixer's life, and its signals (hc-media-room.h).
 *
 *   SFU receiver: one branch per track of every other publisher
 *   MCU receiver: two branches, from the mixer's heads (msid "mix"):
 *       mix-video (shared by every MCU receiver)
 *       mix-audio (shared; the branch's "mix-voice" picks, block by block,
 *                 the sum or the sum without the receiver's own voice,
 *                 when its join offer sends Opus)
 *
 * A mode switch frees the old branches (their m-lines go inactive, as on a
 * leave) and makes the new ones, then "offer-needed": webrtcbin 1.22 can
 * add m-lines but neither remove nor reuse them.  The mixer starts with the
 * first answered MCU receiver (every published track becomes one of its
 * inputs) and goes with the last one, taking every element it added.
 */
#define G_LOG_DOMAIN "hc-room"

#include "hc-room-private.h"
#include "hc-sdp.h"

#define GST_CAT_DEFAULT hc_room_debug

static const HcMcuSettings default_settings = HC_MCU_SETTINGS_DEFAULT;

void
hc_room_mcu_init (HcMediaRoom *self)
{
  self->mcu = default_settings;
  self->pending_modes
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->display_names
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->video_muted
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* After every participant was removed. */
void
hc_room_mcu_dispose (HcMediaRoom *self)
{
  g_clear_object (&self->mixer);
  g_clear_pointer (&self->pending_modes, g_hash_table_unref);
  g_clear_pointer (&self->display_names, g_hash_table_unref);
  g_clear_pointer (&self->video_muted, g_hash_table_unref);
}

void
hc_room_mcu_participant_added (HcMediaRoom *self, Participant *p)
{
  gpointer mode;

  if (g_hash_table_lookup_extended (self->pending_modes, p->pid, NULL, &mode))
    p->mode = GPOINTER_TO_INT (mode);
  g_hash_table_remove (self->pending_modes, p->pid);
  for (guint i = 0; i < gst_sdp_message_medias_len (p->offer); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (p->offer, i);
    g_autoptr (GstCaps) caps = hc_sdp_media_get_accepted_caps (m);

    if (caps && hc_sdp_media_is_sending (m)) {
      p->expected_tracks++;
      if (g_strcmp0 (gst_sdp_media_get_media (m), "audio") == 0)
        p->sends_audio = TRUE;
    }
  }
}

void
hc_room_mcu_participant_removed (HcMediaRoom *self, const gchar *pid)
{
  g_hash_table_remove (self->display_names, pid);
  g_hash_table_remove (self->video_muted, pid);
}

/* ---------------------------------------------------------------------- */
/* The mixer                                                               */
/* ---------------------------------------------------------------------- */

static void
on_mixer_layout (HcMixer *mixer, GVariant *tiles, HcMediaRoom *self)
{
  g_signal_emit_by_name (self, "layout-changed", tiles);
}

static void
on_mixer_speaking (HcMixer *mixer, const gchar *pid, gboolean speaking,
                   HcMediaRoom *self)
{
  g_signal_emit_by_name (self, "speaking-changed", pid, speaking);
}

static void
on_mixer_active_speaker (HcMixer *mixer, const gchar *pid, HcMediaRoom *self)
{
  g_signal_emit_by_name (self, "active-speaker", pid);
}

static gint
by_publication (gconstpointer a, gconstpointer b)
{
  const Track *ta = *(const Track *const *)a, *tb = *(const Track *const *)b;

  return ta->order < tb->order ? -1 : ta->order > tb->order;
}

static gboolean
start_mixer (HcMediaRoom *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) layout = NULL;
  g_autoptr (GPtrArray) tracks = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;
  Participant *q;

  if (self->mixer)
    return TRUE;
  self->mixer = hc_mixer_new (GST_BIN (self->pipeline), &self->mcu, &error);
  if (self->mixer == NULL) {
    g_warning ("room %s: no mixer: %s", self->name, error->message);
    return FALSE;
  }
  GST_INFO_OBJECT (self->pipeline, "mixer started");
  g_hash_table_iter_init (&iter, self->display_names);
  while (g_hash_table_iter_next (&iter, &key, &value))
    hc_mixer_set_display_name (self->mixer, key, value);
  g_hash_table_iter_init (&iter, self->video_muted);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    hc_mixer_set_video_muted (self->mixer, key, TRUE);
  /* In the order they were published, as later ones are added: the
   * layout places video inputs by arrival, and a hash table's order is
   * no order. */
  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&q))
    g_ptr_array_extend (tracks, q->tracks, NULL, NULL);
  g_ptr_array_sort (tracks, by_publication);
  for (guint i = 0; i < tracks->len; i++) {
    Track *t = g_ptr_array_index (tracks, i);

    hc_mixer_add_input (self->mixer, t->head, t->publisher->pid, t->kind,
                        t->ssrc);
  }
  g_signal_connect (self->mixer, "layout-changed", G_CALLBACK (on_mixer_layout),
                    self);
  g_signal_connect (self->mixer, "speaking-changed",
                    G_CALLBACK (on_mixer_speaking), self);
  g_signal_connect (self->mixer, "active-speaker",
                    G_CALLBACK (on_mixer_active_speaker), self);
  layout = hc_mixer_get_layout (self->mixer);
  g_signal_emit_by_name (self, "layout-changed", layout);
  return TRUE;
}

/* With the last MCU receiver's subscriptions. */
static void
stop_mixer_if_unused (HcMediaRoom *self)
{
  GHashTableIter iter;
  Participant *q;

  if (self->mixer == NULL)
    return;
  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&q)) {
    if (q->mix_video || q->mix_audio)
      return;
  }
  g_signal_handlers_disconnect_by_data (self->mixer, self);
  g_clear_object (&self->mixer);
  GST_INFO_OBJECT (self->pipeline, "mixer stopped");
  /* no composite, no tiles */
  g_signal_emit_by_name (
      self, "layout-changed",
      g_variant_new_array (G_VARIANT_TYPE ("(sdddd)"), NULL, 0));
}

/* @p's m-line of the mix, with a payload type of its own (hc_sdp_pick_payload:
 * the one its join offer gives the codec, so that no payload type of its
 * BUNDLE group names two codecs, e.g. an H.264 mix and its own VP8). */
static Track *
mix_track (HcMediaRoom *self, Participant *p, const gchar *kind,
           HcTrackHead *head, gint mix_voice)
{
  Track *t = g_new0 (Track, 1);
  g_autoptr (GArray) taken = g_array_new (FALSE, FALSE, sizeof (gint));
  gint pt;

  t->kind = g_str_equal (kind, "audio") ? "audio" : "video";
  t->id = g_strdup (t->kind);
  t->label = g_strdup_printf ("mix-%s", t->kind);
  t->head = head;
  t->mix_voice = mix_voice;
  t->codec_caps = gst_caps_copy (hc_mixer_get_codec_caps (self->mixer, kind));
  for (guint i = 0; i < p->subscriptions->len; i++) {
    Subscription *s = g_ptr_array_index (p->subscriptions, i);

    if (gst_structure_get_int (gst_caps_get_structure (s->track->codec_caps, 0),
                               "payload", &pt))
      g_array_append_val (taken, pt);
  }
  if (p->mix_video
      && gst_structure_get_int (
          gst_caps_get_structure (p->mix_video->codec_caps, 0), "payload", &pt))
    g_array_append_val (taken, pt);
  pt = hc_sdp_pick_payload (p->offer, t->codec_caps, taken);
  if (pt >= 0)
    gst_caps_set_simple (t->codec_caps, "payload", G_TYPE_INT, pt, NULL);
  return t;
}

void
hc_room_subscribe_to_mix (HcMediaRoom *self, Participant *p)
{
  HcMixerAudio *audio;
  gint voice;

  if (p->mix_video || !start_mixer (self))
    return;
  audio = hc_mixer_get_audio (self->mixer);
  /* one encode shared by all, or the sum without its voice while that is
   * mixed: the branch picks per block (hc-mixer-audio.h) */
  voice = hc_mixer_audio_add_listener (audio, p->pid, p->sends_audio);
  p->mix_video
      = mix_track (self, p, "video", hc_mixer_get_video_head (self->mixer), -2);
  p->mix_audio
      = mix_track (self, p, "audio", hc_mixer_audio_get_head (audio), voice);
  hc_room_subscribe (self, p, p->mix_video);
  hc_room_subscribe (self, p, p->mix_audio);
  GST_INFO_OBJECT (self->pipeline, "%s receives the mix", p->pid);
}

void
hc_room_unsubscribe_from_mix (HcMediaRoom *self, Participant *p)
{
  if (p->mix_video == NULL)
    return;
  hc_room_unsubscribe (self, p, p->mix_video);
  hc_room_unsubscribe (self, p, p->mix_audio);
  hc_mixer_audio_remove_listener (hc_mixer_get_audio (self->mixer), p->pid);
  g_clear_pointer (&p->mix_video, hc_room_track_free);
  g_clear_pointer (&p->mix_audio, hc_room_track_free);
  stop_mixer_if_unused (self);
}

void
hc_room_mcu_restart (HcMediaRoom *self)
{
  g_autoptr (GPtrArray) receivers = g_ptr_array_new ();
  GHashTableIter iter;
  Participant *q;

  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&q)) {
    if (q->mix_video)
      g_ptr_array_add (receivers, q);
  }
  /* the last unsubscription stops the mixer, the first subscription
   * starts a new one with every published track as an input */
  for (guint i = 0; i < receivers->len; i++)
    hc_room_unsubscribe_from_mix (self, receivers->pdata[i]);
  for (guint i = 0; i < receivers->len; i++)
    hc_room_subscribe_to_mix (self, receivers->pdata[i]);
  GST_WARNING_OBJECT (self->pipeline, "mixer restarted for %u receiver(s)",
                      receivers->len);
}

void
hc_room_mcu_track_added (HcMediaRoom *self, Track *t)
{
  if (self->mixer)
    hc_mixer_add_input (self->mixer, t->head, t->publisher->pid, t->kind,
                        t->ssrc);
}

void
hc_room_mcu_track_removed (HcMediaRoom *self, Track *t)
{
  if (self->mixer)
    hc_mixer_remove_input (self->mixer, t->head);
}

gboolean
hc_room_mcu_handle_message (HcMediaRoom *self, GstMessage *message)
{
  return self->mixer && hc_mixer_handle_message (self->mixer, message);
}

/* ---------------------------------------------------------------------- */
/* API                                                                     */
/* ---------------------------------------------------------------------- */

void
hc_media_room_set_mcu_settings (HcMediaRoom *self, const HcMcuSettings *s)
{
  g_return_if_fail (HC_IS_MEDIA_ROOM (self));
  g_return_if_fail (s != NULL && s->width >= 16 && s->height >= 16
                    && s->framerate > 0);
  self->mcu = *s;
}

void
hc_media_room_set_mode (HcMediaRoom *self, const gchar *pid, HcMediaMode mode)
{
  Participant *p;

  g_return_if_fail (HC_IS_MEDIA_ROOM (self));
  g_return_if_fail (pid != NULL);
  p = hc_room_lookup (self, pid);
  if (p == NULL) {
    g_hash_table_insert (self->pending_modes, g_strdup (pid),
                         GINT_TO_POINTER (mode));
    return;
  }
  if (p->mode == mode)
    return;
  GST_INFO_OBJECT (self->pipeline, "%s switches to %s", pid,
                   mode == HC_MEDIA_MODE_MCU ? "MCU" : "SFU");
  p->mode = mode;
  /* Not answered yet: the join's subscriptions follow the new mode. */
  if (!p->answered)
    return;
  if (mode == HC_MEDIA_MODE_MCU) {
    hc_room_unsubscribe (self, p, NULL);
    hc_room_subscribe_to_mix (self, p);
  } else {
    hc_room_unsubscribe_from_mix (self, p);
    hc_room_subscribe_to_all (self, p);
  }
}

HcMediaMode
hc_media_room_get_mode (HcMediaRoom *self, const gchar *pid)
{
  Participant *p = hc_room_lookup (self, pid);
  gpointer mode = NULL;

  g_return_val_if_fail (HC_IS_MEDIA_ROOM (self), HC_MEDIA_MODE_SFU);
  if (p)
    return p->mode;
  if (pid)
    g_hash_table_lookup_extended (self->pending_modes, pid, NULL, &mode);
  return GPOINTER_TO_INT (mode);
}

void
hc_media_room_set_display_name (HcMediaRoom *self, const gchar *pid,
                                const gchar *name)
{
  g_return_if_fail (HC_IS_MEDIA_ROOM (self));
  g_return_if_fail (pid != NULL);
  g_hash_table_insert (self->display_names, g_strdup (pid),
                       g_strdup (name ? name : ""));
  if (self->mixer)
    hc_mixer_set_display_name (self->mixer, pid, name ? name : "");
}

void
hc_media_room_set_video_muted (HcMediaRoom *self, const gchar *pid,
                               gboolean muted)
{
  g_return_if_fail (HC_IS_MEDIA_ROOM (self));
  g_return_if_fail (pid != NULL);
  if (muted)
    g_hash_table_add (self->video_muted, g_strdup (pid));
  else
    g_hash_table_remove (self->video_muted, pid);
  if (self->mixer)
    hc_mixer_set_video_muted (self->mixer, pid, muted);
}

void
hc_media_room_set_layout (HcMediaRoom *self, HcLayoutKind layout)
{
  g_return_if_fail (HC_IS_MEDIA_ROOM (self));
  self->mcu.layout = layout;
  if (self->mixer)
    hc_mixer_set_layout (self->mixer, layout);
}

gboolean
hc_media_room_has_mixer (HcMediaRoom *self)
{
  g_return_val_if_fail (HC_IS_MEDIA_ROOM (self), FALSE);
  return self->mixer != NULL;
}
