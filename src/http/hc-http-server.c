/* hyperconf — the libsoup server: routes, listening and shutdown.
 *
 *   /ws           WebSocket, one HcWsClient (and node link) per socket
 *   /healthz      {"status":"ok","version","uptime","sessions"} (liveness)
 *   /readyz       {"status":"ready"}, or 503 {"status":"draining"} once
 *                 hc_http_server_set_ready (FALSE): load balancers stop
 *                 sending new users while the rooms drain
 *   /config.json  {"domain","conferenceHyperty","iceServers"} (§9.1)
 *   /metrics      Prometheus text from the node's introspection
 *   /admin/...    rooms, participants, stats, pipelines; close a room,
 *                 remove a participant (hc-http-admin.c; Bearer secret)
 *   anything else a file of the www dir (hc-static-files.c), or 404
 */
#define G_LOG_DOMAIN "hc-http"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <hyperconf/hc-http-server.h>

#include "hc-build-config.h"
#include "hc-http-private.h"

#define LISTEN_BACKLOG 1024

struct _HcHttpServer {
  GObject parent_instance;

  HcNode *node;
  SoupServer *soup;

  /* Copied from the HcConfig, which the caller may free. */
  gchar *listen_address;
  guint16 configured_port;
  gchar *domain;
  gchar *www_dir;
  gsize max_frame_size;
  gchar *ice_servers_json;
  gchar *conference_hyperty_url;
  gchar *admin_secret;  /* NULL: the admin API is off */
  GTlsCertificate *tls; /* NULL: plain http:// and ws:// */

  guint16 bound_port;  /* 0 until listening */
  GHashTable *clients; /* set of HcWsClient*, freed on removal */
  gint64 started_us;   /* monotonic, for /healthz uptime */
  gboolean shut_down;
  gboolean not_ready; /* draining: /readyz 503 */

  /* The admin API's source; NULL until the daemon sets it. */
  const HcAdminProvider *admin;
  gpointer admin_data;
};

G_DEFINE_FINAL_TYPE (HcHttpServer, hc_http_server, G_TYPE_OBJECT)

/* ---- helpers ------------------------------------------------------------ */

void
hc_http_respond_text (SoupServerMessage *msg, guint status,
                      const gchar *content_type, gchar *body)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_TAKE, body,
                                    strlen (body));
}

static void
respond_json (SoupServerMessage *msg, JsonBuilder *builder)
{
  g_autoptr (JsonNode) root = json_builder_get_root (builder);

  hc_http_respond_text (msg, SOUP_STATUS_OK, "application/json",
                        json_to_string (root, FALSE));
}

/* ---- routes ------------------------------------------------------------- */

static void
serve_healthz (HcHttpServer *self, SoupServerMessage *msg)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  gint64 uptime = (g_get_monotonic_time () - self->started_us) / G_USEC_PER_SEC;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "ok");
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, HC_VERSION);
  json_builder_set_member_name (builder, "uptime");
  json_builder_add_int_value (builder, uptime);
  json_builder_set_member_name (builder, "sessions");
  json_builder_add_int_value (builder, hc_node_count_sessions (self->node));
  json_builder_end_object (builder);
  respond_json (msg, builder);
}

static void
serve_readyz (HcHttpServer *self, SoupServerMessage *msg)
{
  hc_http_respond_text (
      msg, self->not_ready ? SOUP_STATUS_SERVICE_UNAVAILABLE : SOUP_STATUS_OK,
      "application/json",
      g_strdup (self->not_ready ? "{\"status\":\"draining\"}"
                                : "{\"status\":\"ready\"}"));
}

static void
serve_config_json (HcHttpServer *self, SoupServerMessage *msg)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  /* Validated by hc_config_load, so it parses. */
  g_autoptr (JsonNode) ice_servers
      = json_from_string (self->ice_servers_json, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "domain");
  json_builder_add_string_value (builder, self->domain);
  json_builder_set_member_name (builder, "conferenceHyperty");
  json_builder_add_string_value (builder, self->conference_hyperty_url);
  json_builder_set_member_name (builder, "iceServers");
  json_builder_add_value (builder, g_steal_pointer (&ice_servers));
  json_builder_end_object (builder);
  respond_json (msg, builder);
}

static void
append_metric (GString *out, const gchar *name, const gchar *type,
               const gchar *help, guint64 value)
{
  g_string_append_printf (
      out, "# HELP %s %s\n# TYPE %s %s\n%s %" G_GUINT64_FORMAT "\n", name, help,
      name, type, name, value);
}

