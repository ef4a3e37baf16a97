/* hyperconf-bench — HcBenchJanus: the same synthetic participant against
 * a Janus VideoRoom (Janus 1.x, multistream API), so that both servers
 * carry exactly the same load:
 *
 *   create session ─▶ attach a publisher handle and a subscriber handle
 *   publisher: create the room (427 "exists" is fine) ─▶ join ─▶
 *     publish (our offer, non-trickle) ─▶ Janus's answer
 *   subscriber: join with every feed in the room, later "subscribe" to
 *     new ones; answer each offer Janus makes with "start"
 *   leave: destroy the session.
 *
 * Two webrtcbins per participant (Janus's model: one PeerConnection to
 * publish, one to receive), where hyperconf uses one. */
#include "hc-bench-client.h"
#include "hc-bench-endpoint.h"
#include "hc-bench-janus-link.h"

#define HC_BENCH_TYPE_JANUS (hc_bench_janus_get_type ())
G_DECLARE_FINAL_TYPE (HcBenchJanus, hc_bench_janus, HC_BENCH, JANUS,
                      HcBenchClient)

/* Janus's "room already exists". */
#define JANUS_VIDEOROOM_ERROR_ROOM_EXISTS 427
/* A refused subscribe is tried again after this long. */
#define RETRY_MS 300

struct _HcBenchJanus {
  HcBenchClient parent_instance;

  HcBenchJanusLink *link;
  HcBenchEndpoint *pub;
  HcBenchEndpoint *sub;
  gint64 session_id;
  gint64 pub_handle;
  gint64 sub_handle;
  gint64 room_id;
  gint64 my_id;
  gint64 private_id;
  gchar *offer;     /* our publisher offer, once gathered */
  gboolean in_room; /* the publisher handle joined */
  gboolean publish_sent;
  GHashTable *feeds;    /* gint64 publisher id -> TRUE once subscribed */
  gboolean sub_joined;  /* the subscriber handle joined */
  gboolean sub_request; /* a join or subscribe waits for Janus's offer */
  gboolean answering;   /* an answer (then "start") is in flight */
  gchar *pending_offer; /* an offer that came while answering another */
  guint restarts;       /* subscriber connections started over */
  GArray *asked;        /* gint64 feeds of the subscribe in flight */
  guint retry_id;
  gboolean left;
};

G_DEFINE_FINAL_TYPE (HcBenchJanus, hc_bench_janus, HC_BENCH_TYPE_CLIENT)

static const HcBenchClientConfig *
config_of (HcBenchJanus *self)
{
  return hc_bench_client_get_config (HC_BENCH_CLIENT (self));
}

static void
fail (HcBenchJanus *self, const gchar *what, const gchar *why)
{
  g_autofree gchar *text = g_strdup_printf ("%s: %s", what, why);

  hc_bench_client_set_state (HC_BENCH_CLIENT (self), HC_BENCH_CLIENT_FAILED,
                             text);
}

/* ---- requests ---------------------------------------------------------- */

static JsonObject *
new_request (HcBenchJanus *self, const gchar *janus, gint64 handle)
{
  JsonObject *request = json_object_new ();

  json_object_set_string_member (request, "janus", janus);
  if (self->session_id)
    json_object_set_int_member (request, "session_id", self->session_id);
  if (handle)
    json_object_set_int_member (request, "handle_id", handle);
  return request;
}

/* A plugin message with @body (transfer full) and an optional JSEP. */
static void
send_message (HcBenchJanus *self, gint64 handle, JsonObject *body,
              const gchar *jsep_type, const gchar *sdp,
              HcBenchJanusReply callback)
{
  g_autoptr (JsonObject) request = new_request (self, "message", handle);

  json_object_set_object_member (request, "body", body);
  if (jsep_type) {
    JsonObject *jsep = json_object_new ();

    json_object_set_string_member (jsep, "type", jsep_type);
    json_object_set_string_member (jsep, "sdp", sdp);
    json_object_set_object_member (request, "jsep", jsep);
  }
  hc_bench_janus_link_request (self->link, request, TRUE, callback, self);
}

