/* hyperconf — the embedded reTHINK message node (PROTOCOL.md §2–7).
 *
 * The node owns sessions, address allocation, node subscriptions, routing
 * and the registry.  It knows nothing of sockets: a transport (the
 * WebSocket server, or a test) attaches an HcNodeLink per connection and
 * feeds it text frames; the node answers through the link's functions.
 * In-process hyperties (the server conference hyperty) are local sessions
 * of the same node and obey the same rules.
 *
 * Threading: every function here must be called on the main context the
 * node was created on.
 */
#pragma once

#include <glib-object.h>
#include <hyperconf/hc-message.h>

G_BEGIN_DECLS

typedef struct {
  gchar *domain;           /* "localhost" */
  guint grace_period_ms;   /* re-open window after a socket drops (10000) */
  guint max_queued;        /* messages kept for a detached session (1000) */
  guint max_subscriptions; /* per session (4096) */
  guint max_addresses;     /* owned addresses per session (4096) */
  guint max_rate;          /* messages per second per session, burst 2x;
                            * 0 = unlimited (200) */
  guint reclaim_window_ms; /* §4: a released address can be claimed by
                            * another runtime only after this (3600000) */
  guint rate_close_after;  /* 429s in one abuse spell before the socket is
                            * closed with 1008; 0 = never (1000) */
  guint max_sessions;      /* remote sessions in total; 0 = no limit (10000) */
  guint max_sessions_per_ip; /* remote sessions (and sockets) per client
                              * address; 0 = no limit (100) */
  guint max_resources;       /* addresses named in one subscribe,
                              * unsubscribe or release: 400 beyond (256) */
  guint max_json_depth;      /* nesting of a frame's JSON: deeper frames
                              * are dropped unparsed (64) */
} HcNodeConfig;

void hc_node_config_init_defaults (HcNodeConfig *config);

#define HC_TYPE_NODE (hc_node_get_type ())
G_DECLARE_FINAL_TYPE (HcNode, hc_node, HC, NODE, GObject)

#define HC_TYPE_SESSION (hc_session_get_type ())
G_DECLARE_FINAL_TYPE (HcSession, hc_session, HC, SESSION, GObject)

/**
 * hc_node_new:
 * @config: (transfer none): copied
 * Returns: (transfer full)
 */
HcNode *hc_node_new (const HcNodeConfig *config);

const gchar *hc_node_get_domain (HcNode *node);

/* ---- transports ---------------------------------------------------------
 * One link per socket.  The node calls send_text for every frame to write
 * and close when it wants the socket closed (code 4000 when a re-open or a
 * new open took the session over, 1008 and 1013 for the limits below).  The
 * transport calls hc_node_link_receive for each text frame and
 * hc_node_link_disconnected once when the socket is gone (after which the link
 * is freed).
 */
/* WebSocket close codes the node asks for (RFC 6455 §7.4.1). */
#define HC_CLOSE_POLICY_VIOLATION 1008 /* rate-close-after 429s in a row */
#define HC_CLOSE_TRY_AGAIN_LATER  1013 /* max-sessions(-per-ip) */

typedef struct {
  void (*send_text) (gpointer user_data, const gchar *text);
  void (*close) (gpointer user_data, gushort code, const gchar *reason);
} HcNodeLinkFuncs;

typedef struct _HcNodeLink HcNodeLink;

/**
 * hc_node_attach_link:
 * @funcs: (transfer none): must outlive the link
 * Returns: (transfer none): the link, owned by the node until
 *   hc_node_link_disconnected
 */
HcNodeLink *hc_node_attach_link (HcNode *node, const HcNodeLinkFuncs *funcs,
                                 gpointer user_data);
void hc_node_link_receive (HcNodeLink *link, const gchar *text, gssize length);
void hc_node_link_disconnected (HcNodeLink *link);

/* ---- in-process sessions ----------------------------------------------- */
typedef void (*HcLocalDeliverFunc) (HcSession *session, HcMessage *message,
                                    gpointer user_data);

/**
 * hc_node_open_local_session:
 * A session for an in-process hyperty.  Messages routed to it are handed to
 * @deliver from an idle callback on the node's context, in order, never
 * from inside hc_node_post.
 * Returns: (transfer none): the session, owned by the node until
 *   hc_node_close_session
 */
HcSession *hc_node_open_local_session (HcNode *node, const gchar *runtime_url,
                                       HcLocalDeliverFunc deliver,
                                       gpointer user_data,
                                       GDestroyNotify destroy);

/**
 * hc_node_post:
 * Routes @message as if @session had sent it over a socket: the same
 * checks, and errors come back to @session as responses.
 */
