/* hyperconf-bench — small helpers shared by the benchmark's files: bounded
 * waits on the main context, clock reading, one HTTP GET.
 *
 * Everything in the benchmark runs on the default main context; these
 * waits iterate it, so signalling and media pacing keep running while a
 * scenario waits for a condition. */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef gboolean (*HcBenchPredicate) (gpointer user_data);

/* Iterates the default main context until @predicate is TRUE or
 * @timeout_ms passed.  Returns: the last value of @predicate */
gboolean hc_bench_wait (HcBenchPredicate predicate, gpointer user_data,
                        guint timeout_ms);

/* Iterates the default main context for @ms milliseconds. */
void hc_bench_sleep (guint ms);

/* Monotonic time in microseconds (g_get_monotonic_time). */
gint64 hc_bench_now (void);

/* GET @url and return the body, within @timeout_ms.
 * Returns: (transfer full) (nullable): the body, NULL with @error */
GBytes *hc_bench_http_get (SoupSession *session, const gchar *url,
                           guint timeout_ms, GError **error);

/* Percentile @p (0..100) of @values (gint64, sorted in place); 0 when
 * empty. */
gint64 hc_bench_percentile (GArray *values, gdouble p);

G_END_DECLS
