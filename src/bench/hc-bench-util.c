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

typedef struct {
  GBytes *body;
  GError *error;
  gboolean done;
} HttpGet;

static void
got_body (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HttpGet *get = user_data;

  get->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                 &get->error);
  get->done = TRUE;
}

static gboolean
http_done (gpointer user_data)
{
  return ((HttpGet *)user_data)->done;
}

GBytes *
hc_bench_http_get (SoupSession *session, const gchar *url, guint timeout_ms,
                   GError **error)
{
  g_autoptr (SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  HttpGet get = { 0 };

  if (message == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad URL %s",
                 url);
    return NULL;
  }
  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT,
                                    cancellable, got_body, &get);
  if (!hc_bench_wait (http_done, &get, timeout_ms)) {
    /* The callback still runs once, with G_IO_ERROR_CANCELLED: wait for it
     * so that it does not write into a dead stack frame. */
    g_cancellable_cancel (cancellable);
    while (!get.done)
      g_main_context_iteration (NULL, TRUE);
  }
  if (get.error) {
    g_propagate_error (error, get.error);
    g_clear_pointer (&get.body, g_bytes_unref);
    return NULL;
  }
  if (soup_message_get_status (message) != SOUP_STATUS_OK) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "GET %s: HTTP %u", url,
                 soup_message_get_status (message));
    g_clear_pointer (&get.body, g_bytes_unref);
    return NULL;
  }
  return get.body;
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