/* Our SDPs carry every candidate: tell Janus there are no more. */
static void
trickle_completed (HcBenchJanus *self, gint64 handle)
{
  g_autoptr (JsonObject) request = new_request (self, "trickle", handle);
  JsonObject *candidate = json_object_new ();

  json_object_set_boolean_member (candidate, "completed", TRUE);
  json_object_set_object_member (request, "candidate", candidate);
  hc_bench_janus_link_request (self->link, request, FALSE, NULL, NULL);
}

/* The id in the "success" reply to a create or an attach; FALSE once the
 * client failed on an error instead. */
static gboolean
reply_id (HcBenchJanus *self, JsonObject *reply, const gchar *what, gint64 *id)
{
  const gchar *error = hc_bench_janus_reply_error (reply);

  if (error) {
    fail (self, what, error);
    return FALSE;
  }
  *id = json_object_get_int_member_with_default (
      json_object_get_object_member (reply, "data"), "id", 0);
  return TRUE;
}

static const gchar *
jsep_sdp (JsonObject *message, const gchar *type)
{
  JsonNode *jsep = message ? json_object_get_member (message, "jsep") : NULL;
  JsonObject *object;

  if (jsep == NULL || !JSON_NODE_HOLDS_OBJECT (jsep))
    return NULL;
  object = json_node_get_object (jsep);
  if (g_strcmp0 (
          json_object_get_string_member_with_default (object, "type", ""), type)
      != 0)
    return NULL;
  return json_object_get_string_member_with_default (object, "sdp", NULL);
}

/* ---- receiving: the subscriber handle ---------------------------------- */

static void update_subscriptions (HcBenchJanus *self);
static void handle_sub_offer (HcBenchJanus *self, const gchar *sdp);
static void restart_subscriber (HcBenchJanus *self);

static void
started (HcBenchJanusLink *link, JsonObject *reply, gpointer user_data)
{
  HcBenchJanus *self = user_data;
  const gchar *error = hc_bench_janus_reply_error (reply);
  g_autofree gchar *next = g_steal_pointer (&self->pending_offer);

  if (error) {
    fail (self, "subscriber start", error);
    return;
  }
  self->answering = FALSE;
  if (next)
    handle_sub_offer (self, next);
  else
    update_subscriptions (self);
}

static void
sub_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HcBenchJanus) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *sdp = hc_bench_endpoint_answer_finish (
      HC_BENCH_ENDPOINT (source), result, &error);
  JsonObject *body;

  if (self->left)
    return;
  if (sdp == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    /* webrtcbin 1.22 cannot take some re-offers ("transceiver direction
     * changes are not implemented": Janus turns a departed publisher's
     * m-lines inactive).  A browser would not fail there; we start the
     * subscription over, which is what a client stuck in a failed
     * renegotiation does. */
    restart_subscriber (self);
    return;
  }
  body = json_object_new ();
  json_object_set_string_member (body, "request", "start");
  send_message (self, self->sub_handle, body, "answer", sdp, started);
  trickle_completed (self, self->sub_handle);
}

/* Janus offers whenever the set of streams changes (our subscribe, or a
 * publisher gone); one answer at a time. */
static void
handle_sub_offer (HcBenchJanus *self, const gchar *sdp)
{
  if (self->answering) {
    /* Only the latest offer matters: it describes every stream. */
    g_free (self->pending_offer);
    self->pending_offer = g_strdup (sdp);
    return;
  }
  self->answering = TRUE;
  self->sub_request = FALSE;
  hc_bench_endpoint_answer_async (self->sub, sdp, sub_answered,
                                  g_object_ref (self));
}

static gboolean
retry_subscriptions (gpointer user_data)
{
  HcBenchJanus *self = user_data;

  self->retry_id = 0;
  update_subscriptions (self);
  return G_SOURCE_REMOVE;
}

