/* hyperconf — the process's recent CPU load (hc-cpu-load.h).
 *
 * A ring of (wall clock, CPU time) samples, one a second: the load is the
 * CPU time between the oldest sample and now over the wall-clock time
 * between them, times the processors.  Measured on demand at each join,
 * so that a busy main loop (which delays the sampling timer) still sees
 * its own load.
 */
#define G_LOG_DOMAIN "hc-conference"

#include "hc-cpu-load.h"

#include <sys/resource.h>

typedef struct {
  gint64 wall_us; /* monotonic */
  gint64 cpu_us;  /* user + system, every thread of the process */
} Sample;

struct _HcCpuLoad {
  Sample *ring;
  guint size; /* window + 1 samples */
  guint next; /* where the next sample goes */
  guint filled;
  guint timer_id;
};

static Sample
sample_now (void)
{
  struct rusage usage;
  Sample sample = { .wall_us = g_get_monotonic_time (), .cpu_us = 0 };

  if (getrusage (RUSAGE_SELF, &usage) == 0)
    sample.cpu_us = (gint64)usage.ru_utime.tv_sec * G_USEC_PER_SEC
                    + usage.ru_utime.tv_usec
                    + (gint64)usage.ru_stime.tv_sec * G_USEC_PER_SEC
                    + usage.ru_stime.tv_usec;
  return sample;
}

static void
push (HcCpuLoad *self)
{
  self->ring[self->next] = sample_now ();
  self->next = (self->next + 1) % self->size;
  self->filled = MIN (self->filled + 1, self->size);
}

static gboolean
tick (gpointer user_data)
{
  push (user_data);
  return G_SOURCE_CONTINUE;
}

HcCpuLoad *
hc_cpu_load_new (guint window_s)
{
  HcCpuLoad *self = g_new0 (HcCpuLoad, 1);

  self->size = MAX (window_s, 1) + 1;
  self->ring = g_new0 (Sample, self->size);
  push (self);
  self->timer_id = g_timeout_add_seconds (1, tick, self);
  return self;
}

gdouble
hc_cpu_load_get_percent (HcCpuLoad *self)
{
  /* The oldest sample: where the next one would go, once the ring is
   * full; the first one before. */
  const Sample *oldest
      = &self->ring[self->filled == self->size ? self->next : 0];
  Sample now = sample_now ();
  gint64 wall = now.wall_us - oldest->wall_us;

  if (wall < G_USEC_PER_SEC / 10)
    return 0;
  return 100.0 * (gdouble)(now.cpu_us - oldest->cpu_us)
         / ((gdouble)wall * g_get_num_processors ());
}

void
hc_cpu_load_free (HcCpuLoad *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_free (self->ring);
  g_free (self);
}
