/* hyperconf — hcmixminus: the MCU's audio mixer, one mix per listener.
 *
 *                       hcmixminus
 *             +------------------------------------------+
 *  voice A ---+-> sink_0 -+                    +-> src ---+--> listeners
 *  voice B ---+-> sink_1 -+-> sum of the K ----+-> minus_0 +--> A (hears B, C)
 *  voice C ---+-> sink_2 -+   loudest (int32)  +-> minus_1 +--> B (hears A, C)
 *             |                                +-> minus_2 +--> C (hears A, B)
 *             |                                +-> pool_0 -+--> lent, block by
 *             |                                +-> pool_.. +--> block, to a
 * mixed
 *             +------------------------------------------+    listener's voice
 *
 * Usage example (verified with GST_PLUGIN_PATH=<build>/src/media):
 *
 *   gst-launch-1.0 hcmixminus name=m
 *     audiotestsrc is-live=true freq=440 ! m.sink_0
 *     audiotestsrc is-live=true freq=660 ! m.sink_1
 *     m.src ! queue ! autoaudiosink
 *     m.minus_0 ! queue ! fakesink  m.minus_1 ! queue ! fakesink
 *
 * How a block is made.  GstAudioAggregator (the base class) does the live
 * part: it cuts time into output blocks, waits on the clock at most the
 * latency for each input, aligns and clips input buffers, drops late data
 * and fills what is missing with silence.  For each block it calls
 * create_output_buffer (we start a new block), then aggregate_one_buffer
 * for each piece of input that falls into the block (we copy the piece
 * into the pad's own block buffer: its contribution), then finish_buffer
 * with the output buffer.  In finish_buffer:
 *   1. each input's level (smoothed, dBov) and speaking state are updated
 *      from its contribution;
 *   2. the K loudest inputs ("max-mixed", with a bonus for those already
 *      mixed so that the choice does not flap) are the mixed set;
 *   3. sum[i] = the mixed contributions added in 32 bits, so nothing wraps
 *      whatever the number of inputs;
 *   4. src = limit (sum), minus_N = limit (sum - contribution of sink_N)
 *      when sink_N is mixed, else the same buffer as src.  The subtraction
 *      comes before the limiter, so a voice cancels exactly.
 * Then each output's buffer gets an HcMixMinusMeta (for whom, who is in
 * it), and pool outputs are lent (select_mixed; hc-mixminus.h says why
 * and how).
 * The limiter is a soft knee: linear up to KNEE, then a tanh curve that
 * reaches full scale only asymptotically (no hard clipping, no pumping).
 *
 * The minus pads are plain GstPads of our own: the base class knows only
 * "src".  Before each buffer on a minus pad, the streaming thread copies
 * to it the sticky events of "src" that it does not have yet (stream-start
 * with an id of its own, caps, segment), so a pad requested while data
 * flows starts with stream-start, caps, segment in that order; EOS and
 * flushes on "src" are mirrored by a probe.  A minus pad's flow result
 * (not linked, flushing while its branch goes, EOS) never stops the mixer;
 * only a fatal error is returned upstream.
 *
 * Locking: the object lock guards the minus pads array and the properties;
 * the pads' block buffers and level state belong to the streaming thread
 * (the base class calls our vfuncs from its src task only).
 */
#define G_LOG_DOMAIN "hc-mixminus"

#include <hyperconf/hc-mixminus.h>
#include <hyperconf/hc-sender-clock.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (hc_mix_minus_debug);
#define GST_CAT_DEFAULT hc_mix_minus_debug

#define CAPS                                                                   \
  "audio/x-raw, format=(string)S16LE, rate=(int)48000, channels=(int)1, "      \
  "layout=(string)interleaved"

#define DEFAULT_MAX_MIXED          3
#define DEFAULT_LEVEL_INTERVAL     100   /* ms */
#define DEFAULT_SPEAKING_THRESHOLD -45.0 /* dBov */

/* Below this a voice counts as absent: never mixed, never speaking. */
#define SILENCE_DB -90.0
#define MIN_DB     -127.0
/* Stop speaking this far below the threshold (hysteresis). */
#define SPEAKING_HYSTERESIS_DB 10.0
/* A mixed input keeps its place until another is this much louder. */
#define MIXED_BONUS_DB 6.0
/* Level smoothing: fast attack, slow release (seconds). */
#define ATTACK_S  0.01
#define RELEASE_S 0.3

/* Soft limiter: linear below the knee (-2.5 dBFS), then a smooth curve. */
#define KNEE      24576
#define FULLSCALE 32767

struct _HcMixMinusPad {
  GstAudioAggregatorPad parent;

  /* Streaming thread only. */
  gint16 *block;        /* this pad's contribution to the current block */
  guint block_size;     /* allocated frames */
  guint64 block_serial; /* block the contents belong to */
  gdouble power;        /* smoothed mean square, full scale = 1 */
  gboolean speaking;
  gboolean mixed;
  gint64 index; /* N of sink_N, -2 until known */

  gint listener; /* atomic: the "listener" property */
};

G_DEFINE_FINAL_TYPE (HcMixMinusPad, hc_mix_minus_pad,
                     GST_TYPE_AUDIO_AGGREGATOR_PAD)

struct _HcMixMinus {
  GstAudioAggregator parent;

  /* Held by the streaming thread for a whole block (mix and pushes), and by
   * the release of a minus or pool pad: a pad goes between two blocks, so
   * no listener loses a block to a push into a pad being released. */
  GMutex push_lock;

  /* Object lock. */
  GPtrArray *minus_pads; /* GstPad, "minus_N" and "pool_N" (OutState) */
  guint max_mixed;
  guint level_interval_ms;
  gdouble speaking_threshold;