static void
subscribed (HcBenchJanusLink *link, JsonObject *reply, gpointer user_data)
{
  HcBenchJanus *self = user_data;
  const gchar *error = hc_bench_janus_reply_error (reply);
  const gchar *sdp = jsep_sdp (reply, "offer");

  if (error) {
    /* Typically a feed that left before its "unpublished" event reached
     * us ("No such feed"): ask again shortly, by then it is gone from
     * self->feeds and the others go through. */
    for (guint i = 0; i < self->asked->len; i++) {
      gint64 id = g_array_index (self->asked, gint64, i);

      if (g_hash_table_contains (self->feeds, &id))
        g_hash_table_replace (self->feeds, g_memdup2 (&id, sizeof id), NULL);
    }
    self->sub_request = FALSE;
    if (self->retry_id == 0)
      self->retry_id = g_timeout_add (RETRY_MS, retry_subscriptions, self);
    return;
  }
  self->sub_joined = TRUE;
  if (sdp)
    handle_sub_offer (self, sdp);
  /* else the offer comes as an event of its own */
}

static void
update_subscriptions (HcBenchJanus *self)
{
  g_autoptr (JsonArray) streams = json_array_new ();
  GHashTableIter iter;
  gpointer id, done;
  JsonObject *body;

  if (self->sub_request || self->answering || self->sub_handle == 0
      || self->left)
    return;
  g_array_set_size (self->asked, 0);
  g_hash_table_iter_init (&iter, self->feeds);
  while (g_hash_table_iter_next (&iter, &id, &done)) {
    JsonObject *stream;

    if (done)
      continue;
    stream = json_object_new ();
    json_object_set_int_member (stream, "feed", *(gint64 *)id);
    g_array_append_val (self->asked, *(gint64 *)id);
    json_array_add_object_element (streams, stream);
    g_hash_table_iter_replace (&iter, GINT_TO_POINTER (TRUE));
  }
  if (json_array_get_length (streams) == 0)
    return;
  self->sub_request = TRUE;
  body = json_object_new ();
  if (!self->sub_joined) {
    json_object_set_string_member (body, "request", "join");
    json_object_set_string_member (body, "ptype", "subscriber");
    json_object_set_int_member (body, "room", self->room_id);
    if (self->private_id)
      json_object_set_int_member (body, "private_id", self->private_id);
  } else {
    json_object_set_string_member (body, "request", "subscribe");
  }
  json_object_set_array_member (body, "streams", json_array_ref (streams));
  send_message (self, self->sub_handle, body, NULL, NULL, subscribed);
}

/* ---- the room's publishers --------------------------------------------- */

static void
add_feeds (HcBenchJanus *self, JsonObject *data)
{
  JsonNode *publishers = json_object_get_member (data, "publishers");

  if (publishers == NULL || !JSON_NODE_HOLDS_ARRAY (publishers))
    return;
  for (guint i = 0;
       i < json_array_get_length (json_node_get_array (publishers)); i++) {
    JsonObject *publisher
        = json_array_get_object_element (json_node_get_array (publishers), i);
    gint64 id = json_object_get_int_member_with_default (publisher, "id", 0);

    if (id && id != self->my_id && !g_hash_table_contains (self->feeds, &id))
      g_hash_table_insert (self->feeds, g_memdup2 (&id, sizeof id), NULL);
  }
  update_subscriptions (self);
}

static void
remove_feed (HcBenchJanus *self, JsonObject *data, const gchar *member)
{
  JsonNode *node = json_object_get_member (data, member);

  /* Janus updates the subscriber side itself (an offer follows). */
  if (node && JSON_NODE_HOLDS_VALUE (node)) {
    gint64 id = json_node_get_int (node);

    g_hash_table_remove (self->feeds, &id);
  }
}