/* MCU mode's costs, seen from outside: a mixer runs only while a room has
 * MCU receivers, and a room's element count returns to its SFU-only
 * figure when the last one leaves.  Room names ([A-Za-z0-9._-]) need no
 * escaping in a label. */
static void
append_room_media (HcHttpServer *self, GString *out, GStrv rooms)
{
  guint mixers = 0;

  g_string_append (out, "# HELP hyperconf_room_elements GStreamer elements "
                        "in a room's pipeline.\n"
                        "# TYPE hyperconf_room_elements gauge\n");
  for (guint i = 0; rooms[i]; i++) {
    guint n_elements = 0;
    gboolean has_mixer = FALSE;

    if (!self->admin->room_media (self->admin_data, rooms[i], &n_elements,
                                  &has_mixer))
      continue;
    g_string_append_printf (out, "hyperconf_room_elements{room=\"%s\"} %u\n",
                            rooms[i], n_elements);
    mixers += has_mixer ? 1 : 0;
  }
  append_metric (out, "hyperconf_mixers", "gauge",
                 "Rooms whose MCU mixer runs (they have MCU receivers).",
                 mixers);
}

static void
serve_metrics (HcHttpServer *self, SoupServerMessage *msg)
{
  GString *out = g_string_new (NULL);

  g_string_append (out, "# HELP hyperconf_build_info Version of the "
                        "running server.\n# TYPE hyperconf_build_info gauge\n"
                        "hyperconf_build_info{version=\"" HC_VERSION "\"} 1\n");
  append_metric (out, "hyperconf_uptime_seconds", "gauge",
                 "Seconds since the server started.",
                 (g_get_monotonic_time () - self->started_us) / G_USEC_PER_SEC);
  append_metric (out, "hyperconf_sessions", "gauge",
                 "Message-node sessions, remote and in-process.",
                 hc_node_count_sessions (self->node));
  append_metric (out, "hyperconf_links", "gauge",
                 "Transport links attached to the message node.",
                 hc_node_count_links (self->node));
  append_metric (out, "hyperconf_websocket_connections", "gauge",
                 "WebSocket connections not yet closed.",
                 g_hash_table_size (self->clients));
  append_metric (out, "hyperconf_dropped_frames_total", "counter",
                 "Text frames dropped because they were not a JSON object.",
                 hc_node_get_dropped_frames (self->node));
  g_string_append (out, "# HELP hyperconf_limit_refusals_total Requests, "
                        "frames and sockets refused by a configured limit.\n"
                        "# TYPE hyperconf_limit_refusals_total counter\n");
  for (HcLimit limit = 0; limit < HC_LIMIT_N; limit++)
    g_string_append_printf (
        out,
        "hyperconf_limit_refusals_total{limit=\"%s\"} %" G_GUINT64_FORMAT "\n",
        hc_limit_get_name (limit), hc_node_get_limit_count (self->node, limit));
  if (self->admin) {
    g_auto (GStrv) rooms = self->admin->list_rooms (self->admin_data);

    append_metric (out, "hyperconf_rooms", "gauge", "Conference rooms open.",
                   g_strv_length (rooms));
    append_metric (out, "hyperconf_participants", "gauge",
                   "Participants in all rooms.",
                   self->admin->count_participants (self->admin_data));
    if (self->admin->room_media)
      append_room_media (self, out, rooms);
  }
  hc_http_respond_text (msg, SOUP_STATUS_OK,
                        "text/plain; version=0.0.4; "
                        "charset=utf-8",
                        g_string_free (out, FALSE));
}

static void
on_request (SoupServer *soup, SoupServerMessage *msg, const gchar *path,
            GHashTable *query, gpointer user_data)
{
  HcHttpServer *self = HC_HTTP_SERVER (user_data);
  const gchar *method = soup_server_message_get_method (msg);

  g_debug ("%s %s", method, path);
  if (g_str_equal (path, "/admin") || g_str_has_prefix (path, "/admin/")) {
    hc_http_admin_serve (msg, path, self->admin_secret, self->admin,
                         self->admin_data);
    return;
  }
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace (
        soup_server_message_get_response_headers (msg), "Allow", "GET, HEAD");
    hc_http_respond_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                          "text/plain; charset=utf-8",
                          g_strdup ("method not allowed\n"));
    return;
  }

  if (g_str_equal (path, "/healthz"))
    serve_healthz (self, msg);
  else if (g_str_equal (path, "/readyz"))
    serve_readyz (self, msg);
  else if (g_str_equal (path, "/config.json"))
    serve_config_json (self, msg);
  else if (g_str_equal (path, "/metrics"))
    serve_metrics (self, msg);
  else
    hc_static_files_serve (msg, self->www_dir, path);
}