  /* Streaming thread. */
  guint64 block_serial; /* of the block being filled, 0 = none */
  guint block_frames;   /* frames of that block */
  gint32 *sum;          /* block_size entries */
  guint sum_size;
  guint64 frames_since_levels;
};

G_DEFINE_FINAL_TYPE (HcMixMinus, hc_mix_minus, GST_TYPE_AUDIO_AGGREGATOR)

enum {
  PROP_0,
  PROP_MAX_MIXED,
  PROP_LEVEL_INTERVAL,
  PROP_SPEAKING_THRESHOLD,
};

enum { PAD_PROP_0, PAD_PROP_LISTENER };

/* A pool output keeps its voice this many blocks after the voice stops
 * being mixed: the encoder's look-back (Opus: 6.5 ms) puts the end of a
 * block into the next block's packet. */
#define HOLD_BLOCKS 1

/* State of a minus_N or pool_N pad ("hc-mixminus-out" data). */
typedef struct {
  gboolean pool;
  gint64 fixed; /* minus_N: N */
  /* Pool pads, streaming thread only: */
  gint assigned; /* the voice lent to, or -1 */
  guint idle;    /* blocks since that voice was last mixed */
  guint blocks;  /* pushed so far, up to NEW_BLOCKS */
  gint last_for; /* the listener of the last block pushed */
} OutState;

/* A new pool pad is lent to nobody for its first blocks: an encoder's
 * first packet is timed apart from the others (Opus: its look-back is not
 * taken off), and whoever moves onto it must find the common clock. */
#define NEW_BLOCKS 2

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS (CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (CAPS));
static GstStaticPadTemplate minus_template = GST_STATIC_PAD_TEMPLATE (
    "minus_%u", GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS (CAPS));
static GstStaticPadTemplate pool_template = GST_STATIC_PAD_TEMPLATE (
    "pool_%u", GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS (CAPS));

static GQuark out_quark;     /* minus/pool pad -> OutState */
static GQuark started_quark; /* minus/pool pad -> its stream-start was sent */

/* ---- HcMixMinusMeta ---------------------------------------------------- */

static gboolean
mix_minus_meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  HcMixMinusMeta *m = (HcMixMinusMeta *)meta;

  m->listener = HC_MIX_MINUS_NOBODY;
  m->n_except = m->n_contributors = 0;
  m->except = m->contributors = NULL;
  return TRUE;
}

static void
mix_minus_meta_free (GstMeta *meta, GstBuffer *buffer)
{
  HcMixMinusMeta *m = (HcMixMinusMeta *)meta;

  g_free (m->except);
  g_free (m->contributors);
}

static gboolean
mix_minus_meta_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
                          GQuark type, gpointer data)
{
  HcMixMinusMeta *m = (HcMixMinusMeta *)meta;

  /* Whatever the transformation (copy, encode, payload): the same mix. */
  return hc_buffer_add_mix_minus_meta (dest, m->block, m->listener, m->except,
                                       m->n_except, m->contributors,
                                       m->n_contributors)
         != NULL;
}

