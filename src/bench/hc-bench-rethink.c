/* hyperconf-bench — HcBenchRethink: a synthetic participant speaking
 * PROTOCOL.md to hyperconf over its WebSocket, as a browser runtime would:
 *
 *   open (§3) ─▶ allocate hyperty + connection addresses (§4)
 *   ─▶ report our Connection object, invite the server to it (§8, §9.2);
 *      answer its subscribe with the object (join offer inside)
 *   ─▶ accept the server's invitations to its Connection object and to
 *      the room object; observe both (node subscription, then subscribe)
 *   ─▶ apply the answer and the server's trickled candidates; answer each
 *      server offer by updating our connectionDescription (§9.3)
 *   leave: `close` the session (§3), which ends the participant (§9.5).
 *   vanish (config->vanish): the socket closes mid-negotiation, no `close`.
 *
 * The object versions and the held-until-snapshot updates are the
 * project's own sync engine (HcSyncObject). */
#include "hc-bench-client.h"
#include "hc-bench-endpoint.h"
#include "hc-bench-signal.h"

#include <hyperconf/hc-address.h>
#include <hyperconf/hc-json-spec.h>
#include <hyperconf/hc-sync-object.h>

#define HC_BENCH_TYPE_RETHINK (hc_bench_rethink_get_type ())
G_DECLARE_FINAL_TYPE (HcBenchRethink, hc_bench_rethink, HC_BENCH, RETHINK,
                      HcBenchClient)

struct _HcBenchRethink {
  HcBenchClient parent_instance;

  HcBenchSignal *signal;
  HcBenchEndpoint *endpoint;
  gchar *runtime;
  gchar *hyperty;
  gchar *offer;          /* our join offer, once ICE gathering is done */
  gchar *connection_url; /* allocated for our Connection object */
  HcSyncObject *own;     /* our Connection object */
  JsonObject *metadata;
  HcSyncObject *server; /* the server's Connection object for us */
  gchar *room_url;
  gboolean connected_signal; /* the WebSocket is up and the session open */
  gboolean answer_applied;   /* the server's answer to the join offer */
  guint applied_candidates;
};

G_DEFINE_FINAL_TYPE (HcBenchRethink, hc_bench_rethink, HC_BENCH_TYPE_CLIENT)

static const HcBenchClientConfig *
config_of (HcBenchRethink *self)
{
  return hc_bench_client_get_config (HC_BENCH_CLIENT (self));
}

static void fail (HcBenchRethink *self, const gchar *format, ...)
    G_GNUC_PRINTF (2, 3);
static void vanish (HcBenchRethink *self);

static void
fail (HcBenchRethink *self, const gchar *format, ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  hc_bench_client_set_state (HC_BENCH_CLIENT (self), HC_BENCH_CLIENT_FAILED,
                             text);
}

static const gchar *
string_member (JsonObject *object, const gchar *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && hc_json_kind_of (node) == HC_JSON_STRING
             ? json_node_get_string (node)
             : NULL;
}

static gchar *
node_url (HcBenchRethink *self, const gchar *component)
{
  return g_strdup_printf ("domain://msg-node.%s/%s", config_of (self)->domain,
                          component);
}

/* ---- the server's Connection object ----------------------------------- */

static void
apply_candidates (HcBenchRethink *self)
{
  JsonNode *node;
  JsonArray *candidates;

  if (!self->answer_applied || self->server == NULL)
    return;
  node = hc_sync_object_lookup (self->server, "iceCandidates");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  candidates = json_node_get_array (node);
  for (; self->applied_candidates < json_array_get_length (candidates);
       self->applied_candidates++) {
    JsonNode *item
        = json_array_get_element (candidates, self->applied_candidates);
    JsonObject *candidate;
    const gchar *line;
    JsonNode *index;

    if (!JSON_NODE_HOLDS_OBJECT (item))
      continue;
    candidate = json_node_get_object (item);
    line = string_member (candidate, "candidate");
    index = json_object_get_member (candidate, "sdpMLineIndex");
    if (line && *line && index && hc_json_kind_of (index) == HC_JSON_INT)
      hc_bench_endpoint_add_candidate (self->endpoint,
                                       json_node_get_int (index), line);
  }
}

