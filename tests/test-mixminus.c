/* hyperconf — hcmixminus element tests (live pipelines, real time).
 *
 *   audiotestsrc freq=f0 ─▶ sink_0 ┐            ┌ src     ─▶ appsink "src"
 *   audiotestsrc freq=f1 ─▶ sink_1 ┼ hcmixminus ┼ minus_0 ─▶ appsink "minus_0"
 *   ...                            ┘            └ ...
 *
 * Each input is a tone of its own frequency, so a Goertzel filter on an
 * output says how much of each input it holds: what a listener would hear.
 */
#include "hc-test-rtp.h"
#include "hc-test-tone.h"

#include <hyperconf/hc-forwarder.h>
#include <hyperconf/hc-mixminus.h>

#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>

#include <math.h>

#define RATE     48000
#define DEADLINE (20 * G_USEC_PER_SEC)
/* Integer bins of a 0.5 s window (2 Hz resolution): no leakage. */
static const gdouble freqs[] = { 400, 700, 1100, 1700 };
#define WINDOW (RATE / 2)

typedef struct {
  GMutex lock;
  GArray *samples;  /* gint16 */
  GArray *pts;      /* GstClockTime per buffer */
  GArray *duration; /* GstClockTime per buffer */
  GArray *arrival;  /* gint64 monotonic us per buffer */
  gint listener;    /* of the last buffer's HcMixMinusMeta */
  guint n_except;
  guint except[8];
} Capture;

typedef struct {
  GstElement *pipeline, *mix;
  Capture src;
  Capture minus[G_N_ELEMENTS (freqs)];
  GPtrArray *levels; /* GstStructure copies of hcmixminus-levels */
  GMutex levels_lock;
} Rig;

static void
capture_init (Capture *c)
{
  g_mutex_init (&c->lock);
  c->samples = g_array_new (FALSE, FALSE, sizeof (gint16));
  c->pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  c->duration = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  c->arrival = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
capture_clear (Capture *c)
{
  g_clear_pointer (&c->samples, g_array_unref);
  g_clear_pointer (&c->pts, g_array_unref);
  g_clear_pointer (&c->duration, g_array_unref);
  g_clear_pointer (&c->arrival, g_array_unref);
  g_mutex_clear (&c->lock);
}

static guint
captured_samples (Capture *c)
{
  g_mutex_lock (&c->lock);
  guint n = c->samples->len;
  g_mutex_unlock (&c->lock);
  return n;
}

static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer user_data)
{
  Capture *c = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstMapInfo map;
  gint64 now = g_get_monotonic_time ();
  GstClockTime pts = GST_BUFFER_PTS (buf), dur = GST_BUFFER_DURATION (buf);

  g_assert_true (gst_buffer_map (buf, &map, GST_MAP_READ));
  g_mutex_lock (&c->lock);
  g_array_append_vals (c->samples, map.data, map.size / sizeof (gint16));
  g_array_append_val (c->pts, pts);
  g_array_append_val (c->duration, dur);
  g_array_append_val (c->arrival, now);
  HcMixMinusMeta *meta = hc_buffer_get_mix_minus_meta (buf);
  g_assert_nonnull (meta);
  c->listener = meta->listener;
  c->n_except = MIN (meta->n_except, G_N_ELEMENTS (c->except));
  memcpy (c->except, meta->except, c->n_except * sizeof (guint));
  g_mutex_unlock (&c->lock);
  gst_buffer_unmap (buf, &map);
  return GST_FLOW_OK;
}

static GstBusSyncReply
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  Rig *rig = user_data;
  const GstStructure *s = gst_message_get_structure (message);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) error = NULL;
    gst_message_parse_error (message, &error, NULL);
    g_error ("pipeline error: %s", error->message);
  }
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT
      && gst_structure_has_name (s, HC_MIX_MINUS_LEVELS_MESSAGE)) {
    g_mutex_lock (&rig->levels_lock);
    g_ptr_array_add (rig->levels, gst_structure_copy (s));
    g_mutex_unlock (&rig->levels_lock);
  }
  return GST_BUS_DROP;
}

