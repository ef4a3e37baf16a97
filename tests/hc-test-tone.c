/* hyperconf — tests: tone amplitude (see hc-test-tone.h). */
#include "hc-test-tone.h"

#include <math.h>

gdouble
hc_test_tone_amplitude (const gint16 *x, guint n, gdouble freq, guint rate)
{
  gdouble coeff = 2 * cos (2 * G_PI * freq / rate), s1 = 0, s2 = 0;

  for (guint i = 0; i < n; i++) {
    gdouble s0 = x[i] / 32768.0 + coeff * s1 - s2;

    s2 = s1;
    s1 = s0;
  }
  gdouble power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2 * sqrt (MAX (power, 0)) / n;
}
