/* hyperconf — one WebSocket bridged to one HcNodeLink (PROTOCOL.md §1).
 *
 * Text frames go to the node untouched (it parses, drops and counts what
 * is not a JSON object); the node's answers come back through the link
 * functions.  This file only enforces the transport rules: binary frames
 * close with 1003, messages above the limit close with 1009, a socket
 * beyond the node's session limits closes with 1013, and a client that
 * leaves too much of what it is sent unread is disconnected.
 */
#define G_LOG_DOMAIN "hc-http"

#include "hc-http-private.h"

#include <errno.h>
#include <string.h>
#include <glib-unix.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_acked */
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* Lingering close of a socket refused for an oversized frame: at most this
 * long, and this much of the rest of the frame read and thrown away. */
#define LINGER_MS        2000
#define LINGER_MAX_BYTES (64 * 1024 * 1024)

/* A client may leave this many times the frame limit of what it is sent
 * unread (in libsoup's queue and the socket's) before it is dropped, and
 * the backlog is looked at after each quarter of that sent. */
#define SEND_BACKLOG_FRAMES 64

struct _HcWsClient {
  SoupWebsocketConnection *connection;
  HcNode *node;     /* counts the 1009s ([server] max-frame-size) */
  HcNodeLink *link; /* NULL once detached */
  gsize max_frame_size;
  guint64 sent;       /* octets of text handed to libsoup */
  guint64 checked_at; /* @sent at the last look at the backlog */
  HcWsClientClosedFunc closed;
  gpointer user_data;
  gchar *peer; /* for log lines */
};

static gboolean
is_open (HcWsClient *client)
{
  return soup_websocket_connection_get_state (client->connection)
         == SOUP_WEBSOCKET_STATE_OPEN;
}

static GSocket *socket_of (GIOStream *stream);

/* ---- node → socket ------------------------------------------------------ */

/* What was sent and not yet taken by the peer's TCP (libsoup 3.2 tells
 * nothing of its outgoing queue, so that queue and the socket's are
 * measured together against what TCP saw acknowledged).  A peer that does
 * not read stops acknowledging once its receive buffer is full, and
 * without this check everything sent to it would pile up in our memory. */
static gboolean
backlog_too_large (HcWsClient *client)
{
  guint64 limit = (guint64)client->max_frame_size * SEND_BACKLOG_FRAMES;
  GSocket *socket;
  struct tcp_info info = { 0 };
  socklen_t length = sizeof info;

  if (client->sent - client->checked_at < limit / 4)
    return FALSE;
  client->checked_at = client->sent;
  socket = socket_of (
      soup_websocket_connection_get_io_stream (client->connection));
  if (socket == NULL
      || getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &info,
                     &length)
             != 0
      || length < G_STRUCT_OFFSET (struct tcp_info, tcpi_bytes_acked)
                      + sizeof info.tcpi_bytes_acked)
    return FALSE;
  /* Acknowledged octets include the HTTP upgrade, frame headers and TLS
   * records, so this undercounts the backlog a little: never too strict. */
  return client->sent > info.tcpi_bytes_acked
         && client->sent - info.tcpi_bytes_acked > limit;
}

