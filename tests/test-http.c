/* hyperconf — tests of the HTTP and WebSocket front door (hc-http-server.c)
 * against a real HcNode and server hyperty, with libsoup clients, raw
 * sockets for paths a well-behaved client would normalise, and the
 * hyperconf binary itself for start-up and SIGTERM.
 */
#include "hc-test-files.h"
#include <signal.h>
#include <string.h>
#include <sys/socket.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <hyperconf/hc-config.h>
#include <hyperconf/hc-http-server.h>
#include <hyperconf/hc-node.h>
#include <hyperconf/hc-conference.h>

#include "../src/app/hc-admin-provider.h"
#include "hc-build-config.h"

#define SECRET       "TOP-SECRET-hc-test"
#define ADMIN_SECRET "admin-secret-for-hc-test-http"

/* 1 in test-http-tls, which runs the TLS tests only (tests/meson.build). */
#ifndef HC_TEST_TLS
#define HC_TEST_TLS 0
#endif

/* Fixture variants (the test's data). */
#define WITH_ADMIN  "admin"
#define WITH_LIMITS "limits" /* two sockets per client address */
#define WITH_TLS    "tls"
#define WITH_SMALL  "small" /* 1 KiB frames (64 KiB unread), no rate limit */

/* Generous: the suite also runs under valgrind. */
#define WAIT_TIMEOUT_S 30

static gboolean
tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main context until @cond holds, failing after a while. */
#define WAIT_UNTIL(cond)                                                       \
  G_STMT_START                                                                 \
  {                                                                            \
    gint64 deadline_                                                           \
        = g_get_monotonic_time () + WAIT_TIMEOUT_S * G_USEC_PER_SEC;           \
    guint tick_ = g_timeout_add (20, tick, NULL);                              \
    while (!(cond)) {                                                          \
      if (g_get_monotonic_time () > deadline_)                                 \
        g_error ("timed out waiting for %s", #cond);                           \
      g_main_context_iteration (NULL, TRUE);                                   \
    }                                                                          \
    g_source_remove (tick_);                                                   \
  }                                                                            \
  G_STMT_END

typedef struct {
  gchar *dir; /* scratch: <dir>/www is the www dir, <dir>/ holds secrets */
  HcConfig *config;
  HcNode *node;
  HcConference *hyperty;
  HcHttpServer *server;
  SoupSession *session;
  guint16 port;
  gboolean tls; /* https:// and wss:// */
} Fixture;

static void
write_file (const gchar *dir, const gchar *name, const gchar *contents)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* A www dir with one file per content type, a symlink inside (served)
 * and symlinks out (refused), next to files a traversal would reach. */
static gchar *
make_site (void)
{
  g_autoptr (GError) error = NULL;
  gchar *dir = g_dir_make_tmp ("hc-test-http-XXXXXX", &error);
  g_autofree gchar *www = g_build_filename (dir, "www", NULL);
  g_autofree gchar *sub = g_build_filename (www, "sub", NULL);
  g_autofree gchar *link = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (www, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  write_file (dir, "meson.build", "project('" SECRET "')\n");
  write_file (dir, "secret.txt", SECRET "\n");
  write_file (www, "index.html", "<p>hyperconf test index</p>\n");
  write_file (www, "app.js", "console.log(1);\n");
  write_file (www, "style.css", "p {}\n");
  write_file (www, "data.json", "{}\n");
  write_file (www, "icon.svg", "<svg/>\n");
  write_file (www, "dot.png", "\x89PNG\r\n");
  write_file (www, "blob.bin", "x");
  write_file (www, ".hidden", SECRET);
  write_file (sub, "index.html", "<p>sub index</p>\n");

  link = g_build_filename (www, "alias.html", NULL);
  g_assert_cmpint (symlink ("index.html", link), ==, 0);
  g_free (link);
  link = g_build_filename (www, "escape.txt", NULL);
  g_assert_cmpint (symlink ("../secret.txt", link), ==, 0);
  g_free (link);
  link = g_build_filename (www, "etc", NULL);
  g_assert_cmpint (symlink ("/etc", link), ==, 0);
  return dir;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *conf = NULL;
  g_autoptr (GProxyResolver) no_proxy
      = g_simple_proxy_resolver_new (NULL, NULL);
  HcConfigOverrides overrides = { .port = "0" };

  g_autofree gchar *extra = NULL, *text = NULL;
  g_autofree gchar *cert = NULL, *key = NULL;

  f->dir = make_site ();
  /* The pair of tests/data, next to data/ in the source tree. */
  cert = g_build_filename (HC_SOURCE_DATADIR, "..", "tests", "data",
                           "tls-cert.pem", NULL);
  key = g_build_filename (HC_SOURCE_DATADIR, "..", "tests", "data",
                          "tls-key.pem", NULL);
  if (g_strcmp0 (data, WITH_ADMIN) == 0)
    extra = g_strdup ("[admin]\nsecret=" ADMIN_SECRET "\n");
  else if (g_strcmp0 (data, WITH_LIMITS) == 0)
    extra = g_strdup ("[node]\nmax-sessions-per-ip=2\n");
  else if (g_strcmp0 (data, WITH_TLS) == 0)
    extra = g_strdup_printf ("[tls]\ncertificate=%s\nkey=%s\n", cert, key);
  else if (g_strcmp0 (data, WITH_SMALL) == 0)
    extra = g_strdup ("[node]\nmax-rate=0\n");
  f->tls = g_strcmp0 (data, WITH_TLS) == 0;
  text = g_strconcat (
      "[server]\nwww-dir=www\n",
      g_strcmp0 (data, WITH_SMALL) == 0 ? "max-frame-size=1024\n" : "",
      "[webrtc]\nice-servers=[{\"urls\":\"stun:stun.example.org:3478\"}]\n",
      extra, NULL);
  write_file (f->dir, "test.conf", text);
  conf = g_build_filename (f->dir, "test.conf", NULL);
  f->config = hc_config_load_full (conf, &overrides, &error);
  g_assert_no_error (error);

  f->node = hc_node_new (&f->config->node);
  {
    HcConferenceConfig conference_config;

    hc_conference_config_init_defaults (&conference_config);
    f->hyperty = hc_conference_new (f->node, &conference_config, &error);
  }
  g_assert_no_error (error);
  f->server = hc_http_server_new (f->node, f->config,
                                  hc_conference_get_url (f->hyperty));
  /* As the daemon wires it; without an [admin] secret the API is off. */
  hc_http_server_set_admin (f->server, &hc_admin_provider, f->hyperty);
  hc_http_server_listen (f->server, &error);
  g_assert_no_error (error);
  f->port = hc_http_server_get_port (f->server);
  g_assert_cmpuint (f->port, !=, 0);

  /* Direct connections only: a proxy from the environment must not see
   * (or answer) these loopback requests. */
  f->session = soup_session_new_with_options ("proxy-resolver", no_proxy, NULL);
  if (f->tls) {
    /* Trust exactly the test's self-signed certificate. */
    g_autoptr (GTlsDatabase) trusted = g_tls_file_database_new (cert, &error);

    g_assert_no_error (error);
    soup_session_set_tls_database (f->session, trusted);
  }
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  hc_http_server_shutdown (f->server);
  WAIT_UNTIL (hc_http_server_get_n_websockets (f->server) == 0);
  g_clear_object (&f->server);
  g_clear_object (&f->hyperty);
  g_clear_object (&f->node);
  g_clear_object (&f->session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->config, hc_config_free);
  hc_test_remove_tree (f->dir);
  g_free (f->dir);
}

/* ---- HTTP helpers -------------------------------------------------------- */

typedef struct {
  gboolean done;
  GBytes *body;
} Fetch;

static void
on_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fetch *fetch = user_data;
  g_autoptr (GError) error = NULL;

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source),
                                                   result, &error);
  g_assert_no_error (error);
  fetch->done = TRUE;
}