static void
answer_applied (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HcBenchRethink) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!hc_bench_endpoint_set_answer_finish (HC_BENCH_ENDPOINT (source), result,
                                            &error)) {
    fail (self, "the server's answer: %s", error->message);
    return;
  }
  self->answer_applied = TRUE;
  apply_candidates (self);
}

/* §9.3: our answer to a server offer goes into our own object. */
static void
offer_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HcBenchRethink) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *sdp = hc_bench_endpoint_answer_finish (
      HC_BENCH_ENDPOINT (source), result, &error);
  g_autoptr (JsonNode) value = NULL;
  g_autofree gchar *changes = NULL;
  JsonObject *description, *update;

  if (sdp == NULL) {
    fail (self, "answering the server's offer: %s", error->message);
    return;
  }
  if (hc_bench_client_get_state (HC_BENCH_CLIENT (self))
      == HC_BENCH_CLIENT_LEFT)
    return;
  description = json_object_new ();
  json_object_set_string_member (description, "type", "answer");
  json_object_set_string_member (description, "sdp", sdp);
  value = json_node_init_object (json_node_alloc (), description);
  json_object_unref (description);
  update
      = hc_sync_object_set (self->own, "connectionDescription", value, &error);
  if (update == NULL) {
    fail (self, "%s", error->message);
    return;
  }
  json_object_set_string_member (update, "source", self->hyperty);
  changes = g_strdup_printf ("%s/changes", hc_sync_object_get_url (self->own));
  hc_bench_signal_notify (self->signal, HC_MESSAGE_UPDATE,
                          hc_sync_object_get_url (self->own), changes, update);
  json_object_unref (update);
}

static void
description_changed (HcBenchRethink *self)
{
  JsonNode *node
      = hc_sync_object_lookup (self->server, "connectionDescription");
  JsonObject *description;
  const gchar *type, *sdp;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  description = json_node_get_object (node);
  type = string_member (description, "type");
  sdp = string_member (description, "sdp");
  if (sdp == NULL)
    return;
  if (g_strcmp0 (type, "answer") == 0 && !self->answer_applied
      && config_of (self)->vanish == HC_BENCH_VANISH_ANSWERED) {
    vanish (self);
    return;
  }
  if (g_strcmp0 (type, "answer") == 0 && !self->answer_applied)
    hc_bench_endpoint_set_answer_async (self->endpoint, sdp, answer_applied,
                                        g_object_ref (self));
  else if (g_strcmp0 (type, "offer") == 0)
    hc_bench_endpoint_answer_async (self->endpoint, sdp, offer_answered,
                                    g_object_ref (self));
}

static void
server_changed (HcSyncObject *object, const gchar *attribute,
                gpointer user_data)
{
  HcBenchRethink *self = user_data;

  if (attribute == NULL) { /* snapshot */
    description_changed (self);
    apply_candidates (self);
  } else if (g_str_has_prefix (attribute, "connectionDescription")) {
    description_changed (self);
  } else if (g_str_has_prefix (attribute, "iceCandidates")) {
    apply_candidates (self);
  }
}

/* ---- observing (§8) --------------------------------------------------- */

static void send_subscribe (HcBenchRethink *self, const gchar *url);

static void
subscribed (HcBenchSignal *signal, HcMessage *response, gpointer user_data)
{
  HcBenchRethink *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *url = NULL;
  JsonObject *value;
  JsonNode *version;

  if (response == NULL || hc_message_get_code (response) != 200) {
    fail (self, "subscribe to %s: %d",
          response ? hc_message_get_from (response) : "an object",
          response ? hc_message_get_code (response) : 408);
    return;
  }
  url = hc_address_strip_suffix (hc_message_get_from (response),
                                 "/subscription");
  /* Only the server's Connection object matters to the media; the room
   * object is observed (as a client does) but not looked into. */
  if (self->server == NULL || url == NULL
      || !g_str_equal (url, hc_sync_object_get_url (self->server)))
    return;
  value = hc_message_body_get_object (response, "value");
  if (value == NULL || !json_object_has_member (value, "data")
      || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (value, "data"))) {
    fail (self, "subscribe to %s: no data", url);
    return;
  }
  version = json_object_get_member (value, "version");
  if (!hc_sync_object_reset (self->server,
                             json_object_get_object_member (value, "data"),
                             version && hc_json_kind_of (version) == HC_JSON_INT
                                 ? json_node_get_int (version)
                                 : 0,
                             &error))
    fail (self, "snapshot of %s: %s", url, error->message);
}

