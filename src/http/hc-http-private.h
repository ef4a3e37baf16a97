/* hyperconf — internals shared by the files of src/http (not installed).
 *
 * hc-http-server.c owns the SoupServer and the routes; hc-ws-client.c
 * bridges one WebSocket to one HcNodeLink; hc-static-files.c maps a
 * request path to a file inside the www dir.
 */
#pragma once

#include <libsoup/soup.h>
#include <hyperconf/hc-http-server.h>
#include <hyperconf/hc-node.h>

G_BEGIN_DECLS

/* ---- one WebSocket ------------------------------------------------------ */
typedef struct _HcWsClient HcWsClient;

/* Called once, from the connection's "closed" signal; the callee frees
 * @client with hc_ws_client_free(). */
typedef void (*HcWsClientClosedFunc) (HcWsClient *client, gpointer user_data);

/**
 * hc_ws_client_new:
 * @connection: (transfer none): referenced by the client
 * @peer: (transfer none): the remote address and port, for log lines
 * @peer_host: (transfer none): the remote IP address, which the node's
 *   per-IP limits count by; a socket beyond them is closed with 1013
 * @node: (transfer none): the client attaches one link to it (and keeps
 *   a reference, to count the limits it enforces)
 * @max_frame_size: larger text messages close the socket with 1009
 * @closed: (scope notified): called when the socket is fully closed
 * Returns: (transfer full): free with hc_ws_client_free()
 */
HcWsClient *hc_ws_client_new (SoupWebsocketConnection *connection,
                              const gchar *peer, const gchar *peer_host,
                              HcNode *node, gsize max_frame_size,
                              HcWsClientClosedFunc closed, gpointer user_data);

/* Starts the closing handshake unless one is already under way. */
void hc_ws_client_close (HcWsClient *client, gushort code, const gchar *reason);

/**
 * hc_ws_client_free:
 * @client: (transfer full): detaches its link from the node (once) and
 *   drops the connection
 */
void hc_ws_client_free (HcWsClient *client);

/* ---- static files ------------------------------------------------------- */

/**
 * hc_static_files_resolve:
 * @www_dir: (transfer none): canonical (realpath) root directory
 * @encoded_path: (transfer none): the request path as sent, still
 *   percent-encoded
 * Returns: (transfer full) (nullable): the canonical path of a regular
 *   file inside @www_dir, or %NULL when the path is malformed, tries to
 *   leave the directory, or names nothing servable
 */
gchar *hc_static_files_resolve (const gchar *www_dir,
                                const gchar *encoded_path);

/**
 * hc_static_files_content_type:
 * Returns: (transfer none): the Content-Type for @filename's extension
 */
const gchar *hc_static_files_content_type (const gchar *filename);

/**
 * hc_static_files_serve:
 * Answers @msg with the file @encoded_path names, or 404.
 * @msg: (transfer none)
 */
void hc_static_files_serve (SoupServerMessage *msg, const gchar *www_dir,
                            const gchar *encoded_path);

/* ---- responses and the admin API ---------------------------------------- */

/**
 * hc_http_respond_text:
 * Answers @msg with @status and @body (uncached).
 * @body: (transfer full)
 */
void hc_http_respond_text (SoupServerMessage *msg, guint status,
                           const gchar *content_type, gchar *body);

/**
 * hc_http_admin_serve:
 * Everything under /admin (hc-http-admin.c): off (404) without
 * @secret, 401 without `Authorization: Bearer <secret>`, then the calls.
 * @secret: (nullable)
 * @provider: (nullable): 404 when the daemon set none
 */
void hc_http_admin_serve (SoupServerMessage *msg, const gchar *path,
                          const gchar *secret, const HcAdminProvider *provider,
                          gpointer provider_data);

G_END_DECLS