/* Returns: (transfer full) the message, with @body the response body;
 * @authorization: (nullable): the Authorization header's value */
static SoupMessage *
fetch_with (Fixture *f, const gchar *method, const gchar *path,
            const gchar *authorization, GBytes **body)
{
  g_autofree gchar *url = g_strdup_printf (
      "%s://127.0.0.1:%u%s", f->tls ? "https" : "http", f->port, path);
  SoupMessage *msg = soup_message_new (method, url);
  Fetch result = { 0 };

  g_assert_nonnull (msg);
  if (authorization)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  "Authorization", authorization);
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    on_fetched, &result);
  WAIT_UNTIL (result.done);
  *body = result.body;
  return msg;
}

static SoupMessage *
fetch (Fixture *f, const gchar *method, const gchar *path, GBytes **body)
{
  return fetch_with (f, method, path, NULL, body);
}

static JsonObject *
fetch_json (Fixture *f, const gchar *path)
{
  g_autoptr (GBytes) body = NULL;
  g_autoptr (SoupMessage) msg = fetch (f, "GET", path, &body);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_content_type (
                       soup_message_get_response_headers (msg), NULL),
                   ==, "application/json");
  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                              (gssize)g_bytes_get_size (body), &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* ---- raw HTTP, for request lines no libsoup client would send ----------- */

typedef struct {
  guint16 port;
  gchar *request;
  gchar *response; /* set by the thread */
  gint done;
} RawRequest;

static gpointer
raw_request_thread (gpointer user_data)
{
  RawRequest *raw = user_data;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  GString *response = g_string_new (NULL);
  gchar buffer[4096];
  gssize n;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", raw->port,
                                                NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (
      g_io_stream_get_output_stream (G_IO_STREAM (connection)), raw->request,
      strlen (raw->request), NULL, NULL, &error);
  g_assert_no_error (error);
  while ((n = g_input_stream_read (
              g_io_stream_get_input_stream (G_IO_STREAM (connection)), buffer,
              sizeof buffer, NULL, &error))
         > 0)
    g_string_append_len (response, buffer, n);
  g_assert_no_error (error);
  raw->response = g_string_free (response, FALSE);
  g_atomic_int_set (&raw->done, 1);
  return NULL;
}

/* Sends @path verbatim in the request line, from a thread (blocking I/O)
 * while this thread runs the server.  Returns: (transfer full) */
static gchar *
raw_get (Fixture *f, const gchar *path)
{
  RawRequest raw = { .port = f->port };
  GThread *thread;

  raw.request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                 "Connection: close\r\n\r\n",
                                 path, f->port);
  thread = g_thread_new ("raw-http", raw_request_thread, &raw);
  WAIT_UNTIL (g_atomic_int_get (&raw.done));
  g_thread_join (thread);
  g_free (raw.request);
  return raw.response;
}

/* ---- tests: plain HTTP --------------------------------------------------- */

static void
test_healthz (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) health = fetch_json (f, "/healthz");

  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (health, "version"), ==,
                   HC_VERSION);
  g_assert_cmpint (json_object_get_int_member (health, "uptime"), >=, 0);
  /* The server hyperty's local session. */
  g_assert_cmpint (json_object_get_int_member (health, "sessions"), ==,
                   hc_node_count_sessions (f->node));
  g_assert_cmpint (json_object_get_int_member (health, "sessions"), >=, 1);
}

