/* hyperconf-bench — HcBenchJanusLink: Janus API frames over a libsoup
 * WebSocket. */
#include "hc-bench-janus-link.h"

#define REQUEST_TIMEOUT_MS 15000
#define KEEPALIVE_S        25
#define MAX_FRAME          (1024 * 1024)

typedef struct {
  HcBenchJanusLink *self;
  gchar *transaction;
  gboolean plugin_reply;
  HcBenchJanusReply callback;
  gpointer user_data;
  guint timeout_id;
} Pending;

struct _HcBenchJanusLink {
  GObject parent_instance;

  SoupSession *session;
  SoupWebsocketConnection *ws;
  GHashTable *pending; /* transaction -> Pending */
  guint64 next_transaction;
  gint64 session_id;
  guint keepalive_id;
  gboolean closed;
};

enum { SIGNAL_EVENT, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HcBenchJanusLink, hc_bench_janus_link, G_TYPE_OBJECT)

static void
pending_free (gpointer data)
{
  Pending *pending = data;

  g_clear_handle_id (&pending->timeout_id, g_source_remove);
  g_free (pending->transaction);
  g_free (pending);
}

static void
hc_bench_janus_link_dispose (GObject *object)
{
  HcBenchJanusLink *self = HC_BENCH_JANUS_LINK (object);

  hc_bench_janus_link_close (self);
  g_clear_object (&self->ws);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (hc_bench_janus_link_parent_class)->dispose (object);
}

static void
hc_bench_janus_link_finalize (GObject *object)
{
  HcBenchJanusLink *self = HC_BENCH_JANUS_LINK (object);

  g_hash_table_unref (self->pending);
  G_OBJECT_CLASS (hc_bench_janus_link_parent_class)->finalize (object);
}

static void
hc_bench_janus_link_class_init (HcBenchJanusLinkClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hc_bench_janus_link_dispose;
  G_OBJECT_CLASS (klass)->finalize = hc_bench_janus_link_finalize;
  signals[SIGNAL_EVENT]
      = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                      NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
hc_bench_janus_link_init (HcBenchJanusLink *self)
{
  self->pending
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, pending_free);
}

HcBenchJanusLink *
hc_bench_janus_link_new (SoupSession *session)
{
  HcBenchJanusLink *self = g_object_new (HC_BENCH_TYPE_JANUS_LINK, NULL);

  self->session = g_object_ref (session);
  return self;
}

/* ---- helpers on messages ---------------------------------------------- */

JsonObject *
hc_bench_janus_plugin_data (JsonObject *message)
{
  JsonNode *plugindata
      = message ? json_object_get_member (message, "plugindata") : NULL;
  JsonNode *data;

  if (plugindata == NULL || !JSON_NODE_HOLDS_OBJECT (plugindata))
    return NULL;
  data = json_object_get_member (json_node_get_object (plugindata), "data");
  return data && JSON_NODE_HOLDS_OBJECT (data) ? json_node_get_object (data)
                                               : NULL;
}

const gchar *
hc_bench_janus_reply_error (JsonObject *reply)
{
  JsonObject *data;

  if (reply == NULL)
    return "no reply";
  if (g_strcmp0 (
          json_object_get_string_member_with_default (reply, "janus", ""),
          "error")
      == 0) {
    JsonNode *error = json_object_get_member (reply, "error");

    return error && JSON_NODE_HOLDS_OBJECT (error)
               ? json_object_get_string_member_with_default (
                   json_node_get_object (error), "reason", "error")
               : "error";
  }
  data = hc_bench_janus_plugin_data (reply);
  if (data && json_object_has_member (data, "error"))
    return json_object_get_string_member_with_default (data, "error",
                                                       "plugin error");
  return NULL;
}

/* ---- incoming --------------------------------------------------------- */

static void
on_ws_message (SoupWebsocketConnection *ws, gint type, GBytes *bytes,
               gpointer user_data)
{
  HcBenchJanusLink *self = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize size;
  const gchar *text = g_bytes_get_data (bytes, &size);
  JsonNode *root;
  JsonObject *message;
  const gchar *kind, *transaction;
  Pending *pending = NULL;

  if (type != SOUP_WEBSOCKET_DATA_TEXT || self->closed
      || !json_parser_load_from_data (parser, text, size, NULL))
    return;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  message = json_node_get_object (root);
  kind = json_object_get_string_member_with_default (message, "janus", "");
  transaction = json_object_get_string_member_with_default (
      message, "transaction", NULL);
  if (transaction)
    pending = g_hash_table_lookup (self->pending, transaction);
  g_object_ref (self);
  if (pending && g_str_equal (kind, "ack") && pending->plugin_reply) {
    /* The plugin's answer comes later with the same transaction. */
  } else if (pending
             && (g_str_equal (kind, "success") || g_str_equal (kind, "error")
                 || g_str_equal (kind, "event") || g_str_equal (kind, "ack"))) {
    g_hash_table_steal (self->pending, transaction);
    if (pending->callback)
      pending->callback (self, message, pending->user_data);
    pending_free (pending);
  } else if (!g_str_equal (kind, "ack")) {
    g_signal_emit (self, signals[SIGNAL_EVENT], 0, message);
  }
  g_object_unref (self);
}

