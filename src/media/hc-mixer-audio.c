/* hyperconf — HcMixerAudio (see hc-mixer-audio.h for the graph). */
#define G_LOG_DOMAIN "hc-mixer"

#include "hc-mixer-audio.h"

#include <hyperconf/hc-forwarder.h>
#include <hyperconf/hc-mixminus.h>

#include <gst/rtp/gstrtpmeta.h>

#include <stdio.h>

#include "hc-pipeline.h"

GST_DEBUG_CATEGORY_STATIC (hc_mixer_audio_debug);
#define GST_CAT_DEFAULT hc_mixer_audio_debug

/* The mix's payload type; each branch rewrites it to what its receiver
 * negotiated anyway. */
#define AUDIO_PT 111

/* One published audio track, decoded. */
typedef struct {
  HcTrackHead *head;
  GstPad *head_pad; /* request pad on the head */
  GstElement *bin;  /* mcu-audio-input */
  GstPad *mix_pad;  /* hcmixminus sink_<slot> */
  gchar *pid;
  guint slot;
} Input;

/* One encode of the mix: the plain sum or a pool output. */
typedef struct {
  GstElement *bin;  /* mcu-audio-output */
  GstPad *mix_pad;  /* hcmixminus src / pool_N */
  GstPad *head_pad; /* head sink / sink_N */
} Output;

struct _HcMixerAudio {
  GstBin *bin;
  HcMcuSettings settings;
  guint serial;    /* element names */
  GstElement *mix; /* hcmixminus */
  HcTrackHead *head;
  Output *sum;
  GPtrArray *pool;   /* Output */
  GPtrArray *inputs; /* Input */
  GHashTable *slots; /* pid -> slot + 1 */
  guint next_slot;
  GHashTable *listeners; /* pid -> count, publishing a voice */
  GHashTable *silent;    /* pid -> count, listening without one */
  guint32 timestamp_offset;
  GstCaps *codec_caps;

  GMutex lock;       /* ssrcs: main context writes, payloaders read */
  GHashTable *ssrcs; /* slot -> publisher's SSRC */
};

static guint
slot_of (HcMixerAudio *self, const gchar *pid)
{
  guint slot = GPOINTER_TO_UINT (g_hash_table_lookup (self->slots, pid));

  if (slot == 0) {
    slot = ++self->next_slot;
    g_hash_table_insert (self->slots, g_strdup (pid), GUINT_TO_POINTER (slot));
  }
  return slot - 1;
}

/* ---------------------------------------------------------------------- */
/* Outputs                                                                 */
/* ---------------------------------------------------------------------- */

/* The payloader's thread: the mixed audio names what it holds (RFC 3550
 * CSRC list; rtpbasepayload's "source-info" writes it from this meta),
 * exactly for this packet's block (its HcMixMinusMeta). */
static GstPadProbeReturn
add_contributors (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  HcMixerAudio *self = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  HcMixMinusMeta *meta = hc_buffer_get_mix_minus_meta (buffer);
  guint32 csrcs[GST_RTP_SOURCE_META_MAX_CSRC_COUNT];
  guint n = 0;

  if (meta == NULL || meta->n_contributors == 0)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < meta->n_contributors && n < G_N_ELEMENTS (csrcs); i++) {
    gpointer ssrc = g_hash_table_lookup (
        self->ssrcs, GUINT_TO_POINTER (meta->contributors[i]));

    if (ssrc)
      csrcs[n++] = GPOINTER_TO_UINT (ssrc);
  }
  g_mutex_unlock (&self->lock);
  if (n > 0) {
    buffer = gst_buffer_make_writable (buffer);
    gst_buffer_add_rtp_source_meta (buffer, NULL, csrcs, n);
    GST_PAD_PROBE_INFO_DATA (info) = buffer;
  }
  return GST_PAD_PROBE_OK;
}

/* Built downstream first: encoder and payloader, linked to the head, then
 * started, and only then fed. */
