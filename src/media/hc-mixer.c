/* hyperconf — HcMixer (see hc-mixer.h for the graph). */
#define G_LOG_DOMAIN "hc-mixer"

#include "hc-mixer.h"

#include <hyperconf/hc-mixminus.h>

#include "hc-composite.h"
#include "hc-mixer-audio.h"

#include <stdio.h>

GST_DEBUG_CATEGORY_STATIC (hc_mixer_debug);
#define GST_CAT_DEFAULT hc_mixer_debug

struct _HcMixer {
  GObject parent_instance;

  GstBin *bin;
  HcMcuSettings settings;
  HcComposite *composite; /* the video */
  HcMixerAudio *audio;    /* the audio (hc-mixer-audio.h) */
  GHashTable *speaking;   /* pid -> level (gdouble *), the speaking ones */
  gchar *active_speaker;
};

G_DEFINE_FINAL_TYPE (HcMixer, hc_mixer, G_TYPE_OBJECT)

enum { SIGNAL_LAYOUT, SIGNAL_SPEAKING, SIGNAL_ACTIVE_SPEAKER, N_SIGNALS };
static guint signals[N_SIGNALS];

void
hc_mixer_add_input (HcMixer *self, HcTrackHead *head, const gchar *pid,
                    const gchar *kind, guint32 ssrc)
{
  g_return_if_fail (HC_IS_MIXER (self));
  if (g_strcmp0 (kind, "video") == 0) {
    hc_composite_add_video (self->composite, head, pid);
    return;
  }
  hc_mixer_audio_add_input (self->audio, head, pid, ssrc);
  /* an audio-only publisher is seen too: its name plate */
  hc_composite_hold_tile (self->composite, pid);
}

void
hc_mixer_remove_input (HcMixer *self, HcTrackHead *head)
{
  g_autofree gchar *pid = NULL;

  g_return_if_fail (HC_IS_MIXER (self));
  hc_composite_remove_video (self->composite, head);
  pid = hc_mixer_audio_remove_input (self->audio, head);
  if (pid == NULL)
    return;
  if (g_strcmp0 (pid, self->active_speaker) == 0) {
    g_clear_pointer (&self->active_speaker, g_free);
    hc_composite_set_active_speaker (self->composite, NULL);
  }
  g_hash_table_remove (self->speaking, pid);
  hc_composite_release_tile (self->composite, pid);
}

/* ---------------------------------------------------------------------- */
/* Levels                                                                  */
/* ---------------------------------------------------------------------- */