static void
drop_slow_reader (HcWsClient *client)
{
  GSocket *socket = socket_of (
      soup_websocket_connection_get_io_stream (client->connection));

  hc_node_count_limit (client->node, HC_LIMIT_SEND_BACKLOG);
  g_info ("%s: more than %" G_GSIZE_FORMAT
          " octets sent and not read, disconnecting",
          client->peer, client->max_frame_size * SEND_BACKLOG_FRAMES);
  /* A close frame would wait behind all that is unread: the connection
   * is cut instead, and libsoup's pending writes fail and close it. */
  hc_ws_client_close (client, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                      "not reading");
  if (socket != NULL)
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

static void
link_send_text (gpointer user_data, const gchar *text)
{
  HcWsClient *client = user_data;

  /* The node may still answer a frame that arrived just before a close
   * began; libsoup would drop it with a warning, so drop it here. */
  if (!is_open (client)) {
    g_debug ("%s: not open, dropping outgoing frame", client->peer);
    return;
  }
  soup_websocket_connection_send_text (client->connection, text);
  client->sent += strlen (text);
  if (backlog_too_large (client))
    drop_slow_reader (client);
}

static void
link_close (gpointer user_data, gushort code, const gchar *reason)
{
  hc_ws_client_close (user_data, code, reason);
}

static const HcNodeLinkFuncs link_funcs = {
  .send_text = link_send_text,
  .close = link_close,
};

/* ---- lingering close --------------------------------------------------- *
 * A client sending a 10 MB frame is still writing when libsoup, having
 * read the frame's header, drops the connection.  Closing a TCP socket
 * whose receive buffer holds unread data sends a reset, and the reset
 * makes the peer discard what it had not read yet: our 1009 close frame.
 * So the socket's descriptor is duplicated first, and the duplicate reads
 * and discards what still comes (bounded in time and bytes) until the
 * peer, having read the close frame, closes its side; only then is the
 * last descriptor closed (as Apache's lingering_close does for HTTP). */

typedef struct {
  gint fd;
  guint read_id;
  guint timeout_id;
  gsize drained;
} Linger;

static void
linger_end (Linger *linger)
{
  g_clear_handle_id (&linger->read_id, g_source_remove);
  g_clear_handle_id (&linger->timeout_id, g_source_remove);
  close (linger->fd);
  g_free (linger);
}

static gboolean
linger_read (gint fd, GIOCondition condition, gpointer user_data)
{
  Linger *linger = user_data;
  gchar buffer[65536];

  for (;;) {
    gssize n = recv (fd, buffer, sizeof buffer, MSG_DONTWAIT);

    if (n > 0 && (linger->drained += n) < LINGER_MAX_BYTES)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return G_SOURCE_CONTINUE;
    /* End of stream, an error, or enough. */
    linger->read_id = 0;
    linger_end (linger);
    return G_SOURCE_REMOVE;
  }
}

static gboolean
linger_timeout (gpointer user_data)
{
  Linger *linger = user_data;

  linger->timeout_id = 0;
  linger_end (linger);
  return G_SOURCE_REMOVE;
}

/* The GSocket under the connection's stream (plain, or under TLS). */
static GSocket *
socket_of (GIOStream *stream)
{
  while (stream != NULL && !G_IS_SOCKET_CONNECTION (stream)) {
    GIOStream *base = NULL;

    for (const gchar *const *name
         = (const gchar *const[]){ "base-iostream", "base-io-stream", NULL };
         *name && base == NULL; name++) {
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), *name))
        g_object_get (stream, *name, &base, NULL);
    }
    if (base)
      g_object_unref (base); /* the outer stream keeps it */
    stream = base;
  }
  return stream ? g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream))
                : NULL;
}

static void
linger_start (HcWsClient *client)
{
  GSocket *socket = socket_of (
      soup_websocket_connection_get_io_stream (client->connection));
  Linger *linger;
  gint fd;

  if (socket == NULL || (fd = dup (g_socket_get_fd (socket))) < 0)
    return;
  linger = g_new0 (Linger, 1);
  linger->fd = fd;
  linger->read_id
      = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, linger_read, linger);
  linger->timeout_id = g_timeout_add (LINGER_MS, linger_timeout, linger);
}

/* ---- socket → node ------------------------------------------------------ */

static void
on_message (SoupWebsocketConnection *connection, gint type, GBytes *message,
            gpointer user_data)
{
  HcWsClient *client = user_data;
  gsize size;
  const gchar *data = g_bytes_get_data (message, &size);

  /* libsoup still delivers frames that were in flight when our close
   * went out; after a close nothing more reaches the node. */
  if (!is_open (client) || client->link == NULL)
    return;

  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    g_debug ("%s: binary frame, closing with 1003", client->peer);
    hc_ws_client_close (client, SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA,
                        "binary frames are not supported");
    return;
  }
  /* max-incoming-payload-size bounds each frame; with libsoup 3.2 a
   * message reassembled from fragments is only bounded here. */
  if (size > client->max_frame_size) {
    hc_node_count_limit (client->node, HC_LIMIT_FRAME_SIZE);
    g_debug ("%s: message of %" G_GSIZE_FORMAT " bytes, closing with 1009",
             client->peer, size);
    hc_ws_client_close (client, SOUP_WEBSOCKET_CLOSE_TOO_BIG,
                        "message too big");
    return;
  }
  hc_node_link_receive (client->link, data, (gssize)size);
}

static void
on_error (SoupWebsocketConnection *connection, GError *error,
          gpointer user_data)
{
  HcWsClient *client = user_data;

  /* libsoup reacts to an oversized frame by dropping the TCP connection
   * without a close frame (the peer sees 1006).  It emits "error" just
   * before; a close started here queues the 1009 frame and writes it at
   * once, ahead of libsoup's own teardown, so the peer learns why. */
  if (g_error_matches (error, SOUP_WEBSOCKET_ERROR,
                       SOUP_WEBSOCKET_CLOSE_TOO_BIG)) {
    hc_node_count_limit (client->node, HC_LIMIT_FRAME_SIZE);
    g_debug ("%s: frame above the limit, closing with 1009", client->peer);
    hc_ws_client_close (client, SOUP_WEBSOCKET_CLOSE_TOO_BIG,
                        "message too big");
    linger_start (client);
    return;
  }
  g_debug ("%s: %s", client->peer, error->message);
}

