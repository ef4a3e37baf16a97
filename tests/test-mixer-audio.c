/* hyperconf — the MCU's audio (HcMixerAudio) with six publishers who all
 * listen: K+1 Opus encodes whatever the number of listeners, and each one
 * never hears its own voice while the set of mixed voices changes under
 * it (live pipelines, real time).
 *
 *   tone i ─▶ opusenc ─▶ rtpopuspay ─▶ head "pub-i" ─▶ HcMixerAudio
 *   head "mix-audio" src (mix-voice = voice i) ─▶ rtpopusdepay ─▶ opusdec
 *                                               ─▶ appsink: listener i
 *
 * Each publisher is a tone of its own frequency, so a Goertzel filter on
 * what a listener decodes says whose voices it hears.
 */
#include "hc-mixer-audio.h"
#include "hc-test-tone.h"

#include <hyperconf/hc-forwarder.h>
#include <hyperconf/hc-mixminus.h>

#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <math.h>

#define N        6
#define K        3
#define RATE     48000
#define WINDOW   (RATE / 10) /* 100 ms: 10 Hz bins, tones on them */
#define LOUD     0.2
#define DEADLINE (30 * G_USEC_PER_SEC)

static const gdouble freqs[N] = { 400, 700, 1100, 1700, 2300, 3100 };

typedef struct {
  GMutex lock;
  GArray *samples;  /* gint16, decoded */
  GArray *seqs;     /* guint16 per packet */
  GArray *stamps;   /* guint32 per packet */
  GArray *ssrcs;    /* guint32 per packet */
  GArray *own;      /* gboolean per packet: from a mix of its own */
  guint heard_self; /* packets holding a block with its own voice */
  GstPad *head_pad;
  gint voice;
} Listener;

typedef struct {
  GstElement *pipeline;
  GstElement *tones[N]; /* audiotestsrc */
  HcTrackHead *heads[N];
  HcMixerAudio *audio;
  Listener listeners[N + 1]; /* the last one publishes no voice */
} Rig;

static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer user_data)
{
  Listener *l = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstMapInfo map;

  g_assert_true (gst_buffer_map (buf, &map, GST_MAP_READ));
  g_mutex_lock (&l->lock);
  g_array_append_vals (l->samples, map.data, map.size / sizeof (gint16));
  g_mutex_unlock (&l->lock);
  gst_buffer_unmap (buf, &map);
  return GST_FLOW_OK;
}

/* What the listener's packets say: numbering, timing, and whose mix. */
static GstPadProbeReturn
on_packet (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Listener *l = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  HcMixMinusMeta *meta = hc_buffer_get_mix_minus_meta (buf);

  g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp));
  guint16 seq = gst_rtp_buffer_get_seq (&rtp);
  guint32 ts = gst_rtp_buffer_get_timestamp (&rtp);
  guint32 ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  gboolean own = meta && meta->listener >= 0;
  gpointer state = NULL;
  GstMeta *m;

  g_assert_nonnull (meta);
  /* Exactly: no block this packet holds (Opus: the end of the one before
   * too) has the listener's voice in it. */
  while ((m = gst_buffer_iterate_meta_filtered (buf, &state,
                                                HC_MIX_MINUS_META_API_TYPE))) {
    const HcMixMinusMeta *mm = (const HcMixMinusMeta *)m;

    for (guint c = 0; l->voice >= 0 && c < mm->n_contributors; c++)
      if (mm->contributors[c] == (guint)l->voice) {
        l->heard_self++;
        g_printerr ("voice %d packet %u: block %" G_GUINT64_FORMAT
                    " for %d holds it (newest for %d)\n",
                    l->voice, l->seqs->len, mm->block, mm->listener,
                    meta->listener);
      }
  }
  if (g_getenv ("HC_TEST_VERBOSE") && l->seqs->len < 8)
    g_printerr ("voice %d: seq %u ts %u pts %" GST_TIME_FORMAT
                " for %d (except %u)\n",
                l->voice, seq, ts, GST_TIME_ARGS (GST_BUFFER_PTS (buf)),
                meta->listener, meta->n_except);
  g_mutex_lock (&l->lock);
  g_array_append_val (l->seqs, seq);
  g_array_append_val (l->stamps, ts);
  g_array_append_val (l->ssrcs, ssrc);
  g_array_append_val (l->own, own);
  g_mutex_unlock (&l->lock);
  return GST_PAD_PROBE_OK;
}