/* Readiness, not liveness: a draining server is alive but takes nobody
 * new. */
static void
test_readyz (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) ready = fetch_json (f, "/readyz");
  g_autoptr (JsonObject) health = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autofree gchar *text = NULL;

  g_assert_cmpstr (json_object_get_string_member (ready, "status"), ==,
                   "ready");
  hc_http_server_set_ready (f->server, FALSE);
  msg = fetch (f, "GET", "/readyz", &body);
  g_assert_cmpuint (soup_message_get_status (msg), ==,
                    SOUP_STATUS_SERVICE_UNAVAILABLE);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpstr (text, ==, "{\"status\":\"draining\"}");
  health = fetch_json (f, "/healthz");
  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "ok");
}

static void
test_config_json (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) config = fetch_json (f, "/config.json");
  JsonArray *ice;
  JsonObject *server;

  g_assert_cmpstr (json_object_get_string_member (config, "domain"), ==,
                   "localhost");
  g_assert_cmpstr (json_object_get_string_member (config, "conferenceHyperty"),
                   ==, hc_conference_get_url (f->hyperty));
  g_assert_true (g_str_has_prefix (
      json_object_get_string_member (config, "conferenceHyperty"),
      "hyperty://localhost/"));
  ice = json_object_get_array_member (config, "iceServers");
  g_assert_cmpuint (json_array_get_length (ice), ==, 1);
  server = json_array_get_object_element (ice, 0);
  g_assert_cmpstr (json_object_get_string_member (server, "urls"), ==,
                   "stun:stun.example.org:3478");
}

static void
test_metrics (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) body = NULL;
  g_autoptr (SoupMessage) msg = fetch (f, "GET", "/metrics", &body);
  g_autofree gchar *text
      = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_autofree gchar *sessions = g_strdup_printf (
      "\nhyperconf_sessions %u\n", hc_node_count_sessions (f->node));

  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_true (
      g_str_has_prefix (soup_message_headers_get_content_type (
                            soup_message_get_response_headers (msg), NULL),
                        "text/plain"));
  g_assert_nonnull (strstr (text, sessions));
  g_assert_nonnull (strstr (text, "\nhyperconf_links 0\n"));
  g_assert_nonnull (strstr (text, "\nhyperconf_dropped_frames_total 0\n"));
  g_assert_nonnull (
      strstr (text, "# TYPE hyperconf_dropped_frames_total counter\n"));
  g_assert_nonnull (
      strstr (text, "hyperconf_build_info{version=\"" HC_VERSION "\"} 1\n"));
}

static void
test_static (Fixture *f, gconstpointer data)
{
  const struct {
    const gchar *path;
    const gchar *content_type;
    const gchar *starts_with;
  } cases[] = {
    { "/", "text/html", "<p>hyperconf test index" },
    { "/index.html", "text/html", "<p>hyperconf test index" },
    { "/alias.html", "text/html", "<p>hyperconf test index" },
    { "/sub/", "text/html", "<p>sub index" },
    { "/%69ndex.html", "text/html", "<p>hyperconf test index" },
    { "/index.html?v=1", "text/html", "<p>hyperconf test index" },
    { "/app.js", "text/javascript", "console.log" },
    { "/style.css", "text/css", "p {}" },
    { "/data.json", "application/json", "{}" },
    { "/icon.svg", "image/svg+xml", "<svg/>" },
    { "/dot.png", "image/png", "\x89PNG" },
    { "/blob.bin", "application/octet-stream", "x" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GBytes) body = NULL;
    g_autoptr (SoupMessage) msg = fetch (f, "GET", cases[i].path, &body);
    const gchar *type = soup_message_headers_get_content_type (
        soup_message_get_response_headers (msg), NULL);

    g_test_message ("%s", cases[i].path);
    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
    g_assert_cmpstr (type, ==, cases[i].content_type);
    g_assert_cmpuint (g_bytes_get_size (body), >=,
                      strlen (cases[i].starts_with));
    g_assert_cmpmem (g_bytes_get_data (body, NULL),
                     strlen (cases[i].starts_with), cases[i].starts_with,
                     strlen (cases[i].starts_with));
  }
}

static void
test_not_found (Fixture *f, gconstpointer data)
{
  const gchar *paths[] = { "/missing.html", "/sub",          "/admin/",
                           "/admin/rooms",  "/.hidden",      "/escape.txt",
                           "/etc/passwd",   "/etc/hostname", "/healthz/x" };

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++) {
    g_autoptr (GBytes) body = NULL;
    g_autoptr (SoupMessage) msg = fetch (f, "GET", paths[i], &body);

    g_test_message ("%s", paths[i]);
    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_NOT_FOUND);
    g_assert_null (g_strstr_len (g_bytes_get_data (body, NULL),
                                 (gssize)g_bytes_get_size (body), SECRET));
  }
}

static void
test_method_not_allowed (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) body = NULL;
  g_autoptr (SoupMessage) msg = fetch (f, "POST", "/healthz", &body);

  g_assert_cmpuint (soup_message_get_status (msg), ==,
                    SOUP_STATUS_METHOD_NOT_ALLOWED);
}

/* Request lines sent byte for byte: libsoup clients would normalise
 * these, an attacker would not. */
