/* hyperconf-bench — HcBenchJanusLink: Janus API frames over an
 * HcBenchLink. */
#include "hc-bench-janus-link.h"

#define KEEPALIVE_S 25

/* HcBenchLink flags of a waiting request. */
enum {
  /* An "ack" is not the answer: the plugin's "event" is. */
  WAIT_PLUGIN_REPLY = 1 << 0,
};

struct _HcBenchJanusLink {
  HcBenchLink parent_instance;

  guint64 next_transaction;
  gint64 session_id;
  guint keepalive_id;
};

enum { SIGNAL_EVENT, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HcBenchJanusLink, hc_bench_janus_link, HC_BENCH_TYPE_LINK)

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
hc_bench_janus_link_frame (HcBenchLink *link, const gchar *text, gsize size)
{
  HcBenchJanusLink *self = HC_BENCH_JANUS_LINK (link);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *message;
  const gchar *kind, *transaction;
  guint flags;

  if (!json_parser_load_from_data (parser, text, size, NULL))
    return;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  message = json_node_get_object (root);
  kind = json_object_get_string_member_with_default (message, "janus", "");
  transaction = json_object_get_string_member_with_default (
      message, "transaction", NULL);
  if (transaction && hc_bench_link_is_expected (link, transaction, &flags)) {
    if (g_str_equal (kind, "ack") && (flags & WAIT_PLUGIN_REPLY))
      return; /* the plugin's answer comes later, same transaction */
    if (g_str_equal (kind, "success") || g_str_equal (kind, "error")
        || g_str_equal (kind, "event") || g_str_equal (kind, "ack")) {
      hc_bench_link_reply (link, transaction, message);
      return;
    }
  }
  if (!g_str_equal (kind, "ack"))
    g_signal_emit (self, signals[SIGNAL_EVENT], 0, message);
}

static void
hc_bench_janus_link_reply (HcBenchLink *link, GCallback callback,
                           gpointer reply, gpointer user_data)
{
  ((HcBenchJanusReply)callback) (HC_BENCH_JANUS_LINK (link), reply, user_data);
}

static void
hc_bench_janus_link_dispose (GObject *object)
{
  hc_bench_janus_link_close (HC_BENCH_JANUS_LINK (object));
  G_OBJECT_CLASS (hc_bench_janus_link_parent_class)->dispose (object);
}

static void
hc_bench_janus_link_class_init (HcBenchJanusLinkClass *klass)
{
  HcBenchLinkClass *link_class = HC_BENCH_LINK_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = hc_bench_janus_link_dispose;
  link_class->frame = hc_bench_janus_link_frame;
  link_class->reply = hc_bench_janus_link_reply;
  signals[SIGNAL_EVENT]
      = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                      NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
hc_bench_janus_link_init (HcBenchJanusLink *self)
{
}

HcBenchJanusLink *
hc_bench_janus_link_new (SoupSession *session)
{
  HcBenchJanusLink *self = g_object_new (HC_BENCH_TYPE_JANUS_LINK, NULL);

  hc_bench_link_set_session (HC_BENCH_LINK (self), session);
  return self;
}

void
hc_bench_janus_link_connect_async (HcBenchJanusLink *self, const gchar *ws_url,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  hc_bench_link_connect_async (HC_BENCH_LINK (self), ws_url, "janus-protocol",
                               callback, user_data);
}

gboolean
hc_bench_janus_link_connect_finish (HcBenchJanusLink *self,
                                    GAsyncResult *result, GError **error)
{
  return hc_bench_link_connect_finish (HC_BENCH_LINK (self), result, error);
}

/* ---- outgoing --------------------------------------------------------- */

void
hc_bench_janus_link_request (HcBenchJanusLink *self, JsonObject *request,
                             gboolean plugin_reply, HcBenchJanusReply callback,
                             gpointer user_data)
{
  HcBenchLink *link = HC_BENCH_LINK (self);
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *transaction = NULL;
  g_autofree gchar *text = NULL;

  /* Not even sent: no need to wait 15 s to say so. */
  if (!hc_bench_link_is_open (link)) {
    if (callback && !hc_bench_link_is_closed (link))
      callback (self, NULL, user_data);
    return;
  }
  transaction
      = g_strdup_printf ("t%" G_GUINT64_FORMAT, ++self->next_transaction);
  hc_bench_link_expect (link, transaction, plugin_reply ? WAIT_PLUGIN_REPLY : 0,
                        G_CALLBACK (callback), user_data);
  json_object_set_string_member (request, "transaction", transaction);
  root = json_node_init_object (json_node_alloc (), request);
  text = json_to_string (root, FALSE);
  hc_bench_link_send (link, text);
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

void
hc_bench_janus_link_close (HcBenchJanusLink *self)
{
  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  hc_bench_link_close (HC_BENCH_LINK (self));
}