static void
on_closed (SoupWebsocketConnection *connection, gpointer user_data)
{
  HcWsClient *client = user_data;

  g_debug ("%s: closed (peer code %u)", client->peer,
           soup_websocket_connection_get_close_code (connection));
  client->closed (client, client->user_data);
}

HcWsClient *
hc_ws_client_new (SoupWebsocketConnection *connection, const gchar *peer,
                  const gchar *peer_host, HcNode *node, gsize max_frame_size,
                  HcWsClientClosedFunc closed, gpointer user_data)
{
  HcWsClient *client = g_new0 (HcWsClient, 1);

  client->connection = g_object_ref (connection);
  client->node = g_object_ref (node);
  client->max_frame_size = max_frame_size;
  client->closed = closed;
  client->user_data = user_data;
  client->peer = g_strdup_printf ("ws %s", peer);

  soup_websocket_connection_set_max_incoming_payload_size (connection,
                                                           max_frame_size);
  /* Newer libsoups can also bound a message reassembled from fragments
   * while it grows; 3.2 cannot, and on_message checks it after the fact.
   * Looked up at run time so one build serves both. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (connection),
                                    "max-total-message-size")
      != NULL)
    g_object_set (connection, "max-total-message-size", (guint64)max_frame_size,
                  NULL);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), client);
  g_signal_connect (connection, "error", G_CALLBACK (on_error), client);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), client);

  client->link = hc_node_attach_link (node, &link_funcs, client);
  g_debug ("%s: connected", client->peer);
  /* Sockets count against [node] max-sessions and max-sessions-per-ip
   * too, so that sockets that never open a session cannot hold the
   * server's descriptors. */
  if (!hc_node_link_set_peer (client->link, peer_host))
    hc_ws_client_close (client, HC_CLOSE_TRY_AGAIN_LATER,
                        "too many connections");
  return client;
}

/* libsoup 3.2 sends only the close codes it names (and 3000 or more):
 * 1013 (try again later) would go out as 1002.  Such a code is written
 * here as a raw close frame (RFC 6455 §5.5.1: unmasked from a server, the
 * code in network order, then the reason), before libsoup's own closing
 * handshake, which then carries no status: a peer takes the first close
 * frame and ignores what follows it. */
static gboolean
libsoup_sends (gushort code)
{
  return code >= 3000 || code == SOUP_WEBSOCKET_CLOSE_NORMAL
         || code == SOUP_WEBSOCKET_CLOSE_GOING_AWAY
         || code == SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR
         || code == SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA
         || code == SOUP_WEBSOCKET_CLOSE_BAD_DATA
         || code == SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION
         || code == SOUP_WEBSOCKET_CLOSE_TOO_BIG
         || code == SOUP_WEBSOCKET_CLOSE_SERVER_ERROR;
}

void
hc_ws_client_close (HcWsClient *client, gushort code, const gchar *reason)
{
  guint8 frame[4 + 123]; /* a control frame's payload is 125 at most */
  gsize length = reason ? MIN (strlen (reason), 123) : 0;

  if (!is_open (client))
    return;
  if (libsoup_sends (code)) {
    soup_websocket_connection_close (client->connection, code, reason);
    return;
  }
  frame[0] = 0x88; /* FIN, opcode 8 (close) */
  frame[1] = 2 + length;
  frame[2] = code >> 8;
  frame[3] = code & 0xff;
  if (length > 0)
    memcpy (frame + 4, reason, length);
  g_output_stream_write_all (
      g_io_stream_get_output_stream (
          soup_websocket_connection_get_io_stream (client->connection)),
      frame, 4 + length, NULL, NULL, NULL);
  soup_websocket_connection_close (client->connection,
                                   SOUP_WEBSOCKET_CLOSE_NO_STATUS, NULL);
}

void
hc_ws_client_free (HcWsClient *client)
{
  if (client == NULL)
    return;
  g_signal_handlers_disconnect_by_data (client->connection, client);
  if (client->link != NULL)
    hc_node_link_disconnected (g_steal_pointer (&client->link));
  g_clear_object (&client->connection);
  g_clear_object (&client->node);
  g_free (client->peer);
  g_free (client);
}