static void
test_traversal (Fixture *f, gconstpointer data)
{
  const gchar *paths[] = {
    "/../meson.build",
    "/../secret.txt",
    "/%2e%2e/meson.build",
    "/%2E%2E/secret.txt",
    "/.%2e/secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/sub/..%2f..%2fsecret.txt",
    "/sub/../../secret.txt",
    "/sub/%2e%2e/%2e%2e/secret.txt",
    "/..%5csecret.txt",
    "/%5c..%5csecret.txt",
    "//etc/passwd",
    "//..//secret.txt",
    "/%2fetc/passwd",
    "/etc/passwd",
    "/escape.txt",
    "/secret.txt%00.html",
    "/%00",
    "/.hidden",
    "/%2ehidden",
    "http://127.0.0.1/../secret.txt",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++) {
    g_autofree gchar *response = raw_get (f, paths[i]);

    g_test_message ("%s -> %.40s", paths[i], response);
    /* 404, or 400 where libsoup refuses the request line itself. */
    g_assert_true (g_str_has_prefix (response, "HTTP/1.1 404 ")
                   || g_str_has_prefix (response, "HTTP/1.1 400 "));
    g_assert_null (strstr (response, SECRET));
    g_assert_null (strstr (response, "root:"));
  }
}

/* ---- WebSocket helpers --------------------------------------------------- */

typedef struct {
  SoupWebsocketConnection *connection;
  GPtrArray *messages; /* JSON texts received */
  gboolean closed;
} WsClient;

static void
on_ws_message (SoupWebsocketConnection *connection, gint type, GBytes *message,
               gpointer user_data)
{
  WsClient *ws = user_data;

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_ptr_array_add (ws->messages, g_strndup (g_bytes_get_data (message, NULL),
                                            g_bytes_get_size (message)));
}

static void
on_ws_closed (SoupWebsocketConnection *connection, gpointer user_data)
{
  WsClient *ws = user_data;

  ws->closed = TRUE;
}

static void
on_ws_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WsClient *ws = user_data;
  g_autoptr (GError) error = NULL;

  ws->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source),
                                                          result, &error);
  g_assert_no_error (error);
}

static WsClient *
ws_connect (Fixture *f)
{
  WsClient *ws = g_new0 (WsClient, 1);
  g_autofree gchar *url = g_strdup_printf ("%s://127.0.0.1:%u/ws",
                                           f->tls ? "wss" : "ws", f->port);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  guint links = hc_node_count_links (f->node);

  ws->messages = g_ptr_array_new_with_free_func (g_free);
  soup_session_websocket_connect_async (f->session, msg, NULL, NULL,
                                        G_PRIORITY_DEFAULT, NULL,
                                        on_ws_connected, ws);
  WAIT_UNTIL (ws->connection != NULL);
  /* The client may see the upgrade before the server's handler ran. */
  WAIT_UNTIL (hc_node_count_links (f->node) == links + 1);
  g_signal_connect (ws->connection, "message", G_CALLBACK (on_ws_message), ws);
  g_signal_connect (ws->connection, "closed", G_CALLBACK (on_ws_closed), ws);
  return ws;
}

static void
ws_free (WsClient *ws)
{
  if (!ws->closed) {
    soup_websocket_connection_close (ws->connection,
                                     SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    WAIT_UNTIL (ws->closed);
  }
  g_signal_handlers_disconnect_by_data (ws->connection, ws);
  g_object_unref (ws->connection);
  g_ptr_array_unref (ws->messages);
  g_free (ws);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WsClient, ws_free)

/* The first received message that answers @id. (transfer full) */
static JsonObject *
ws_find_response (WsClient *ws, gint64 id)
{
  for (guint i = 0; i < ws->messages->len; i++) {
    g_autoptr (JsonNode) node = json_from_string (ws->messages->pdata[i], NULL);
    JsonObject *object;

    if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
      continue;
    object = json_node_get_object (node);
    if (g_strcmp0 (
            json_object_get_string_member_with_default (object, "type", NULL),
            "response")
            == 0
        && json_object_get_int_member_with_default (object, "id", -1) == id)
      return json_object_ref (object);
  }
  return NULL;
}

static JsonObject *
ws_wait_response (WsClient *ws, gint64 id)
{
  JsonObject *response = NULL;

  WAIT_UNTIL ((response = ws_find_response (ws, id)) != NULL || ws->closed);
  g_assert_nonnull (response);
  return response;
}

static gint64
response_code (JsonObject *response)
{
  JsonObject *body = json_object_get_object_member (response, "body");

  g_assert_nonnull (body);
  return json_object_get_int_member (body, "code");
}

/* ---- tests: WebSocket ---------------------------------------------------- */

static void
test_ws_binary (Fixture *f, gconstpointer data)
{
  g_autoptr (WsClient) ws = ws_connect (f);
  static const guint8 bytes[] = { 1, 2, 3 };

  soup_websocket_connection_send_binary (ws->connection, bytes, sizeof bytes);
  WAIT_UNTIL (ws->closed);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (ws->connection),
                    ==, SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA);
  WAIT_UNTIL (hc_http_server_get_n_websockets (f->server) == 0);
  g_assert_cmpuint (hc_node_count_links (f->node), ==, 0);
}

static void
test_ws_too_big (Fixture *f, gconstpointer data)
{
  g_autoptr (WsClient) ws = ws_connect (f);
  gsize limit = f->config->max_frame_size;
  g_autofree gchar *at_limit = g_strnfill (limit, 'a');
  g_autofree gchar *over_limit = g_strnfill (limit + 1, 'a');
  guint64 dropped = hc_node_get_dropped_frames (f->node);

  /* Exactly the limit is accepted (dropped by the node as not JSON). */
  soup_websocket_connection_send_text (ws->connection, at_limit);
  WAIT_UNTIL (hc_node_get_dropped_frames (f->node) == dropped + 1);
  g_assert_false (ws->closed);

  soup_websocket_connection_send_text (ws->connection, over_limit);
  WAIT_UNTIL (ws->closed);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (ws->connection),
                    ==, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  g_assert_cmpuint (hc_node_get_dropped_frames (f->node), ==, dropped + 1);
  g_assert_cmpuint (hc_node_get_limit_count (f->node, HC_LIMIT_FRAME_SIZE), ==,
                    1);
}