static Output *
output_new (HcMixerAudio *self, gboolean pool, GError **error)
{
  Output *out = g_new0 (Output, 1);
  g_autoptr (GstElement) pay = NULL;
  g_autoptr (GstPad) pay_sink = NULL;
  g_autoptr (GstPad) src = NULL;
  g_autoptr (GstPad) sink = NULL;

  out->bin
      = hc_pipeline_add (self->bin, "mcu-audio-output", self->serial++, error);
  if (out->bin == NULL) {
    g_free (out);
    return NULL;
  }
  hc_pipeline_set (out->bin, "encoder", "bitrate",
                   (gint)self->settings.audio_bitrate, NULL);
  /* One timestamp base for all encodes: a listener that moves between
   * them sees one clock. */
  hc_pipeline_set (out->bin, "pay", "pt", AUDIO_PT, "source-info", TRUE,
                   "timestamp-offset", self->timestamp_offset, NULL);
  pay = gst_bin_get_by_name (GST_BIN (out->bin), "pay");
  pay_sink = gst_element_get_static_pad (pay, "sink");
  gst_pad_add_probe (pay_sink, GST_PAD_PROBE_TYPE_BUFFER, add_contributors,
                     self, NULL);
  src = gst_element_get_static_pad (out->bin, "src");
  if (!pool) {
    self->head = hc_track_head_new (self->bin, src, "mix-audio");
    out->head_pad = gst_element_get_static_pad (
        hc_track_head_get_element (self->head), "sink");
  } else {
    out->head_pad = gst_element_request_pad_simple (
        hc_track_head_get_element (self->head), "sink_%u");
    if (gst_pad_link (src, out->head_pad) != GST_PAD_LINK_OK)
      GST_WARNING ("could not link a pool output to the head");
  }
  gst_element_sync_state_with_parent (out->bin);
  out->mix_pad = pool ? gst_element_request_pad_simple (self->mix, "pool_%u")
                      : gst_element_get_static_pad (self->mix, "src");
  sink = gst_element_get_static_pad (out->bin, "sink");
  if (out->mix_pad == NULL
      || gst_pad_link (out->mix_pad, sink) != GST_PAD_LINK_OK)
    GST_WARNING ("could not link an hcmixminus output");
  return out;
}

/* Upstream first: the mixer's pad goes between two blocks (hcmixminus),
 * whoever it served gets another output in the next one. */
static void
output_free (HcMixerAudio *self, Output *out)
{
  if (out->mix_pad && GST_PAD_TEMPLATE (GST_PAD_PAD_TEMPLATE (out->mix_pad))
      && GST_PAD_TEMPLATE_PRESENCE (GST_PAD_PAD_TEMPLATE (out->mix_pad))
             == GST_PAD_REQUEST)
    gst_element_release_request_pad (self->mix, out->mix_pad);
  gst_clear_object (&out->mix_pad);
  hc_pipeline_remove (self->bin, out->bin);
  if (out->head_pad
      && GST_PAD_TEMPLATE_PRESENCE (GST_PAD_PAD_TEMPLATE (out->head_pad))
             == GST_PAD_REQUEST)
    gst_element_release_request_pad (hc_track_head_get_element (self->head),
                                     out->head_pad);
  gst_clear_object (&out->head_pad);
  g_free (out);
}

/* min (K, listeners who publish a voice) pool outputs: each mixed voice of
 * a listener needs one (K = 0: every voice may be mixed). */
static void
resize_pool (HcMixerAudio *self)
{
  guint want = g_hash_table_size (self->listeners);

  if (self->settings.max_mixed > 0)
    want = MIN (want, self->settings.max_mixed);
  while (self->pool->len < want) {
    g_autoptr (GError) error = NULL;
    Output *out = output_new (self, TRUE, &error);

    if (out == NULL) {
      GST_WARNING ("no pool output: %s", error->message);
      break;
    }
    g_ptr_array_add (self->pool, out);
  }
  while (self->pool->len > want)
    output_free (self,
                 g_ptr_array_steal_index (self->pool, self->pool->len - 1));
  GST_INFO ("%u listeners, %u encodes",
            g_hash_table_size (self->listeners)
                + g_hash_table_size (self->silent),
            1 + self->pool->len);
}

/* ---------------------------------------------------------------------- */
/* Inputs                                                                  */
/* ---------------------------------------------------------------------- */

static void
set_listening (HcMixerAudio *self, const gchar *pid, gboolean listening)
{
  for (guint i = 0; i < self->inputs->len; i++) {
    Input *in = g_ptr_array_index (self->inputs, i);

    if (g_str_equal (in->pid, pid))
      g_object_set (in->mix_pad, "listener", listening, NULL);
  }
}

static void
input_free (HcMixerAudio *self, Input *in)
{
  GstElement *head = hc_track_head_get_element (in->head);

  /* No more packets into the bin, then the mixer's pad goes (which
   * flushes it, waking the bin's thread if it waits there), then the
   * bin. */
  g_object_set (in->head_pad, "forward", FALSE, NULL);
  gst_element_release_request_pad (head, in->head_pad);
  gst_element_release_request_pad (self->mix, in->mix_pad);
  hc_pipeline_remove (self->bin, in->bin);
  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->ssrcs, GUINT_TO_POINTER (in->slot));
  g_mutex_unlock (&self->lock);
  gst_object_unref (in->head_pad);
  gst_object_unref (in->mix_pad);
  g_free (in->pid);
  g_free (in);
}