/* The @i-th value of a GstValueArray or a GValueArray field. */
static const GValue *
list_nth (const GValue *list, guint i)
{
  if (list == NULL)
    return NULL;
  if (GST_VALUE_HOLDS_ARRAY (list) || GST_VALUE_HOLDS_LIST (list)) {
    guint n = GST_VALUE_HOLDS_ARRAY (list) ? gst_value_array_get_size (list)
                                           : gst_value_list_get_size (list);

    if (i >= n)
      return NULL;
    return GST_VALUE_HOLDS_ARRAY (list) ? gst_value_array_get_value (list, i)
                                        : gst_value_list_get_value (list, i);
  }
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (G_VALUE_HOLDS (list, g_value_array_get_type ())) {
    GValueArray *array = g_value_get_boxed (list);

    return array && i < array->n_values ? g_value_array_get_nth (array, i)
                                        : NULL;
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
  return NULL;
}

/* The loudest speaking publisher; the current one while it speaks. */
static void
update_active_speaker (HcMixer *self)
{
  GHashTableIter iter;
  gpointer pid, level;
  const gchar *best = NULL;
  gdouble best_level = -G_MAXDOUBLE;

  if (self->active_speaker
      && g_hash_table_contains (self->speaking, self->active_speaker))
    return;
  g_hash_table_iter_init (&iter, self->speaking);
  while (g_hash_table_iter_next (&iter, &pid, &level)) {
    if (*(gdouble *)level > best_level) {
      best = pid;
      best_level = *(gdouble *)level;
    }
  }
  if (g_strcmp0 (best, self->active_speaker) == 0)
    return;
  g_free (self->active_speaker);
  self->active_speaker = g_strdup (best);
  g_signal_emit (self, signals[SIGNAL_ACTIVE_SPEAKER], 0, self->active_speaker);
  hc_composite_set_active_speaker (self->composite, best);
}

gboolean
hc_mixer_handle_message (HcMixer *self, GstMessage *message)
{
  const GstStructure *s = gst_message_get_structure (message);
  const GValue *pads, *levels, *speaking;
  g_autoptr (GPtrArray) changes = g_ptr_array_new_with_free_func (g_free);

  if (s == NULL || !gst_structure_has_name (s, HC_MIX_MINUS_LEVELS_MESSAGE)
      || GST_MESSAGE_SRC (message)
             != GST_OBJECT (hc_mixer_audio_get_element (self->audio)))
    return FALSE;
  pads = gst_structure_get_value (s, "pads");
  levels = gst_structure_get_value (s, "levels");
  speaking = gst_structure_get_value (s, "speaking");
  for (guint i = 0; list_nth (pads, i); i++) {
    const GValue *name = list_nth (pads, i);
    const GValue *level = list_nth (levels, i);
    const GValue *talks = list_nth (speaking, i);
    const gchar *pid = G_VALUE_HOLDS_STRING (name) ? hc_mixer_audio_pid_of_pad (
                           self->audio, g_value_get_string (name))
                                                   : NULL;
    gboolean now, before;

    if (pid == NULL)
      continue;
    now = talks && G_VALUE_HOLDS_BOOLEAN (talks) && g_value_get_boolean (talks);
    before = g_hash_table_contains (self->speaking, pid);
    if (now) {
      gdouble *value = g_new (gdouble, 1);

      *value = level && G_VALUE_HOLDS_DOUBLE (level)
                   ? g_value_get_double (level)
                   : -127.0;
      g_hash_table_insert (self->speaking, g_strdup (pid), value);
    } else {
      g_hash_table_remove (self->speaking, pid);
    }
    if (now != before)
      g_ptr_array_add (changes, g_strdup (pid));
  }
  for (guint i = 0; i < changes->len; i++)
    g_signal_emit (self, signals[SIGNAL_SPEAKING], 0, changes->pdata[i],
                   g_hash_table_contains (self->speaking, changes->pdata[i]));
  update_active_speaker (self);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* API                                                                     */
/* ---------------------------------------------------------------------- */

static void
on_layout (HcComposite *composite, GVariant *tiles, HcMixer *self)
{
  g_signal_emit (self, signals[SIGNAL_LAYOUT], 0, tiles);
}

HcMixer *
hc_mixer_new (GstBin *bin, const HcMcuSettings *settings, GError **error)
{
  g_autoptr (HcMixer) self = g_object_new (HC_TYPE_MIXER, NULL);

  self->bin = gst_object_ref (bin);
  self->settings = *settings;
  self->composite = hc_composite_new (bin, settings, error);
  if (self->composite == NULL)
    return NULL;
  g_signal_connect (self->composite, "layout-changed", G_CALLBACK (on_layout),
                    self);

  self->audio = hc_mixer_audio_new (bin, settings, error);
  if (self->audio == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

const gchar *
hc_mixer_find_element (HcMixer *self, GstElement *element, gboolean *shared)
{
  const gchar *pid;

  g_return_val_if_fail (HC_IS_MIXER (self), NULL);
  pid = hc_composite_find_element (self->composite, element, shared);
  if (pid || *shared)
    return pid;
  return hc_mixer_audio_find_element (self->audio, element, shared);
}

HcMixerAudio *
hc_mixer_get_audio (HcMixer *self)
{
  g_return_val_if_fail (HC_IS_MIXER (self), NULL);
  return self->audio;
}

HcTrackHead *
hc_mixer_get_video_head (HcMixer *self)
{
  g_return_val_if_fail (HC_IS_MIXER (self), NULL);
  return hc_composite_get_head (self->composite);
}

GstCaps *
hc_mixer_get_codec_caps (HcMixer *self, const gchar *kind)
{
  g_return_val_if_fail (HC_IS_MIXER (self), NULL);
  return g_strcmp0 (kind, "audio") == 0
             ? hc_mixer_audio_get_codec_caps (self->audio)
             : hc_composite_get_codec_caps (self->composite);
}

void
hc_mixer_set_display_name (HcMixer *self, const gchar *pid, const gchar *name)
{
  g_return_if_fail (HC_IS_MIXER (self));
  hc_composite_set_display_name (self->composite, pid, name);
}

void
hc_mixer_set_video_muted (HcMixer *self, const gchar *pid, gboolean muted)
{
  g_return_if_fail (HC_IS_MIXER (self));
  hc_composite_set_video_muted (self->composite, pid, muted);
}

void
hc_mixer_set_layout (HcMixer *self, HcLayoutKind layout)
{
  g_return_if_fail (HC_IS_MIXER (self));
  self->settings.layout = layout;
  hc_composite_set_layout (self->composite, layout);
}

GVariant *
hc_mixer_get_layout (HcMixer *self)
{
  g_return_val_if_fail (HC_IS_MIXER (self), NULL);
  return hc_composite_get_layout (self->composite);
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                 */
/* ---------------------------------------------------------------------- */

static void
hc_mixer_dispose (GObject *object)
{
  HcMixer *self = HC_MIXER (object);

  g_clear_pointer (&self->audio, hc_mixer_audio_free);
  if (self->composite)
    g_signal_handlers_disconnect_by_data (self->composite, self);
  g_clear_object (&self->composite);
  gst_clear_object (&self->bin);
  G_OBJECT_CLASS (hc_mixer_parent_class)->dispose (object);
}

static void
hc_mixer_finalize (GObject *object)
{
  HcMixer *self = HC_MIXER (object);

  g_hash_table_unref (self->speaking);
  g_free (self->active_speaker);
  G_OBJECT_CLASS (hc_mixer_parent_class)->finalize (object);
}

static void
hc_mixer_init (HcMixer *self)
{
  self->speaking
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
hc_mixer_class_init (HcMixerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hc_mixer_dispose;
  object_class->finalize = hc_mixer_finalize;
  GST_DEBUG_CATEGORY_INIT (hc_mixer_debug, "hc-mixer", 0,
                           "hyperconf MCU mixer");

  signals[SIGNAL_LAYOUT] = g_signal_new (
      "layout-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 1, G_TYPE_VARIANT);
  signals[SIGNAL_SPEAKING] = g_signal_new (
      "speaking-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  signals[SIGNAL_ACTIVE_SPEAKER] = g_signal_new (
      "active-speaker", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}