static void
on_event (HcBenchJanusLink *link, JsonObject *message, gpointer user_data)
{
  HcBenchJanus *self = user_data;
  const gchar *kind
      = json_object_get_string_member_with_default (message, "janus", "");
  gint64 sender
      = json_object_get_int_member_with_default (message, "sender", 0);
  JsonObject *data = hc_bench_janus_plugin_data (message);

  if (g_str_equal (kind, "trickle")) {
    JsonNode *node = json_object_get_member (message, "candidate");
    JsonObject *candidate = node && JSON_NODE_HOLDS_OBJECT (node)
                                ? json_node_get_object (node)
                                : NULL;
    const gchar *line = candidate ? json_object_get_string_member_with_default (
                            candidate, "candidate", NULL)
                                  : NULL;

    if (line)
      hc_bench_endpoint_add_candidate (
          sender == self->pub_handle ? self->pub : self->sub,
          json_object_get_int_member_with_default (candidate, "sdpMLineIndex",
                                                   0),
          line);
    return;
  }
  if (!g_str_equal (kind, "event") || data == NULL)
    return;
  if (sender == self->pub_handle) {
    add_feeds (self, data);
    remove_feed (self, data, "unpublished");
    remove_feed (self, data, "leaving");
  } else if (sender == self->sub_handle) {
    const gchar *sdp = jsep_sdp (message, "offer");

    if (sdp)
      handle_sub_offer (self, sdp);
  }
}

/* ---- publishing --------------------------------------------------------- */

static void
answer_applied (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HcBenchJanus) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!hc_bench_endpoint_set_answer_finish (HC_BENCH_ENDPOINT (source), result,
                                            &error)) {
    fail (self, "Janus's answer", error->message);
    return;
  }
  hc_bench_client_set_state (HC_BENCH_CLIENT (self), HC_BENCH_CLIENT_JOINED,
                             NULL);
}

static void
published (HcBenchJanusLink *link, JsonObject *reply, gpointer user_data)
{
  HcBenchJanus *self = user_data;
  const gchar *error = hc_bench_janus_reply_error (reply);
  const gchar *sdp = jsep_sdp (reply, "answer");

  if (error || sdp == NULL) {
    fail (self, "publish", error ? error : "no answer");
    return;
  }
  hc_bench_endpoint_set_answer_async (self->pub, sdp, answer_applied,
                                      g_object_ref (self));
}

static void
maybe_publish (HcBenchJanus *self)
{
  JsonObject *body;

  if (self->offer == NULL || !self->in_room || self->publish_sent)
    return;
  self->publish_sent = TRUE;
  body = json_object_new ();
  json_object_set_string_member (body, "request", "publish");
  json_object_set_string_member (body, "display", config_of (self)->name);
  send_message (self, self->pub_handle, body, "offer", self->offer, published);
  trickle_completed (self, self->pub_handle);
}

static void
joined_room (HcBenchJanusLink *link, JsonObject *reply, gpointer user_data)
{
  HcBenchJanus *self = user_data;
  const gchar *error = hc_bench_janus_reply_error (reply);
  JsonObject *data = hc_bench_janus_plugin_data (reply);

  if (error || data == NULL) {
    fail (self, "join", error ? error : "no data");
    return;
  }
  self->my_id = json_object_get_int_member_with_default (data, "id", 0);
  self->private_id
      = json_object_get_int_member_with_default (data, "private_id", 0);
  self->in_room = TRUE;
  add_feeds (self, data);
  maybe_publish (self);
}

static void
room_created (HcBenchJanusLink *link, JsonObject *reply, gpointer user_data)
{
  HcBenchJanus *self = user_data;
  JsonObject *data = hc_bench_janus_plugin_data (reply);
  const gchar *error = hc_bench_janus_reply_error (reply);
  JsonObject *body;

  if (error
      && !(data
           && json_object_get_int_member_with_default (data, "error_code", 0)
                  == JANUS_VIDEOROOM_ERROR_ROOM_EXISTS)) {
    fail (self, "create room", error);
    return;
  }
  body = json_object_new ();
  json_object_set_string_member (body, "request", "join");
  json_object_set_string_member (body, "ptype", "publisher");
  json_object_set_int_member (body, "room", self->room_id);
  json_object_set_string_member (body, "display", config_of (self)->name);
  send_message (self, self->pub_handle, body, NULL, NULL, joined_room);
}