/* A live tone into sink_@index. */
static GstElement *
add_tone (Rig *rig, guint index, gdouble volume, gint num_buffers)
{
  g_autofree gchar *desc
      = g_strdup_printf ("audiotestsrc is-live=true samplesperbuffer=480 "
                         "freq=%g volume=%g num-buffers=%d ! capsfilter "
                         "caps=audio/x-raw,format=S16LE,"
                         "rate=48000,channels=1",
                         freqs[index], volume, num_buffers);
  g_autoptr (GError) error = NULL;
  GstElement *bin = gst_parse_bin_from_description (desc, TRUE, &error);
  g_assert_no_error (error);

  gst_bin_add (GST_BIN (rig->pipeline), bin);
  g_autofree gchar *name = g_strdup_printf ("sink_%u", index);
  g_autoptr (GstPad) sink = gst_element_request_pad_simple (rig->mix, name);
  g_autoptr (GstPad) src = gst_element_get_static_pad (bin, "src");
  g_assert_nonnull (sink);
  g_assert_cmpint (gst_pad_link (src, sink), ==, GST_PAD_LINK_OK);
  return bin;
}

static void
add_output (Rig *rig, const gchar *pad_name, Capture *capture)
{
  GstElement *sink = gst_element_factory_make ("appsink", NULL);
  GstAppSinkCallbacks callbacks = { .new_sample = on_new_sample };

  /* One streaming thread feeds every output (as with tee): a sink that
   * waits for preroll would hold back the others, so no preroll. */
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, capture, NULL);
  gst_bin_add (GST_BIN (rig->pipeline), sink);
  g_autoptr (GstPad) src
      = g_str_equal (pad_name, "src")
            ? gst_element_get_static_pad (rig->mix, "src")
            : gst_element_request_pad_simple (rig->mix, pad_name);
  g_autoptr (GstPad) peer = gst_element_get_static_pad (sink, "sink");
  g_assert_nonnull (src);
  g_assert_cmpint (gst_pad_link (src, peer), ==, GST_PAD_LINK_OK);
  capture_init (capture);
}

static void
rig_init (Rig *rig, guint max_mixed)
{
  memset (rig, 0, sizeof *rig);
  rig->pipeline = gst_pipeline_new (NULL);
  rig->mix = gst_element_factory_make ("hcmixminus", "mix");
  g_assert_nonnull (rig->mix);
  g_object_set (rig->mix, "max-mixed", max_mixed, "latency",
                (guint64)40 * GST_MSECOND, NULL);
  gst_bin_add (GST_BIN (rig->pipeline), rig->mix);
  rig->levels
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
  g_mutex_init (&rig->levels_lock);
  g_autoptr (GstBus) bus = gst_element_get_bus (rig->pipeline);
  gst_bus_set_sync_handler (bus, on_bus_message, rig, NULL);
}

static void
rig_clear (Rig *rig)
{
  gst_element_set_state (rig->pipeline, GST_STATE_NULL);
  gst_object_unref (rig->pipeline);
  if (rig->src.samples)
    capture_clear (&rig->src);
  for (guint i = 0; i < G_N_ELEMENTS (rig->minus); i++)
    if (rig->minus[i].samples)
      capture_clear (&rig->minus[i]);
  g_ptr_array_unref (rig->levels);
  g_mutex_clear (&rig->levels_lock);
}

/* Waits until @c holds @samples samples (fails after the deadline). */
static void
wait_samples (Capture *c, guint samples)
{
  gint64 end = g_get_monotonic_time () + DEADLINE;

  while (captured_samples (c) < samples) {
    g_assert_cmpint (g_get_monotonic_time (), <, end);
    g_usleep (10000);
  }
}

