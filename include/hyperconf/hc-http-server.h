/* hyperconf — the HTTP and WebSocket front door (PROTOCOL.md §1).
 *
 * One libsoup server on one port: `/ws` carries reTHINK frames between
 * sockets and the HcNode (one HcNodeLink per socket, no protocol logic
 * here), `/healthz`, `/config.json` (§9.1), `/metrics`, and the browser
 * client's static files.  Everything runs on the main context the server
 * was created on.
 */
#pragma once

#include <glib-object.h>
#include <hyperconf/hc-config.h>
#include <hyperconf/hc-node.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HC_TYPE_HTTP_SERVER (hc_http_server_get_type ())
G_DECLARE_FINAL_TYPE (HcHttpServer, hc_http_server, HC, HTTP_SERVER, GObject)

/**
 * hc_http_server_new:
 * @node: (transfer none): the message node; the server keeps a reference
 * @config: (transfer none): read now, not kept (listen address, port,
 *   domain, www dir, frame limit, ICE servers)
 * @conference_hyperty_url: (transfer none): `conferenceHyperty` of
 *   /config.json
 * Returns: (transfer full): a server that does not listen yet
 */
HcHttpServer *hc_http_server_new (HcNode *node, const HcConfig *config,
                                  const gchar *conference_hyperty_url);

/**
 * hc_http_server_listen:
 * Binds the configured address and port (port 0 picks a free one).
 * Returns: %FALSE with @error (G_IO_ERROR) when the bind fails
 */
gboolean hc_http_server_listen (HcHttpServer *self, GError **error);

/**
 * hc_http_server_get_port:
 * Returns: the bound port, or 0 before hc_http_server_listen() succeeded
 */
guint16 hc_http_server_get_port (HcHttpServer *self);

/**
 * hc_http_server_get_listen_url:
 * Returns: (transfer full) (nullable): "http://<address>:<port>/" (IPv6
 *   in brackets), or %NULL before hc_http_server_listen() succeeded
 */
gchar *hc_http_server_get_listen_url (HcHttpServer *self);

/**
 * hc_http_server_set_ready:
 * Whether GET /readyz answers 200 {"status":"ready"} (the default) or 503
 * {"status":"draining"}.  /healthz (liveness) answers 200 either way.
 */
void hc_http_server_set_ready (HcHttpServer *self, gboolean ready);

/**
 * hc_http_server_get_n_websockets:
 * Returns: the WebSocket connections not yet fully closed; after
 *   hc_http_server_shutdown() it falls to 0 as the closes complete
 */
guint hc_http_server_get_n_websockets (HcHttpServer *self);

/**
 * hc_http_server_shutdown:
 * Stops listening, drops plain HTTP connections and starts closing every
 * WebSocket with code 1001 (going away).  The closing handshakes finish on
 * the main context; iterate it until hc_http_server_get_n_websockets()
 * is 0 (libsoup forces a close after 5 s) before dropping the last
 * reference.  Idempotent.
 */
void hc_http_server_shutdown (HcHttpServer *self);

/**
 * HcAdminProvider:
 * What the admin API and /metrics show of the conference, supplied by the
 * daemon so that this layer stays free of it (main.c wires the conference
 * in).  Every function is called on the main context.
 * @list_rooms: (transfer full) the live rooms' names
 * @room_dot: (transfer full) (nullable) a room's pipeline as a DOT graph,
 *   %NULL when there is no such room
 * @count_participants: participants in all rooms
 * @describe_rooms_async, @describe_rooms_finish: every room with its
 *   participants and their stats, as hc_conference_describe_rooms_finish
 *   returns it (transfer full)
 * @close_room: %FALSE when there is no such room
 * @remove_participant: %FALSE when there is no such room or participant
 * @room_media: (nullable) a room's pipeline element count and whether its
 *   MCU mixer runs; FALSE when there is no such room
 */
typedef struct {
  GStrv (*list_rooms) (gpointer user_data);
  gchar *(*room_dot) (gpointer user_data, const gchar *room);
  guint (*count_participants) (gpointer user_data);
  void (*describe_rooms_async) (gpointer user_data, GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer callback_data);
  JsonNode *(*describe_rooms_finish) (gpointer user_data, GAsyncResult *result,
                                      GError **error);
  gboolean (*close_room) (gpointer user_data, const gchar *room);
  gboolean (*remove_participant) (gpointer user_data, const gchar *room,
                                  const gchar *pid);
  gboolean (*room_media) (gpointer user_data, const gchar *room,
                          guint *n_elements, gboolean *has_mixer);
} HcAdminProvider;

/**
 * hc_http_server_set_admin:
 * Serves the admin API when the configuration has an [admin] secret, to
 * requests with `Authorization: Bearer <secret>` (else 401), from any
 * address; without a secret every /admin path is 404:
 *   GET    /admin/rooms                          rooms, participants, stats
 *   GET    /admin/rooms/<name>/pipeline.dot      the pipeline (Graphviz)
 *   DELETE /admin/rooms/<name>                   close the room
 *   DELETE /admin/rooms/<name>/participants/<pid>  remove a participant
 * and adds hyperconf_rooms and hyperconf_participants to /metrics, and
 * with @room_media hyperconf_mixers and hyperconf_room_elements{room=...}.
 * @provider: (transfer none): must outlive the server
 */
void hc_http_server_set_admin (HcHttpServer *self,
                               const HcAdminProvider *provider,
                               gpointer user_data);

G_END_DECLS
