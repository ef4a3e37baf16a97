/* hyperconf — HcMixer (see hc-mixer.h for the graph). */
#define G_LOG_DOMAIN "hc-mixer"

#include "hc-mixer.h"

#include <hyperconf/hc-mixminus.h>

#include <gst/rtp/gstrtpmeta.h>

#include "hc-composite.h"
#include "hc-pipeline.h"

#include <stdio.h>

GST_DEBUG_CATEGORY_STATIC (hc_mixer_debug);
#define GST_CAT_DEFAULT hc_mixer_debug

/* Payload type of the mixer's own audio RTP; each branch rewrites it to
 * what its receiver negotiated anyway. */
#define AUDIO_PT 111

/* One published audio track, decoded (video: hc-composite.c). */
typedef struct {
  HcTrackHead *head;
  GstPad *head_pad; /* request pad on the head */
  GstElement *bin;  /* mcu-audio-input */
  GstPad *mix_pad;  /* request pad on hcmixminus */
  gchar *pid;
  guint slot;   /* N of hcmixminus sink_N */
  guint32 ssrc; /* the publisher's, for CSRCs */
} Input;

/* One encoded audio mix and its head. */
typedef struct {
  HcMixer *mixer;
  gint slot;       /* -1: the plain sum ("src") */
  GstElement *bin; /* mcu-audio-output */
  GstPad *mix_pad; /* hcmixminus src / minus_N */
  HcTrackHead *head;
  guint refs;
  GMutex lock;   /* csrcs: written on the main context, read by the */
  GArray *csrcs; /* payloader's thread (guint32) */
} AudioOutput;

struct _HcMixer {
  GObject parent_instance;

  GstBin *bin;
  HcMcuSettings settings;
  HcComposite *composite; /* the video */
  GstElement *audio;      /* hcmixminus */
  AudioOutput *sum;       /* the plain sum, always there */
  GHashTable *minus;      /* pid -> AudioOutput */
  GPtrArray *inputs;      /* Input (audio), in order of arrival */
  GHashTable *slots;      /* pid -> slot + 1 */
  guint next_slot;
  guint next_name;
  GstCaps *audio_caps;
  GHashTable *speaking; /* pid -> level (gdouble *), the speaking ones */
  gchar *active_speaker;
};

G_DEFINE_FINAL_TYPE (HcMixer, hc_mixer, G_TYPE_OBJECT)