static void
pub_attached (HcBenchJanusLink *link, JsonObject *reply, gpointer user_data)
{
  HcBenchJanus *self = user_data;
  JsonObject *body;

  if (!reply_id (self, reply, "attach", &self->pub_handle))
    return;
  /* Rooms are made on demand, the same for every participant: the first
   * one creates it, the others get 427. */
  body = json_object_new ();
  json_object_set_string_member (body, "request", "create");
  json_object_set_int_member (body, "room", self->room_id);
  json_object_set_int_member (body, "publishers", 32);
  json_object_set_int_member (body, "bitrate", 0);
  json_object_set_int_member (body, "fir_freq", 0);
  json_object_set_string_member (body, "audiocodec", "opus");
  json_object_set_string_member (body, "videocodec", "vp8");
  json_object_set_boolean_member (body, "permanent", FALSE);
  send_message (self, self->pub_handle, body, NULL, NULL, room_created);
}

static void
sub_attached (HcBenchJanusLink *link, JsonObject *reply, gpointer user_data)
{
  HcBenchJanus *self = user_data;

  if (reply_id (self, reply, "attach", &self->sub_handle))
    update_subscriptions (self);
}

static void sub_attached (HcBenchJanusLink *link, JsonObject *reply,
                          gpointer user_data);
static void attach (HcBenchJanus *self, HcBenchJanusReply callback);

static void
restart_subscriber (HcBenchJanus *self)
{
  const HcBenchClientConfig *config = config_of (self);
  g_autofree gchar *sub_name
      = g_strdup_printf ("%s-sub%u", config->name, ++self->restarts);
  GHashTableIter iter;

  if (self->sub_handle) {
    g_autoptr (JsonObject) request
        = new_request (self, "detach", self->sub_handle);

    hc_bench_janus_link_request (self->link, request, FALSE, NULL, NULL);
  }
  hc_bench_endpoint_stop (self->sub);
  g_object_unref (self->sub);
  self->sub
      = hc_bench_endpoint_new (sub_name, NULL, NULL, config->jitter_ms, FALSE);
  self->sub_handle = 0;
  self->sub_joined = FALSE;
  self->sub_request = FALSE;
  self->answering = FALSE;
  g_clear_pointer (&self->pending_offer, g_free);
  g_hash_table_iter_init (&iter, self->feeds);
  while (g_hash_table_iter_next (&iter, NULL, NULL))
    g_hash_table_iter_replace (&iter, NULL);
  attach (self, sub_attached);
}

static void
attach (HcBenchJanus *self, HcBenchJanusReply callback)
{
  g_autoptr (JsonObject) request = new_request (self, "attach", 0);

  json_object_set_string_member (request, "plugin", "janus.plugin.videoroom");
  hc_bench_janus_link_request (self->link, request, FALSE, callback, self);
}

static void
session_created (HcBenchJanusLink *link, JsonObject *reply, gpointer user_data)
{
  HcBenchJanus *self = user_data;

  if (!reply_id (self, reply, "create session", &self->session_id))
    return;
  hc_bench_janus_link_keep_alive (self->link, self->session_id);
  attach (self, pub_attached);
  attach (self, sub_attached);
}

static void
link_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HcBenchJanus) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) request = NULL;

  if (!hc_bench_janus_link_connect_finish (HC_BENCH_JANUS_LINK (source), result,
                                           &error)) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      fail (self, "WebSocket", error->message);
    return;
  }
  request = new_request (self, "create", 0);
  hc_bench_janus_link_request (self->link, request, FALSE, session_created,
                               self);
}