static void
add_publisher (Rig *rig, guint i)
{
  g_autofree gchar *desc = g_strdup_printf (
      "audiotestsrc name=tone is-live=true samplesperbuffer=960 freq=%g "
      "volume=0 ! audio/x-raw,rate=48000,channels=1 ! opusenc "
      "bitrate=64000 frame-size=20 ! rtpopuspay",
      freqs[i]);
  g_autoptr (GError) error = NULL;
  GstElement *bin = gst_parse_bin_from_description (desc, TRUE, &error);
  g_autoptr (GstPad) src = gst_element_get_static_pad (bin, "src");
  g_autofree gchar *name = g_strdup_printf ("pub-%u", i);

  g_assert_no_error (error);
  rig->tones[i] = gst_bin_get_by_name (GST_BIN (bin), "tone");
  gst_bin_add (GST_BIN (rig->pipeline), bin);
  rig->heads[i] = hc_track_head_new (GST_BIN (rig->pipeline), src, name);
  gst_element_sync_state_with_parent (bin);
}

static void
add_listener (Rig *rig, guint i, gint voice)
{
  Listener *l = &rig->listeners[i];
  g_autoptr (GError) error = NULL;
  GstElement *bin = gst_parse_bin_from_description (
      "rtpopusdepay name=depay ! opusdec ! "
      "audio/x-raw,format=S16LE,rate=48000,channels=1 ! appsink name=out "
      "sync=false async=false",
      TRUE, &error);
  g_autoptr (GstElement) depay = gst_bin_get_by_name (GST_BIN (bin), "depay");
  g_autoptr (GstElement) out = gst_bin_get_by_name (GST_BIN (bin), "out");
  g_autoptr (GstPad) depay_sink = gst_element_get_static_pad (depay, "sink");
  g_autoptr (GstPad) sink = gst_element_get_static_pad (bin, "sink");
  GstAppSinkCallbacks callbacks = { .new_sample = on_new_sample };
  GstPad *head_pad;

  g_assert_no_error (error);
  g_mutex_init (&l->lock);
  l->samples = g_array_new (FALSE, FALSE, sizeof (gint16));
  l->seqs = g_array_new (FALSE, FALSE, sizeof (guint16));
  l->stamps = g_array_new (FALSE, FALSE, sizeof (guint32));
  l->ssrcs = g_array_new (FALSE, FALSE, sizeof (guint32));
  l->own = g_array_new (FALSE, FALSE, sizeof (gboolean));
  l->voice = voice;
  gst_app_sink_set_callbacks (GST_APP_SINK (out), &callbacks, l, NULL);
  gst_pad_add_probe (depay_sink, GST_PAD_PROBE_TYPE_BUFFER, on_packet, l, NULL);
  gst_bin_add (GST_BIN (rig->pipeline), bin);
  gst_element_sync_state_with_parent (bin);
  /* as a branch: the listener's SSRC and payload type, its voice */
  head_pad = gst_element_request_pad_simple (
      hc_track_head_get_element (hc_mixer_audio_get_head (rig->audio)),
      "src_%u");
  /* (forwarding once its voice is a listener's, as a branch starts when
   * its receiver's negotiation completes, long after) */
  g_object_set (head_pad, "ssrc", 0x1000 + i, "pt", 111, "mix-voice", voice,
                "forward", FALSE, NULL);
  l->head_pad = head_pad;
  g_assert_cmpint (gst_pad_link (head_pad, sink), ==, GST_PAD_LINK_OK);
}

static void
listener_clear (Listener *l)
{
  g_array_unref (l->samples);
  g_array_unref (l->seqs);
  g_array_unref (l->stamps);
  g_array_unref (l->ssrcs);
  g_array_unref (l->own);
  gst_object_unref (l->head_pad);
  g_mutex_clear (&l->lock);
}

static guint
decoded (Listener *l)
{
  g_mutex_lock (&l->lock);
  guint n = l->samples->len;
  g_mutex_unlock (&l->lock);
  return n;
}

