/* hyperconf — the process's recent CPU load, for [conference]
 * max-cpu-load (new joins are 503 above it).  Private to src/conference.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HcCpuLoad HcCpuLoad;

/**
 * hc_cpu_load_new:
 * Samples the process's CPU time (getrusage) once a second on the
 * thread-default main context, keeping the last @window_s seconds.
 * Returns: (transfer full): free with hc_cpu_load_free()
 */
HcCpuLoad *hc_cpu_load_new (guint window_s);

/**
 * hc_cpu_load_get_percent:
 * Returns: the CPU time the process used since the oldest sample kept
 *   (at most @window_s seconds ago, or since hc_cpu_load_new()), as a
 *   percentage of the wall-clock time of all processors; 0 when less than
 *   a tenth of a second has passed
 */
gdouble hc_cpu_load_get_percent (HcCpuLoad *self);

void hc_cpu_load_free (HcCpuLoad *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcCpuLoad, hc_cpu_load_free)

G_END_DECLS