GType
hc_mix_minus_meta_api_get_type (void)
{
  static GType type;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("HcMixMinusMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
hc_mix_minus_meta_get_info (void)
{
  static const GstMetaInfo *info;

  if (g_once_init_enter ((GstMetaInfo **)&info)) {
    const GstMetaInfo *i = gst_meta_register (
        HC_MIX_MINUS_META_API_TYPE, "HcMixMinusMeta", sizeof (HcMixMinusMeta),
        mix_minus_meta_init, mix_minus_meta_free, mix_minus_meta_transform);
    g_once_init_leave ((GstMetaInfo **)&info, (GstMetaInfo *)i);
  }
  return info;
}

HcMixMinusMeta *
hc_buffer_add_mix_minus_meta (GstBuffer *buffer, guint64 block, gint listener,
                              const guint *except, guint n_except,
                              const guint *contributors, guint n_contributors)
{
  HcMixMinusMeta *m = (HcMixMinusMeta *)gst_buffer_add_meta (
      buffer, hc_mix_minus_meta_get_info (), NULL);

  if (m == NULL)
    return NULL;
  m->block = block;
  m->listener = listener;
  m->n_except = n_except;
  m->except = n_except ? g_memdup2 (except, n_except * sizeof (guint)) : NULL;
  m->n_contributors = n_contributors;
  m->contributors = n_contributors ? g_memdup2 (contributors,
                                                n_contributors * sizeof (guint))
                                   : NULL;
  return m;
}

static gboolean
meta_is_for (const HcMixMinusMeta *m, gint voice)
{
  if (m->listener == HC_MIX_MINUS_EVERYONE) {
    for (guint i = 0; voice >= 0 && i < m->n_except; i++)
      if (m->except[i] == (guint)voice)
        return FALSE;
    return TRUE;
  }
  return m->listener >= 0 && m->listener == voice;
}

gboolean
hc_mix_minus_buffer_is_for (GstBuffer *buffer, gint voice)
{
  gpointer state = NULL;
  GstMeta *meta;
  HcMixMinusMeta *newest = NULL;

  while ((meta = gst_buffer_iterate_meta_filtered (
              buffer, &state, HC_MIX_MINUS_META_API_TYPE))) {
    const HcMixMinusMeta *m = (const HcMixMinusMeta *)meta;

    /* Never a packet that holds the voice, whatever it was mixed for: a
     * block mixed before its voice became a listener's (in flight behind
     * the inputs' jitter buffers when the listener's branch starts) is
     * dropped rather than heard. */
    for (guint i = 0; voice >= 0 && i < m->n_contributors; i++)
      if (m->contributors[i] == (guint)voice)
        return FALSE;
    if (newest == NULL || m->block > newest->block)
      newest = (HcMixMinusMeta *)meta;
  }
  return newest == NULL || meta_is_for (newest, voice);
}

/* ---- pads ------------------------------------------------------------ */

static void
hc_mix_minus_pad_finalize (GObject *object)
{
  HcMixMinusPad *self = HC_MIX_MINUS_PAD (object);

  g_free (self->block);
  G_OBJECT_CLASS (hc_mix_minus_pad_parent_class)->finalize (object);
}

static void
hc_mix_minus_pad_set_property (GObject *object, guint prop_id,
                               const GValue *value, GParamSpec *pspec)
{
  HcMixMinusPad *self = HC_MIX_MINUS_PAD (object);

  if (prop_id == PAD_PROP_LISTENER)
    g_atomic_int_set (&self->listener, g_value_get_boolean (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
hc_mix_minus_pad_get_property (GObject *object, guint prop_id, GValue *value,
                               GParamSpec *pspec)
{
  HcMixMinusPad *self = HC_MIX_MINUS_PAD (object);

  if (prop_id == PAD_PROP_LISTENER)
    g_value_set_boolean (value, g_atomic_int_get (&self->listener));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
hc_mix_minus_pad_class_init (HcMixMinusPadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hc_mix_minus_pad_finalize;
  object_class->set_property = hc_mix_minus_pad_set_property;
  object_class->get_property = hc_mix_minus_pad_get_property;
  g_object_class_install_property (
      object_class, PAD_PROP_LISTENER,
      g_param_spec_boolean (
          "listener", "Listener",
          "This voice's publisher hears the mix: it is mixed only while a "
          "minus_N or a free pool output can leave it out",
          FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_PLAYING));
}

static void
hc_mix_minus_pad_init (HcMixMinusPad *self)
{
  self->index = -2;
}

/* N of "sink_N" / "minus_N", or -1. */
static gint64
pad_index (GstPad *pad, const gchar *prefix)
{
  const gchar *name = GST_PAD_NAME (pad);
  gsize len = strlen (prefix);

  if (strncmp (name, prefix, len) != 0 || name[len] == '\0')
    return -1;
  gchar *end = NULL;
  guint64 n = g_ascii_strtoull (name + len, &end, 10);
  return (*end == '\0' && n <= G_MAXUINT) ? (gint64)n : -1;
}

/* ---- the mix ----------------------------------------------------------- */

static inline gint16
soft_limit (gint32 x)
{
  gint32 a = x < 0 ? -x : x;

  if (a <= KNEE)
    return (gint16)x;
  /* Slope 1 at the knee, so the curve joins the linear part smoothly. */
  const gdouble range = FULLSCALE - KNEE;
  gint32 y = KNEE + (gint32)(range * tanh ((a - KNEE) / range));
  return (gint16)(x < 0 ? -y : y);
}

static gdouble
power_to_db (gdouble power)
{
  return power > 0 ? MAX (10.0 * log10 (power), MIN_DB) : MIN_DB;
}

static GstBuffer *
hc_mix_minus_create_output_buffer (GstAudioAggregator *aagg, guint num_frames)
{
  HcMixMinus *self = HC_MIX_MINUS (aagg);

  /* A new block: pads' block buffers from before are stale from now on. */
  self->block_serial++;
  self->block_frames = num_frames;
  if (self->sum_size < num_frames) {
    self->sum = g_renew (gint32, self->sum, num_frames);
    self->sum_size = num_frames;
  }
  return GST_AUDIO_AGGREGATOR_CLASS (hc_mix_minus_parent_class)
      ->create_output_buffer (aagg, num_frames);
}

static gboolean
hc_mix_minus_aggregate_one_buffer (GstAudioAggregator *aagg,
                                   GstAudioAggregatorPad *aggpad,
                                   GstBuffer *inbuf, guint in_offset,
                                   GstBuffer *outbuf, guint out_offset,
                                   guint num_frames)
{
  HcMixMinus *self = HC_MIX_MINUS (aagg);
  HcMixMinusPad *pad = HC_MIX_MINUS_PAD (aggpad);
  GstMapInfo in;

  if (pad->block_serial != self->block_serial) {
    if (pad->block_size < self->block_frames) {
      pad->block = g_renew (gint16, pad->block, self->block_frames);
      pad->block_size = self->block_frames;
    }
    /* Zeroed because a piece may cover only part of the block. */
    memset (pad->block, 0, self->block_frames * sizeof (gint16));
    pad->block_serial = self->block_serial;
  }
  g_return_val_if_fail (out_offset + num_frames <= self->block_frames, FALSE);
  if (!gst_buffer_map (inbuf, &in, GST_MAP_READ))
    return FALSE;
  memcpy (pad->block + out_offset, in.data + in_offset * sizeof (gint16),
          num_frames * sizeof (gint16));
  gst_buffer_unmap (inbuf, &in);
  return TRUE;
}

/* Step 1: level and speaking state of @pad after this block. */
static void
update_level (HcMixMinus *self, HcMixMinusPad *pad, guint frames,
              gdouble threshold)
{
  gdouble power = 0;

  if (pad->block_serial == self->block_serial) {
    gint64 squares = 0;
    for (guint i = 0; i < frames; i++)
      squares += (gint32)pad->block[i] * pad->block[i];
    power = (gdouble)squares / frames / (32768.0 * 32768.0);
  }
  gdouble dt = (gdouble)frames / 48000;
  gdouble tau = power > pad->power ? ATTACK_S : RELEASE_S;
  pad->power += (power - pad->power) * (1 - exp (-dt / tau));

  gdouble db = power_to_db (pad->power);
  if (!pad->speaking && db >= threshold)
    pad->speaking = TRUE;
  else if (pad->speaking && db < threshold - SPEAKING_HYSTERESIS_DB)
    pad->speaking = FALSE;
}

typedef struct {
  gdouble rank;
  guint index;
} Ranked;

static gint
compare_rank (gconstpointer a, gconstpointer b)
{
  gdouble ra = ((const Ranked *)a)->rank, rb = ((const Ranked *)b)->rank;
  return ra < rb ? 1 : ra > rb ? -1 : 0;
}

static gint64
voice_of (HcMixMinusPad *pad)
{
  if (pad->index == -2)
    pad->index = pad_index (GST_PAD (pad), "sink_");
  return pad->index;
}

/* Whether a minus_N pad leaves out @voice. */
static gboolean
has_fixed_output (OutState **outs, guint n_outs, gint64 voice)
{
  for (guint m = 0; m < n_outs; m++)
    if (!outs[m]->pool && outs[m]->fixed == voice)
      return TRUE;
  return FALSE;
}

static OutState *
pool_out_of (OutState **outs, guint n_outs, gint64 voice)
{
  for (guint m = 0; m < n_outs; m++)
    if (outs[m]->pool && outs[m]->assigned >= 0 && outs[m]->assigned == voice)
      return outs[m];
  return NULL;
}

/* Step 2: the @k loudest of @pads are mixed (k = 0: all that are heard),
 * each listener among them only with an output that leaves it out: its
 * minus_N, the pool output it holds, or a free one, lent now. */
static void
select_mixed (HcMixMinusPad **pads, guint n, guint k, OutState **outs,
              guint n_outs)
{
  Ranked *order = g_newa (Ranked, n + 1);
  guint heard = 0, taken = 0;
  gboolean *used = g_newa (gboolean, n_outs + 1);
  guint *wanting = g_newa (guint, n + 1);
  gboolean *was_mixed = g_newa (gboolean, n + 1);
  guint n_wanting = 0;

  for (guint i = 0; i < n; i++) {
    gdouble db = power_to_db (pads[i]->power);

    was_mixed[i] = pads[i]->mixed;
    if (db > SILENCE_DB) {
      order[heard].rank = db + (pads[i]->mixed ? MIXED_BONUS_DB : 0);
      order[heard++].index = i;
    }
    pads[i]->mixed = FALSE;
  }
  qsort (order, heard, sizeof (Ranked), compare_rank);
  memset (used, 0, (n_outs + 1) * sizeof (gboolean));
  for (guint r = 0; r < heard && (k == 0 || taken < k); r++) {
    HcMixMinusPad *pad = pads[order[r].index];
    gint64 voice = voice_of (pad);
    OutState *held;

    taken++;
    if (!g_atomic_int_get (&pad->listener)
        || has_fixed_output (outs, n_outs, voice)) {
      pad->mixed = TRUE;
    } else if ((held = pool_out_of (outs, n_outs, voice)) != NULL) {
      pad->mixed = TRUE;
      for (guint m = 0; m < n_outs; m++)
        used[m] |= outs[m] == held;
    } else {
      wanting[n_wanting++] = order[r].index;
    }
  }
  /* Free: nobody's, or held past its voice's last block by HOLD_BLOCKS;
   * for a voice mixed in the last block (its pool pad went), only one that
   * was idle then (without any listener's voice): a packet holds the end
   * of the previous block too. */
  for (guint w = 0; w < n_wanting; w++) {
    HcMixMinusPad *pad = pads[wanting[w]];

    for (guint m = 0; m < n_outs && !pad->mixed; m++) {
      OutState *out = outs[m];

      if (!out->pool || used[m] || out->blocks < NEW_BLOCKS
          || (out->assigned >= 0 && out->idle < HOLD_BLOCKS)
          || (was_mixed[wanting[w]] && out->last_for != HC_MIX_MINUS_NOBODY))
        continue;
      out->assigned = (gint)voice_of (pad);
      out->idle = 0;
      used[m] = TRUE;
      pad->mixed = TRUE;
    }
    /* else: no output can leave it out, so it is not mixed (the caller
     * requests enough pool pads: this lasts a block at most) */
  }
  for (guint m = 0; m < n_outs; m++) {
    OutState *out = outs[m];

    if (!out->pool || out->assigned < 0)
      continue;
    if (used[m])
      out->idle = 0;
    else if (out->idle >= HOLD_BLOCKS)
      out->assigned = -1;
    else
      out->idle++;
  }
  /* A voice that went (its pad released) frees its pool output. */
  for (guint m = 0; m < n_outs; m++) {
    gboolean present = FALSE;

    for (guint i = 0; outs[m]->pool && outs[m]->assigned >= 0 && i < n; i++)
      present |= voice_of (pads[i]) == outs[m]->assigned;
    if (outs[m]->pool && outs[m]->assigned >= 0 && !present)
      outs[m]->assigned = -1;
  }
}

static void
post_levels (HcMixMinus *self, HcMixMinusPad **pads, guint n)
{
  GValue names = G_VALUE_INIT, levels = G_VALUE_INIT, speaking = G_VALUE_INIT,
         mixed = G_VALUE_INIT;

  g_value_init (&names, GST_TYPE_ARRAY);
  g_value_init (&levels, GST_TYPE_ARRAY);
  g_value_init (&speaking, GST_TYPE_ARRAY);
  g_value_init (&mixed, GST_TYPE_ARRAY);
  for (guint i = 0; i < n; i++) {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, GST_PAD_NAME (pads[i]));
    gst_value_array_append_and_take_value (&names, &v);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, power_to_db (pads[i]->power));
    gst_value_array_append_and_take_value (&levels, &v);
    g_value_init (&v, G_TYPE_BOOLEAN);
    g_value_set_boolean (&v, pads[i]->speaking);
    gst_value_array_append_and_take_value (&speaking, &v);
    g_value_init (&v, G_TYPE_BOOLEAN);
    g_value_set_boolean (&v, pads[i]->mixed);
    gst_value_array_append_and_take_value (&mixed, &v);
  }
  GstStructure *s = gst_structure_new_empty (HC_MIX_MINUS_LEVELS_MESSAGE);
  gst_structure_take_value (s, "pads", &names);
  gst_structure_take_value (s, "levels", &levels);
  gst_structure_take_value (s, "speaking", &speaking);
  gst_structure_take_value (s, "mixed", &mixed);
  gst_element_post_message (GST_ELEMENT (self),
                            gst_message_new_element (GST_OBJECT (self), s));
}

/* The sum limited, minus the blocks in @own, into a new buffer with the
 * timestamps and flags of @like. */
static GstBuffer *
limited_buffer (HcMixMinus *self, guint frames, const gint16 *const *own,
                guint n_own, GstBuffer *like)
{
  GstBuffer *buf
      = gst_buffer_new_allocate (NULL, frames * sizeof (gint16), NULL);
  GstMapInfo map;

  gst_buffer_copy_into (
      buf, like, GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  gint16 *out = (gint16 *)map.data;
  gboolean silent = TRUE;
  for (guint i = 0; i < frames; i++) {
    gint32 v = self->sum[i];
    for (guint j = 0; j < n_own; j++)
      v -= own[j][i];
    out[i] = soft_limit (v);
    silent = silent && v == 0;
  }
  gst_buffer_unmap (buf, &map);
  if (silent)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_GAP);
  else
    GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_GAP);
  return buf;
}

/* A buffer sharing @data's memory, for @listener (see HcMixMinusMeta);
 * @contributors without @listener's own voice. */
static GstBuffer *
tagged (GstBuffer *data, guint64 block, gint listener, const guint *except,
        guint n_except, const guint *contributors, guint n_contributors)
{
  GstBuffer *buf = gst_buffer_copy_region (data,
                                           GST_BUFFER_COPY_FLAGS
                                               | GST_BUFFER_COPY_TIMESTAMPS
                                               | GST_BUFFER_COPY_MEMORY,
                                           0, -1);
  guint *mine = g_newa (guint, n_contributors + 1);
  guint n_mine = 0;

  for (guint i = 0; i < n_contributors; i++)
    if (listener < 0 || contributors[i] != (guint)listener)
      mine[n_mine++] = contributors[i];
  hc_buffer_add_mix_minus_meta (buf, block, listener, except, n_except, mine,
                                n_mine);
  return buf;
}

/* ---- minus pads: events and pushing -------------------------------------
 */

typedef struct {
  GstPad *minus;
} SyncData;

static gboolean
sync_sticky_event (GstPad *src, GstEvent **event, gpointer user_data)
{
  GstPad *minus = ((SyncData *)user_data)->minus;
  GstEventType type = GST_EVENT_TYPE (*event);

  if (type == GST_EVENT_STREAM_START) {
    if (g_object_get_qdata (G_OBJECT (minus), started_quark) == NULL) {
      const gchar *src_id = NULL;
      gst_event_parse_stream_start (*event, &src_id);
      /* Derived from the sum's id: one stream per minus pad, stable while
       * the sum's is. */
      g_autofree gchar *id
          = g_strconcat (src_id, "/", GST_PAD_NAME (minus), NULL);
      GstEvent *start = gst_event_new_stream_start (id);
      gst_event_set_group_id (start, gst_util_group_id_next ());
      gst_pad_push_event (minus, start);
      g_object_set_qdata (G_OBJECT (minus), started_quark, GINT_TO_POINTER (1));
    }
    return TRUE;
  }
  if (type == GST_EVENT_EOS)
    return TRUE;
  GstEvent *have = gst_pad_get_sticky_event (minus, type, 0);
  if (have != *event)
    gst_pad_push_event (minus, gst_event_ref (*event));
  if (have != NULL)
    gst_event_unref (have);
  return TRUE;
}

static GstFlowReturn
push_minus (GstAggregator *agg, GstPad *minus, GstBuffer *buf)
{
  SyncData data = { minus };

  gst_pad_sticky_events_foreach (agg->srcpad, sync_sticky_event, &data);
  GstFlowReturn ret = gst_pad_push (minus, buf);
  /* Not linked, being released (flushing) or done (EOS): this listener
   * takes nothing now, the others go on. */
  if (ret == GST_FLOW_NOT_LINKED || ret == GST_FLOW_FLUSHING
      || ret == GST_FLOW_EOS)
    return GST_FLOW_OK;
  return ret;
}

/* EOS and flushes of "src" reach the minus pads too. */
static GstPadProbeReturn
mirror_src_event (GstPad *src, GstPadProbeInfo *info, gpointer user_data)
{
  HcMixMinus *self = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstEventType type = GST_EVENT_TYPE (event);

  if (type != GST_EVENT_EOS && type != GST_EVENT_FLUSH_START
      && type != GST_EVENT_FLUSH_STOP)
    return GST_PAD_PROBE_OK;

  GST_OBJECT_LOCK (self);
  g_autoptr (GPtrArray) pads
      = g_ptr_array_new_with_free_func (gst_object_unref);
  for (guint i = 0; i < self->minus_pads->len; i++)
    g_ptr_array_add (pads, gst_object_ref (self->minus_pads->pdata[i]));
  GST_OBJECT_UNLOCK (self);
  for (guint i = 0; i < pads->len; i++)
    gst_pad_push_event (pads->pdata[i], gst_event_ref (event));
  return GST_PAD_PROBE_OK;
}

static gboolean
minus_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstAggregator *agg = GST_AGGREGATOR (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:
    case GST_QUERY_ACCEPT_CAPS:
      return gst_pad_query_default (pad, parent, query);
    default:
      /* Latency, position, ...: whatever "src" answers. */
      return gst_pad_query (agg->srcpad, query);
  }
}

static gboolean
minus_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  /* Upstream events from one listener (QoS, reconfigure, seek) are not
   * for the mix that all others hear. */
  gst_event_unref (event);
  return TRUE;
}

/* ---- finish_buffer: the block is complete ----------------------------- */

static GstFlowReturn
hc_mix_minus_finish_buffer (GstAggregator *agg, GstBuffer *outbuf)
{
  HcMixMinus *self = HC_MIX_MINUS (agg);
  guint frames = gst_buffer_get_size (outbuf) / sizeof (gint16);

  g_mutex_lock (&self->push_lock);
  GST_OBJECT_LOCK (self);
  guint k = self->max_mixed;
  guint interval_ms = self->level_interval_ms;
  gdouble threshold = self->speaking_threshold;
  guint n = GST_ELEMENT (self)->numsinkpads;
  HcMixMinusPad **pads = g_newa (HcMixMinusPad *, n + 1);
  guint i = 0;
  for (GList *l = GST_ELEMENT (self)->sinkpads; l; l = l->next)
    pads[i++] = gst_object_ref (l->data);
  guint n_minus = self->minus_pads->len;
  GstPad **minus = g_newa (GstPad *, n_minus + 1);
  OutState **outs = g_newa (OutState *, n_minus + 1);
  for (guint m = 0; m < n_minus; m++) {
    minus[m] = gst_object_ref (self->minus_pads->pdata[m]);
    outs[m] = g_object_get_qdata (G_OBJECT (minus[m]), out_quark);
  }
  GST_OBJECT_UNLOCK (self);

  /* The base class may shorten the last block (EOS). */
  frames = MIN (frames, self->block_frames);

  for (i = 0; i < n; i++)
    update_level (self, pads[i], frames, threshold);
  select_mixed (pads, n, k, outs, n_minus);

  /* Who is in the sum (contributors), whose voice leaves it out in a mix of
   * its own (except), and the mixed listeners (out of an idle pool
   * output). */
  guint *contributors = g_newa (guint, n + 1), n_contributors = 0;
  guint *except = g_newa (guint, n_minus + 1), n_except = 0;
  const gint16 **listeners = g_newa (const gint16 *, n + 1);
  guint n_listeners = 0;
  memset (self->sum, 0, frames * sizeof (gint32));
  for (i = 0; i < n; i++) {
    if (!pads[i]->mixed || pads[i]->block_serial != self->block_serial)
      continue;
    for (guint s = 0; s < frames; s++)
      self->sum[s] += pads[i]->block[s];
    if (voice_of (pads[i]) >= 0)
      contributors[n_contributors++] = (guint)voice_of (pads[i]);
    if (g_atomic_int_get (&pads[i]->listener))
      listeners[n_listeners++] = pads[i]->block;
  }
  for (guint m = 0; m < n_minus; m++) {
    gint64 voice = outs[m]->pool ? outs[m]->assigned : outs[m]->fixed;

    if (voice >= 0)
      except[n_except++] = (guint)voice;
  }

  GstBuffer *plain = limited_buffer (self, frames, NULL, 0, outbuf);
  GstBuffer *idle = NULL;
  GstBuffer **minus_bufs = g_newa (GstBuffer *, n_minus + 1);
  for (guint m = 0; m < n_minus; m++) {
    gint64 voice = outs[m]->pool ? outs[m]->assigned : outs[m]->fixed;
    const gint16 *own = NULL;

    minus_bufs[m] = NULL;
    if (!gst_pad_is_linked (minus[m]))
      continue;
    if (voice < 0) {
      /* An idle pool output: whoever it is lent to next has not been in
       * it (the encoder looks back into this block). */
      if (idle == NULL) {
        GstBuffer *bed
            = limited_buffer (self, frames, listeners, n_listeners, outbuf);
        idle = tagged (bed, self->block_serial, HC_MIX_MINUS_NOBODY, NULL, 0,
                       NULL, 0);
        gst_buffer_unref (bed);
      }
      minus_bufs[m] = gst_buffer_ref (idle);
      continue;
    }
    for (i = 0; i < n; i++)
      if (voice_of (pads[i]) == voice && pads[i]->mixed
          && pads[i]->block_serial == self->block_serial)
        own = pads[i]->block;
    if (own) {
      GstBuffer *data = limited_buffer (self, frames, &own, 1, outbuf);

      minus_bufs[m] = tagged (data, self->block_serial, (gint)voice, NULL, 0,
                              contributors, n_contributors);
      gst_buffer_unref (data);
    } else {
      /* its voice is not in the sum */
      minus_bufs[m] = tagged (plain, self->block_serial, (gint)voice, NULL, 0,
                              contributors, n_contributors);
    }
  }
  g_clear_pointer (&idle, gst_buffer_unref);
  GstBuffer *mixed = tagged (plain, self->block_serial, HC_MIX_MINUS_EVERYONE,
                             except, n_except, contributors, n_contributors);
  gst_buffer_unref (plain);
  gst_buffer_unref (outbuf);

  self->frames_since_levels += frames;
  if (interval_ms > 0
      && self->frames_since_levels * 1000 >= (guint64)interval_ms * 48000) {
    self->frames_since_levels = 0;
    post_levels (self, pads, n);
  }

  GstFlowReturn ret = GST_AGGREGATOR_CLASS (hc_mix_minus_parent_class)
                          ->finish_buffer (agg, mixed);
  /* A mixer whose plain sum nobody takes still serves the minus pads. */
  if (ret == GST_FLOW_NOT_LINKED || ret == GST_FLOW_EOS
      || (ret == GST_FLOW_FLUSHING && !GST_PAD_IS_FLUSHING (agg->srcpad)))
    ret = GST_FLOW_OK;

  for (guint m = 0; m < n_minus; m++) {
    if (minus_bufs[m] != NULL) {
      HcMixMinusMeta *meta = hc_buffer_get_mix_minus_meta (minus_bufs[m]);

      outs[m]->last_for = meta->listener;
      outs[m]->blocks = MIN (outs[m]->blocks + 1, NEW_BLOCKS);
      GstFlowReturn r = push_minus (agg, minus[m], minus_bufs[m]);

      if (r < GST_FLOW_EOS && ret == GST_FLOW_OK)
        ret = r;
    }
    gst_object_unref (minus[m]);
  }
  g_mutex_unlock (&self->push_lock);
  for (i = 0; i < n; i++)
    gst_object_unref (pads[i]);
  return ret;
}

/* ---- request and release ----------------------------------------------- */

static gboolean
out_index_taken (HcMixMinus *self, const gchar *prefix, gint64 index)
{
  for (guint i = 0; i < self->minus_pads->len; i++)
    if (pad_index (self->minus_pads->pdata[i], prefix) == index)
      return TRUE;
  return FALSE;
}

/* N of a new "<prefix>N": the one asked for, or the lowest free; -1 when
 * the name is bad or taken.  Object lock held. */
static gint64
choose_out_index (HcMixMinus *self, const gchar *prefix, const gchar *req_name)
{
  gint64 index = 0;
  gsize len = strlen (prefix);

  if (req_name != NULL && strchr (req_name, '%') == NULL) {
    gchar *end = NULL;
    if (!g_str_has_prefix (req_name, prefix))
      return -1;
    guint64 n = g_ascii_strtoull (req_name + len, &end, 10);
    if (end == req_name + len || *end != '\0' || n >= G_MAXINT - 1)
      return -1;
    index = (gint64)n;
    return out_index_taken (self, prefix, index) ? -1 : index;
  }
  while (out_index_taken (self, prefix, index))
    index++;
  return index;
}

static GstPad *
request_out_pad (HcMixMinus *self, GstPadTemplate *templ, gboolean pool,
                 const gchar *req_name)
{
  const gchar *prefix = pool ? "pool_" : "minus_";

  GST_OBJECT_LOCK (self);
  gint64 index = choose_out_index (self, prefix, req_name);
  GST_OBJECT_UNLOCK (self);
  if (index < 0) {
    GST_WARNING_OBJECT (self, "cannot request pad \"%s\" (bad or taken)",
                        req_name);
    return NULL;
  }

  g_autofree gchar *name = g_strdup_printf ("%s%u", prefix, (guint)index);
  GstPad *pad = gst_pad_new_from_template (templ, name);
  OutState *state = g_new0 (OutState, 1);
  state->pool = pool;
  state->fixed = pool ? -1 : index;
  state->assigned = -1;
  state->last_for = HC_MIX_MINUS_NOBODY;
  g_object_set_qdata_full (G_OBJECT (pad), out_quark, state, g_free);
  gst_pad_set_query_function (pad, minus_query);
  gst_pad_set_event_function (pad, minus_event);
  gst_pad_use_fixed_caps (pad);

  GST_OBJECT_LOCK (self);
  g_ptr_array_add (self->minus_pads, gst_object_ref (pad));
  GST_OBJECT_UNLOCK (self);
  gst_element_add_pad (GST_ELEMENT (self), pad);
  return pad;
}

/* A voice's "hc-sender-clock" (its publisher's SR, from the forwarder that
 * feeds the input) maps the publisher's RTP timestamps, not the mix's:
 * passed on, the base class would send it out of "src", and the mix's
 * forwarder would write it into the SRs of the mix.  Dropped here. */
static gboolean
hc_mix_minus_sink_event (GstAggregator *agg, GstAggregatorPad *pad,
                         GstEvent *event)
{
  if (hc_sender_clock_event_parse (event, NULL, NULL, NULL, NULL)) {
    gst_event_unref (event);
    return TRUE;
  }
  return GST_AGGREGATOR_CLASS (hc_mix_minus_parent_class)
      ->sink_event (agg, pad, event);
}

static GstPad *
hc_mix_minus_request_new_pad (GstElement *element, GstPadTemplate *templ,
                              const gchar *req_name, const GstCaps *caps)
{
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (element);

  if (templ == gst_element_class_get_pad_template (klass, "minus_%u"))
    return request_out_pad (HC_MIX_MINUS (element), templ, FALSE, req_name);
  if (templ == gst_element_class_get_pad_template (klass, "pool_%u"))
    return request_out_pad (HC_MIX_MINUS (element), templ, TRUE, req_name);
  return GST_ELEMENT_CLASS (hc_mix_minus_parent_class)
      ->request_new_pad (element, templ, req_name, caps);
}

static void
hc_mix_minus_release_pad (GstElement *element, GstPad *pad)
{
  HcMixMinus *self = HC_MIX_MINUS (element);

  if (GST_PAD_IS_SINK (pad)) {
    GST_ELEMENT_CLASS (hc_mix_minus_parent_class)->release_pad (element, pad);
    return;
  }
  /* Between two blocks: the voice a pool pad served gets another output in
   * the next block, and no push is in flight on this one. */
  g_mutex_lock (&self->push_lock);
  GST_OBJECT_LOCK (self);
  gboolean found = g_ptr_array_remove (self->minus_pads, pad);
  GST_OBJECT_UNLOCK (self);
  g_mutex_unlock (&self->push_lock);
  if (!found)
    return;
  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
}

/* ---- GObject ----------------------------------------------------------- */

static void
hc_mix_minus_set_property (GObject *object, guint prop_id, const GValue *value,
                           GParamSpec *pspec)
{
  HcMixMinus *self = HC_MIX_MINUS (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_MIXED:
      self->max_mixed = g_value_get_uint (value);
      break;
    case PROP_LEVEL_INTERVAL:
      self->level_interval_ms = g_value_get_uint (value);
      break;
    case PROP_SPEAKING_THRESHOLD:
      self->speaking_threshold = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
hc_mix_minus_get_property (GObject *object, guint prop_id, GValue *value,
                           GParamSpec *pspec)
{
  HcMixMinus *self = HC_MIX_MINUS (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_MIXED:
      g_value_set_uint (value, self->max_mixed);
      break;
    case PROP_LEVEL_INTERVAL:
      g_value_set_uint (value, self->level_interval_ms);
      break;
    case PROP_SPEAKING_THRESHOLD:
      g_value_set_double (value, self->speaking_threshold);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
hc_mix_minus_finalize (GObject *object)
{
  HcMixMinus *self = HC_MIX_MINUS (object);

  g_ptr_array_unref (self->minus_pads);
  g_mutex_clear (&self->push_lock);
  g_free (self->sum);
  G_OBJECT_CLASS (hc_mix_minus_parent_class)->finalize (object);
}

static void
hc_mix_minus_class_init (HcMixMinusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAggregatorClass *agg_class = GST_AGGREGATOR_CLASS (klass);
  GstAudioAggregatorClass *aagg_class = GST_AUDIO_AGGREGATOR_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (hc_mix_minus_debug, "hcmixminus", 0,
                           "hyperconf mix-minus audio mixer");
  out_quark = g_quark_from_static_string ("hc-mixminus-out");
  started_quark = g_quark_from_static_string ("hc-mixminus-started");

  object_class->set_property = hc_mix_minus_set_property;
  object_class->get_property = hc_mix_minus_get_property;
  object_class->finalize = hc_mix_minus_finalize;

  g_object_class_install_property (
      object_class, PROP_MAX_MIXED,
      g_param_spec_uint ("max-mixed", "Max mixed",
                         "Mix only this many of the loudest inputs "
                         "(0 = all inputs that are heard)",
                         0, G_MAXUINT, DEFAULT_MAX_MIXED,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                             | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (
      object_class, PROP_LEVEL_INTERVAL,
      g_param_spec_uint ("level-interval", "Level interval",
                         "Post an \"" HC_MIX_MINUS_LEVELS_MESSAGE
                         "\" element message every this many ms of output "
                         "(0 = never)",
                         0, G_MAXUINT, DEFAULT_LEVEL_INTERVAL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                             | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (
      object_class, PROP_SPEAKING_THRESHOLD,
      g_param_spec_double ("speaking-threshold", "Speaking threshold",
                           "Smoothed level (dBov) from which an input is "
                           "speaking; it stops 10 dB lower",
                           MIN_DB, 0, DEFAULT_SPEAKING_THRESHOLD,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                               | GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template_with_gtype (
      element_class, &sink_template, HC_TYPE_MIX_MINUS_PAD);
  gst_type_mark_as_plugin_api (HC_TYPE_MIX_MINUS_PAD, 0);
  gst_element_class_add_static_pad_template_with_gtype (
      element_class, &src_template, GST_TYPE_AUDIO_AGGREGATOR_PAD);
  gst_element_class_add_static_pad_template (element_class, &minus_template);
  gst_element_class_add_static_pad_template (element_class, &pool_template);
  gst_element_class_set_static_metadata (
      element_class, "Mix-minus audio mixer", "Filter/Editor/Audio/Mixer",
      "Mixes the loudest voices into one sum (src) and, for each input N, "
      "the sum without N's own voice (minus_N), soft-limited; or, with "
      "K+1 encodes for any number of listeners, lends pool outputs "
      "(pool_N) to the mixed voices of listeners (sink pad \"listener\"), "
      "each buffer saying for whom it is (HcMixMinusMeta); posts levels. "
      "Example: gst-launch-1.0 hcmixminus name=m "
      "audiotestsrc is-live=true freq=440 ! m.sink_0 "
      "audiotestsrc is-live=true freq=660 ! m.sink_1 "
      "m.src ! queue ! autoaudiosink m.minus_0 ! queue ! fakesink",
      "hyperconf");

  element_class->request_new_pad = hc_mix_minus_request_new_pad;
  element_class->release_pad = hc_mix_minus_release_pad;
  agg_class->finish_buffer = hc_mix_minus_finish_buffer;
  agg_class->sink_event = hc_mix_minus_sink_event;
  aagg_class->create_output_buffer = hc_mix_minus_create_output_buffer;
  aagg_class->aggregate_one_buffer = hc_mix_minus_aggregate_one_buffer;
}

static void
hc_mix_minus_init (HcMixMinus *self)
{
  GstAggregator *agg = GST_AGGREGATOR (self);

  self->minus_pads = g_ptr_array_new_with_free_func (gst_object_unref);
  g_mutex_init (&self->push_lock);
  self->max_mixed = DEFAULT_MAX_MIXED;
  self->level_interval_ms = DEFAULT_LEVEL_INTERVAL;
  self->speaking_threshold = DEFAULT_SPEAKING_THRESHOLD;
  /* A pad requested for a voice that has not arrived yet never makes the
   * others wait. */
  gst_aggregator_set_ignore_inactive_pads (agg, TRUE);
  /* Output starts at the first input's running time: a mixer added to a
   * room that has run for an hour does not first make an hour of silence
   * as fast as it can. */
  g_object_set (self, "start-time-selection",
                GST_AGGREGATOR_START_TIME_SELECTION_FIRST, NULL);
  gst_pad_add_probe (agg->srcpad,
                     GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM
                         | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
                     mirror_src_event, self, NULL);
}