/* Runs the main loop (bus) until every listener decoded @samples more. */
static void
run_for (Rig *rig, guint samples)
{
  guint target[N + 1];
  gint64 end = g_get_monotonic_time () + DEADLINE;

  for (guint i = 0; i <= N; i++)
    target[i] = decoded (&rig->listeners[i]) + samples;
  for (guint i = 0; i <= N; i++) {
    while (decoded (&rig->listeners[i]) < target[i]) {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  }
}

static gdouble
amplitude (const gint16 *x, gdouble freq)
{
  return hc_test_tone_amplitude (x, WINDOW, freq, RATE);
}

static guint
count_factory (GstBin *bin, const gchar *factory)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (bin);
  GValue item = G_VALUE_INIT;
  guint n = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElementFactory *f = gst_element_get_factory (g_value_get_object (&item));

    n += f && g_str_equal (GST_OBJECT_NAME (f), factory);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  return n;
}

/* Three loud, three 8 dB lower: heard, still talking, out of the mix
 * (once the level of one that was mixed has dropped 6 dB below a loud one),
 * so that what a voice leaving the mix would leave behind is loud.  In
 * small steps, 20 ms apart: a step of a tone's volume clicks across the
 * spectrum, into every other tone's band too. */
static void
set_loud (Rig *rig, guint first)
{
  gdouble from[N];

  for (guint i = 0; i < N; i++)
    g_object_get (rig->tones[i], "volume", &from[i], NULL);
  for (guint step = 1; step <= 25; step++) {
    for (guint i = 0; i < N; i++) {
      gdouble to = (i + N - first) % N < K ? LOUD : LOUD / 2.5;

      g_object_set (rig->tones[i], "volume",
                    from[i] + (to - from[i]) * step / 25, NULL);
    }
    g_usleep (20 * 1000);
  }
}