enum { SIGNAL_LAYOUT, SIGNAL_SPEAKING, SIGNAL_ACTIVE_SPEAKER, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

/* Loads pipelines/@name.pipeline as a uniquely named bin of the room. */
static GstElement *
load_bin (HcMixer *self, const gchar *name, GError **error)
{
  return hc_pipeline_add (self->bin, name, self->next_name++, error);
}

static guint
slot_of (HcMixer *self, const gchar *pid)
{
  guint slot = GPOINTER_TO_UINT (g_hash_table_lookup (self->slots, pid));

  if (slot == 0) {
    slot = ++self->next_slot;
    g_hash_table_insert (self->slots, g_strdup (pid), GUINT_TO_POINTER (slot));
  }
  return slot - 1;
}

/* ---------------------------------------------------------------------- */
/* Audio outputs                                                           */
/* ---------------------------------------------------------------------- */

/* The payloader's thread: the mixed audio names what it holds (RFC 3550
 * CSRC list; rtpbasepayload's "source-info" writes it from this meta). */
static GstPadProbeReturn
add_contributors (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  AudioOutput *out = data;
  GstBuffer *buffer;

  g_mutex_lock (&out->lock);
  if (out->csrcs->len > 0) {
    buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
    gst_buffer_add_rtp_source_meta (
        buffer, NULL, (guint32 *)out->csrcs->data,
        MIN (out->csrcs->len, GST_RTP_SOURCE_META_MAX_CSRC_COUNT));
    GST_PAD_PROBE_INFO_DATA (info) = buffer;
  }
  g_mutex_unlock (&out->lock);
  return GST_PAD_PROBE_OK;
}

static AudioOutput *
audio_output_new (HcMixer *self, gint slot, GError **error)
{
  AudioOutput *out = g_new0 (AudioOutput, 1);
  g_autofree gchar *pad_name
      = slot < 0 ? g_strdup ("src") : g_strdup_printf ("minus_%d", slot);
  g_autofree gchar *head_name = slot < 0
                                    ? g_strdup ("mix-audio")
                                    : g_strdup_printf ("mix-audio-%d", slot);
  g_autoptr (GstPad) sink = NULL;
  g_autoptr (GstPad) src = NULL;
  g_autoptr (GstElement) pay = NULL;
  g_autoptr (GstPad) pay_sink = NULL;

  out->mixer = self;
  out->slot = slot;
  g_mutex_init (&out->lock);
  out->csrcs = g_array_new (FALSE, FALSE, sizeof (guint32));
  out->bin = load_bin (self, "mcu-audio-output", error);
  if (out->bin == NULL) {
    g_array_unref (out->csrcs);
    g_mutex_clear (&out->lock);
    g_free (out);
    return NULL;
  }
  hc_pipeline_set (out->bin, "encoder", "bitrate",
                   (gint)self->settings.audio_bitrate, NULL);
  hc_pipeline_set (out->bin, "pay", "pt", AUDIO_PT, "source-info", TRUE, NULL);
  pay = gst_bin_get_by_name (GST_BIN (out->bin), "pay");
  pay_sink = gst_element_get_static_pad (pay, "sink");
  gst_pad_add_probe (pay_sink, GST_PAD_PROBE_TYPE_BUFFER, add_contributors, out,
                     NULL);
  gst_element_sync_state_with_parent (out->bin);
  out->mix_pad = slot < 0
                     ? gst_element_get_static_pad (self->audio, "src")
                     : gst_element_request_pad_simple (self->audio, pad_name);
  sink = gst_element_get_static_pad (out->bin, "sink");
  if (out->mix_pad == NULL
      || gst_pad_link (out->mix_pad, sink) != GST_PAD_LINK_OK)
    GST_WARNING ("could not link hcmixminus %s", pad_name);
  src = gst_element_get_static_pad (out->bin, "src");
  out->head = hc_track_head_new (self->bin, src, head_name);
  return out;
}

static void
audio_output_free (AudioOutput *out)
{
  HcMixer *self = out->mixer;

  hc_track_head_free (out->head);
  if (out->slot >= 0 && out->mix_pad)
    gst_element_release_request_pad (self->audio, out->mix_pad);
  gst_clear_object (&out->mix_pad);
  hc_pipeline_remove (self->bin, out->bin);
  g_array_unref (out->csrcs);
  g_mutex_clear (&out->lock);
  g_free (out);
}

/* CSRCs of the publishers in @mixed (pids), without @out's own. */
static void
audio_output_set_contributors (HcMixer *self, AudioOutput *out,
                               GHashTable *mixed)
{
  g_mutex_lock (&out->lock);
  g_array_set_size (out->csrcs, 0);
  for (guint i = 0; i < self->inputs->len; i++) {
    Input *in = g_ptr_array_index (self->inputs, i);

    if (g_hash_table_contains (mixed, in->pid)
        && (out->slot < 0 || in->slot != (guint)out->slot))
      g_array_append_val (out->csrcs, in->ssrc);
  }
  g_mutex_unlock (&out->lock);
}

HcTrackHead *
hc_mixer_acquire_audio (HcMixer *self, const gchar *pid,
                        gboolean own_voice_mixed)
{
  g_autoptr (GError) error = NULL;
  AudioOutput *out;

  g_return_val_if_fail (HC_IS_MIXER (self), NULL);
  if (!own_voice_mixed) {
    self->sum->refs++;
    return self->sum->head;
  }
  out = g_hash_table_lookup (self->minus, pid);
  if (out == NULL) {
    out = audio_output_new (self, (gint)slot_of (self, pid), &error);
    if (out == NULL) {
      GST_WARNING ("%s gets the plain sum: %s", pid, error->message);
      self->sum->refs++;
      return self->sum->head;
    }
    g_hash_table_insert (self->minus, g_strdup (pid), out);
  }
  out->refs++;
  return out->head;
}

void
hc_mixer_release_audio (HcMixer *self, const gchar *pid,
                        gboolean own_voice_mixed)
{
  AudioOutput *out
      = own_voice_mixed ? g_hash_table_lookup (self->minus, pid) : NULL;

  g_return_if_fail (HC_IS_MIXER (self));
  if (out == NULL) {
    self->sum->refs--;
    return;
  }
  if (--out->refs == 0)
    g_hash_table_remove (self->minus, pid);
}

/* ---------------------------------------------------------------------- */
/* Inputs                                                                  */
/* ---------------------------------------------------------------------- */

static void
input_free (HcMixer *self, Input *in)
{
  g_autoptr (GstElement) head = gst_pad_get_parent_element (in->head_pad);

  /* No more packets into the bin, then the mixer's pad goes (which
   * flushes it, waking the bin's thread if it waits there), then the
   * bin. */
  g_object_set (in->head_pad, "forward", FALSE, NULL);
  gst_element_release_request_pad (head, in->head_pad);
  gst_element_release_request_pad (self->audio, in->mix_pad);
  hc_pipeline_remove (self->bin, in->bin);
  gst_object_unref (in->head_pad);
  gst_object_unref (in->mix_pad);
  g_free (in->pid);
  g_free (in);
}

void
hc_mixer_add_input (HcMixer *self, HcTrackHead *head, const gchar *pid,
                    const gchar *kind, guint32 ssrc)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstPad) bin_sink = NULL;
  g_autoptr (GstPad) bin_src = NULL;
  g_autofree gchar *name = NULL;
  Input *in;
  GstElement *bin;

  g_return_if_fail (HC_IS_MIXER (self));
  if (g_strcmp0 (kind, "video") == 0) {
    hc_composite_add_video (self->composite, head, pid);
    return;
  }
  bin = load_bin (self, "mcu-audio-input", &error);
  if (bin == NULL) {
    GST_WARNING ("no %s input for %s: %s", kind, pid, error->message);
    return;
  }
  in = g_new0 (Input, 1);
  in->head = head;
  in->bin = bin;
  in->pid = g_strdup (pid);
  in->ssrc = ssrc;
  /* the publisher's first audio track takes its slot, so that its
   * minus_N cancels it */
  in->slot = slot_of (self, pid);
  for (guint i = 0; i < self->inputs->len; i++) {
    Input *other = g_ptr_array_index (self->inputs, i);

    if (other->slot == in->slot)
      in->slot = self->next_slot++;
  }
  name = g_strdup_printf ("sink_%u", in->slot);
  in->mix_pad = gst_element_request_pad_simple (self->audio, name);
  if (in->mix_pad == NULL) {
    GST_WARNING ("no hcmixminus %s for %s", name, pid);
    hc_pipeline_remove (self->bin, bin);
    g_free (in->pid);
    g_free (in);
    return;
  }
  gst_element_sync_state_with_parent (bin);
  bin_src = gst_element_get_static_pad (bin, "src");
  if (gst_pad_link (bin_src, in->mix_pad) != GST_PAD_LINK_OK)
    GST_WARNING ("could not link the %s input of %s", kind, pid);

  /* Linked while dropping, then forwarding: the head's thread only ever
   * pushes into the bin's leaky queue. */
  in->head_pad = gst_element_request_pad_simple (
      GST_ELEMENT (hc_track_head_get_element (head)), "src_%u");
  g_object_set (in->head_pad, "forward", FALSE, NULL);
  bin_sink = hc_pipeline_get_entry (bin);
  if (gst_pad_link (in->head_pad, bin_sink) != GST_PAD_LINK_OK)
    GST_WARNING ("could not link %s's %s track to its input", pid, kind);
  g_object_set (in->head_pad, "forward", TRUE, NULL);
  g_ptr_array_add (self->inputs, in);
  GST_INFO ("decoding %s's %s", pid, kind);
  /* an audio-only publisher is seen too: its name plate */
  hc_composite_hold_tile (self->composite, pid);
}