static void
offer_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HcBenchJanus) self = user_data;
  g_autoptr (GError) error = NULL;

  self->offer = hc_bench_endpoint_offer_finish (HC_BENCH_ENDPOINT (source),
                                                result, &error);
  if (self->offer == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      fail (self, "publisher offer", error->message);
    return;
  }
  maybe_publish (self);
}

static void
hc_bench_janus_join (HcBenchClient *client)
{
  HcBenchJanus *self = HC_BENCH_JANUS (client);
  const HcBenchClientConfig *config = config_of (self);
  g_autofree gchar *sub_name = g_strdup_printf ("%s-sub", config->name);

  /* Janus rooms are numbered: the same name always gives the same room. */
  self->room_id = g_str_hash (config->room) % 1000000000 + 1;
  self->pub = hc_bench_endpoint_new (config->name, config->video, config->audio,
                                     config->jitter_ms, config->lean_send);
  self->sub
      = hc_bench_endpoint_new (sub_name, NULL, NULL, config->jitter_ms, FALSE);
  self->link = hc_bench_janus_link_new (config->session);
  g_signal_connect (self->link, "event", G_CALLBACK (on_event), self);
  hc_bench_endpoint_offer_async (self->pub, offer_ready, g_object_ref (self));
  hc_bench_janus_link_connect_async (self->link, config->ws_url, link_connected,
                                     g_object_ref (self));
}

static void
hc_bench_janus_leave (HcBenchClient *client)
{
  HcBenchJanus *self = HC_BENCH_JANUS (client);

  if (self->left)
    return;
  self->left = TRUE;
  if (self->link) {
    if (self->session_id) {
      g_autoptr (JsonObject) request = new_request (self, "destroy", 0);

      hc_bench_janus_link_request (self->link, request, FALSE, NULL, NULL);
    }
    hc_bench_janus_link_close (self->link);
  }
  if (self->pub)
    hc_bench_endpoint_stop (self->pub);
  if (self->sub)
    hc_bench_endpoint_stop (self->sub);
}

static HcBenchEndpoint *
hc_bench_janus_get_publisher (HcBenchClient *client)
{
  return HC_BENCH_JANUS (client)->pub;
}

static HcBenchEndpoint *
hc_bench_janus_get_receiver (HcBenchClient *client)
{
  return HC_BENCH_JANUS (client)->sub;
}

static void
hc_bench_janus_dispose (GObject *object)
{
  HcBenchJanus *self = HC_BENCH_JANUS (object);

  hc_bench_janus_leave (HC_BENCH_CLIENT (self));
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_object (&self->link);
  g_clear_object (&self->pub);
  g_clear_object (&self->sub);
  G_OBJECT_CLASS (hc_bench_janus_parent_class)->dispose (object);
}

static void
hc_bench_janus_finalize (GObject *object)
{
  HcBenchJanus *self = HC_BENCH_JANUS (object);

  g_free (self->offer);
  g_free (self->pending_offer);
  g_hash_table_unref (self->feeds);
  g_array_unref (self->asked);
  G_OBJECT_CLASS (hc_bench_janus_parent_class)->finalize (object);
}

static void
hc_bench_janus_class_init (HcBenchJanusClass *klass)
{
  HcBenchClientClass *client_class = HC_BENCH_CLIENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = hc_bench_janus_dispose;
  G_OBJECT_CLASS (klass)->finalize = hc_bench_janus_finalize;
  client_class->join = hc_bench_janus_join;
  client_class->leave = hc_bench_janus_leave;
  client_class->get_publisher = hc_bench_janus_get_publisher;
  client_class->get_receiver = hc_bench_janus_get_receiver;
}

static void
hc_bench_janus_init (HcBenchJanus *self)
{
  self->feeds
      = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->asked = g_array_new (FALSE, FALSE, sizeof (gint64));
}

HcBenchClient *
hc_bench_janus_new (const HcBenchClientConfig *config)
{
  HcBenchClient *self = g_object_new (HC_BENCH_TYPE_JANUS, NULL);

  hc_bench_client_set_config (self, config);
  return self;
}