static void
test_k_plus_one (void)
{
  HcMcuSettings settings = HC_MCU_SETTINGS_DEFAULT;
  g_autoptr (GError) error = NULL;
  Rig rig = { 0 };
  guint switches = 0;

  settings.max_mixed = K;
  settings.audio_bitrate = 64000;
  rig.pipeline = gst_pipeline_new (NULL);
  for (guint i = 0; i < N; i++)
    add_publisher (&rig, i);
  gst_element_set_state (rig.pipeline, GST_STATE_PLAYING);
  rig.audio = hc_mixer_audio_new (GST_BIN (rig.pipeline), &settings, &error);
  g_assert_no_error (error);
  set_loud (&rig, 0);

  /* The mix runs with four voices; then six listeners come (their mixes
   * made while it runs), two of them before their own voice arrives. */
  for (guint i = 0; i < 4; i++) {
    g_autofree gchar *pid = g_strdup_printf ("p%u", i);

    hc_mixer_audio_add_input (rig.audio, rig.heads[i], pid, 0x100 + i);
  }
  g_usleep (300 * 1000);
  for (guint i = 0; i < N; i++) {
    g_autofree gchar *pid = g_strdup_printf ("p%u", i);

    add_listener (&rig, i, hc_mixer_audio_add_listener (rig.audio, pid, TRUE));
  }
  add_listener (&rig, N, hc_mixer_audio_add_listener (rig.audio, "ear", FALSE));
  g_assert_cmpint (rig.listeners[N].voice, ==, -1);
  for (guint i = 4; i < N; i++) {
    g_autofree gchar *pid = g_strdup_printf ("p%u", i);

    hc_mixer_audio_add_input (rig.audio, rig.heads[i], pid, 0x100 + i);
  }

  g_usleep (100 * 1000);
  for (guint i = 0; i <= N; i++)
    g_object_set (rig.listeners[i].head_pad, "forward", TRUE, NULL);

  /* K+1 encodes for seven listeners (the publishers' six are theirs) */
  g_assert_cmpuint (hc_mixer_audio_get_n_encodes (rig.audio), ==, K + 1);
  g_assert_cmpuint (count_factory (GST_BIN (rig.pipeline), "opusenc"), ==,
                    N + K + 1);

  /* The loud three move on every 1.2 s (a voice leaves the mix about
   * 0.6 s after it drops, its level's release): voices leave and enter. */
  run_for (&rig, RATE / 2);
  for (guint phase = 1; phase <= 5; phase++) {
    set_loud (&rig, phase * 2 + phase / 3);
    run_for (&rig, RATE + RATE / 5);
  }
  gst_element_set_state (rig.pipeline, GST_STATE_NULL);

  for (guint i = 0; i <= N; i++) {
    Listener *l = &rig.listeners[i];
    gdouble worst = 0, loudest = 0;
    guint own_packets = 0, moves = 0;

    /* one stream: same SSRC, sequence +1 and timestamp +960 (20 ms) from
     * packet to packet, whichever encode each came from */
    g_assert_cmpuint (l->seqs->len, >, 100);
    for (guint p = 1; p < l->seqs->len; p++) {
      if (g_array_index (l->stamps, guint32, p)
                  - g_array_index (l->stamps, guint32, p - 1) + 1
              > 962
          || g_array_index (l->stamps, guint32, p)
                     - g_array_index (l->stamps, guint32, p - 1)
                 < 959)
        g_printerr ("listener %u packet %u/%u: ts +%u, own %d -> %d\n", i, p,
                    l->seqs->len,
                    g_array_index (l->stamps, guint32, p)
                        - g_array_index (l->stamps, guint32, p - 1),
                    g_array_index (l->own, gboolean, p - 1),
                    g_array_index (l->own, gboolean, p));
      g_assert_cmpuint (g_array_index (l->ssrcs, guint32, p), ==, 0x1000 + i);
      g_assert_cmpuint ((guint16)(g_array_index (l->seqs, guint16, p)
                                  - g_array_index (l->seqs, guint16, p - 1)),
                        ==, 1);
      /* (the mix starts at its first input's running time, not on a
       * sample: a timestamp may round one sample off, in every encode
       * alike) */
      g_assert_cmpuint (g_array_index (l->stamps, guint32, p)
                            - g_array_index (l->stamps, guint32, p - 1) + 1,
                        <=, 961 + 1);
      g_assert_cmpuint (g_array_index (l->stamps, guint32, p)
                            - g_array_index (l->stamps, guint32, p - 1),
                        >=, 959);
      moves += g_array_index (l->own, gboolean, p)
               != g_array_index (l->own, gboolean, p - 1);
      if (g_getenv ("HC_TEST_VERBOSE")
          && g_array_index (l->own, gboolean, p)
                 != g_array_index (l->own, gboolean, p - 1))
        g_printerr ("listener %u moves at packet %u to %s\n", i, p,
                    g_array_index (l->own, gboolean, p) ? "own" : "sum");
    }
    for (guint p = 0; p < l->own->len; p++)
      own_packets += g_array_index (l->own, gboolean, p);
    switches += moves;
    /* what the listener hears, 100 ms at a time after the first 0.3 s: its
     * own tone 40 dB below the loud ones, always */
    for (guint w = 3 * RATE / 10; w + WINDOW <= l->samples->len; w += WINDOW) {
      const gint16 *x = &g_array_index (l->samples, gint16, w);

      if (i < N && g_getenv ("HC_TEST_VERBOSE")
          && amplitude (x, freqs[i]) > LOUD / 200)
        g_printerr ("listener %u window at packet %u: own %.5f (+50 Hz "
                    "%.5f, -50 Hz %.5f)\n",
                    i, w / 960, amplitude (x, freqs[i]),
                    amplitude (x, freqs[i] + 50), amplitude (x, freqs[i] - 50));
      if (i < N)
        worst = MAX (worst, amplitude (x, freqs[i]));
      for (guint t = 0; t < N; t++)
        if (t != i)
          loudest = MAX (loudest, amplitude (x, freqs[t]));
    }
    g_test_message ("listener %u: %u packets, %u of its own mix, %u moves; "
                    "own tone at most %.6f (%.1f dB below %.2f), others "
                    "up to %.3f",
                    i, l->seqs->len, own_packets, moves, worst,
                    20 * log10 (LOUD / MAX (worst, 1e-9)), LOUD, loudest);
    g_assert_cmpfloat (loudest, >, LOUD * 0.7);
    g_assert_cmpuint (l->heard_self, ==, 0);
    /* (35 dB: a move between two encodes makes the decoder click a little
     * across the spectrum, and so do the tones' volume steps; the exact
     * check is the one above) */
    g_assert_cmpfloat (worst, <, LOUD / 56);
    if (i == N)
      g_assert_cmpuint (own_packets, ==, 0);
  }
  /* every publisher was loud for a while and quiet for a while */
  g_assert_cmpuint (switches, >=, N);

  for (guint i = 0; i <= N; i++)
    listener_clear (&rig.listeners[i]);
  hc_mixer_audio_free (rig.audio);
  for (guint i = 0; i < N; i++) {
    hc_track_head_free (rig.heads[i]);
    gst_object_unref (rig.tones[i]);
  }
  gst_object_unref (rig.pipeline);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  g_assert_true (hc_media_register_elements (NULL));
  g_test_add_func ("/mixer-audio/k-plus-one", test_k_plus_one);
  return g_test_run ();
}