void
hc_mixer_audio_add_input (HcMixerAudio *self, HcTrackHead *head,
                          const gchar *pid, guint32 ssrc)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstPad) bin_sink = NULL;
  g_autoptr (GstPad) bin_src = NULL;
  g_autofree gchar *name = NULL;
  Input *in;
  GstElement *bin;

  bin = hc_pipeline_add (self->bin, "mcu-audio-input", self->serial++, &error);
  if (bin == NULL) {
    GST_WARNING ("no audio input for %s: %s", pid, error->message);
    return;
  }
  in = g_new0 (Input, 1);
  in->head = head;
  in->bin = bin;
  in->pid = g_strdup (pid);
  /* the publisher's first audio track takes its slot, so that its own mix
   * (the branch's "mix-voice") leaves it out */
  in->slot = slot_of (self, pid);
  for (guint i = 0; i < self->inputs->len; i++) {
    Input *other = g_ptr_array_index (self->inputs, i);

    if (other->slot == in->slot)
      in->slot = self->next_slot++;
  }
  name = g_strdup_printf ("sink_%u", in->slot);
  in->mix_pad = gst_element_request_pad_simple (self->mix, name);
  if (in->mix_pad == NULL) {
    GST_WARNING ("no hcmixminus %s for %s", name, pid);
    hc_pipeline_remove (self->bin, bin);
    g_free (in->pid);
    g_free (in);
    return;
  }
  /* before its first block: a listener's voice is never in the sum */
  g_object_set (in->mix_pad, "listener",
                g_hash_table_contains (self->listeners, pid), NULL);
  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->ssrcs, GUINT_TO_POINTER (in->slot),
                       GUINT_TO_POINTER (ssrc));
  g_mutex_unlock (&self->lock);
  bin_src = gst_element_get_static_pad (bin, "src");
  if (gst_pad_link (bin_src, in->mix_pad) != GST_PAD_LINK_OK)
    GST_WARNING ("could not link the audio input of %s", pid);
  gst_element_sync_state_with_parent (bin);

  /* Linked while dropping, then forwarding: the head's thread only ever
   * pushes into the bin's leaky queue. */
  in->head_pad = gst_element_request_pad_simple (
      hc_track_head_get_element (head), "src_%u");
  g_object_set (in->head_pad, "forward", FALSE, NULL);
  bin_sink = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (in->head_pad, bin_sink) != GST_PAD_LINK_OK)
    GST_WARNING ("could not link %s's audio track to its input", pid);
  g_object_set (in->head_pad, "forward", TRUE, NULL);
  g_ptr_array_add (self->inputs, in);
  GST_INFO ("decoding %s's audio as sink_%u", pid, in->slot);
}

gchar *
hc_mixer_audio_remove_input (HcMixerAudio *self, HcTrackHead *head)
{
  gchar *pid = NULL;

  for (guint i = self->inputs->len; i > 0; i--) {
    Input *in = g_ptr_array_index (self->inputs, i - 1);

    if (in->head != head)
      continue;
    GST_INFO ("%s's audio leaves the mix", in->pid);
    g_ptr_array_remove_index (self->inputs, i - 1);
    g_free (pid);
    pid = g_strdup (in->pid);
    input_free (self, in);
  }
  return pid;
}

/* ---------------------------------------------------------------------- */
/* Listeners                                                               */
/* ---------------------------------------------------------------------- */

static void
count (GHashTable *table, const gchar *pid, gint by)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (table, pid)) + by;

  if (n == 0)
    g_hash_table_remove (table, pid);
  else
    g_hash_table_insert (table, g_strdup (pid), GUINT_TO_POINTER (n));
}

gint
hc_mixer_audio_add_listener (HcMixerAudio *self, const gchar *pid,
                             gboolean has_voice)
{
  if (!has_voice) {
    count (self->silent, pid, 1);
    return -1;
  }
  count (self->listeners, pid, 1);
  /* the pool first, then the voice that may take from it */
  resize_pool (self);
  set_listening (self, pid, TRUE);
  return (gint)slot_of (self, pid);
}

void
hc_mixer_audio_remove_listener (HcMixerAudio *self, const gchar *pid)
{
  if (g_hash_table_contains (self->silent, pid)) {
    count (self->silent, pid, -1);
    return;
  }
  if (!g_hash_table_contains (self->listeners, pid))
    return;
  count (self->listeners, pid, -1);
  if (g_hash_table_contains (self->listeners, pid))
    return;
  set_listening (self, pid, FALSE);
  resize_pool (self);
}

