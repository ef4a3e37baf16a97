/* hyperconf-bench — HcBenchLink: the WebSocket and the waiting requests of
 * a signalling connection. */
#include "hc-bench-link.h"

#define REQUEST_TIMEOUT_MS 15000
/* Server offers for a room of 10 carry about 20 m-lines: well above
 * libsoup's default 128 KiB limit would be a bug, but leave room. */
#define MAX_FRAME (1024 * 1024)

typedef struct {
  HcBenchLink *self;
  gchar *key;
  guint flags;
  GCallback callback;
  gpointer user_data;
  guint timeout_id;
} Pending;

typedef struct {
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GHashTable *pending; /* key -> Pending */
  gboolean closed;
} HcBenchLinkPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (HcBenchLink, hc_bench_link, G_TYPE_OBJECT)

static void
pending_free (gpointer data)
{
  Pending *pending = data;

  g_clear_handle_id (&pending->timeout_id, g_source_remove);
  g_free (pending->key);
  g_free (pending);
}

/* Hands @reply to @pending's callback (if any) and frees @pending, which
 * is out of the table already. */
static void
pending_reply (Pending *pending, gpointer reply)
{
  HcBenchLink *self = pending->self;

  if (pending->callback)
    HC_BENCH_LINK_GET_CLASS (self)->reply (self, pending->callback, reply,
                                           pending->user_data);
  pending_free (pending);
}

static void
hc_bench_link_dispose (GObject *object)
{
  HcBenchLink *self = HC_BENCH_LINK (object);
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);

  hc_bench_link_close (self);
  g_clear_object (&priv->ws);
  g_clear_object (&priv->session);
  G_OBJECT_CLASS (hc_bench_link_parent_class)->dispose (object);
}

static void
hc_bench_link_finalize (GObject *object)
{
  HcBenchLink *self = HC_BENCH_LINK (object);
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);

  g_hash_table_unref (priv->pending);
  G_OBJECT_CLASS (hc_bench_link_parent_class)->finalize (object);
}

static void
hc_bench_link_class_init (HcBenchLinkClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hc_bench_link_dispose;
  G_OBJECT_CLASS (klass)->finalize = hc_bench_link_finalize;
}

static void
hc_bench_link_init (HcBenchLink *self)
{
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);

  priv->pending
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, pending_free);
}

void
hc_bench_link_set_session (HcBenchLink *self, SoupSession *session)
{
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);

  g_set_object (&priv->session, session);
}

/* ---- incoming --------------------------------------------------------- */

static void
on_ws_message (SoupWebsocketConnection *ws, gint type, GBytes *bytes,
               gpointer user_data)
{
  HcBenchLink *self = user_data;
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);
  gsize size;
  const gchar *text = g_bytes_get_data (bytes, &size);

  if (type != SOUP_WEBSOCKET_DATA_TEXT || priv->closed)
    return;
  /* A callback may drop the last reference to us. */
  g_object_ref (self);
  HC_BENCH_LINK_GET_CLASS (self)->frame (self, text, size);
  g_object_unref (self);
}

/* The socket went away: waiting requests get no answer (and after
 * hc_bench_link_close(), no callback either). */
static void
fail_pending (HcBenchLink *self)
{
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);
  GList *all = g_hash_table_get_values (priv->pending);

  g_hash_table_steal_all (priv->pending);
  for (GList *l = all; l; l = l->next) {
    Pending *pending = l->data;

    if (priv->closed)
      pending_free (pending);
    else
      pending_reply (pending, NULL);
  }
  g_list_free (all);
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  HcBenchLink *self = user_data;

  g_object_ref (self);
  fail_pending (self);
  g_object_unref (self);
}

static void
connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  HcBenchLink *self = g_task_get_source_object (task);
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);
  GError *error = NULL;
  SoupWebsocketConnection *ws = soup_session_websocket_connect_finish (
      SOUP_SESSION (source), result, &error);

  if (ws == NULL) {
    g_task_return_error (task, error);
  } else if (priv->closed) {
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_object_unref (ws);
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "closed while connecting");
  } else {
    priv->ws = ws;
    soup_websocket_connection_set_max_incoming_payload_size (ws, MAX_FRAME);
    g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), self);
    g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), self);
    g_task_return_boolean (task, TRUE);
  }
  g_object_unref (task);
}