/* Amplitude (full scale 1) of @freq in the last WINDOW samples of @c. */
static gdouble
tone_amplitude (Capture *c, gdouble freq)
{
  g_mutex_lock (&c->lock);
  g_assert_cmpuint (c->samples->len, >=, WINDOW);
  gdouble a = hc_test_tone_amplitude (
      &g_array_index (c->samples, gint16, c->samples->len - WINDOW), WINDOW,
      freq, RATE);
  g_mutex_unlock (&c->lock);
  return a;
}

static void
assert_tone (Capture *c, guint index, gdouble volume)
{
  gdouble a = tone_amplitude (c, freqs[index]);
  g_test_message ("tone %u: amplitude %.4f (expected %.3f)", index, a, volume);
  g_assert_cmpfloat (a, >, volume * 0.8);
  g_assert_cmpfloat (a, <, volume * 1.2);
}

/* Absent: at least 40 dB below @reference. */
static void
assert_no_tone (Capture *c, guint index, gdouble reference)
{
  gdouble a = tone_amplitude (c, freqs[index]);
  g_test_message ("tone %u: amplitude %.6f (%.1f dB below %.3f)", index, a,
                  20 * log10 (reference / MAX (a, 1e-9)), reference);
  g_assert_cmpfloat (a, <, reference / 100);
}