/* [node] max-sessions-per-ip bounds sockets too: the third from one
 * address is closed at once with 1013 (try again later), and counted. */
static void
test_ws_per_ip_1013 (Fixture *f, gconstpointer data)
{
  g_autoptr (WsClient) first = ws_connect (f);
  g_autoptr (WsClient) second = ws_connect (f);
  WsClient *third = g_new0 (WsClient, 1);
  g_autofree gchar *url = g_strdup_printf ("ws://127.0.0.1:%u/ws", f->port);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (SoupMessage) metrics = NULL;
  g_autofree gchar *text = NULL;

  third->messages = g_ptr_array_new_with_free_func (g_free);
  soup_session_websocket_connect_async (f->session, msg, NULL, NULL,
                                        G_PRIORITY_DEFAULT, NULL,
                                        on_ws_connected, third);
  WAIT_UNTIL (third->connection != NULL);
  g_signal_connect (third->connection, "closed", G_CALLBACK (on_ws_closed),
                    third);
  WAIT_UNTIL (third->closed);
  g_assert_cmpuint (
      soup_websocket_connection_get_close_code (third->connection), ==,
      HC_CLOSE_TRY_AGAIN_LATER);
  g_assert_cmpstr (soup_websocket_connection_get_close_data (third->connection),
                   ==, "too many connections");
  g_assert_cmpuint (hc_node_count_links (f->node), ==, 2);
  ws_free (third);

  metrics = fetch (f, "GET", "/metrics", &body);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_nonnull (strstr (
      text, "\nhyperconf_limit_refusals_total{limit=\"sessions-per-ip\"} 1\n"));
  g_assert_nonnull (strstr (
      text, "\nhyperconf_limit_refusals_total{limit=\"frame-size\"} 0\n"));

  /* One closes: a new one fits again. */
  g_clear_pointer (&first, ws_free);
  WAIT_UNTIL (hc_node_count_links (f->node) == 1);
  g_clear_pointer (&second, ws_free);
  second = ws_connect (f);
}

static void
test_ws_not_json_then_open (Fixture *f, gconstpointer data)
{
  g_autoptr (WsClient) ws = ws_connect (f);
  g_autoptr (JsonObject) opened = NULL;
  g_autoptr (JsonObject) refused = NULL;
  g_autofree gchar *create = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autofree gchar *text = NULL;
  guint64 dropped = hc_node_get_dropped_frames (f->node);

  soup_websocket_connection_send_text (ws->connection, "this is not JSON");
  soup_websocket_connection_send_text (ws->connection, "[1, 2]");
  WAIT_UNTIL (hc_node_get_dropped_frames (f->node) == dropped + 2);
  g_assert_false (ws->closed);
  g_assert_cmpint (soup_websocket_connection_get_state (ws->connection), ==,
                   SOUP_WEBSOCKET_STATE_OPEN);

  msg = fetch (f, "GET", "/metrics", &body);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_nonnull (strstr (text, "\nhyperconf_links 1\n"));
  g_assert_nonnull (strstr (text, "\nhyperconf_websocket_connections 1\n"));

  soup_websocket_connection_send_text (
      ws->connection,
      "{\"id\":1,\"type\":\"open\",\"from\":\"runtime://localhost/abc\","
      "\"to\":\"mn:/session\"}");
  opened = ws_wait_response (ws, 1);
  g_assert_cmpint (response_code (opened), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (opened, "to"), ==,
                   "runtime://localhost/abc");

  /* The server conference hyperty answers what is not an invitation with
   * 400 (PROTOCOL.md §9.2: joins are invitations to a Connection object). */
  create = g_strdup_printf (
      "{\"id\":2,\"type\":\"create\",\"from\":"
      "\"runtime://localhost/abc\",\"to\":\"%s\",\"body\":{}}",
      hc_conference_get_url (f->hyperty));
  soup_websocket_connection_send_text (ws->connection, create);
  refused = ws_wait_response (ws, 2);
  g_assert_cmpint (response_code (refused), ==, 400);
}