static void
send_subscribe (HcBenchRethink *self, const gchar *url)
{
  g_autoptr (JsonObject) body = json_object_new ();
  g_autofree gchar *to = g_strdup_printf ("%s/subscription", url);

  json_object_set_string_member (body, "subscriber", self->hyperty);
  hc_bench_signal_request (self->signal, HC_MESSAGE_SUBSCRIBE, self->hyperty,
                           to, body, subscribed, self);
}

static void
node_subscribed (HcBenchSignal *signal, HcMessage *response, gpointer user_data)
{
  HcBenchRethink *self = user_data;

  if (response == NULL || hc_message_get_code (response) != 200)
    fail (self, "node subscription: %d",
          response ? hc_message_get_code (response) : 408);
}

/* §8: listen at the node first, then ask for the snapshot; the socket
 * keeps the order, so both go out at once. */
static void
observe (HcBenchRethink *self, const gchar *url)
{
  g_autoptr (JsonObject) body = json_object_new ();
  g_autoptr (JsonArray) resources = json_array_new ();
  g_autofree gchar *from = g_strdup_printf ("%s/sm", self->runtime);
  g_autofree gchar *sm = node_url (self, "sm");
  g_autofree gchar *changes = g_strdup_printf ("%s/changes", url);

  json_array_add_string_element (resources, changes);
  json_object_set_array_member (body, "resources", json_array_ref (resources));
  json_object_set_string_member (body, "source", self->hyperty);
  hc_bench_signal_request (self->signal, HC_MESSAGE_SUBSCRIBE, from, sm, body,
                           node_subscribed, self);
  send_subscribe (self, url);
}

/* ---- incoming requests and notifications ------------------------------ */

static void
answer_subscription (HcBenchRethink *self, HcMessage *message)
{
  g_autoptr (JsonObject) value = hc_json_object_deep_copy (self->metadata);
  g_autoptr (JsonObject) extra = json_object_new ();
  g_autoptr (JsonNode) node = NULL;

  if (hc_message_get_kind (message) != HC_MESSAGE_SUBSCRIBE) {
    hc_bench_signal_respond (self->signal, message, 200, NULL, NULL);
    return;
  }
  json_object_set_object_member (
      value, "data",
      hc_json_object_deep_copy (hc_sync_object_get_data (self->own)));
  json_object_set_int_member (value, "version",
                              hc_sync_object_get_version (self->own));
  json_object_set_string_member (extra, "schema",
                                 string_member (self->metadata, "schema"));
  node = json_node_init_object (json_node_alloc (), value);
  hc_bench_signal_respond (self->signal, message, 200, node, extra);
  /* The server has the join offer now, and is answering it. */
  if (config_of (self)->vanish == HC_BENCH_VANISH_OFFERED)
    vanish (self);
}

static void
on_invitation (HcBenchRethink *self, HcMessage *message)
{
  g_autofree gchar *url = hc_address_strip_suffix (
      hc_message_get_from (message), "/subscription");

  if (url == NULL) {
    hc_bench_signal_respond (self->signal, message, 400, NULL, NULL);
    return;
  }
  hc_bench_signal_respond (self->signal, message, 200, NULL, NULL);
  if (g_str_has_prefix (url, "comm://")) {
    g_free (self->room_url);
    self->room_url = g_strdup (url);
  } else if (self->server == NULL) {
    self->server = hc_sync_object_new_observed (url);
    g_signal_connect (self->server, "changed", G_CALLBACK (server_changed),
                      self);
  } else {
    return; /* a second server object: not ours to follow */
  }
  observe (self, url);
}

