/* hyperconf-bench — HcBenchSignal: reTHINK frames over a libsoup
 * WebSocket. */
#include "hc-bench-signal.h"

#include <hyperconf/hc-json-spec.h>

#define REQUEST_TIMEOUT_MS 15000
/* Server offers for a room of 10 carry about 20 m-lines: well above
 * libsoup's default 128 KiB limit would be a bug, but leave room. */
#define MAX_FRAME (1024 * 1024)

typedef struct {
  HcBenchSignal *self;
  gint64 id;
  HcBenchResponseFunc callback;
  gpointer user_data;
  guint timeout_id;
} Pending;

struct _HcBenchSignal {
  GObject parent_instance;

  SoupSession *session;
  SoupWebsocketConnection *ws;
  gint64 next_id;
  GHashTable *pending; /* gint64 id -> Pending */
  gboolean closed;
};

enum { SIGNAL_MESSAGE, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HcBenchSignal, hc_bench_signal, G_TYPE_OBJECT)

static void
pending_free (gpointer data)
{
  Pending *pending = data;

  g_clear_handle_id (&pending->timeout_id, g_source_remove);
  g_free (pending);
}

static void
hc_bench_signal_dispose (GObject *object)
{
  HcBenchSignal *self = HC_BENCH_SIGNAL (object);

  hc_bench_signal_close (self);
  g_clear_object (&self->ws);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (hc_bench_signal_parent_class)->dispose (object);
}

static void
hc_bench_signal_finalize (GObject *object)
{
  HcBenchSignal *self = HC_BENCH_SIGNAL (object);

  g_hash_table_unref (self->pending);
  G_OBJECT_CLASS (hc_bench_signal_parent_class)->finalize (object);
}

static void
hc_bench_signal_class_init (HcBenchSignalClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hc_bench_signal_dispose;
  G_OBJECT_CLASS (klass)->finalize = hc_bench_signal_finalize;
  signals[SIGNAL_MESSAGE]
      = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                      0, NULL, NULL, NULL, G_TYPE_NONE, 1, HC_TYPE_MESSAGE);
}

static void
hc_bench_signal_init (HcBenchSignal *self)
{
  self->next_id = 1;
  self->pending
      = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, pending_free);
}

HcBenchSignal *
hc_bench_signal_new (SoupSession *session)
{
  HcBenchSignal *self = g_object_new (HC_BENCH_TYPE_SIGNAL, NULL);

  self->session = g_object_ref (session);
  return self;
}

/* ---- incoming --------------------------------------------------------- */

static void
on_ws_message (SoupWebsocketConnection *ws, gint type, GBytes *bytes,
               gpointer user_data)
{
  HcBenchSignal *self = user_data;
  g_autoptr (GError) error = NULL;
  gsize size;
  const gchar *text = g_bytes_get_data (bytes, &size);
  g_autoptr (HcMessage) message = NULL;

  if (type != SOUP_WEBSOCKET_DATA_TEXT || self->closed)
    return;
  message = hc_message_parse (text, size, &error);
  if (message == NULL) {
    g_warning ("bench client: unparsable frame: %s", error->message);
    return;
  }
  g_object_ref (self);
  if (hc_message_get_kind (message) == HC_MESSAGE_RESPONSE) {
    JsonNode *id = hc_message_get_id (message);
    gint64 key
        = hc_json_kind_of (id) == HC_JSON_INT ? json_node_get_int (id) : -1;
    Pending *pending = g_hash_table_lookup (self->pending, &key);

    /* Only the final answer: a 1xx (none here so far) would be provisional. */
    if (pending && hc_message_get_code (message) >= 200) {
      g_hash_table_steal (self->pending, &key);
      if (pending->callback)
        pending->callback (self, message, pending->user_data);
      pending_free (pending);
      g_object_unref (self);
      return;
    }
  }
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
  g_object_unref (self);
}

/* The socket went away: pending requests get no answer. */
static void
fail_pending (HcBenchSignal *self)
{
  GHashTableIter iter;
  Pending *pending;
  GList *all = NULL;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&pending)) {
    g_hash_table_iter_steal (&iter);
    all = g_list_prepend (all, pending);
  }
  for (GList *l = all; l; l = l->next) {
    pending = l->data;
    if (pending->callback && !self->closed)
      pending->callback (self, NULL, pending->user_data);
    pending_free (pending);
  }
  g_list_free (all);
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  HcBenchSignal *self = user_data;

  g_object_ref (self);
  fail_pending (self);
  g_object_unref (self);
}

