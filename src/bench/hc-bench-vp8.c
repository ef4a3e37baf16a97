/* hyperconf-bench — VP8 payload descriptor parsing. */
#include "hc-bench-vp8.h"

gint
hc_bench_vp8_frame_start (const guint8 *p, guint size)
{
  guint offset = 1;

  /* S (start of a partition) set, PID (partition index) 0. */
  if (size < 1 || !(p[0] & 0x10) || (p[0] & 0x07) != 0)
    return -1;
  if (p[0] & 0x80) { /* X: extension byte */
    if (size < 2)
      return -1;
    offset = 2;
    if (p[1] & 0x80) /* I: picture id, 15 bits when its M bit is set */
      offset += size > offset && (p[offset] & 0x80) ? 2 : 1;
    if (p[1] & 0x40) /* L: TL0PICIDX */
      offset++;
    if (p[1] & 0x30) /* T or K: TID/Y/KEYIDX */
      offset++;
  }
  if (size <= offset)
    return -1;
  return (p[offset] & 0x01) == 0;
}