void hc_node_post (HcNode *node, HcSession *session, HcMessage *message);

/**
 * hc_node_allocate:
 * Returns: (transfer full) (nullable): a new owned address, or %NULL when
 *   the session holds its maximum
 */
gchar *hc_node_allocate (HcNode *node, HcSession *session, const gchar *scheme);

/* Node subscription (§5) on behalf of a local session. */
void hc_node_subscribe (HcNode *node, HcSession *session,
                        const gchar *resource);
void hc_node_unsubscribe (HcNode *node, HcSession *session,
                          const gchar *resource);

/* Ends a session as `close` does (releases its addresses). */
void hc_node_close_session (HcNode *node, HcSession *session);

/**
 * hc_node_register_hyperty:
 * Adds a registry entry (§7) as a `create` to the registry would.
 * @entry: (transfer none): {user, descriptor, url, resources, dataSchemes,
 *   runtime, status, expires}
 */
gboolean hc_node_register_hyperty (HcNode *node, HcSession *session,
                                   JsonObject *entry, GError **error);

/* A fresh message id for messages a local session sends. */
gint64 hc_session_next_id (HcSession *session);
const gchar *hc_session_get_runtime_url (HcSession *session);
gboolean hc_session_owns (HcSession *session, const gchar *url);

/* ---- limits ------------------------------------------------------------
 * Every limit a client can run into, counted each time it refuses
 * something (`hyperconf_limit_refusals_total{limit="<name>"}` in
 * /metrics).  The layers above the node (the WebSocket server, the
 * conference) count theirs here too, so one table names them all.
 */
typedef enum {
  HC_LIMIT_FRAME_SIZE,      /* [server] max-frame-size: close 1009 */
  HC_LIMIT_RATE,            /* [node] max-rate: 429 */
  HC_LIMIT_RATE_CLOSE,      /* [node] rate-close-after: close 1008 */
  HC_LIMIT_SESSIONS,        /* [node] max-sessions: 503 / close 1013 */
  HC_LIMIT_SESSIONS_PER_IP, /* [node] max-sessions-per-ip: 503 / 1013 */
  HC_LIMIT_ADDRESSES,       /* [node] max-addresses: 429 */
  HC_LIMIT_SUBSCRIPTIONS,   /* [node] max-subscriptions: 429 */
  HC_LIMIT_QUEUED,          /* [node] max-queued: the oldest dropped */
  HC_LIMIT_RESOURCES,       /* [node] max-resources: 400 */
  HC_LIMIT_JSON_DEPTH,      /* [node] max-json-depth: dropped, counted */
  HC_LIMIT_ROOMS,           /* [conference] max-rooms: 503 */
  HC_LIMIT_PARTICIPANTS,    /* [conference] max-participants: 486 */
  HC_LIMIT_SDP_SIZE,        /* [conference] max-sdp-size: 400 */
  HC_LIMIT_SDP_MEDIA,       /* [conference] max-sdp-media: 400 */
  HC_LIMIT_ICE_CANDIDATES,  /* [conference] max-ice-candidates: dropped */
  HC_LIMIT_CPU,             /* [conference] max-cpu-load: 503 */
  HC_LIMIT_SEND_BACKLOG,    /* 64 x max-frame-size unread: disconnected */
  HC_LIMIT_N,
} HcLimit;

/* Returns: (transfer none): the limit's label in /metrics ("frame-size") */
const gchar *hc_limit_get_name (HcLimit limit);
/* Counts one refusal by @limit. */
void hc_node_count_limit (HcNode *node, HcLimit limit);
guint64 hc_node_get_limit_count (HcNode *node, HcLimit limit);

/**
 * hc_node_link_set_peer:
 * Names the client address of @link's socket ("127.0.0.1"), once, right
 * after hc_node_attach_link().  [node] max-sessions and
 * max-sessions-per-ip count sessions and links by it (links without one,
 * in tests and fuzzers, count as one anonymous client for sessions).
 * Returns: FALSE when the link is one too many (counted): the transport
 *   closes its socket with HC_CLOSE_TRY_AGAIN_LATER
 */
gboolean hc_node_link_set_peer (HcNodeLink *link, const gchar *peer);

/* ---- introspection (metrics, tests) ------------------------------------ */
guint hc_node_count_sessions (HcNode *node);
guint hc_node_count_links (HcNode *node);
guint64 hc_node_get_dropped_frames (HcNode *node); /* not JSON / not object */
/* Session owning @url (or a path below it), or NULL. (transfer none) */
HcSession *hc_node_lookup_owner (HcNode *node, const gchar *url);

G_END_DECLS