static void
connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  HcBenchSignal *self = g_task_get_source_object (task);
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
hc_bench_signal_connect_async (HcBenchSignal *self, const gchar *ws_url,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  g_autoptr (SoupMessage) message = soup_message_new ("GET", ws_url);

  if (message == NULL) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             "bad WebSocket URL %s", ws_url);
    g_object_unref (task);
    return;
  }
  soup_session_websocket_connect_async (self->session, message, NULL, NULL,
                                        G_PRIORITY_DEFAULT, NULL, connected,
                                        task);
}

gboolean
hc_bench_signal_connect_finish (HcBenchSignal *self, GAsyncResult *result,
                                GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- outgoing --------------------------------------------------------- */

static void
send_message (HcBenchSignal *self, HcMessage *message)
{
  g_autofree gchar *text = NULL;

  if (!hc_bench_signal_is_open (self))
    return;
  text = hc_message_to_string (message);
  soup_websocket_connection_send_text (self->ws, text);
}

static gboolean
request_timed_out (gpointer user_data)
{
  Pending *pending = user_data;
  HcBenchSignal *self = pending->self;

  pending->timeout_id = 0;
  g_hash_table_steal (self->pending, &pending->id);
  if (pending->callback)
    pending->callback (self, NULL, pending->user_data);
  pending_free (pending);
  return G_SOURCE_REMOVE;
}

void
hc_bench_signal_request (HcBenchSignal *self, HcMessageType type,
                         const gchar *from, const gchar *to, JsonObject *body,
                         HcBenchResponseFunc callback, gpointer user_data)
{
  Pending *pending = g_new0 (Pending, 1);
  g_autoptr (JsonNode) id = NULL;
  g_autoptr (HcMessage) message = NULL;

  pending->self = self;
  pending->id = self->next_id++;
  pending->callback = callback;
  pending->user_data = user_data;
  pending->timeout_id
      = g_timeout_add (REQUEST_TIMEOUT_MS, request_timed_out, pending);
  g_hash_table_insert (self->pending, &pending->id, pending);
  id = json_node_init_int (json_node_alloc (), pending->id);
  message = hc_message_new (type, id, from, to, body);
  send_message (self, message);
}

void
hc_bench_signal_notify (HcBenchSignal *self, HcMessageType type,
                        const gchar *from, const gchar *to, JsonObject *body)
{
  g_autoptr (JsonNode) id
      = json_node_init_int (json_node_alloc (), self->next_id++);
  g_autoptr (HcMessage) message = hc_message_new (type, id, from, to, body);

  send_message (self, message);
}

void
hc_bench_signal_respond (HcBenchSignal *self, HcMessage *request, gint code,
                         JsonNode *value, JsonObject *extra)
{
  g_autoptr (JsonObject) body = json_object_new ();
  g_autoptr (HcMessage) response = NULL;

  json_object_set_int_member (body, "code", code);
  if (extra) {
    JsonObjectIter iter;
    const gchar *name;
    JsonNode *member;

    json_object_iter_init (&iter, extra);
    while (json_object_iter_next (&iter, &name, &member))
      json_object_set_member (body, name, json_node_copy (member));
  }
  if (value)
    json_object_set_member (body, "value", json_node_copy (value));
  response = hc_message_new (HC_MESSAGE_RESPONSE, hc_message_get_id (request),
                             hc_message_get_to (request),
                             hc_message_get_from (request), body);
  send_message (self, response);
}

static void
drop_ws (SoupWebsocketConnection *ws, gpointer ref)
{
  g_signal_handlers_disconnect_by_data (ws, ref);
  g_object_unref (ref);
}

gboolean
hc_bench_signal_is_open (HcBenchSignal *self)
{
  return !self->closed && self->ws
         && soup_websocket_connection_get_state (self->ws)
                == SOUP_WEBSOCKET_STATE_OPEN;
}

void
hc_bench_signal_close (HcBenchSignal *self)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  fail_pending (self); /* closed: callbacks are not called */
  if (self->ws) {
    g_signal_handlers_disconnect_by_data (self->ws, self);
    if (soup_websocket_connection_get_state (self->ws)
        == SOUP_WEBSOCKET_STATE_OPEN) {
      /* Keep the connection until its closing handshake is over, so that
       * the server sees a clean close and not a reset. */
      g_signal_connect (self->ws, "closed", G_CALLBACK (drop_ws),
                        g_object_ref (self->ws));
      soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL,
                                       NULL);
    }
  }
}