static void
on_client_closed (HcWsClient *client, gpointer user_data)
{
  HcHttpServer *self = HC_HTTP_SERVER (user_data);

  g_hash_table_remove (self->clients, client);
}

static void
on_websocket (SoupServer *soup, SoupServerMessage *msg, const gchar *path,
              SoupWebsocketConnection *connection, gpointer user_data)
{
  HcHttpServer *self = HC_HTTP_SERVER (user_data);
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  g_autofree gchar *peer
      = remote != NULL
            ? g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (remote))
            : g_strdup ("?");
  const gchar *host = soup_server_message_get_remote_host (msg);
  HcWsClient *client;

  /* libsoup matches "/ws" as a prefix; the protocol has one endpoint. */
  if (!g_str_equal (path, "/ws")) {
    soup_websocket_connection_close (
        connection, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "unknown endpoint");
    return;
  }
  /* A socket beyond [node] max-sessions(-per-ip) closes itself with 1013
   * (hc-ws-client.c); it is kept here until its closing handshake ends. */
  client = hc_ws_client_new (connection, peer, host ? host : "?", self->node,
                             self->max_frame_size, on_client_closed, self);
  g_hash_table_add (self->clients, client);
  if (self->shut_down)
    hc_ws_client_close (client, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                        "server shutting down");
}

/* ---- public API --------------------------------------------------------- */

HcHttpServer *
hc_http_server_new (HcNode *node, const HcConfig *config,
                    const gchar *conference_hyperty_url)
{
  HcHttpServer *self;

  g_return_val_if_fail (HC_IS_NODE (node), NULL);
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (conference_hyperty_url != NULL, NULL);

  self = g_object_new (HC_TYPE_HTTP_SERVER, NULL);
  self->node = g_object_ref (node);
  self->listen_address = g_strdup (config->listen_address);
  self->configured_port = config->port;
  self->domain = g_strdup (config->domain);
  self->www_dir = g_strdup (config->www_dir);
  self->max_frame_size = config->max_frame_size;
  self->ice_servers_json = g_strdup (config->ice_servers_json);
  self->conference_hyperty_url = g_strdup (conference_hyperty_url);
  self->admin_secret = g_strdup (config->admin_secret);
  if (config->tls_certificate)
    self->tls = g_object_ref (config->tls_certificate);

  /* raw-paths: libsoup would otherwise decode the path itself and turn
   * %2e%2e into a 400; hc-static-files.c does its own segment-wise
   * decoding and answers every refusal with the same 404. */
  self->soup = soup_server_new ("server-header", "hyperconf/" HC_VERSION " ",
                                "raw-paths", TRUE, NULL);
  /* permessage-deflate would let a frame under the size limit inflate to
   * far more than the limit; reTHINK messages are small JSON anyway. */
  soup_server_remove_websocket_extension (
      self->soup, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_server_add_websocket_handler (self->soup, "/ws", NULL, NULL,
                                     on_websocket, self, NULL);
  soup_server_add_handler (self->soup, NULL, on_request, self, NULL);
  /* One port, https:// and wss:// alike (PROTOCOL.md §1). */
  if (self->tls)
    soup_server_set_tls_certificate (self->soup, self->tls);
  return self;
}

gboolean
hc_http_server_listen (HcHttpServer *self, GError **error)
{
  g_autoptr (GInetAddress) address = NULL;
  g_autoptr (GSocketAddress) socket_address = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GSocket) listener = NULL;
  GSList *listeners;

  g_return_val_if_fail (HC_IS_HTTP_SERVER (self), FALSE);
  g_return_val_if_fail (!self->shut_down, FALSE);

  address = g_inet_address_new_from_string (self->listen_address);
  if (address == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "\"%s\" is not an IP address", self->listen_address);
    return FALSE;
  }
  socket_address = g_inet_socket_address_new (address, self->configured_port);
  listener = g_socket_new (g_socket_address_get_family (socket_address),
                           G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (listener == NULL)
    return FALSE;
  /* GSocket's default backlog is 10: a burst of connections (500 sockets
   * opened at once by one client) would make everyone else's connect
   * wait for SYN retransmissions, seconds each.  The kernel caps it at
   * net.core.somaxconn. */
  g_socket_set_listen_backlog (listener, LISTEN_BACKLOG);
  if (!g_socket_bind (listener, socket_address, TRUE, error)
      || !g_socket_listen (listener, error)
      || !soup_server_listen_socket (self->soup, listener,
                                     self->tls ? SOUP_SERVER_LISTEN_HTTPS : 0,
                                     error))
    return FALSE;

  /* With port 0 the kernel chose: ask the one listening socket. */
  listeners = soup_server_get_listeners (self->soup);
  if (listeners != NULL)
    local = g_socket_get_local_address (listeners->data, NULL);
  g_slist_free (listeners);
  if (local == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "listening on %s:%u but its port is unknown",
                 self->listen_address, self->configured_port);
    soup_server_disconnect (self->soup);
    return FALSE;
  }
  self->bound_port
      = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_message ("listening on %s port %u", self->listen_address, self->bound_port);
  return TRUE;
}