/* ---------------------------------------------------------------------- */
/* API                                                                     */
/* ---------------------------------------------------------------------- */

HcMixerAudio *
hc_mixer_audio_new (GstBin *bin, const HcMcuSettings *settings, GError **error)
{
  HcMixerAudio *self = g_new0 (HcMixerAudio, 1);

  if (hc_mixer_audio_debug == NULL)
    GST_DEBUG_CATEGORY_INIT (hc_mixer_audio_debug, "hc-mixer-audio", 0,
                             "hyperconf MCU audio");
  self->bin = gst_object_ref (bin);
  self->settings = *settings;
  self->pool = g_ptr_array_new ();
  self->inputs = g_ptr_array_new ();
  self->slots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->listeners
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->silent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->lock);
  self->ssrcs = g_hash_table_new (NULL, NULL);
  self->timestamp_offset = g_random_int ();
  /* as subscriber_codec_caps() offers a publisher's track */
  self->codec_caps = gst_caps_from_string (
      "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,"
      "payload=111,encoding-params=(string)2,minptime=(string)10,"
      "useinbandfec=(string)1");

  self->mix = hc_pipeline_load_element ("mcu-audio", error);
  if (self->mix == NULL) {
    hc_mixer_audio_free (self);
    return NULL;
  }
  gst_object_set_name (GST_OBJECT (self->mix), "mcu-audio");
  gst_object_ref_sink (self->mix);
  g_object_set (self->mix, "max-mixed", settings->max_mixed, NULL);
  gst_bin_add (bin, self->mix);
  self->sum = output_new (self, FALSE, error);
  if (self->sum == NULL) {
    hc_mixer_audio_free (self);
    return NULL;
  }
  gst_element_sync_state_with_parent (self->mix);
  return self;
}

void
hc_mixer_audio_free (HcMixerAudio *self)
{
  while (self->inputs->len > 0)
    input_free (self,
                g_ptr_array_steal_index (self->inputs, self->inputs->len - 1));
  while (self->pool->len > 0)
    output_free (self,
                 g_ptr_array_steal_index (self->pool, self->pool->len - 1));
  if (self->mix)
    hc_pipeline_remove (self->bin, self->mix);
  if (self->sum)
    output_free (self, self->sum);
  g_clear_pointer (&self->head, hc_track_head_free);
  gst_clear_object (&self->mix);
  gst_object_unref (self->bin);
  g_ptr_array_unref (self->pool);
  g_ptr_array_unref (self->inputs);
  g_hash_table_unref (self->slots);
  g_hash_table_unref (self->listeners);
  g_hash_table_unref (self->silent);
  g_hash_table_unref (self->ssrcs);
  g_mutex_clear (&self->lock);
  gst_caps_unref (self->codec_caps);
  g_free (self);
}

HcTrackHead *
hc_mixer_audio_get_head (HcMixerAudio *self)
{
  return self->head;
}

GstCaps *
hc_mixer_audio_get_codec_caps (HcMixerAudio *self)
{
  return self->codec_caps;
}

GstElement *
hc_mixer_audio_get_element (HcMixerAudio *self)
{
  return self->mix;
}

const gchar *
hc_mixer_audio_pid_of_pad (HcMixerAudio *self, const gchar *pad_name)
{
  guint slot;

  if (pad_name == NULL || sscanf (pad_name, "sink_%u", &slot) != 1)
    return NULL;
  for (guint i = 0; i < self->inputs->len; i++) {
    Input *in = g_ptr_array_index (self->inputs, i);

    if (in->slot == slot)
      return in->pid;
  }
  return NULL;
}

static gboolean
output_is (HcMixerAudio *self, Output *out, GstElement *element)
{
  return out && out->bin == element;
}

const gchar *
hc_mixer_audio_find_element (HcMixerAudio *self, GstElement *element,
                             gboolean *shared)
{
  for (guint i = 0; i < self->inputs->len; i++) {
    Input *in = g_ptr_array_index (self->inputs, i);

    if (in->bin == element)
      return in->pid;
  }
  *shared
      = element == self->mix || output_is (self, self->sum, element)
        || (self->head && hc_track_head_get_element (self->head) == element);
  for (guint i = 0; !*shared && i < self->pool->len; i++)
    *shared = output_is (self, g_ptr_array_index (self->pool, i), element);
  return NULL;
}

guint
hc_mixer_audio_get_n_encodes (HcMixerAudio *self)
{
  return 1 + self->pool->len;
}
