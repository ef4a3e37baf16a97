/* hyperconf — tests: how much of a tone a stretch of audio holds. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Amplitude (full scale 1) of @freq Hz in @n S16 samples at @rate Hz
 * (Goertzel): what a listener hears of the input that plays that tone.
 * Put tones on whole bins (multiples of @rate / @n) to avoid leakage. */
gdouble hc_test_tone_amplitude (const gint16 *x, guint n, gdouble freq,
                                guint rate);

G_END_DECLS