void
hc_bench_link_connect_async (HcBenchLink *self, const gchar *ws_url,
                             const gchar *protocol,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);
  GTask *task = g_task_new (self, NULL, callback, user_data);
  g_autoptr (SoupMessage) message = soup_message_new ("GET", ws_url);
  gchar *protocols[] = { (gchar *)protocol, NULL };

  if (message == NULL) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             "bad WebSocket URL %s", ws_url);
    g_object_unref (task);
    return;
  }
  soup_session_websocket_connect_async (
      priv->session, message, NULL, protocol ? protocols : NULL,
      G_PRIORITY_DEFAULT, NULL, connected, task);
}

gboolean
hc_bench_link_connect_finish (HcBenchLink *self, GAsyncResult *result,
                              GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- outgoing --------------------------------------------------------- */

gboolean
hc_bench_link_is_open (HcBenchLink *self)
{
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);

  return !priv->closed && priv->ws
         && soup_websocket_connection_get_state (priv->ws)
                == SOUP_WEBSOCKET_STATE_OPEN;
}

gboolean
hc_bench_link_is_closed (HcBenchLink *self)
{
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);

  return priv->closed;
}

void
hc_bench_link_send (HcBenchLink *self, const gchar *text)
{
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);

  if (hc_bench_link_is_open (self))
    soup_websocket_connection_send_text (priv->ws, text);
}

static gboolean
request_timed_out (gpointer user_data)
{
  Pending *pending = user_data;
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (pending->self);

  pending->timeout_id = 0;
  g_hash_table_steal (priv->pending, pending->key);
  pending_reply (pending, NULL);
  return G_SOURCE_REMOVE;
}

void
hc_bench_link_expect (HcBenchLink *self, const gchar *key, guint flags,
                      GCallback callback, gpointer user_data)
{
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);
  Pending *pending = g_new0 (Pending, 1);

  pending->self = self;
  pending->key = g_strdup (key);
  pending->flags = flags;
  pending->callback = callback;
  pending->user_data = user_data;
  pending->timeout_id
      = g_timeout_add (REQUEST_TIMEOUT_MS, request_timed_out, pending);
  g_hash_table_insert (priv->pending, pending->key, pending);
}

gboolean
hc_bench_link_is_expected (HcBenchLink *self, const gchar *key, guint *flags)
{
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);
  Pending *pending = g_hash_table_lookup (priv->pending, key);

  if (pending && flags)
    *flags = pending->flags;
  return pending != NULL;
}

gboolean
hc_bench_link_reply (HcBenchLink *self, const gchar *key, gpointer reply)
{
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);
  Pending *pending = g_hash_table_lookup (priv->pending, key);

  if (pending == NULL)
    return FALSE;
  g_hash_table_steal (priv->pending, key);
  pending_reply (pending, reply);
  return TRUE;
}

static void
drop_ws (SoupWebsocketConnection *ws, gpointer ref)
{
  g_signal_handlers_disconnect_by_data (ws, ref);
  g_object_unref (ref);
}

void
hc_bench_link_close (HcBenchLink *self)
{
  HcBenchLinkPrivate *priv = hc_bench_link_get_instance_private (self);

  if (priv->closed)
    return;
  priv->closed = TRUE;
  fail_pending (self); /* closed: callbacks are not called */
  if (priv->ws) {
    g_signal_handlers_disconnect_by_data (priv->ws, self);
    if (soup_websocket_connection_get_state (priv->ws)
        == SOUP_WEBSOCKET_STATE_OPEN) {
      /* Keep the connection until its closing handshake is over, so that
       * the server sees a clean close and not a reset. */
      g_signal_connect (priv->ws, "closed", G_CALLBACK (drop_ws),
                        g_object_ref (priv->ws));
      soup_websocket_connection_close (priv->ws, SOUP_WEBSOCKET_CLOSE_NORMAL,
                                       NULL);
    }
  }
}