static void
on_change (HcBenchRethink *self, HcMessage *message, const gchar *url)
{
  g_autoptr (GError) error = NULL;
  JsonObject *body = hc_message_get_body (message);

  if (self->server == NULL
      || !g_str_equal (url, hc_sync_object_get_url (self->server)))
    return; /* room object changes: received, not looked into */
  if (hc_message_get_kind (message) == HC_MESSAGE_DELETE) {
    fail (self, "the server deleted its Connection object");
    return;
  }
  if (hc_message_get_kind (message) != HC_MESSAGE_UPDATE || body == NULL)
    return;
  if (!hc_sync_object_apply (self->server, body, &error)) {
    /* §8: an observer that sees a gap re-subscribes. */
    if (g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_GAP))
      send_subscribe (self, url);
    else
      g_warning ("%s: update refused: %s", config_of (self)->name,
                 error->message);
  }
}

static void
on_message (HcBenchSignal *signal, HcMessage *message, gpointer user_data)
{
  HcBenchRethink *self = user_data;
  const gchar *to = hc_message_get_to (message);
  g_autofree gchar *changes = hc_address_strip_suffix (to, "/changes");
  g_autofree gchar *subscription
      = hc_address_strip_suffix (to, "/subscription");

  if (hc_message_get_kind (message) == HC_MESSAGE_RESPONSE)
    return;
  if (changes) {
    on_change (self, message, changes);
  } else if (subscription && self->own
             && g_str_equal (subscription,
                             hc_sync_object_get_url (self->own))) {
    answer_subscription (self, message);
  } else if (hc_message_get_kind (message) == HC_MESSAGE_CREATE
             && g_strcmp0 (to, self->hyperty) == 0) {
    on_invitation (self, message);
  } else {
    hc_bench_signal_respond (self->signal, message, 501, NULL, NULL);
  }
}

/* ---- joining ---------------------------------------------------------- */

static void
invited (HcBenchSignal *signal, HcMessage *response, gpointer user_data)
{
  HcBenchRethink *self = user_data;
  gint code = response ? hc_message_get_code (response) : 408;

  if (code != 200) {
    fail (self, "join refused: %d %s", code,
          response ? hc_message_body_get_string (response, "desc") : "");
    return;
  }
  hc_bench_client_set_state (HC_BENCH_CLIENT (self), HC_BENCH_CLIENT_JOINED,
                             NULL);
}

/* Both the session (with its addresses) and the offer are ready: report
 * the Connection object and invite the server (§9.2). */
static void
invite (HcBenchRethink *self, const gchar *connection_url)
{
  const HcBenchClientConfig *config = config_of (self);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (JsonObject) body = json_object_new ();
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *created = g_date_time_format_iso8601 (now);
  g_autofree gchar *schema = g_strdup_printf (
      "hyperty-catalogue://catalogue.%s/.well-known/dataschema/Connection",
      config->domain);
  g_autofree gchar *from = g_strdup_printf ("%s/subscription", connection_url);
  JsonObject *description = json_object_new ();
  JsonObject *options = json_object_new ();
  JsonObject *publish = json_object_new ();
  JsonObject *identity = json_object_new ();
  JsonObject *profile = json_object_new ();

  json_object_set_string_member (data, "scheme", "connection");
  json_object_set_string_member (data, "name", config->room);
  json_object_set_string_member (data, "roomName", config->room);
  json_object_set_string_member (data, "owner", self->hyperty);
  json_object_set_string_member (data, "peer", config->conference);
  json_object_set_string_member (data, "status", "new");
  json_object_set_string_member (description, "type", "offer");
  json_object_set_string_member (description, "sdp", self->offer);
  json_object_set_object_member (data, "connectionDescription", description);
  json_object_set_array_member (data, "iceCandidates", json_array_new ());
  json_object_set_string_member (options, "mode",
                                 config->mode ? config->mode : "sfu");
  json_object_set_boolean_member (publish, "audio", config->audio != NULL);
  json_object_set_boolean_member (publish, "video", config->video != NULL);
  json_object_set_object_member (options, "publish",
                                 hc_json_object_deep_copy (publish));
  json_object_set_object_member (data, "options", options);
  json_object_set_object_member (data, "publishing", publish);
  self->own = hc_sync_object_new (connection_url, data);

  self->metadata = json_object_new ();
  json_object_set_string_member (self->metadata, "url", connection_url);
  json_object_set_string_member (self->metadata, "reporter", self->hyperty);
  json_object_set_string_member (self->metadata, "schema", schema);
  json_object_set_string_member (self->metadata, "name", config->room);
  json_object_set_string_member (self->metadata, "created", created);
  json_object_set_string_member (self->metadata, "runtime", self->runtime);
  json_object_set_string_member (self->metadata, "status", "live");

  json_object_set_string_member (profile, "username", config->name);
  json_object_set_object_member (identity, "userProfile", profile);
  json_object_set_string_member (body, "source", self->hyperty);
  json_object_set_string_member (body, "schema", schema);
  json_object_set_object_member (body, "identity", identity);
  json_object_set_object_member (body, "value",
                                 json_object_ref (self->metadata));
  hc_bench_signal_request (self->signal, HC_MESSAGE_CREATE, from,
                           config->conference, body, invited, self);
}