guint16
hc_http_server_get_port (HcHttpServer *self)
{
  g_return_val_if_fail (HC_IS_HTTP_SERVER (self), 0);
  return self->bound_port;
}

gchar *
hc_http_server_get_listen_url (HcHttpServer *self)
{
  g_return_val_if_fail (HC_IS_HTTP_SERVER (self), NULL);

  if (self->bound_port == 0)
    return NULL;
  /* RFC 3986 §3.2.2: an IPv6 literal host goes in brackets. */
  if (strchr (self->listen_address, ':') != NULL)
    return g_strdup_printf ("%s://[%s]:%u/", self->tls ? "https" : "http",
                            self->listen_address, self->bound_port);
  return g_strdup_printf ("%s://%s:%u/", self->tls ? "https" : "http",
                          self->listen_address, self->bound_port);
}

void
hc_http_server_set_ready (HcHttpServer *self, gboolean ready)
{
  g_return_if_fail (HC_IS_HTTP_SERVER (self));
  self->not_ready = !ready;
}

guint
hc_http_server_get_n_websockets (HcHttpServer *self)
{
  g_return_val_if_fail (HC_IS_HTTP_SERVER (self), 0);
  return g_hash_table_size (self->clients);
}

void
hc_http_server_shutdown (HcHttpServer *self)
{
  g_autofree gpointer *clients = NULL;
  guint n = 0;

  g_return_if_fail (HC_IS_HTTP_SERVER (self));

  if (self->shut_down)
    return;
  self->shut_down = TRUE;
  /* Silent for a server that never listened (a failed start). */
  if (self->bound_port != 0)
    g_message ("shutting down: closing %u WebSocket(s)",
               g_hash_table_size (self->clients));

  /* Close frames first: each is written at once while its socket is
   * still healthy.  A snapshot, because "closed" handlers remove
   * entries. */
  clients = g_hash_table_get_keys_as_array (self->clients, &n);
  for (guint i = 0; i < n; i++)
    hc_ws_client_close (clients[i], SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                        "server shutting down");
  soup_server_disconnect (self->soup);
  self->bound_port = 0;
}

/* ---- GObject ------------------------------------------------------------ */

static void
hc_http_server_dispose (GObject *object)
{
  HcHttpServer *self = HC_HTTP_SERVER (object);

  if (self->soup != NULL)
    hc_http_server_shutdown (self);
  /* Clients still here did not finish closing: detach their links now,
   * while the node is alive. */
  if (self->clients != NULL)
    g_hash_table_remove_all (self->clients);
  g_clear_object (&self->soup);
  g_clear_object (&self->node);

  G_OBJECT_CLASS (hc_http_server_parent_class)->dispose (object);
}

static void
hc_http_server_finalize (GObject *object)
{
  HcHttpServer *self = HC_HTTP_SERVER (object);

  g_clear_pointer (&self->clients, g_hash_table_unref);

  g_free (self->listen_address);
  g_free (self->domain);
  g_free (self->www_dir);
  g_free (self->ice_servers_json);
  g_free (self->conference_hyperty_url);
  g_free (self->admin_secret);
  g_clear_object (&self->tls);

  G_OBJECT_CLASS (hc_http_server_parent_class)->finalize (object);
}

static void
hc_http_server_class_init (HcHttpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hc_http_server_dispose;
  object_class->finalize = hc_http_server_finalize;
}

static void
hc_http_server_init (HcHttpServer *self)
{
  self->clients = g_hash_table_new_full (
      NULL, NULL, (GDestroyNotify)hc_ws_client_free, NULL);

  self->started_us = g_get_monotonic_time ();
}

void
hc_http_server_set_admin (HcHttpServer *self, const HcAdminProvider *provider,
                          gpointer user_data)
{
  self->admin = provider;
  self->admin_data = user_data;
}