static void
test_ws_shutdown (Fixture *f, gconstpointer data)
{
  g_autoptr (WsClient) first = ws_connect (f);
  g_autoptr (WsClient) second = ws_connect (f);

  g_assert_cmpuint (hc_http_server_get_n_websockets (f->server), ==, 2);
  hc_http_server_shutdown (f->server);
  WAIT_UNTIL (first->closed && second->closed);
  g_assert_cmpuint (
      soup_websocket_connection_get_close_code (first->connection), ==,
      SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  g_assert_cmpuint (
      soup_websocket_connection_get_close_code (second->connection), ==,
      SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  WAIT_UNTIL (hc_http_server_get_n_websockets (f->server) == 0);
  g_assert_cmpuint (hc_node_count_links (f->node), ==, 0);
  g_assert_cmpuint (hc_http_server_get_port (f->server), ==, 0);
}

/* A message in two fragments, each under the frame limit, together over
 * it: libsoup's per-frame limit does not see it, the server must.  Raw
 * socket, because libsoup's client never fragments. */
typedef struct {
  guint16 port;
  gsize fragment_size;
  gint close_code; /* set by the thread, -1 when no close frame came */
  gint done;
} RawFragments;

static void
write_frame (GOutputStream *out, guint8 first_byte, gsize length)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *payload = g_strnfill (length, 'a');
  guint8 header[8];
  gsize n = 0;

  g_assert_cmpuint (length, <=, G_MAXUINT16);
  header[n++] = first_byte;
  /* A client must mask (RFC 6455 §5.3); an all-zero key is valid and
   * leaves the payload as is. */
  header[n++] = 0x80 | 126;
  header[n++] = (length >> 8) & 0xff;
  header[n++] = length & 0xff;
  for (guint i = 0; i < 4; i++)
    header[n++] = 0;
  g_output_stream_write_all (out, header, n, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (out, payload, length, NULL, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
read_exactly (GInputStream *in, guint8 *buffer, gsize length)
{
  gsize got = 0;

  return g_input_stream_read_all (in, buffer, length, &got, NULL, NULL)
         && got == length;
}

static gpointer
raw_fragments_thread (gpointer user_data)
{
  RawFragments *raw = user_data;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *request = g_strdup_printf (
      "GET /ws HTTP/1.1\r\n"
      "Host: 127.0.0.1:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n",
      raw->port);
  GInputStream *in;
  GOutputStream *out;
  GString *head = g_string_new (NULL);
  guint8 byte, header[2], payload[125];

  raw->close_code = -1;
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", raw->port,
                                                NULL, &error);
  g_assert_no_error (error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_output_stream_write_all (out, request, strlen (request), NULL, NULL,
                             &error);
  g_assert_no_error (error);
  while (!g_str_has_suffix (head->str, "\r\n\r\n")
         && read_exactly (in, &byte, 1))
    g_string_append_c (head, (gchar)byte);
  g_assert_true (g_str_has_prefix (head->str, "HTTP/1.1 101"));
  g_string_free (head, TRUE);

  write_frame (out, 0x01, raw->fragment_size); /* text, FIN clear */
  write_frame (out, 0x80, raw->fragment_size); /* continuation, FIN */

  /* Skip anything until the server's close frame (opcode 8). */
  while (read_exactly (in, header, 2)) {
    gsize length = header[1] & 0x7f;

    g_assert_cmpuint (length, <=, sizeof payload);
    if (!read_exactly (in, payload, length))
      break;
    if ((header[0] & 0x0f) == 0x08 && length >= 2) {
      raw->close_code = (payload[0] << 8) | payload[1];
      break;
    }
  }
  g_atomic_int_set (&raw->done, 1);
  return NULL;
}

static void
test_ws_fragments_too_big (Fixture *f, gconstpointer data)
{
  RawFragments raw = {
    .port = f->port,
    .fragment_size = f->config->max_frame_size / 2 + 1,
  };
  guint64 dropped = hc_node_get_dropped_frames (f->node);
  GThread *thread = g_thread_new ("raw-ws", raw_fragments_thread, &raw);

  WAIT_UNTIL (g_atomic_int_get (&raw.done));
  g_thread_join (thread);
  g_assert_cmpint (raw.close_code, ==, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  /* Never handed to the node. */
  g_assert_cmpuint (hc_node_get_dropped_frames (f->node), ==, dropped);
  WAIT_UNTIL (hc_http_server_get_n_websockets (f->server) == 0);
}

/* A client that sends and never reads: the server's answers pile up
 * unread. */
typedef struct {
  guint16 port;
  guint sent;     /* frames written before the server cut it, or all of them */
  gint may_close; /* set by the test: the thread may close its socket */
} SlowReader;

static gpointer
slow_reader_thread (gpointer user_data)
{
  SlowReader *slow = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = g_socket_new (
      G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback
      = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address
      = g_inet_socket_address_new (loopback, slow->port);
  g_autofree gchar *request = g_strdup_printf (
      "GET /ws HTTP/1.1\r\n"
      "Host: 127.0.0.1:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n",
      slow->port);
  /* Each is answered 401 (no session yet): about 150 octets back. */
  static const gchar message[] = "{\"id\":1,\"type\":\"read\",\"from\":"
                                 "\"runtime://localhost/x\",\"to\":\"a\"}";
  guint8 header[6] = { 0x81, 0x80 | (sizeof message - 1), 0, 0, 0, 0 };
  GString *head = g_string_new (NULL);
  gchar byte;

  /* A small receive window, so that what it does not read stays ours. */
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4096, NULL);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);
  g_socket_send (socket, request, strlen (request), NULL, &error);
  g_assert_no_error (error);
  while (!g_str_has_suffix (head->str, "\r\n\r\n")
         && g_socket_receive (socket, &byte, 1, NULL, NULL) == 1)
    g_string_append_c (head, byte);
  g_assert_true (g_str_has_prefix (head->str, "HTTP/1.1 101"));
  g_string_free (head, TRUE);
  /* 20,000 requests (3 MB of answers), or until the server cut it. */
  for (slow->sent = 0; slow->sent < 20000; slow->sent++) {
    if (g_socket_send (socket, (const gchar *)header, sizeof header, NULL, NULL)
            != sizeof header
        || g_socket_send (socket, message, sizeof message - 1, NULL, NULL)
               != sizeof message - 1)
      break;
  }
  while (!g_atomic_int_get (&slow->may_close))
    g_usleep (10 * 1000);
  return NULL;
}

static void
test_ws_slow_reader (Fixture *f, gconstpointer data)
{
  SlowReader slow = { .port = f->port };
  g_autoptr (WsClient) other = ws_connect (f);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (SoupMessage) metrics = NULL;
  g_autofree gchar *text = NULL;
  GThread *thread = g_thread_new ("slow-reader", slow_reader_thread, &slow);

  /* The server cuts it once 64 KiB of answers wait unread (its requests
   * may all have been written by then: the server's receive buffer takes
   * them before the main loop reads them). */
  WAIT_UNTIL (hc_node_get_limit_count (f->node, HC_LIMIT_SEND_BACKLOG) == 1);
  WAIT_UNTIL (hc_http_server_get_n_websockets (f->server) == 1);
  g_atomic_int_set (&slow.may_close, 1);
  g_thread_join (thread);

  metrics = fetch (f, "GET", "/metrics", &body);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_nonnull (strstr (
      text, "\nhyperconf_limit_refusals_total{limit=\"send-backlog\"} 1\n"));
  /* The client that reads was not harmed. */
  g_assert_false (other->closed);
}

/* ---- the binary ---------------------------------------------------------- */

typedef struct {
  gboolean done;
  gchar *line;
} LineRead;

static void
on_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LineRead *read = user_data;

  read->line = g_data_input_stream_read_line_finish_utf8 (
      G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  read->done = TRUE;
}

typedef struct {
  gboolean done;
} Waited;

static void
on_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Waited *waited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  waited->done = TRUE;
}

/* Start on a free port, serve, and exit 0 on SIGTERM after closing a
 * WebSocket with 1001. */
static void
test_binary_sigterm (Fixture *f, gconstpointer data)
{
  g_autofree gchar *binary = g_test_build_filename (G_TEST_BUILT, "..", "src",
                                                    "app", "hyperconf", NULL);
  g_autofree gchar *conf = g_build_filename (f->dir, "test.conf", NULL);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WsClient) ws = NULL;
  g_autoptr (JsonObject) health = NULL;
  LineRead read = { 0 };
  Waited waited = { 0 };
  const gchar *colon;
  guint16 own_port = f->port;

  if (!g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip ("hyperconf binary not built");
    return;
  }
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, binary,
                              "--config", conf, "--port", "0", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, on_line,
                                       &read);
  WAIT_UNTIL (read.done);
  g_assert_nonnull (read.line);
  g_test_message ("%s", read.line);
  g_assert_true (g_str_has_prefix (
      read.line, "hyperconf " HC_VERSION " listening on http://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (read.line, "/"));
  colon = strrchr (read.line, ':');
  f->port = (guint16)g_ascii_strtoull (colon + 1, NULL, 10);
  g_assert_cmpuint (f->port, !=, 0);

  health = fetch_json (f, "/healthz");
  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "ok");

  /* Not ws_connect: its link count is the in-process node's. */
  ws = g_new0 (WsClient, 1);
  ws->messages = g_ptr_array_new_with_free_func (g_free);
  {
    g_autofree gchar *url = g_strdup_printf ("ws://127.0.0.1:%u/ws", f->port);
    g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);

    soup_session_websocket_connect_async (f->session, msg, NULL, NULL,
                                          G_PRIORITY_DEFAULT, NULL,
                                          on_ws_connected, ws);
    WAIT_UNTIL (ws->connection != NULL);
    g_signal_connect (ws->connection, "closed", G_CALLBACK (on_ws_closed), ws);
    g_signal_connect (ws->connection, "message", G_CALLBACK (on_ws_message),
                      ws);
  }
  soup_websocket_connection_send_text (
      ws->connection,
      "{\"id\":1,\"type\":\"open\",\"from\":\"runtime://localhost/cli\","
      "\"to\":\"mn:/session\"}");
  g_autoptr (JsonObject) opened = ws_wait_response (ws, 1);
  g_assert_cmpint (response_code (opened), ==, 200);

  g_subprocess_send_signal (process, SIGTERM);
  WAIT_UNTIL (ws->closed);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (ws->connection),
                    ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  g_subprocess_wait_async (process, NULL, on_exited, &waited);
  WAIT_UNTIL (waited.done);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  g_free (read.line);
  f->port = own_port;
}

/* ---- tests: the admin API ------------------------------------------------ */

/* Status of @method @path with @authorization; the body in @text. */
static guint
admin_call (Fixture *f, const gchar *method, const gchar *path,
            const gchar *authorization, gchar **text)
{
  g_autoptr (GBytes) body = NULL;
  g_autoptr (SoupMessage) msg
      = fetch_with (f, method, path, authorization, &body);

  if (text)
    *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return soup_message_get_status (msg);
}

#define BEARER "Bearer " ADMIN_SECRET

/* No [admin] secret: the API is off, whoever asks and however. */
static void
test_admin_off (Fixture *f, gconstpointer data)
{
  const gchar *paths[] = { "/admin/rooms", "/admin/rooms/r1/pipeline.dot",
                           "/admin/rooms/r1", "/admin" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++) {
    g_assert_cmpuint (admin_call (f, "GET", paths[i], NULL, NULL), ==, 404);
    g_assert_cmpuint (admin_call (f, "GET", paths[i], BEARER, NULL), ==, 404);
    g_assert_cmpuint (admin_call (f, "DELETE", paths[i], BEARER, NULL), ==,
                      404);
  }
}

/* With a secret: nothing without exactly "Bearer <secret>", from any
 * address (this loopback client included). */
static void
test_admin_unauthorized (Fixture *f, gconstpointer data)
{
  const gchar *wrong[] = {
    NULL,
    "Bearer wrong",
    "Bearer " ADMIN_SECRET "x",
    "Bearer admin-secret-for-hc-test-htt", /* a prefix */
    "Basic YWRtaW46c2VjcmV0",
    ADMIN_SECRET,
    "Bearer  " ADMIN_SECRET,
  };

  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++) {
    g_autoptr (GBytes) body = NULL;
    g_autoptr (SoupMessage) msg
        = fetch_with (f, "GET", "/admin/rooms", wrong[i], &body);

    g_assert_cmpuint (soup_message_get_status (msg), ==, 401);
    g_assert_true (g_str_has_prefix (
        soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                      "WWW-Authenticate"),
        "Bearer"));
    /* Unauthorized requests change nothing either. */
    g_assert_cmpuint (
        admin_call (f, "DELETE", "/admin/rooms/r1", wrong[i], NULL), ==, 401);
  }
}

