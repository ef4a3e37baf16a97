/* hyperconf — hcmixminus: the MCU's audio mixer, one mix per listener.
 *
 *   sink_%u (request; one publisher's decoded voice each)
 *     ├─▶ src        (always) the sum of the mixed voices
 *     └─▶ minus_%u   (request) the sum without sink_%u's own voice
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
 * Live: a GstAudioAggregator, so with live inputs it aggregates on the
 * clock ("latency" adds slack); an input that starts late, stalls or ends
 * never holds up any output.
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

G_END_DECLS