static void
fail_pending (HcBenchJanusLink *self)
{
  GList *all = g_hash_table_get_values (self->pending);

  g_hash_table_steal_all (self->pending);
  for (GList *l = all; l; l = l->next) {
    Pending *pending = l->data;

    if (pending->callback && !self->closed)
      pending->callback (self, NULL, pending->user_data);
    pending_free (pending);
  }
  g_list_free (all);
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  HcBenchJanusLink *self = user_data;

  g_object_ref (self);
  fail_pending (self);
  g_object_unref (self);
}

static void
connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  HcBenchJanusLink *self = g_task_get_source_object (task);
  GError *error = NULL;
  SoupWebsocketConnection *ws = soup_session_websocket_connect_finish (
      SOUP_SESSION (source), result, &error);

  if (ws == NULL) {
    g_task_return_error (task, error);
  } else if (self->closed) {
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_object_unref (ws);
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "closed while connecting");
  } else {
    self->ws = ws;
    soup_websocket_connection_set_max_incoming_payload_size (ws, MAX_FRAME);
    g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), self);
    g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), self);
    g_task_return_boolean (task, TRUE);
  }
  g_object_unref (task);
}

void
hc_bench_janus_link_connect_async (HcBenchJanusLink *self, const gchar *ws_url,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  g_autoptr (SoupMessage) message = soup_message_new ("GET", ws_url);
  gchar *protocols[] = { (gchar *)"janus-protocol", NULL };

  if (message == NULL) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             "bad WebSocket URL %s", ws_url);
    g_object_unref (task);
    return;
  }
  soup_session_websocket_connect_async (self->session, message, NULL, protocols,
                                        G_PRIORITY_DEFAULT, NULL, connected,
                                        task);
}

gboolean
hc_bench_janus_link_connect_finish (HcBenchJanusLink *self,
                                    GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- outgoing --------------------------------------------------------- */

static gboolean
request_timed_out (gpointer user_data)
{
  Pending *pending = user_data;
  HcBenchJanusLink *self = pending->self;

  pending->timeout_id = 0;
  g_hash_table_steal (self->pending, pending->transaction);
  if (pending->callback)
    pending->callback (self, NULL, pending->user_data);
  pending_free (pending);
  return G_SOURCE_REMOVE;
}

void
hc_bench_janus_link_request (HcBenchJanusLink *self, JsonObject *request,
                             gboolean plugin_reply, HcBenchJanusReply callback,
                             gpointer user_data)
{
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *text = NULL;
  Pending *pending;

  if (self->closed || self->ws == NULL
      || soup_websocket_connection_get_state (self->ws)
             != SOUP_WEBSOCKET_STATE_OPEN) {
    if (callback && !self->closed)
      callback (self, NULL, user_data);
    return;
  }
  pending = g_new0 (Pending, 1);
  pending->self = self;
  pending->transaction
      = g_strdup_printf ("t%" G_GUINT64_FORMAT, ++self->next_transaction);
  pending->plugin_reply = plugin_reply;
  pending->callback = callback;
  pending->user_data = user_data;
  pending->timeout_id
      = g_timeout_add (REQUEST_TIMEOUT_MS, request_timed_out, pending);
  g_hash_table_insert (self->pending, pending->transaction, pending);
  json_object_set_string_member (request, "transaction", pending->transaction);
  root = json_node_init_object (json_node_alloc (), request);
  text = json_to_string (root, FALSE);
  soup_websocket_connection_send_text (self->ws, text);
}

static gboolean
send_keepalive (gpointer user_data)
{
  HcBenchJanusLink *self = user_data;
  g_autoptr (JsonObject) request = json_object_new ();

  json_object_set_string_member (request, "janus", "keepalive");
  json_object_set_int_member (request, "session_id", self->session_id);
  hc_bench_janus_link_request (self, request, FALSE, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

void
hc_bench_janus_link_keep_alive (HcBenchJanusLink *self, gint64 session_id)
{
  self->session_id = session_id;
  if (self->keepalive_id == 0)
    self->keepalive_id
        = g_timeout_add_seconds (KEEPALIVE_S, send_keepalive, self);
}

static void
drop_ws (SoupWebsocketConnection *ws, gpointer ref)
{
  g_signal_handlers_disconnect_by_data (ws, ref);
  g_object_unref (ref);
}

void
hc_bench_janus_link_close (HcBenchJanusLink *self)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  fail_pending (self);
  if (self->ws) {
    g_signal_handlers_disconnect_by_data (self->ws, self);
    if (soup_websocket_connection_get_state (self->ws)
        == SOUP_WEBSOCKET_STATE_OPEN) {
      g_signal_connect (self->ws, "closed", G_CALLBACK (drop_ws),
                        g_object_ref (self->ws));
      soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL,
                                       NULL);
    }
  }
}