/* The address and the offer come in either order. */
static void
maybe_invite (HcBenchRethink *self)
{
  if (self->connection_url && self->offer && self->own == NULL)
    invite (self, self->connection_url);
}

static const gchar *
first_allocated (HcMessage *response)
{
  JsonObject *value = hc_message_body_get_object (response, "value");
  JsonNode *allocated
      = value ? json_object_get_member (value, "allocated") : NULL;

  if (allocated == NULL || !JSON_NODE_HOLDS_ARRAY (allocated)
      || json_array_get_length (json_node_get_array (allocated)) < 1)
    return NULL;
  return json_array_get_string_element (json_node_get_array (allocated), 0);
}

static void allocate (HcBenchRethink *self, const gchar *scheme);

/* §4, one address at a time: the hyperty's, then the Connection
 * object's. */
static void
address_allocated (HcBenchSignal *signal, HcMessage *response,
                   gpointer user_data)
{
  HcBenchRethink *self = user_data;
  gboolean hyperty = self->hyperty == NULL;
  const gchar *url = response && hc_message_get_code (response) == 200
                         ? first_allocated (response)
                         : NULL;

  if (url == NULL) {
    fail (self, "%s address allocation failed",
          hyperty ? "hyperty" : "connection");
    return;
  }
  if (hyperty) {
    self->hyperty = g_strdup (url);
    allocate (self, "connection");
  } else {
    self->connection_url = g_strdup (url);
    maybe_invite (self);
  }
}

static void
allocate (HcBenchRethink *self, const gchar *scheme)
{
  g_autoptr (JsonObject) body = json_object_new ();
  JsonObject *value = json_object_new ();
  g_autofree gchar *from
      = g_strdup_printf ("%s/address-allocation", self->runtime);
  g_autofree gchar *to = node_url (self, "address-allocation");

  json_object_set_string_member (body, "scheme", scheme);
  json_object_set_int_member (value, "number", 1);
  json_object_set_object_member (body, "value", value);
  hc_bench_signal_request (self->signal, HC_MESSAGE_CREATE, from, to, body,
                           address_allocated, self);
}

static void
opened (HcBenchSignal *signal, HcMessage *response, gpointer user_data)
{
  HcBenchRethink *self = user_data;

  if (response == NULL || hc_message_get_code (response) != 200) {
    fail (self, "open: %d", response ? hc_message_get_code (response) : 408);
    return;
  }
  self->connected_signal = TRUE;
  allocate (self, "hyperty");
}

static void
ws_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HcBenchRethink) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!hc_bench_signal_connect_finish (HC_BENCH_SIGNAL (source), result,
                                       &error)) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      fail (self, "WebSocket: %s", error->message);
    return;
  }
  hc_bench_signal_request (self->signal, HC_MESSAGE_OPEN, self->runtime,
                           "mn:/session", NULL, opened, self);
}

static void
offer_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HcBenchRethink) self = user_data;
  g_autoptr (GError) error = NULL;

  self->offer = hc_bench_endpoint_offer_finish (HC_BENCH_ENDPOINT (source),
                                                result, &error);
  if (self->offer == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      fail (self, "join offer: %s", error->message);
    return;
  }
  maybe_invite (self);
}