void
hc_mixer_remove_input (HcMixer *self, HcTrackHead *head)
{
  g_return_if_fail (HC_IS_MIXER (self));
  hc_composite_remove_video (self->composite, head);
  for (guint i = self->inputs->len; i > 0; i--) {
    Input *in = g_ptr_array_index (self->inputs, i - 1);

    if (in->head != head)
      continue;
    GST_INFO ("%s's audio leaves the mix", in->pid);
    g_ptr_array_remove_index (self->inputs, i - 1);
    if (g_strcmp0 (in->pid, self->active_speaker) == 0) {
      g_clear_pointer (&self->active_speaker, g_free);
      hc_composite_set_active_speaker (self->composite, NULL);
    }
    g_hash_table_remove (self->speaking, in->pid);
    hc_composite_release_tile (self->composite, in->pid);
    input_free (self, in);
  }
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

static Input *
audio_input_of_pad (HcMixer *self, const gchar *pad_name)
{
  guint slot;

  if (pad_name == NULL || sscanf (pad_name, "sink_%u", &slot) != 1)
    return NULL;
  for (guint i = 0; i < self->inputs->len; i++) {
    Input *in = g_ptr_array_index (self->inputs, i);

    if (in->slot == slot)
      return in;
  }
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
  const GValue *pads, *levels, *speaking, *mixed;
  g_autoptr (GHashTable) mixing = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) changes = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer out;

  if (s == NULL || !gst_structure_has_name (s, HC_MIX_MINUS_LEVELS_MESSAGE)
      || GST_MESSAGE_SRC (message) != GST_OBJECT (self->audio))
    return FALSE;
  pads = gst_structure_get_value (s, "pads");
  levels = gst_structure_get_value (s, "levels");
  speaking = gst_structure_get_value (s, "speaking");
  mixed = gst_structure_get_value (s, "mixed");
  for (guint i = 0; list_nth (pads, i); i++) {
    const GValue *name = list_nth (pads, i);
    const GValue *level = list_nth (levels, i);
    const GValue *talks = list_nth (speaking, i);
    const GValue *in_mix = list_nth (mixed, i);
    Input *in = G_VALUE_HOLDS_STRING (name)
                    ? audio_input_of_pad (self, g_value_get_string (name))
                    : NULL;
    gboolean now, before;

    if (in == NULL)
      continue;
    if (in_mix && G_VALUE_HOLDS_BOOLEAN (in_mix)
        && g_value_get_boolean (in_mix))
      g_hash_table_add (mixing, in->pid);
    now = talks && G_VALUE_HOLDS_BOOLEAN (talks) && g_value_get_boolean (talks);
    before = g_hash_table_contains (self->speaking, in->pid);
    if (now) {
      gdouble *value = g_new (gdouble, 1);

      *value = level && G_VALUE_HOLDS_DOUBLE (level)
                   ? g_value_get_double (level)
                   : -127.0;
      g_hash_table_insert (self->speaking, g_strdup (in->pid), value);
    } else {
      g_hash_table_remove (self->speaking, in->pid);
    }
    if (now != before)
      g_ptr_array_add (changes, g_strdup (in->pid));
  }
  audio_output_set_contributors (self, self->sum, mixing);
  g_hash_table_iter_init (&iter, self->minus);
  while (g_hash_table_iter_next (&iter, NULL, &out))
    audio_output_set_contributors (self, out, mixing);
  for (guint i = 0; i < changes->len; i++)
    g_signal_emit (self, signals[SIGNAL_SPEAKING], 0, changes->pdata[i],
                   g_hash_table_contains (self->speaking, changes->pdata[i]));
  update_active_speaker (self);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* API                                                                     */
/* ---------------------------------------------------------------------- */

static GstCaps *
codec_caps (const gchar *description)
{
  return gst_caps_from_string (description);
}

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

  self->audio = gst_element_factory_make ("hcmixminus", "mcu-audio");
  if (self->audio == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
                 "no hcmixminus element");
    return NULL;
  }
  gst_object_ref_sink (self->audio);
  g_object_set (self->audio, "max-mixed", settings->max_mixed, NULL);
  gst_bin_add (bin, self->audio);
  gst_element_sync_state_with_parent (self->audio);
  self->sum = audio_output_new (self, -1, error);
  if (self->sum == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

static gboolean
output_is (AudioOutput *out, GstElement *element)
{
  return out
         && (out->bin == element
             || hc_track_head_get_element (out->head) == element);
}

const gchar *
hc_mixer_find_element (HcMixer *self, GstElement *element, gboolean *shared)
{
  GHashTableIter iter;
  gpointer value;

  const gchar *pid;

  g_return_val_if_fail (HC_IS_MIXER (self), NULL);
  pid = hc_composite_find_element (self->composite, element, shared);
  if (pid || *shared)
    return pid;
  for (guint i = 0; i < self->inputs->len; i++) {
    Input *in = g_ptr_array_index (self->inputs, i);

    if (in->bin == element)
      return in->pid;
  }
  *shared = element == self->audio || output_is (self->sum, element);
  g_hash_table_iter_init (&iter, self->minus);
  while (!*shared && g_hash_table_iter_next (&iter, NULL, &value))
    *shared = output_is (value, element);
  return NULL;
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
             ? self->audio_caps
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

  while (self->inputs && self->inputs->len > 0) {
    Input *in = g_ptr_array_steal_index (self->inputs, self->inputs->len - 1);

    input_free (self, in);
  }
  g_clear_pointer (&self->minus, g_hash_table_unref);
  g_clear_pointer (&self->sum, audio_output_free);
  if (self->audio) {
    hc_pipeline_remove (self->bin, self->audio);
    gst_clear_object (&self->audio);
  }
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

  g_ptr_array_unref (self->inputs);
  g_hash_table_unref (self->slots);
  g_hash_table_unref (self->speaking);
  gst_caps_unref (self->audio_caps);
  g_free (self->active_speaker);
  G_OBJECT_CLASS (hc_mixer_parent_class)->finalize (object);
}

static void
hc_mixer_init (HcMixer *self)
{
  self->inputs = g_ptr_array_new ();
  self->slots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->minus = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify)audio_output_free);
  self->speaking
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* as subscriber_codec_caps() offers a publisher's track */
  self->audio_caps = codec_caps (
      "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,"
      "payload=111,encoding-params=(string)2,minptime=(string)10,"
      "useinbandfec=(string)1");
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
