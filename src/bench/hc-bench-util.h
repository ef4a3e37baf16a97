/* hyperconf-bench — small helpers shared by the benchmark's files: bounded
 * waits on the main context (also for an asynchronous call), clock
 * reading, one HTTP GET.
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

/* For an asynchronous call the caller waits for: its callback, with a
 * `GAsyncResult *` (NULL) as user data, keeps the result there. */
void hc_bench_keep_result (GObject *source, GAsyncResult *result,
                           gpointer user_data);

/* Iterates the default main context until the call given
 * hc_bench_keep_result() and @result is over, or @timeout_ms passed: then
 * @cancellable is cancelled and the wait goes on, for the callback still
 * runs once (with G_IO_ERROR_CANCELLED) and writes into *@result.
 * Afterwards *@result (owned by the caller) is for the call's finish. */
void hc_bench_wait_result (GAsyncResult **result, GCancellable *cancellable,
                           guint timeout_ms);

/* GET @url and return the body, within @timeout_ms; @bearer (nullable):
 * sent as `Authorization: Bearer <bearer>` (the admin API).
 * Returns: (transfer full) (nullable): the body, NULL with @error */
GBytes *hc_bench_http_get (SoupSession *session, const gchar *url,
                           const gchar *bearer, guint timeout_ms,
                           GError **error);

/* Percentile @p (0..100) of @values (gint64, sorted in place); 0 when
 * empty. */
gint64 hc_bench_percentile (GArray *values, gdouble p);

G_END_DECLS