static void
test_admin_calls (Fixture *f, gconstpointer data)
{
  g_autofree gchar *rooms = NULL, *text = NULL;
  g_autoptr (JsonNode) node = NULL;

  /* The list (no room yet; rooms with participants and their stats are
   * in test-conference's /conference/admin-calls). */
  g_assert_cmpuint (admin_call (f, "GET", "/admin/rooms", BEARER, &rooms), ==,
                    200);
  node = json_from_string (rooms, NULL);
  g_assert_nonnull (node);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        json_node_get_object (node), "rooms")),
                    ==, 0);
  /* Unknown rooms and participants. */
  g_assert_cmpuint (
      admin_call (f, "GET", "/admin/rooms/r1/pipeline.dot", BEARER, NULL), ==,
      404);
  g_assert_cmpuint (admin_call (f, "DELETE", "/admin/rooms/r1", BEARER, &text),
                    ==, 404);
  g_assert_cmpuint (
      admin_call (f, "DELETE", "/admin/rooms/r1/participants/p1", BEARER, NULL),
      ==, 404);
  /* Malformed names never reach the conference. */
  g_assert_cmpuint (
      admin_call (f, "DELETE", "/admin/rooms/bad%20name", BEARER, NULL), ==,
      404);
  g_assert_cmpuint (admin_call (f, "DELETE",
                                "/admin/rooms/r1/participants/bad.pid", BEARER,
                                NULL),
                    ==, 404);
  g_assert_cmpuint (admin_call (f, "DELETE",
                                "/admin/rooms/r1/participants/p1/x", BEARER,
                                NULL),
                    ==, 404);
  /* Methods. */
  g_assert_cmpuint (admin_call (f, "POST", "/admin/rooms", BEARER, NULL), ==,
                    405);
  g_assert_cmpuint (admin_call (f, "GET", "/admin/rooms/r1", BEARER, NULL), ==,
                    405);
  g_assert_cmpuint (
      admin_call (f, "DELETE", "/admin/rooms/r1/pipeline.dot", BEARER, NULL),
      ==, 405);
  g_assert_cmpuint (admin_call (f, "GET", "/admin/other", BEARER, NULL), ==,
                    404);
}

