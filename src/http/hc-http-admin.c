/* hyperconf — the admin API under /admin (hc-http-server.h).
 *
 *   request ─▶ [admin] secret set? ── no ──▶ 404 (the API is off)
 *                 │ yes
 *                 ▼
 *   Authorization: Bearer <secret>? ── no ──▶ 401 + WWW-Authenticate
 *                 │ yes (compared in constant time)
 *                 ▼
 *   GET    /admin/rooms                         rooms, participants, stats
 *   GET    /admin/rooms/<name>/pipeline.dot     Graphviz
 *   DELETE /admin/rooms/<name>                  close the room
 *   DELETE /admin/rooms/<name>/participants/<pid>
 *
 * Who may call is decided by the secret alone, never by the peer
 * address: behind a TLS front end every client looks like loopback.
 */
#define G_LOG_DOMAIN "hc-http"

#include <string.h>

#include <hyperconf/hc-token.h>

#include "hc-http-private.h"

#define TEXT "text/plain; charset=utf-8"

typedef struct {
  SoupServerMessage *msg;
  GCancellable *cancellable;
  const HcAdminProvider *provider;
  gpointer provider_data;
  gulong disconnected_id;
} AdminCall;

static gboolean
name_valid (const gchar *name, const gchar *extra, gsize max)
{
  gsize length = strlen (name);

  if (length == 0 || length > max)
    return FALSE;
  for (gsize i = 0; i < length; i++) {
    if (!g_ascii_isalnum (name[i]) && !strchr (extra, name[i]))
      return FALSE;
  }
  return TRUE;
}

/* Room names of §9.2 and participant ids of §9.4. */
#define ROOM_VALID(name) name_valid (name, "._-", 128)
#define PID_VALID(name)  name_valid (name, "_-", 32)

static gboolean
authorized (SoupServerMessage *msg, const gchar *secret)
{
  const gchar *header = soup_message_headers_get_one (
      soup_server_message_get_request_headers (msg), "Authorization");
  g_autofree gchar *expected = g_strconcat ("Bearer ", secret, NULL);

  return header != NULL
         && hc_equal_constant_time (header, strlen (header), expected,
                                    strlen (expected));
}

static void
respond_json_node (SoupServerMessage *msg, JsonNode *node)
{
  hc_http_respond_text (msg, SOUP_STATUS_OK, "application/json",
                        json_to_string (node, FALSE));
}

static void
respond_done (SoupServerMessage *msg, const gchar *what, const gchar *name)
{
  g_autoptr (JsonObject) object = json_object_new ();
  g_autoptr (JsonNode) node = NULL;

  json_object_set_string_member (object, what, name);
  node = json_node_init_object (json_node_alloc (), object);
  respond_json_node (msg, node);
}

static void
method_not_allowed (SoupServerMessage *msg, const gchar *allow)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Allow", allow);
  hc_http_respond_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, TEXT,
                        g_strdup ("method not allowed\n"));
}

static void
not_found (SoupServerMessage *msg)
{
  hc_http_respond_text (msg, SOUP_STATUS_NOT_FOUND, TEXT,
                        g_strdup ("not found\n"));
}

static gboolean
is_get (SoupServerMessage *msg)
{
  const gchar *method = soup_server_message_get_method (msg);

  return method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD;
}

/* ---- GET /admin/rooms (async: the stats take a while) -------------------- */

static void
on_disconnected (SoupServerMessage *msg, gpointer user_data)
{
  g_cancellable_cancel (((AdminCall *)user_data)->cancellable);
}

static void
rooms_described (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AdminCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) rooms = call->provider->describe_rooms_finish (
      call->provider_data, result, &error);

  g_signal_handler_disconnect (call->msg, call->disconnected_id);
  if (!g_cancellable_is_cancelled (call->cancellable)) {
    if (rooms)
      respond_json_node (call->msg, rooms);
    else
      hc_http_respond_text (call->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, TEXT,
                            g_strdup_printf ("%s\n", error->message));
    soup_server_message_unpause (call->msg);
  }
  g_object_unref (call->msg);
  g_object_unref (call->cancellable);
  g_free (call);
}

static void
describe_rooms (SoupServerMessage *msg, const HcAdminProvider *provider,
                gpointer provider_data)
{
  AdminCall *call = g_new0 (AdminCall, 1);

  call->msg = g_object_ref (msg);
  call->cancellable = g_cancellable_new ();
  call->provider = provider;
  call->provider_data = provider_data;
  call->disconnected_id = g_signal_connect (msg, "disconnected",
                                            G_CALLBACK (on_disconnected), call);
  soup_server_message_pause (msg);
  provider->describe_rooms_async (provider_data, call->cancellable,
                                  rooms_described, call);
}

/* ---- /admin/rooms/<name>[/...] ------------------------------------------- */

static void
serve_room (SoupServerMessage *msg, GStrv parts,
            const HcAdminProvider *provider, gpointer provider_data)
{
  const gchar *room = parts[0];
  guint n = g_strv_length (parts);
  const gchar *method = soup_server_message_get_method (msg);

  if (!ROOM_VALID (room)) {
    not_found (msg);
  } else if (n == 1) {
    if (method != SOUP_METHOD_DELETE)
      method_not_allowed (msg, "DELETE");
    else if (provider->close_room (provider_data, room))
      respond_done (msg, "closed", room);
    else
      not_found (msg);
  } else if (n == 2 && g_str_equal (parts[1], "pipeline.dot")) {
    g_autofree gchar *dot = NULL;

    if (!is_get (msg)) {
      method_not_allowed (msg, "GET, HEAD");
      return;
    }
    dot = provider->room_dot (provider_data, room);
    if (dot)
      hc_http_respond_text (msg, SOUP_STATUS_OK,
                            "text/vnd.graphviz; charset=utf-8",
                            g_steal_pointer (&dot));
    else
      not_found (msg);
  } else if (n == 3 && g_str_equal (parts[1], "participants")
             && PID_VALID (parts[2])) {
    if (method != SOUP_METHOD_DELETE)
      method_not_allowed (msg, "DELETE");
    else if (provider->remove_participant (provider_data, room, parts[2]))
      respond_done (msg, "removed", parts[2]);
    else
      not_found (msg);
  } else {
    not_found (msg);
  }
}

void
hc_http_admin_serve (SoupServerMessage *msg, const gchar *path,
                     const gchar *secret, const HcAdminProvider *provider,
                     gpointer provider_data)
{
  static const gchar rooms_prefix[] = "/admin/rooms/";

  /* No secret: off, and it looks like nothing is there. */
  if (secret == NULL || provider == NULL) {
    not_found (msg);
    return;
  }
  if (!authorized (msg, secret)) {
    soup_message_headers_replace (
        soup_server_message_get_response_headers (msg), "WWW-Authenticate",
        "Bearer realm=\"hyperconf admin\"");
    hc_http_respond_text (msg, SOUP_STATUS_UNAUTHORIZED, TEXT,
                          g_strdup ("the admin API needs Authorization: "
                                    "Bearer <[admin] secret>\n"));
    return;
  }
  if (g_str_equal (path, "/admin/rooms")) {
    if (is_get (msg))
      describe_rooms (msg, provider, provider_data);
    else
      method_not_allowed (msg, "GET, HEAD");
  } else if (g_str_has_prefix (path, rooms_prefix)) {
    g_auto (GStrv) parts = g_strsplit (path + strlen (rooms_prefix), "/", 4);

    serve_room (msg, parts, provider, provider_data);
  } else {
    not_found (msg);
  }
}