static void
test_minus_cancels_own_voice (void)
{
  const gdouble volume = 0.15;
  const guint n = G_N_ELEMENTS (freqs);
  Rig rig;

  rig_init (&rig, 0);
  for (guint i = 0; i < n; i++)
    add_tone (&rig, i, volume, -1);
  add_output (&rig, "src", &rig.src);
  for (guint i = 0; i < n; i++) {
    g_autofree gchar *name = g_strdup_printf ("minus_%u", i);
    add_output (&rig, name, &rig.minus[i]);
  }
  g_assert_cmpint (gst_element_set_state (rig.pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  /* One second: the window is the second half, after any start-up. */
  wait_samples (&rig.src, RATE);
  for (guint i = 0; i < n; i++)
    wait_samples (&rig.minus[i], RATE);

  for (guint t = 0; t < n; t++)
    assert_tone (&rig.src, t, volume);
  for (guint i = 0; i < n; i++) {
    g_test_message ("minus_%u", i);
    for (guint t = 0; t < n; t++) {
      if (t == i)
        assert_no_tone (&rig.minus[i], t, volume);
      else
        assert_tone (&rig.minus[i], t, volume);
    }
  }
  rig_clear (&rig);
}

static void
test_max_mixed (void)
{
  /* Loudest first: with max-mixed=2 only tones 0 and 1 are in the sum. */
  const gdouble volumes[] = { 0.3, 0.2, 0.05, 0.02 };
  Rig rig;

  rig_init (&rig, 2);
  for (guint i = 0; i < G_N_ELEMENTS (volumes); i++)
    add_tone (&rig, i, volumes[i], -1);
  add_output (&rig, "src", &rig.src);
  add_output (&rig, "minus_0", &rig.minus[0]);
  add_output (&rig, "minus_3", &rig.minus[3]);
  gst_element_set_state (rig.pipeline, GST_STATE_PLAYING);
  wait_samples (&rig.src, RATE);
  wait_samples (&rig.minus[0], RATE);
  wait_samples (&rig.minus[3], RATE);

  assert_tone (&rig.src, 0, volumes[0]);
  assert_tone (&rig.src, 1, volumes[1]);
  assert_no_tone (&rig.src, 2, volumes[1]);
  assert_no_tone (&rig.src, 3, volumes[1]);
  /* The loudest hears the second only; a quiet one, not mixed, hears the
   * plain sum. */
  assert_no_tone (&rig.minus[0], 0, volumes[1]);
  assert_tone (&rig.minus[0], 1, volumes[1]);
  assert_no_tone (&rig.minus[0], 2, volumes[1]);
  assert_tone (&rig.minus[3], 0, volumes[0]);
  assert_tone (&rig.minus[3], 1, volumes[1]);
  assert_no_tone (&rig.minus[3], 3, volumes[1]);

  /* The levels say so too. */
  g_mutex_lock (&rig.levels_lock);
  g_assert_cmpuint (rig.levels->len, >, 0);
  const GstStructure *last = rig.levels->pdata[rig.levels->len - 1];
  const GValue *mixed = gst_structure_get_value (last, "mixed");
  g_assert_cmpuint (gst_value_array_get_size (mixed), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (g_value_get_boolean (gst_value_array_get_value (mixed, i)),
                     ==, i < 2);
  g_mutex_unlock (&rig.levels_lock);
  rig_clear (&rig);
}

static void
test_levels_messages (void)
{
  Rig rig;

  rig_init (&rig, 3);
  add_tone (&rig, 0, 0.3, -1);
  add_tone (&rig, 1, 0.1, -1);
  add_tone (&rig, 2, 0.0, -1); /* a publisher who says nothing */
  add_output (&rig, "src", &rig.src);
  gst_element_set_state (rig.pipeline, GST_STATE_PLAYING);
  wait_samples (&rig.src, RATE);

  g_mutex_lock (&rig.levels_lock);
  /* Every 100 ms of output: about 10 in one second. */
  g_test_message ("%u level messages", rig.levels->len);
  g_assert_cmpuint (rig.levels->len, >=, 8);
  g_assert_cmpuint (rig.levels->len, <=, 12);
  const GstStructure *s = rig.levels->pdata[rig.levels->len - 1];
  const GValue *pads = gst_structure_get_value (s, "pads");
  const GValue *levels = gst_structure_get_value (s, "levels");
  const GValue *speaking = gst_structure_get_value (s, "speaking");
  const GValue *mixed = gst_structure_get_value (s, "mixed");
  g_assert_true (GST_VALUE_HOLDS_ARRAY (pads));
  g_assert_cmpuint (gst_value_array_get_size (pads), ==, 3);
  g_assert_cmpuint (gst_value_array_get_size (levels), ==, 3);
  for (guint i = 0; i < 3; i++) {
    g_autofree gchar *name = g_strdup_printf ("sink_%u", i);
    g_assert_cmpstr (g_value_get_string (gst_value_array_get_value (pads, i)),
                     ==, name);
  }
  /* A sine of amplitude a has a level of 20 log10 (a / sqrt 2) dBov. */
  gdouble l0 = g_value_get_double (gst_value_array_get_value (levels, 0));
  gdouble l1 = g_value_get_double (gst_value_array_get_value (levels, 1));
  gdouble l2 = g_value_get_double (gst_value_array_get_value (levels, 2));
  g_test_message ("levels %.1f %.1f %.1f dBov", l0, l1, l2);
  g_assert_cmpfloat (fabs (l0 - 20 * log10 (0.3 / G_SQRT2)), <, 1.5);
  g_assert_cmpfloat (fabs (l1 - 20 * log10 (0.1 / G_SQRT2)), <, 1.5);
  g_assert_cmpfloat (l2, <, -90);
  g_assert_true (g_value_get_boolean (gst_value_array_get_value (speaking, 0)));
  g_assert_true (g_value_get_boolean (gst_value_array_get_value (speaking, 1)));
  g_assert_false (
      g_value_get_boolean (gst_value_array_get_value (speaking, 2)));
  g_assert_true (g_value_get_boolean (gst_value_array_get_value (mixed, 0)));
  g_assert_true (g_value_get_boolean (gst_value_array_get_value (mixed, 1)));
  g_assert_false (g_value_get_boolean (gst_value_array_get_value (mixed, 2)));
  g_mutex_unlock (&rig.levels_lock);
  rig_clear (&rig);
}

/* Drops every buffer while *stalled: an input whose packets stopped. */
static GstPadProbeReturn
stall_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return g_atomic_int_get ((gint *)user_data) ? GST_PAD_PROBE_DROP
                                              : GST_PAD_PROBE_OK;
}

/* Output timestamps run on without holes and buffers keep arriving. */
static void
assert_continuous (Capture *c, const gchar *what)
{
  g_mutex_lock (&c->lock);
  gint64 max_gap = 0;
  for (guint i = 1; i < c->pts->len; i++) {
    GstClockTime prev = g_array_index (c->pts, GstClockTime, i - 1);
    GstClockTime prev_dur = g_array_index (c->duration, GstClockTime, i - 1);
    GstClockTime pts = g_array_index (c->pts, GstClockTime, i);
    gint64 gap = g_array_index (c->arrival, gint64, i)
                 - g_array_index (c->arrival, gint64, i - 1);

    gint64 hole = (gint64)pts - (gint64)(prev + prev_dur);

    g_assert_cmpuint (pts, >, prev);
    /* No hole, no overlap: contiguous within one sample (20.8 us). */
    g_assert_cmpint (ABS (hole), <, 21 * GST_USECOND);
    max_gap = MAX (max_gap, gap);
  }
  g_test_message ("%s: %u buffers, longest wait %" G_GINT64_FORMAT " ms", what,
                  c->pts->len, max_gap / 1000);
  /* Real time with 10 ms blocks; a stall would show as a long wait. */
  g_assert_cmpint (max_gap, <, 250 * 1000);
  g_mutex_unlock (&c->lock);
}

static void
test_late_and_stopping_inputs (void)
{
  const gdouble volume = 0.2;
  gint stalled = 0;
  Rig rig;

  rig_init (&rig, 0);
  add_tone (&rig, 0, volume, -1);
  add_tone (&rig, 1, volume, 30); /* stops (EOS) after 0.3 s */
  GstElement *stalling = add_tone (&rig, 3, volume, -1);
  g_autoptr (GstPad) stall_pad = gst_element_get_static_pad (stalling, "src");
  gst_pad_add_probe (stall_pad, GST_PAD_PROBE_TYPE_BUFFER, stall_probe,
                     &stalled, NULL);
  add_output (&rig, "src", &rig.src);
  add_output (&rig, "minus_0", &rig.minus[0]);
  /* Asked for before its input exists. */
  add_output (&rig, "minus_2", &rig.minus[2]);
  gst_element_set_state (rig.pipeline, GST_STATE_PLAYING);

  wait_samples (&rig.src, RATE / 2);
  g_atomic_int_set (&stalled, 1);
  /* Joins 0.5 s after the start, while input 3 is stalled. */
  GstElement *late = add_tone (&rig, 2, volume, -1);
  g_assert_true (gst_element_sync_state_with_parent (late));
  wait_samples (&rig.src, RATE + RATE / 2);
  g_atomic_int_set (&stalled, 0);
  wait_samples (&rig.src, 3 * RATE);
  wait_samples (&rig.minus[0], 3 * RATE);
  wait_samples (&rig.minus[2], 3 * RATE);

  assert_continuous (&rig.src, "src");
  assert_continuous (&rig.minus[0], "minus_0");
  assert_continuous (&rig.minus[2], "minus_2");
  /* The late input is heard by the others and cancelled in its own mix;
   * the stopped one is gone. */
  assert_tone (&rig.src, 2, volume);
  assert_tone (&rig.minus[0], 2, volume);
  assert_tone (&rig.minus[0], 3, volume);
  assert_no_tone (&rig.minus[0], 0, volume);
  assert_no_tone (&rig.minus[0], 1, volume);
  assert_no_tone (&rig.minus[2], 2, volume);
  assert_tone (&rig.minus[2], 0, volume);
  rig_clear (&rig);
}

/* A mixer added to a pipeline that has run for a while (a room that gets its
 * first MCU receiver): its output starts at the current running time, in
 * real time, instead of catching up from zero in a burst. */
static void
test_added_to_running_pipeline (void)
{
  Rig rig;

  rig_init (&rig, 0);
  gst_object_ref (rig.mix);
  gst_bin_remove (GST_BIN (rig.pipeline), rig.mix);
  g_autoptr (GError) error = NULL;
  GstElement *room = gst_parse_bin_from_description (
      "audiotestsrc is-live=true ! fakesink", FALSE, &error);
  g_assert_no_error (error);
  gst_bin_add (GST_BIN (rig.pipeline), room);
  gst_element_set_state (rig.pipeline, GST_STATE_PLAYING);
  g_usleep (G_USEC_PER_SEC);

  gst_bin_add (GST_BIN (rig.pipeline), rig.mix);
  gst_object_unref (rig.mix);
  GstElement *tone = add_tone (&rig, 0, 0.2, -1);
  add_output (&rig, "src", &rig.src);
  GstElement *sink = GST_ELEMENT (gst_pad_get_parent_element (
      GST_PAD_PEER (GST_ELEMENT (rig.mix)->srcpads->data)));
  g_assert_true (gst_element_sync_state_with_parent (sink));
  gst_object_unref (sink);
  g_assert_true (gst_element_sync_state_with_parent (rig.mix));
  g_assert_true (gst_element_sync_state_with_parent (tone));

  wait_samples (&rig.src, RATE / 2);
  g_mutex_lock (&rig.src.lock);
  GstClockTime first = g_array_index (rig.src.pts, GstClockTime, 0);
  gint64 took
      = g_array_index (rig.src.arrival, gint64, rig.src.arrival->len - 1)
        - g_array_index (rig.src.arrival, gint64, 0);
  g_mutex_unlock (&rig.src.lock);
  g_test_message ("first output at %" GST_TIME_FORMAT
                  ", 0.5 s of output in %" G_GINT64_FORMAT " ms",
                  GST_TIME_ARGS (first), took / 1000);
  g_assert_cmpuint (first, >=, 900 * GST_MSECOND);
  /* Real time: half a second of output takes about half a second. */
  g_assert_cmpint (took, >, 350 * 1000);
  assert_continuous (&rig.src, "src");
  rig_clear (&rig);
}

/* Two listeners' voices and one pool output: only one of them can be mixed
 * (only one output can leave it out), and that one's mix is the pool
 * output, which says so; the plain sum says it is not for that one. */
static void
test_pool (void)
{
  const gdouble volume = 0.2;
  Rig rig;

  rig_init (&rig, 0);
  for (guint i = 0; i < 3; i++)
    add_tone (&rig, i, volume, -1);
  for (guint i = 0; i < 2; i++) {
    g_autofree gchar *name = g_strdup_printf ("sink_%u", i);
    g_autoptr (GstPad) sink = gst_element_get_static_pad (rig.mix, name);

    g_object_set (sink, "listener", TRUE, NULL);
  }
  add_output (&rig, "src", &rig.src);
  add_output (&rig, "pool_0", &rig.minus[0]);
  gst_element_set_state (rig.pipeline, GST_STATE_PLAYING);
  wait_samples (&rig.src, RATE);
  wait_samples (&rig.minus[0], RATE);

  g_mutex_lock (&rig.minus[0].lock);
  gint lent = rig.minus[0].listener;
  g_mutex_unlock (&rig.minus[0].lock);
  g_test_message ("pool_0 lent to sink_%d", lent);
  g_assert_true (lent == 0 || lent == 1);
  /* the sum: the non-listener and the lent one, not the other listener */
  assert_tone (&rig.src, 2, volume);
  assert_tone (&rig.src, lent, volume);
  assert_no_tone (&rig.src, 1 - lent, volume);
  g_mutex_lock (&rig.src.lock);
  g_assert_cmpint (rig.src.listener, ==, HC_MIX_MINUS_EVERYONE);
  g_assert_cmpuint (rig.src.n_except, ==, 1);
  g_assert_cmpuint (rig.src.except[0], ==, (guint)lent);
  g_mutex_unlock (&rig.src.lock);
  /* its own mix: everybody mixed but itself */
  assert_tone (&rig.minus[0], 2, volume);
  assert_no_tone (&rig.minus[0], lent, volume);
  assert_no_tone (&rig.minus[0], 1 - lent, volume);
  rig_clear (&rig);
}

/* A voice's hc-sender-clock (its publisher's SR mapping) does not come out
 * of the mix: the mix's timestamps are the mixer's, and the mix's
 * forwarder would write the voice's mapping into the mix's SRs. */
static void
test_sender_clock_dropped (void)
{
  gint injected = 0, out = 0;
  Rig rig;

  rig_init (&rig, 0);
  for (guint i = 0; i < 2; i++) {
    GstElement *tone = add_tone (&rig, i, 0.2, -1);
    g_autoptr (GstPad) src = gst_element_get_static_pad (tone, "src");

    hc_test_inject_sender_clocks (src, &injected);
  }
  add_output (&rig, "src", &rig.src);
  add_output (&rig, "minus_0", &rig.minus[0]);
  for (GList *l = GST_ELEMENT (rig.mix)->srcpads; l; l = l->next)
    hc_test_count_sender_clocks (l->data, &out);
  gst_element_set_state (rig.pipeline, GST_STATE_PLAYING);
  wait_samples (&rig.src, RATE);
  wait_samples (&rig.minus[0], RATE);
  g_test_message ("%d voice buffers, %d sender clocks out",
                  g_atomic_int_get (&injected), g_atomic_int_get (&out));
  g_assert_cmpint (g_atomic_int_get (&injected), >=, 20);
  assert_tone (&rig.src, 1, 0.2);
  rig_clear (&rig);
  g_assert_cmpint (out, ==, 0);
}

static void
test_pads (void)
{
  GstElement *mix = gst_element_factory_make ("hcmixminus", NULL);
  g_assert_nonnull (mix);
  gst_object_ref_sink (mix);

  GstPad *minus = gst_element_request_pad_simple (mix, "minus_4");
  g_assert_nonnull (minus);
  g_assert_cmpstr (GST_PAD_NAME (minus), ==, "minus_4");
  /* Not a minus pad name: refused (a taken name GStreamer refuses itself). */
  g_assert_null (gst_element_request_pad_simple (mix, "minus_x"));
  GstPad *any = gst_element_request_pad_simple (mix, "minus_%u");
  g_assert_cmpstr (GST_PAD_NAME (any), ==, "minus_0");
  GstPad *sink = gst_element_request_pad_simple (mix, "sink_4");
  g_assert_cmpstr (GST_PAD_NAME (sink), ==, "sink_4");

  g_autoptr (GstCaps) caps = gst_pad_query_caps (minus, NULL);
  g_autoptr (GstCaps) expected = gst_caps_from_string (
      "audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved");
  g_assert_true (gst_caps_is_equal (caps, expected));

  gst_element_release_request_pad (mix, minus);
  gst_element_release_request_pad (mix, any);
  gst_element_release_request_pad (mix, sink);
  gst_object_unref (minus);
  gst_object_unref (any);
  gst_object_unref (sink);
  g_assert_cmpint (GST_ELEMENT (mix)->numpads, ==, 1); /* src */
  gst_object_unref (mix);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  g_assert_true (hc_media_register_elements (NULL));
  g_test_add_func ("/mixminus/pads", test_pads);
  g_test_add_func ("/mixminus/minus-cancels-own-voice",
                   test_minus_cancels_own_voice);
  g_test_add_func ("/mixminus/max-mixed", test_max_mixed);
  g_test_add_func ("/mixminus/pool", test_pool);
  g_test_add_func ("/mixminus/levels-messages", test_levels_messages);
  g_test_add_func ("/mixminus/added-to-running-pipeline",
                   test_added_to_running_pipeline);
  g_test_add_func ("/mixminus/sender-clock-dropped", test_sender_clock_dropped);
  g_test_add_func ("/mixminus/late-and-stopping-inputs",
                   test_late_and_stopping_inputs);
  return g_test_run ();
}