/* ---- tests: TLS ------------------------------------------------------------
 * The same port serves https:// and wss:// with the configured pair. */

static void
test_tls (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) health = fetch_json (f, "/healthz");
  g_autoptr (WsClient) ws = ws_connect (f);
  g_autoptr (JsonObject) opened = NULL;
  g_autofree gchar *url = hc_http_server_get_listen_url (f->server);

  g_assert_true (g_str_has_prefix (url, "https://127.0.0.1:"));
  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "ok");
  soup_websocket_connection_send_text (
      ws->connection,
      "{\"id\":1,\"type\":\"open\",\"from\":\"runtime://localhost/tls\","
      "\"to\":\"mn:/session\"}");
  opened = ws_wait_response (ws, 1);
  g_assert_cmpint (response_code (opened), ==, 200);
  g_assert_cmpstr (
      g_uri_get_scheme (soup_websocket_connection_get_uri (ws->connection)), ==,
      "wss");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func, variant)                                               \
  g_test_add (name, Fixture, variant, fixture_set_up, func, fixture_tear_down)
  if (HC_TEST_TLS) {
    /* test-http-tls (tests/meson.build): a program of its own, because
     * gcc 12's LeakSanitizer crashes on the thread-local storage of the
     * GnuTLS module that GIO loads, so the ASan run leaves it out. */
    ADD ("/tls/https-and-wss", test_tls, WITH_TLS);
  } else {
    ADD ("/http/healthz", test_healthz, NULL);
    ADD ("/http/readyz", test_readyz, NULL);
    ADD ("/http/config-json", test_config_json, NULL);
    ADD ("/http/metrics", test_metrics, NULL);
    ADD ("/http/static", test_static, NULL);
    ADD ("/http/not-found", test_not_found, NULL);
    ADD ("/http/method-not-allowed", test_method_not_allowed, NULL);
    ADD ("/http/traversal", test_traversal, NULL);
    ADD ("/ws/binary-closes-1003", test_ws_binary, NULL);
    ADD ("/ws/too-big-closes-1009", test_ws_too_big, NULL);
    ADD ("/ws/fragments-too-big-close-1009", test_ws_fragments_too_big, NULL);
    ADD ("/ws/not-json-stays-open", test_ws_not_json_then_open, NULL);
    ADD ("/ws/shutdown-closes-1001", test_ws_shutdown, NULL);
    ADD ("/ws/per-ip-closes-1013", test_ws_per_ip_1013, WITH_LIMITS);
    ADD ("/ws/slow-reader-dropped", test_ws_slow_reader, WITH_SMALL);
    ADD ("/binary/sigterm", test_binary_sigterm, NULL);
    ADD ("/admin/off-without-secret", test_admin_off, NULL);
    ADD ("/admin/401", test_admin_unauthorized, WITH_ADMIN);
    ADD ("/admin/calls", test_admin_calls, WITH_ADMIN);
  }
#undef ADD

  return g_test_run ();
}
