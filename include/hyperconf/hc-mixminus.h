/* hyperconf — hcmixminus: the MCU's audio mixer, one mix per listener.
 *
 *   sink_%u (request; one publisher's decoded voice each)
 *     ├─▶ src        (always) the sum of the mixed voices
 *     ├─▶ minus_%u   (request) the sum without sink_%u's own voice
 *     └─▶ pool_%u    (request) one of a pool of mix-minus outputs, each
 *                    lent while it is needed to one mixed voice of a
 *                    listener (sink pad "listener" TRUE)
 *
 * Caps: audio/x-raw, format=S16LE, rate=48000, channels=1 on every pad.
 *
 * Per output block (the "output-buffer-duration" of GstAudioAggregator,
 * 10 ms by default): the voices of the "max-mixed" loudest inputs are added
 * into one 32-bit sum; "src" carries the sum, and each "minus_N" the sum
 * minus what sink_N put into it in the same block (so its own voice cancels
 * exactly), both through a soft limiter instead of hard clipping.  One sum
 * and one subtraction per output: O(inputs + outputs) per sample.
 * "minus_N" may be requested before or after "sink_N"; while sink_N is
 * absent or not mixed, minus_N carries the plain sum.
 *
 * K+1 encodes for any number of listeners: a publisher who also listens to
 * the mix (an MCU receiver) has its sink pad's "listener" set; only while
 * its voice is mixed does it need a mix of its own, and it gets one of the
 * "pool_N" outputs for that time (plus one block, see below); a listener
 * voice is mixed only while a pool output is free for it.  Everyone else
 * (listeners who are quiet, muted, not among the loudest, or who publish no
 * voice) shares "src".  So an application requests min (max-mixed,
 * listeners) pool pads and encodes max-mixed + 1 streams at most.  Every
 * output buffer carries an HcMixMinusMeta saying for whom it is (which
 * encoders and payloaders copy to the RTP packets): a forwarder picks, per
 * listener and per block, the one packet meant for it, so a listener moves
 * between the sum and a pool output at a block boundary without a gap and
 * without ever hearing its own voice.  Opus and other encoders look back a
 * few ms into the previous block, so an assignment outlives the mixing of
 * its voice by one block, and a pool output nobody holds carries the sum
 * without every mixed listener voice (whoever takes it next has not been
 * in it).  Blocks must be as long as the encoder's frames
 * ("output-buffer-duration" 20 ms for Opus' 20 ms frames), so that each
 * packet holds one block.
 *
 * Live: a GstAudioAggregator, so with live inputs it aggregates on the
 * clock ("latency" adds slack); an input that starts late, stalls or ends
 * never holds up any output.  Defaults changed from the base class:
 * "ignore-inactive-pads" TRUE (a pad requested for a voice that has not
 * arrived is not waited for) and "start-time-selection" first (output
 * starts at the first input's running time, so a mixer added to a running
 * pipeline does not first catch up from zero).  A mixer that must go on
 * with no input at all is made with "force-live" TRUE (construct-only:
 * gst_element_factory_make_full ("hcmixminus", "force-live", TRUE, NULL)).
 * All outputs are pushed from the one aggregator thread: as after a tee,
 * put a queue on each (mcu-audio-output.pipeline starts with one).
 *
 * Every "level-interval" ms it posts an element message
 * "hcmixminus-levels" with GstValueArray fields of one entry per sink pad:
 * "pads" (pad names), "levels" (smoothed level, dBov, doubles), "speaking"
 * and "mixed" (booleans).
 */
#pragma once

#include <gst/audio/audio.h>
#include <gst/audio/gstaudioaggregator.h>

G_BEGIN_DECLS

#define HC_TYPE_MIX_MINUS (hc_mix_minus_get_type ())
G_DECLARE_FINAL_TYPE (HcMixMinus, hc_mix_minus, HC, MIX_MINUS,
                      GstAudioAggregator)

#define HC_TYPE_MIX_MINUS_PAD (hc_mix_minus_pad_get_type ())
G_DECLARE_FINAL_TYPE (HcMixMinusPad, hc_mix_minus_pad, HC, MIX_MINUS_PAD,
                      GstAudioAggregatorPad)

/* The name of the element messages with the levels. */
#define HC_MIX_MINUS_LEVELS_MESSAGE "hcmixminus-levels"

/* HcMixMinusMeta.listener besides a voice N (sink_N). */
#define HC_MIX_MINUS_EVERYONE (-1) /* every listener not in "except" */
#define HC_MIX_MINUS_NOBODY   (-2) /* an idle pool output */

/**
 * HcMixMinusMeta:
 * @listener: the voice (N of sink_N) of the one listener this buffer is
 *   for, or HC_MIX_MINUS_EVERYONE (the plain sum) or HC_MIX_MINUS_NOBODY
 * @except: with EVERYONE, the voices that take another output instead
 * @contributors: the voices this buffer holds (for CSRC lists)
 * @block: the serial number of the mixer's block
 *
 * Carried by every buffer of hcmixminus' outputs.  No tags: encoders and
 * RTP payloaders copy it to what they make of the buffer; an encoder that
 * looks back (Opus: 6.5 ms) puts the metas of both blocks a packet holds
 * on it, and the newest block decides for whom the packet is.
 */
typedef struct {
  GstMeta meta;
  guint64 block;
  gint listener;
  guint n_except;
  guint *except;
  guint n_contributors;
  guint *contributors;
} HcMixMinusMeta;

GType hc_mix_minus_meta_api_get_type (void);
#define HC_MIX_MINUS_META_API_TYPE (hc_mix_minus_meta_api_get_type ())
const GstMetaInfo *hc_mix_minus_meta_get_info (void);
HcMixMinusMeta *
hc_buffer_add_mix_minus_meta (GstBuffer *buffer, guint64 block, gint listener,
                              const guint *except, guint n_except,
                              const guint *contributors, guint n_contributors);
#define hc_buffer_get_mix_minus_meta(b)                                        \
  ((HcMixMinusMeta *)gst_buffer_get_meta ((b), HC_MIX_MINUS_META_API_TYPE))

/* Whether @buffer is for the listener whose voice is @voice (N of sink_N,
 * or -1 for a listener who publishes none), as its HcMixMinusMeta of the
 * newest block says; TRUE when it has none.  (The older block in a packet
 * is free of that voice too: hcmixminus keeps a pool output lent one block
 * after its voice stops being mixed, and lends one only when its previous
 * block could not hold the voice.) */
gboolean hc_mix_minus_buffer_is_for (GstBuffer *buffer, gint voice);

G_END_DECLS