static void
hc_bench_rethink_join (HcBenchClient *client)
{
  HcBenchRethink *self = HC_BENCH_RETHINK (client);
  const HcBenchClientConfig *config = config_of (self);
  g_autofree gchar *uuid = g_uuid_string_random ();

  self->runtime
      = g_strdup_printf ("runtime://%s/bench-%s", config->domain, uuid);
  self->endpoint
      = hc_bench_endpoint_new (config->name, config->video, config->audio,
                               config->jitter_ms, config->lean_send);
  self->signal = hc_bench_signal_new (config->session);
  g_signal_connect (self->signal, "message", G_CALLBACK (on_message), self);
  /* The WebSocket and the offer (ICE gathering) in parallel. */
  hc_bench_endpoint_offer_async (self->endpoint, offer_ready,
                                 g_object_ref (self));
  hc_bench_signal_connect_async (self->signal, config->ws_url, ws_connected,
                                 g_object_ref (self));
}

/* §3: `close` ends the session at once, and with it the participant
 * (§9.5); then the socket and the media go. */
static void
hc_bench_rethink_leave (HcBenchClient *client)
{
  HcBenchRethink *self = HC_BENCH_RETHINK (client);

  if (self->signal) {
    if (self->connected_signal)
      hc_bench_signal_notify (self->signal, HC_MESSAGE_CLOSE, self->runtime,
                              "mn:/session", NULL);
    hc_bench_signal_close (self->signal);
  }
  if (self->endpoint)
    hc_bench_endpoint_stop (self->endpoint);
}

/* The socket and the media go without a word, as when a browser dies
 * mid-negotiation: the server ends the session after its grace period. */
static void
vanish (HcBenchRethink *self)
{
  hc_bench_signal_close (self->signal);
  hc_bench_endpoint_stop (self->endpoint);
  hc_bench_client_set_state (HC_BENCH_CLIENT (self), HC_BENCH_CLIENT_VANISHED,
                             NULL);
}

/* One PeerConnection publishes and receives. */
static HcBenchEndpoint *
hc_bench_rethink_get_endpoint (HcBenchClient *client)
{
  return HC_BENCH_RETHINK (client)->endpoint;
}

static void
hc_bench_rethink_dispose (GObject *object)
{
  HcBenchRethink *self = HC_BENCH_RETHINK (object);

  hc_bench_rethink_leave (HC_BENCH_CLIENT (self));
  if (self->server)
    g_signal_handlers_disconnect_by_data (self->server, self);
  g_clear_object (&self->server);
  g_clear_object (&self->own);
  g_clear_object (&self->signal);
  g_clear_object (&self->endpoint);
  G_OBJECT_CLASS (hc_bench_rethink_parent_class)->dispose (object);
}

static void
hc_bench_rethink_finalize (GObject *object)
{
  HcBenchRethink *self = HC_BENCH_RETHINK (object);

  g_free (self->runtime);
  g_free (self->hyperty);
  g_free (self->offer);
  g_free (self->connection_url);
  g_free (self->room_url);
  g_clear_pointer (&self->metadata, json_object_unref);
  G_OBJECT_CLASS (hc_bench_rethink_parent_class)->finalize (object);
}

static void
hc_bench_rethink_class_init (HcBenchRethinkClass *klass)
{
  HcBenchClientClass *client_class = HC_BENCH_CLIENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = hc_bench_rethink_dispose;
  G_OBJECT_CLASS (klass)->finalize = hc_bench_rethink_finalize;
  client_class->join = hc_bench_rethink_join;
  client_class->leave = hc_bench_rethink_leave;
  client_class->get_publisher = hc_bench_rethink_get_endpoint;
  client_class->get_receiver = hc_bench_rethink_get_endpoint;
}

static void
hc_bench_rethink_init (HcBenchRethink *self)
{
}

HcBenchClient *
hc_bench_rethink_new (const HcBenchClientConfig *config)
{
  HcBenchClient *self = g_object_new (HC_BENCH_TYPE_RETHINK, NULL);

  hc_bench_client_set_config (self, config);
  return self;
}
