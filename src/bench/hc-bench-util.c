/* hyperconf-bench — bounded waits, clock, HTTP GET, percentiles. */
#include "hc-bench-util.h"

static gboolean
timeout_reached (gpointer flag)
{
  *(gboolean *)flag = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
hc_bench_wait (HcBenchPredicate predicate, gpointer user_data, guint timeout_ms)
{
  gboolean expired = FALSE;
  guint id;

  if (predicate (user_data))
    return TRUE;
  id = g_timeout_add (timeout_ms, timeout_reached, &expired);
  while (!expired && !predicate (user_data))
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return predicate (user_data);
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

void
hc_bench_sleep (guint ms)
{
  hc_bench_wait (never, NULL, ms);
}

gint64
hc_bench_now (void)
{
  return g_get_monotonic_time ();
}

void
hc_bench_keep_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static gboolean
has_result (gpointer user_data)
{
  return *(GAsyncResult **)user_data != NULL;
}

void
hc_bench_wait_result (GAsyncResult **result, GCancellable *cancellable,
                      guint timeout_ms)
{
  if (hc_bench_wait (has_result, result, timeout_ms))
    return;
  /* The callback writes into the caller's stack frame: wait for it. */
  g_cancellable_cancel (cancellable);
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

GBytes *
hc_bench_http_get (SoupSession *session, const gchar *url, const gchar *bearer,
                   guint timeout_ms, GError **error)
{
  g_autoptr (SoupMessage) message = soup_message_new ("GET", url);
  g_autofree gchar *authorization
      = bearer ? g_strconcat ("Bearer ", bearer, NULL) : NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GBytes) body = NULL;

  if (message == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad URL %s",
                 url);
    return NULL;
  }
  if (authorization)
    soup_message_headers_replace (soup_message_get_request_headers (message),
                                  "Authorization", authorization);
  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT,
                                    cancellable, hc_bench_keep_result, &result);
  hc_bench_wait_result (&result, cancellable, timeout_ms);
  body = soup_session_send_and_read_finish (session, result, error);
  if (body == NULL)
    return NULL;
  if (soup_message_get_status (message) != SOUP_STATUS_OK) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "GET %s: HTTP %u", url,
                 soup_message_get_status (message));
    return NULL;
  }
  return g_steal_pointer (&body);
}

static gint
compare_int64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

  return x < y ? -1 : x > y;
}

gint64
hc_bench_percentile (GArray *values, gdouble p)
{
  guint rank;

  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_int64);
  /* Nearest rank: the smallest value with at least p% at or below it. */
  rank = (guint)((p / 100.0) * values->len + 0.999999);
  rank = CLAMP (rank, 1, values->len);
  return g_array_index (values, gint64, rank - 1);
}
