/* hyperconf-bench — HcBenchSignal: reTHINK frames over an HcBenchLink. */
#include "hc-bench-signal.h"

#include <hyperconf/hc-json-spec.h>

struct _HcBenchSignal {
  HcBenchLink parent_instance;

  gint64 next_id;
};

enum { SIGNAL_MESSAGE, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HcBenchSignal, hc_bench_signal, HC_BENCH_TYPE_LINK)

/* The link waits for responses under the decimal text of their id. */
static gchar *
key_of_id (gint64 id)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, id);
}

static void
hc_bench_signal_frame (HcBenchLink *link, const gchar *text, gsize size)
{
  HcBenchSignal *self = HC_BENCH_SIGNAL (link);
  g_autoptr (GError) error = NULL;
  g_autoptr (HcMessage) message = hc_message_parse (text, size, &error);

  if (message == NULL) {
    g_warning ("bench client: unparsable frame: %s", error->message);
    return;
  }
  /* Only the final answer: a 1xx (none here so far) would be provisional. */
  if (hc_message_get_kind (message) == HC_MESSAGE_RESPONSE
      && hc_json_kind_of (hc_message_get_id (message)) == HC_JSON_INT
      && hc_message_get_code (message) >= 200) {
    g_autofree gchar *key
        = key_of_id (json_node_get_int (hc_message_get_id (message)));

    if (hc_bench_link_reply (link, key, message))
      return;
  }
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
}

static void
hc_bench_signal_reply (HcBenchLink *link, GCallback callback, gpointer reply,
                       gpointer user_data)
{
  ((HcBenchResponseFunc)callback) (HC_BENCH_SIGNAL (link), reply, user_data);
}

static void
hc_bench_signal_class_init (HcBenchSignalClass *klass)
{
  HcBenchLinkClass *link_class = HC_BENCH_LINK_CLASS (klass);

  link_class->frame = hc_bench_signal_frame;
  link_class->reply = hc_bench_signal_reply;
  signals[SIGNAL_MESSAGE]
      = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                      0, NULL, NULL, NULL, G_TYPE_NONE, 1, HC_TYPE_MESSAGE);
}

static void
hc_bench_signal_init (HcBenchSignal *self)
{
  self->next_id = 1;
}

HcBenchSignal *
hc_bench_signal_new (SoupSession *session)
{
  HcBenchSignal *self = g_object_new (HC_BENCH_TYPE_SIGNAL, NULL);

  hc_bench_link_set_session (HC_BENCH_LINK (self), session);
  return self;
}

void
hc_bench_signal_connect_async (HcBenchSignal *self, const gchar *ws_url,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  hc_bench_link_connect_async (HC_BENCH_LINK (self), ws_url, NULL, callback,
                               user_data);
}

gboolean
hc_bench_signal_connect_finish (HcBenchSignal *self, GAsyncResult *result,
                                GError **error)
{
  return hc_bench_link_connect_finish (HC_BENCH_LINK (self), result, error);
}

/* ---- outgoing --------------------------------------------------------- */

static void
send_message (HcBenchSignal *self, HcMessage *message)
{
  g_autofree gchar *text = NULL;

  if (!hc_bench_signal_is_open (self))
    return;
  text = hc_message_to_string (message);
  hc_bench_link_send (HC_BENCH_LINK (self), text);
}

void
hc_bench_signal_request (HcBenchSignal *self, HcMessageType type,
                         const gchar *from, const gchar *to, JsonObject *body,
                         HcBenchResponseFunc callback, gpointer user_data)
{
  gint64 next = self->next_id++;
  g_autoptr (JsonNode) id = json_node_init_int (json_node_alloc (), next);
  g_autoptr (HcMessage) message = hc_message_new (type, id, from, to, body);
  g_autofree gchar *key = key_of_id (next);

  hc_bench_link_expect (HC_BENCH_LINK (self), key, 0, G_CALLBACK (callback),
                        user_data);
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

gboolean
hc_bench_signal_is_open (HcBenchSignal *self)
{
  return hc_bench_link_is_open (HC_BENCH_LINK (self));
}

void
hc_bench_signal_close (HcBenchSignal *self)
{
  hc_bench_link_close (HC_BENCH_LINK (self));
}
