/* hyperconf — the embedded reTHINK message node (PROTOCOL.md §2–7).
 *
 *   link (socket) ──frame──▶ parse ─▶ 401 ─▶ 400 ─▶ 403 ─▶ route
 *                                                          │
 *        ┌────────────── node components ◀─────────────────┤ §6.1
 *        │  mn:/session, …/address-allocation, …/sm,        │
 *        │  domain://registry.<domain>                      │
 *        │                                                  │
 *        │  owner of `to` (point to point) ◀────────────────┤ §6.2
 *        │  subscribers of exactly `to` (fan-out) ◀─────────┘ §6.3
 *
 * Every check answers in the order of §2: 401 (no session), 400
 * (envelope), 403 (ownership), 404 (route).  A response is never answered.
 * All state lives on the node's main context.
 */
#define G_LOG_DOMAIN "hc-node"

#include <hyperconf/hc-node.h>
#include <hyperconf/hc-address.h>
#include <hyperconf/hc-error.h>
#include <hyperconf/hc-json-spec.h>

#include "hc-registry.h"
#include "hc-released.h"
#include "hc-session-private.h"
#include "hc-table.h"

#include <string.h>

#define SESSION_URL    "mn:/session"
#define MAX_ALLOCATION 16
/* Released addresses remembered for §4's reclaim rule, at most: the
 * oldest is forgotten first (about 100 bytes each). */
#define MAX_RELEASED 1000000

struct _HcNode {
  GObject parent_instance;

  HcNodeConfig config;
  GMainContext *context;

  /* Component addresses of §6.1. */
  gchar *msg_node_prefix; /* domain://msg-node.<domain> */
  gchar *sm_url;
  gchar *registry_url;

  GHashTable *sessions;    /* runtime url -> HcSession (owned) */
  GHashTable *tokens;      /* token -> HcSession */
  GHashTable *owners;      /* allocated or claimed address -> HcSession */
  GHashTable *subscribers; /* resource -> GHashTable set of HcSession */
  GHashTable *links;       /* set of HcNodeLink */
  HcRegistry *registry;
  HcReleased *released; /* §4: who may claim a released address again */

  gint64 next_id;
  guint64 dropped_frames;

  /* [node] max-sessions and max-sessions-per-ip: remote sessions (bound
   * or waiting for their re-open), and by client address. */
  guint n_remote_sessions;
  GHashTable *peer_sessions; /* peer -> GUINT_TO_POINTER (count) */
  GHashTable *peer_links;    /* peer -> GUINT_TO_POINTER (count) */
  guint64 limit_counts[HC_LIMIT_N];
};

G_DEFINE_FINAL_TYPE (HcNode, hc_node, G_TYPE_OBJECT)

typedef enum {
  COMPONENT_NONE,
  COMPONENT_SESSION,
  COMPONENT_ALLOCATION,
  COMPONENT_SM,
  COMPONENT_REGISTRY,
  COMPONENT_UNKNOWN, /* a node address that names nothing */
} Component;

static void end_session (HcNode *self, HcSession *session, const gchar *why);

void
hc_node_config_init_defaults (HcNodeConfig *config)
{
  memset (config, 0, sizeof *config);
  config->domain = g_strdup ("localhost");
  config->grace_period_ms = 10000;
  config->max_queued = 1000;
  config->max_subscriptions = 4096;
  config->max_addresses = 4096;
  config->max_rate = 200;
  config->reclaim_window_ms = 3600 * 1000;
  config->rate_close_after = 1000;
  config->max_sessions = 10000;
  config->max_sessions_per_ip = 100;
  config->max_resources = 256;
  config->max_json_depth = 64;
}

/* ---- limits ------------------------------------------------------------ */

static const gchar *const limit_names[HC_LIMIT_N] = {
  [HC_LIMIT_FRAME_SIZE] = "frame-size",
  [HC_LIMIT_RATE] = "rate",
  [HC_LIMIT_RATE_CLOSE] = "rate-close",
  [HC_LIMIT_SESSIONS] = "sessions",
  [HC_LIMIT_SESSIONS_PER_IP] = "sessions-per-ip",
  [HC_LIMIT_ADDRESSES] = "addresses",
  [HC_LIMIT_SUBSCRIPTIONS] = "subscriptions",
  [HC_LIMIT_QUEUED] = "queued",
  [HC_LIMIT_RESOURCES] = "resources",
  [HC_LIMIT_JSON_DEPTH] = "json-depth",
  [HC_LIMIT_ROOMS] = "rooms",
  [HC_LIMIT_PARTICIPANTS] = "participants",
  [HC_LIMIT_SDP_SIZE] = "sdp-size",
  [HC_LIMIT_SDP_MEDIA] = "sdp-media",
  [HC_LIMIT_ICE_CANDIDATES] = "ice-candidates",
  [HC_LIMIT_CPU] = "cpu",
  [HC_LIMIT_SEND_BACKLOG] = "send-backlog",
};

const gchar *
hc_limit_get_name (HcLimit limit)
{
  g_return_val_if_fail (limit < HC_LIMIT_N, NULL);
  return limit_names[limit];
}

void
hc_node_count_limit (HcNode *self, HcLimit limit)
{
  g_return_if_fail (limit < HC_LIMIT_N);
  self->limit_counts[limit]++;
}

guint64
hc_node_get_limit_count (HcNode *self, HcLimit limit)
{
  g_return_val_if_fail (limit < HC_LIMIT_N, 0);
  return self->limit_counts[limit];
}

/* Links without a peer (tests, fuzzers) count as one client. */
#define ANONYMOUS_PEER ""

/* @table: peer -> count (sessions or links by client address) */
static guint
peer_count (GHashTable *table, const gchar *peer)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (table, peer));
}

static void
peer_add (GHashTable *table, const gchar *peer, gint delta)
{
  guint n = peer_count (table, peer) + delta;

  if (n == 0)
    g_hash_table_remove (table, peer);
  else
    g_hash_table_insert (table, g_strdup (peer), GUINT_TO_POINTER (n));
}

/* Which of [node] max-sessions and max-sessions-per-ip one more of
 * something counted in @n_total and @by_peer would pass (counted), or
 * HC_LIMIT_N when it fits. */
static HcLimit
over_session_limits (HcNode *self, guint n_total, GHashTable *by_peer,
                     const gchar *peer)
{
  HcLimit limit;

  if (self->config.max_sessions != 0 && n_total >= self->config.max_sessions)
    limit = HC_LIMIT_SESSIONS;
  else if (self->config.max_sessions_per_ip != 0
           && peer_count (by_peer, peer) >= self->config.max_sessions_per_ip)
    limit = HC_LIMIT_SESSIONS_PER_IP;
  else
    return HC_LIMIT_N;
  hc_node_count_limit (self, limit);
  g_debug ("%s refused: %s limit", peer, hc_limit_get_name (limit));
  return limit;
}

/* ---- object ------------------------------------------------------------ */

static void
hc_node_dispose (GObject *object)
{
  HcNode *self = HC_NODE (object);
  g_autoptr (GPtrArray) sessions = NULL;
  guint i;

  if (self->sessions) {
    sessions = hc_table_snapshot (self->sessions, TRUE, FALSE);
    for (i = 0; i < sessions->len; i++)
      end_session (self, g_ptr_array_index (sessions, i), "node disposed");
  }
  G_OBJECT_CLASS (hc_node_parent_class)->dispose (object);
}

static void
hc_node_finalize (GObject *object)
{
  HcNode *self = HC_NODE (object);
  GHashTableIter iter;
  gpointer link;

  /* Links outlive the node only if a transport forgot to disconnect them. */
  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, &link, NULL))
    ((HcNodeLink *)link)->node = NULL;
  g_hash_table_unref (self->links);
  g_hash_table_unref (self->sessions);
  g_hash_table_unref (self->tokens);
  g_hash_table_unref (self->owners);
  g_hash_table_unref (self->subscribers);
  g_hash_table_unref (self->peer_sessions);
  g_hash_table_unref (self->peer_links);
  g_object_unref (self->registry);
  hc_released_free (self->released);
  g_free (self->config.domain);
  g_free (self->msg_node_prefix);
  g_free (self->sm_url);
  g_free (self->registry_url);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (hc_node_parent_class)->finalize (object);
}

static void
hc_node_class_init (HcNodeClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hc_node_dispose;
  G_OBJECT_CLASS (klass)->finalize = hc_node_finalize;
}

static void
hc_node_init (HcNode *self)
{
  self->sessions
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  self->tokens = g_hash_table_new (g_str_hash, g_str_equal);
  self->owners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->subscribers = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
  self->links = g_hash_table_new (NULL, NULL);
  self->peer_sessions
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->peer_links
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->registry = hc_registry_new ();
  self->next_id = 1;
}

HcNode *
hc_node_new (const HcNodeConfig *config)
{
  HcNode *self = g_object_new (HC_TYPE_NODE, NULL);

  self->config = *config;
  self->config.domain
      = g_strdup (config->domain ? config->domain : "localhost");
  self->context = g_main_context_ref_thread_default ();
  self->msg_node_prefix
      = g_strdup_printf ("domain://msg-node.%s", self->config.domain);
  self->sm_url = g_strdup_printf ("%s/sm", self->msg_node_prefix);
  self->registry_url
      = g_strdup_printf ("domain://registry.%s", self->config.domain);
  self->released
      = hc_released_new (self->config.reclaim_window_ms, MAX_RELEASED);
  return self;
}

const gchar *
hc_node_get_domain (HcNode *self)
{
  return self->config.domain;
}

/* ---- sending ----------------------------------------------------------- */

static void
reply (HcSession *session, HcMessage *request, gint code, const gchar *desc,
       JsonNode *value)
{
  g_autoptr (HcMessage) response = NULL;

  /* §6.3: a response is never answered. */
  if (hc_message_get_kind (request) == HC_MESSAGE_RESPONSE)
    return;
  response = hc_message_new_response (request, code, desc, value);
  hc_session_deliver (session, response);
}

static void
reply_error (HcSession *session, HcMessage *request, const GError *error)
{
  gint code = error->domain == HC_PROTOCOL_ERROR ? error->code : 500;

  g_debug ("%s: %s %s -> %s: %d %s", session->runtime_url,
           hc_message_get_kind_name (request), hc_message_get_from (request),
           hc_message_get_to (request), code, error->message);
  reply (session, request, code, error->message, NULL);
}

static void reply_code (HcSession *session, HcMessage *request, gint code,
                        const gchar *format, ...) G_GNUC_PRINTF (4, 5);

static void
reply_code (HcSession *session, HcMessage *request, gint code,
            const gchar *format, ...)
{
  g_autoptr (GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (HC_PROTOCOL_ERROR, code, format, args);
  va_end (args);
  reply_error (session, request, error);
}

static void
link_send_text (HcNodeLink *link, const gchar *text)
{
  link->funcs->send_text (link->user_data, text);
}

/* ---- ownership --------------------------------------------------------- */

/* The session that owns @url: its runtime URL or an address it holds, at
 * @url or above it.  @matched (optional) gets the owned prefix. */
static HcSession *
lookup_owner (HcNode *self, const gchar *url, gchar **matched,
              gboolean *is_runtime)
{
  g_autofree gchar *walk = g_strdup (url);
  HcSession *session;

  do {
    if ((session = g_hash_table_lookup (self->sessions, walk))) {
      if (is_runtime)
        *is_runtime = TRUE;
    } else if ((session = g_hash_table_lookup (self->owners, walk))) {
      if (is_runtime)
        *is_runtime = FALSE;
    }
    if (session) {
      if (matched)
        *matched = g_steal_pointer (&walk);
      return session;
    }
  } while (hc_address_walk_up (walk));
  return NULL;
}

HcSession *
hc_node_lookup_owner (HcNode *self, const gchar *url)
{
  return lookup_owner (self, url, NULL, NULL);
}

static gboolean
scheme_is_allocatable (const gchar *scheme)
{
  return g_strcmp0 (scheme, "hyperty") == 0
         || g_strcmp0 (scheme, "connection") == 0
         || g_strcmp0 (scheme, "comm") == 0;
}

static void
take_address (HcNode *self, HcSession *session, const gchar *address)
{
  g_hash_table_add (session->addresses, g_strdup (address));
  g_hash_table_insert (self->owners, g_strdup (address), session);
}

typedef enum {
  CLAIM_NONE,    /* not a claimable address, or owned already */
  CLAIM_TAKEN,   /* @session owns it now */
  CLAIM_REFUSED, /* another runtime released it within the window */
} ClaimResult;

/* §4: an address of the node's domain that nobody owns is claimed by the
 * first session that sends from it or subscribes to it, unless another
 * runtime released it within the reclaim window. */
static ClaimResult
try_claim (HcNode *self, HcSession *session, const gchar *url,
           gboolean exact_only)
{
  g_autofree gchar *scheme = NULL, *host = NULL, *base = NULL;

  if (!hc_address_split (url, &scheme, &host, NULL)
      || !scheme_is_allocatable (scheme)
      || g_strcmp0 (host, self->config.domain) != 0)
    return CLAIM_NONE;
  base = hc_address_base (url);
  if (base == NULL || (exact_only && g_strcmp0 (base, url) != 0))
    return CLAIM_NONE;
  if (lookup_owner (self, base, NULL, NULL) != NULL)
    return CLAIM_NONE;
  if (g_hash_table_size (session->addresses) >= self->config.max_addresses) {
    hc_node_count_limit (self, HC_LIMIT_ADDRESSES);
    return CLAIM_NONE;
  }
  if (!hc_released_may_claim (self->released, base, session->runtime_url)) {
    g_debug ("%s may not claim %s: another runtime released it",
             session->runtime_url, base);
    return CLAIM_REFUSED;
  }
  take_address (self, session, base);
  g_debug ("%s claimed %s", session->runtime_url, base);
  return CLAIM_TAKEN;
}

/* ---- release and session end ------------------------------------------- */

static void
remove_subscriber (HcNode *self, HcSession *session, const gchar *resource)
{
  GHashTable *set = g_hash_table_lookup (self->subscribers, resource);

  if (set) {
    g_hash_table_remove (set, session);
    if (g_hash_table_size (set) == 0)
      g_hash_table_remove (self->subscribers, resource);
  }
  g_hash_table_remove (session->subscriptions, resource);
}

static void
fan_out (HcNode *self, HcMessage *message, const gchar *resource)
{
  GHashTable *set = g_hash_table_lookup (self->subscribers, resource);
  g_autoptr (GPtrArray) targets = NULL;
  guint i;

  if (set == NULL)
    return;
  /* Delivery never changes the set, but a copy keeps that a non-issue. */
  targets = hc_table_snapshot (set, FALSE, FALSE);
  for (i = 0; i < targets->len; i++)
    hc_session_deliver (g_ptr_array_index (targets, i), message);
}

/* §3: when a session ends, observers of its addresses see the objects
 * deleted (@notify).  An explicit release does not notify: a runtime
 * deletes its object itself before releasing the address. */
static void
release_address (HcNode *self, HcSession *session, const gchar *address,
                 gboolean notify)
{
  g_autofree gchar *changes = g_strdup_printf ("%s/changes", address);
  g_autofree gchar *owned = g_strdup (address);

  g_hash_table_remove (self->owners, owned);
  g_hash_table_remove (session->addresses, owned);
  hc_registry_release (self->registry, owned);
  hc_released_add (self->released, owned, session->runtime_url);

  if (notify && g_hash_table_contains (self->subscribers, changes)) {
    g_autofree gchar *from = g_strdup_printf ("%s/subscription", owned);
    g_autoptr (JsonNode) id = json_node_new (JSON_NODE_VALUE);
    g_autoptr (HcMessage) notice = NULL;

    json_node_set_int (id, self->next_id++);
    notice = hc_message_new (HC_MESSAGE_DELETE, id, from, changes, NULL);
    fan_out (self, notice, changes);
  }
  g_debug ("%s released %s", session->runtime_url, owned);
}

static void
unbind_link (HcSession *session)
{
  if (session->link) {
    session->link->session = NULL;
    session->link = NULL;
  }
}

static void
end_session (HcNode *self, HcSession *session, const gchar *why)
{
  g_autoptr (GPtrArray) addresses = NULL;
  g_autoptr (GPtrArray) subscriptions = NULL;
  guint i;

  if (session->ended)
    return;
  g_info ("session %s ended: %s", session->runtime_url, why);
  g_object_ref (session);
  hc_session_end (session);
  unbind_link (session);
  g_hash_table_remove (self->tokens, session->token);
  if (session->peer) {
    self->n_remote_sessions--;
    peer_add (self->peer_sessions, session->peer, -1);
  }

  subscriptions = hc_table_snapshot (session->subscriptions, FALSE, TRUE);
  for (i = 0; i < subscriptions->len; i++)
    remove_subscriber (self, session, g_ptr_array_index (subscriptions, i));

  /* Remove the session before notifying, so it receives nothing more. */
  addresses = hc_table_snapshot (session->addresses, FALSE, TRUE);
  for (i = 0; i < addresses->len; i++)
    release_address (self, session, g_ptr_array_index (addresses, i), TRUE);
  hc_registry_remove_registrant (self->registry, session->runtime_url);

  g_hash_table_remove (self->sessions, session->runtime_url);
  g_object_unref (session);
}

static gboolean
grace_expired (gpointer user_data)
{
  HcSession *session = user_data;
  HcNode *node = g_object_get_data (G_OBJECT (session), "hc-node");

  g_clear_pointer (&session->grace_source, g_source_unref);
  end_session (node, session, "grace period over");
  return G_SOURCE_REMOVE;
}

static void
detach_session (HcNode *self, HcSession *session)
{
  unbind_link (session);
  if (self->config.grace_period_ms == 0) {
    end_session (self, session, "socket closed");
    return;
  }
  g_debug ("%s detached, %u ms to re-open", session->runtime_url,
           self->config.grace_period_ms);
  session->grace_source = g_timeout_source_new (self->config.grace_period_ms);
  g_source_set_callback (session->grace_source, grace_expired, session, NULL);
  g_source_attach (session->grace_source, self->context);
}

static void
bind_link (HcSession *session, HcNodeLink *link)
{
  if (session->grace_source) {
    g_source_destroy (session->grace_source);
    g_clear_pointer (&session->grace_source, g_source_unref);
  }
  session->link = link;
  link->session = session;
}

/* Closes another socket that held @session (§3: code 4000). */
static void
take_over (HcSession *session, HcNodeLink *link, const gchar *reason)
{
  HcNodeLink *old = session->link;

  if (old && old != link) {
    unbind_link (session);
    old->funcs->close (old->user_data, 4000, reason);
  }
}

static HcSession *
add_session (HcNode *self, const gchar *runtime_url)
{
  HcSession *session
      = hc_session_new (self->context, runtime_url, self->config.max_queued);

  g_object_set_data (G_OBJECT (session), "hc-node", self);
  g_hash_table_insert (self->sessions, session->runtime_url, session);
  g_hash_table_insert (self->tokens, session->token, session);
  return session;
}

/* ---- §3 session component ---------------------------------------------- */

static const gchar *
link_peer (HcNodeLink *link)
{
  return link->peer ? link->peer : ANONYMOUS_PEER;
}

/* Answers 503 and closes the socket with 1013 (try again later) when one
 * more session would pass [node] max-sessions or max-sessions-per-ip. */
static gboolean
may_open (HcNode *self, HcNodeLink *link, HcMessage *message)
{
  g_autofree gchar *text = NULL;
  HcLimit limit = over_session_limits (self, self->n_remote_sessions,
                                       self->peer_sessions, link_peer (link));

  if (limit == HC_LIMIT_N)
    return TRUE;
  text = hc_message_error_text_for_object (
      hc_message_get_object (message), SESSION_URL, 503,
      limit == HC_LIMIT_SESSIONS
          ? "open: the server holds its maximum of sessions"
          : "open: this address holds its maximum of sessions");
  link_send_text (link, text);
  link->funcs->close (link->user_data, HC_CLOSE_TRY_AGAIN_LATER,
                      "too many sessions");
  return FALSE;
}

static void
handle_open (HcNode *self, HcNodeLink *link, HcMessage *message)
{
  const gchar *from = hc_message_get_from (message);
  g_autofree gchar *scheme = NULL, *path = NULL;
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (HcMessage) response = NULL;
  HcSession *old, *session;

  if (!hc_address_split (from, &scheme, NULL, &path)
      || g_strcmp0 (scheme, "runtime") != 0 || *path == '\0') {
    g_autofree gchar *text = hc_message_error_text_for_object (
        hc_message_get_object (message), SESSION_URL, 400,
        "open: \"from\" must be a runtime://<domain>/<id> URL");

    link_send_text (link, text);
    return;
  }

  old = g_hash_table_lookup (self->sessions, from);
  if (old && old->local) {
    /* The server's own hyperties cannot be taken over from a socket. */
    g_autofree gchar *text = hc_message_error_text_for_object (
        hc_message_get_object (message), SESSION_URL, 403,
        "open: this runtime URL belongs to the server");

    link_send_text (link, text);
    return;
  }
  if (old && old->link != link) {
    /* §3: a runtime URL is no secret; knowing one must not end that
     * runtime's session, connected or waiting for its re-open. */
    g_autofree gchar *text = hc_message_error_text_for_object (
        hc_message_get_object (message), SESSION_URL, 409,
        "open: this runtime already has a session (resume it with "
        "re-open)");

    link_send_text (link, text);
    return;
  }
  /* A new session (not one replacing the socket's own): [node]
   * max-sessions and max-sessions-per-ip. */
  if (link->session == NULL && !may_open (self, link, message))
    return;
  /* The socket's own session (maybe @old itself) ends, as close does. */
  if (link->session)
    end_session (self, link->session, "the socket opened a new session");

  session = add_session (self, from);
  session->peer = g_strdup (link_peer (link));
  self->n_remote_sessions++;
  peer_add (self->peer_sessions, session->peer, 1);
  bind_link (session, link);
  g_info ("session %s opened", from);

  body = json_object_new ();
  json_object_set_int_member (body, "code", 200);
  json_object_set_string_member (body, "runtimeToken", session->token);
  response = hc_message_new (HC_MESSAGE_RESPONSE, hc_message_get_id (message),
                             SESSION_URL, from, body);
  hc_session_deliver (session, response);
}

static void
handle_reopen (HcNode *self, HcNodeLink *link, HcMessage *message)
{
  const gchar *from = hc_message_get_from (message);
  const gchar *slash = strrchr (from, '/');
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (HcMessage) response = NULL;
  g_autofree gchar *runtime_url = NULL, *text = NULL;
  HcSession *session = NULL;

  if (slash)
    session = g_hash_table_lookup (self->tokens, slash + 1);
  if (session)
    runtime_url = g_strndup (from, slash - from);
  if (session == NULL || session->local
      || g_strcmp0 (runtime_url, session->runtime_url) != 0) {
    text = hc_message_error_text_for_object (
        hc_message_get_object (message), SESSION_URL, 404,
        "re-open: unknown or expired session token");
    link_send_text (link, text);
    return;
  }

  if (link->session && link->session != session)
    end_session (self, link->session, "the socket re-opened another session");
  take_over (session, link, "session resumed on another socket");
  bind_link (session, link);
  g_info ("session %s re-opened", session->runtime_url);

  body = json_object_new ();
  json_object_set_int_member (body, "code", 200);
  json_object_set_string_member (body, "runtimeToken", session->token);
  response = hc_message_new (HC_MESSAGE_RESPONSE, hc_message_get_id (message),
                             SESSION_URL, from, body);
  /* The answer first, then what waited for this session, in order. */
  text = hc_message_to_string (response);
  link_send_text (link, text);
  hc_session_flush (session);
}

static void
handle_session_component (HcNode *self, HcSession *session, HcMessage *message)
{
  if (hc_message_get_kind (message) != HC_MESSAGE_CLOSE) {
    reply_code (session, message, 400, "%s takes open, re-open and close",
                SESSION_URL);
    return;
  }
  /* §3: close may come from <runtimeURL> or <runtimeURL>/<token>; the
   * ownership check already tied `from` to this session. */
  reply (session, message, 200, NULL, NULL);
  end_session (self, session, "closed");
}

/* ---- §4 address allocation --------------------------------------------- */

/* FALSE, counted, with an error @code saying "@what: @n; at most @max"
 * when @n passes @max. */
static gboolean
within_limit (HcNode *self, HcLimit limit, guint n, guint max, gint code,
              const gchar *what, GError **error)
{
  if (n <= max)
    return TRUE;
  hc_node_count_limit (self, limit);
  g_set_error (error, HC_PROTOCOL_ERROR, code, "%s: %u; at most %u", what, n,
               max);
  return FALSE;
}

/* [node] max-resources: one request names at most that many addresses
 * (all its lists together), else 400 and nothing is done. */
static gboolean
check_resources (HcNode *self, guint n, GError **error)
{
  return within_limit (self, HC_LIMIT_RESOURCES, n, self->config.max_resources,
                       HC_PROTOCOL_ERROR_BAD_REQUEST,
                       "addresses named in one request", error);
}

static const HcJsonField allocation_create_fields[]
    = { { "scheme", HC_JSON_STRING, FALSE },
        { "value", HC_JSON_OBJECT, FALSE },
        { NULL } };

static const HcJsonField allocation_value_fields[]
    = { { "number", HC_JSON_INT, FALSE },
        { "allocationKey", HC_JSON_STRING | HC_JSON_NULL, FALSE },
        { NULL } };

static const HcJsonField allocation_delete_fields[]
    = { { "resource", HC_JSON_STRING, FALSE },
        { "childrenResources", HC_JSON_STRING_ARRAY, FALSE },
        { NULL } };

static void
allocate_addresses (HcNode *self, HcSession *session, HcMessage *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) allocated = NULL;
  g_autoptr (JsonObject) value = NULL;
  g_autoptr (JsonNode) value_node = NULL;
  JsonObject *body = hc_message_get_body (message), *request_value = NULL;
  const gchar *scheme = "hyperty";
  gint64 number = 1, i;

  if (!hc_json_check (body, "body", allocation_create_fields, &error)) {
    reply_error (session, message, error);
    return;
  }
  if (body && json_object_has_member (body, "scheme"))
    scheme = json_object_get_string_member (body, "scheme");
  if (body && json_object_has_member (body, "value"))
    request_value = json_object_get_object_member (body, "value");
  if (!hc_json_check (request_value, "body.value", allocation_value_fields,
                      &error)) {
    reply_error (session, message, error);
    return;
  }
  if (request_value && json_object_has_member (request_value, "number"))
    number = json_object_get_int_member (request_value, "number");

  if (!scheme_is_allocatable (scheme)) {
    reply_code (session, message, 400,
                "scheme must be hyperty, connection or comm, not \"%s\"",
                scheme);
    return;
  }
  if (number < 1 || number > MAX_ALLOCATION) {
    reply_code (session, message, 400, "number must be 1..%d", MAX_ALLOCATION);
    return;
  }
  if (g_hash_table_size (session->addresses) + number
      > self->config.max_addresses) {
    hc_node_count_limit (self, HC_LIMIT_ADDRESSES);
    reply_code (session, message, 429,
                "this session holds its maximum of %u addresses",
                self->config.max_addresses);
    return;
  }

  allocated = json_array_new ();
  for (i = 0; i < number; i++) {
    g_autofree gchar *address
        = hc_address_new_random (scheme, self->config.domain);

    take_address (self, session, address);
    json_array_add_string_element (allocated, address);
  }
  value = json_object_new ();
  json_object_set_array_member (value, "allocated", json_array_ref (allocated));
  value_node = json_node_init_object (json_node_alloc (), value);
  reply (session, message, 200, NULL, value_node);
}

static void
release_addresses (HcNode *self, HcSession *session, HcMessage *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  JsonObject *body = hc_message_get_body (message);
  guint i;

  if (!hc_json_check (body, "body", allocation_delete_fields, &error)) {
    reply_error (session, message, error);
    return;
  }
  if (body && json_object_has_member (body, "resource"))
    g_ptr_array_add (
        names, (gpointer)json_object_get_string_member (body, "resource"));
  if (body && json_object_has_member (body, "childrenResources")) {
    JsonArray *children
        = json_object_get_array_member (body, "childrenResources");

    for (i = 0; i < json_array_get_length (children); i++)
      g_ptr_array_add (names,
                       (gpointer)json_array_get_string_element (children, i));
  }
  if (names->len == 0) {
    reply_code (session, message, 400,
                "delete needs body.resource or body.childrenResources");
    return;
  }
  if (!check_resources (self, names->len, &error)) {
    reply_error (session, message, error);
    return;
  }
  /* All or nothing: refuse before releasing anything. */
  for (i = 0; i < names->len; i++) {
    HcSession *owner
        = g_hash_table_lookup (self->owners, g_ptr_array_index (names, i));

    if (owner && owner != session) {
      reply_code (session, message, 403, "%s belongs to another session",
                  (const gchar *)g_ptr_array_index (names, i));
      return;
    }
  }
  for (i = 0; i < names->len; i++) {
    if (g_hash_table_lookup (self->owners, g_ptr_array_index (names, i)))
      release_address (self, session, g_ptr_array_index (names, i), FALSE);
  }
  reply (session, message, 200, NULL, NULL);
}

static void
handle_allocation (HcNode *self, HcSession *session, HcMessage *message)
{
  switch (hc_message_get_kind (message)) {
    case HC_MESSAGE_CREATE:
      allocate_addresses (self, session, message);
      break;
    case HC_MESSAGE_DELETE:
      release_addresses (self, session, message);
      break;
    default:
      reply_code (session, message, 400,
                  "address allocation takes create and delete");
  }
}

/* ---- §5 node subscriptions --------------------------------------------- */

static const HcJsonField subscribe_fields[]
    = { { "resources", HC_JSON_STRING_ARRAY, FALSE },
        { "subscribe", HC_JSON_STRING_ARRAY, FALSE },
        { "source", HC_JSON_STRING, FALSE },
        { NULL } };

static const HcJsonField unsubscribe_fields[]
    = { { "resources", HC_JSON_STRING_ARRAY, FALSE },
        { "unsubscribe", HC_JSON_STRING_ARRAY, FALSE },
        { "subscribe", HC_JSON_STRING_ARRAY, FALSE },
        { "resource", HC_JSON_STRING, FALSE },
        { "childrenResources", HC_JSON_STRING_ARRAY, FALSE },
        { NULL } };

/* @body's member @a, else @b (nullable), both checked as string arrays
 * before.  No placeholder name for @b: a body may well hold a member
 * named "" (found by fuzz-message). */
static JsonArray *
first_array (JsonObject *body, const gchar *a, const gchar *b)
{
  if (body && json_object_has_member (body, a))
    return json_object_get_array_member (body, a);
  if (body && b && json_object_has_member (body, b))
    return json_object_get_array_member (body, b);
  return NULL;
}

static guint
array_length (JsonArray *array)
{
  return array ? json_array_get_length (array) : 0;
}

static gboolean
subscriptions_full (HcNode *self, guint n, GError **error)
{
  return !within_limit (self, HC_LIMIT_SUBSCRIPTIONS, n,
                        self->config.max_subscriptions,
                        HC_PROTOCOL_ERROR_TOO_MANY_REQUESTS,
                        "node subscriptions of this session", error);
}

/* All or nothing: a subscribe that would pass [node] max-subscriptions
 * adds none of its resources. */
static gboolean
fits_subscriptions (HcNode *self, HcSession *session, JsonArray *resources,
                    GError **error)
{
  guint n = g_hash_table_size (session->subscriptions);

  for (guint i = 0; i < json_array_get_length (resources); i++) {
    if (!g_hash_table_contains (session->subscriptions,
                                json_array_get_string_element (resources, i)))
      n++;
  }
  return !subscriptions_full (self, n, error);
}

static gboolean
add_subscription (HcNode *self, HcSession *session, const gchar *resource,
                  GError **error)
{
  GHashTable *set;
  HcSession *owner;

  if (g_hash_table_contains (session->subscriptions, resource))
    return TRUE;
  if (subscriptions_full (self, g_hash_table_size (session->subscriptions) + 1,
                          error))
    return FALSE;
  /* Subscribing to a bare address claims it (§4); one that another
   * session owns is that session's inbox, not a topic. */
  if (try_claim (self, session, resource, TRUE) == CLAIM_REFUSED) {
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_FORBIDDEN,
                 "%s was released by another runtime", resource);
    return FALSE;
  }
  owner = g_hash_table_lookup (self->owners, resource);
  if (owner == NULL)
    owner = g_hash_table_lookup (self->sessions, resource);
  if (owner && owner != session) {
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_FORBIDDEN,
                 "%s belongs to another session", resource);
    return FALSE;
  }

  set = g_hash_table_lookup (self->subscribers, resource);
  if (set == NULL) {
    set = g_hash_table_new (NULL, NULL);
    g_hash_table_insert (self->subscribers, g_strdup (resource), set);
  }
  g_hash_table_add (set, session);
  g_hash_table_add (session->subscriptions, g_strdup (resource));
  return TRUE;
}

/* Removes the session's subscriptions at or below @resource. */
static void
remove_subscriptions_below (HcNode *self, HcSession *session,
                            const gchar *resource)
{
  g_autoptr (GPtrArray) mine = NULL;
  guint i;

  mine = hc_table_snapshot (session->subscriptions, FALSE, TRUE);
  for (i = 0; i < mine->len; i++) {
    if (hc_address_is_at_or_below (g_ptr_array_index (mine, i), resource))
      remove_subscriber (self, session, g_ptr_array_index (mine, i));
  }
}

static void
handle_sm (HcNode *self, HcSession *session, HcMessage *message)
{
  g_autoptr (GError) error = NULL;
  JsonObject *body = hc_message_get_body (message);
  JsonArray *resources;
  guint i;

  switch (hc_message_get_kind (message)) {
    case HC_MESSAGE_SUBSCRIBE:
      if (!hc_json_check (body, "body", subscribe_fields, &error))
        break;
      resources = first_array (body, "resources", "subscribe");
      if (resources == NULL) {
        g_set_error_literal (
            &error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
            "subscribe needs body.resources or body.subscribe");
        break;
      }
      if (!check_resources (self, json_array_get_length (resources), &error))
        break;
      if (!fits_subscriptions (self, session, resources, &error))
        break;
      for (i = 0; i < json_array_get_length (resources) && !error; i++)
        add_subscription (self, session,
                          json_array_get_string_element (resources, i), &error);
      break;

    case HC_MESSAGE_UNSUBSCRIBE:
      if (!hc_json_check (body, "body", unsubscribe_fields, &error))
        break;
      resources = first_array (body, "resources", "unsubscribe");
      /* A reporter's runtime names what it stops forwarding as it named
       * it in the subscribe (ReporterObject.forwardUnSubscribe). */
      if (resources == NULL)
        resources = first_array (body, "subscribe", NULL);
      if (!check_resources (self,
                            array_length (resources)
                                + array_length (first_array (
                                    body, "childrenResources", NULL)),
                            &error))
        break;
      for (i = 0; resources && i < json_array_get_length (resources); i++)
        remove_subscriber (self, session,
                           json_array_get_string_element (resources, i));
      /* The Syncher's form: the resource and everything below it. */
      if (body && json_object_has_member (body, "resource")) {
        JsonArray *children = first_array (body, "childrenResources", NULL);

        remove_subscriptions_below (
            self, session, json_object_get_string_member (body, "resource"));
        for (i = 0; children && i < json_array_get_length (children); i++)
          remove_subscriptions_below (
              self, session, json_array_get_string_element (children, i));
      } else if (resources == NULL) {
        g_set_error_literal (
            &error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
            "unsubscribe needs body.resources, body.unsubscribe or "
            "body.resource");
      }
      break;

    default:
      g_set_error (&error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
                   "%s takes subscribe and unsubscribe", self->sm_url);
  }

  if (error)
    reply_error (session, message, error);
  else
    reply (session, message, 200, NULL, NULL);
}

/* ---- §7 registry ------------------------------------------------------- */

/* The runtime's unregister form names a hyperty as "/hyperty/<url>". */
#define HYPERTY_RESOURCE_PREFIX "/hyperty/"

static const HcJsonField registry_create_fields[]
    = { { "value", HC_JSON_OBJECT, TRUE }, { NULL } };

static const HcJsonField registry_update_fields[]
    = { { "resource", HC_JSON_STRING, TRUE },
        { "attribute", HC_JSON_STRING, FALSE },
        { NULL } };

static const HcJsonField registry_delete_fields[]
    = { { "resource", HC_JSON_STRING, FALSE },
        { "value", HC_JSON_OBJECT, FALSE },
        { NULL } };

static const HcJsonField registry_delete_value_fields[]
    = { { "name", HC_JSON_STRING, FALSE }, { NULL } };

static const HcJsonField registry_read_fields[]
    = { { "resource", HC_JSON_STRING, TRUE },
        { "criteria", HC_JSON_OBJECT, FALSE },
        { NULL } };

static gboolean
register_entry (HcNode *self, HcSession *session, JsonObject *entry,
                GError **error)
{
  const gchar *url = hc_json_get_string (entry, "url");

  if (url) {
    try_claim (self, session, url, TRUE);
    if (!hc_session_owns (session, url)) {
      g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_FORBIDDEN,
                   "registry: %s is not this session's address", url);
      return FALSE;
    }
  }
  return hc_registry_register (self->registry, entry, session->runtime_url,
                               error);
}

gboolean
hc_node_register_hyperty (HcNode *self, HcSession *session, JsonObject *entry,
                          GError **error)
{
  return register_entry (self, session, entry, error);
}

static const gchar *
entry_url_of (const gchar *resource)
{
  if (g_str_has_prefix (resource, HYPERTY_RESOURCE_PREFIX))
    return resource + strlen (HYPERTY_RESOURCE_PREFIX);
  return resource;
}

/* Who may change an entry: the runtime that registered it, even after it
 * released the entry's address (a runtime marks a deleted object
 * disconnected right after releasing its address, §7), or the session
 * that owns the address now. */
static gboolean
may_change_entry (HcNode *self, HcSession *session, const gchar *url,
                  GError **error)
{
  if (g_strcmp0 (hc_registry_get_registrant (self->registry, url),
                 session->runtime_url)
          == 0
      || hc_session_owns (session, url))
    return TRUE;
  g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_FORBIDDEN,
               "registry: %s was registered by another runtime", url);
  return FALSE;
}

/* Keep-alive, status and resume updates; the attribute form
 * ({attribute:"status", value:"disconnected"}) sets one member. */
static void
update_entry (HcNode *self, HcSession *session, JsonObject *body,
              GError **error)
{
  g_autoptr (JsonObject) wrapped = NULL;
  JsonObject *value = NULL;
  JsonNode *value_node;
  const gchar *url, *attribute;

  if (!hc_json_check (body, "body", registry_update_fields, error))
    return;
  url = entry_url_of (json_object_get_string_member (body, "resource"));
  attribute = hc_json_get_string (body, "attribute");
  value_node = json_object_get_member (body, "value");
  if (attribute && value_node) {
    wrapped = json_object_new ();
    json_object_set_member (wrapped, attribute,
                            hc_json_node_deep_copy (value_node));
    value = wrapped;
  } else if (value_node && !JSON_NODE_HOLDS_OBJECT (value_node)) {
    g_set_error_literal (error, HC_PROTOCOL_ERROR,
                         HC_PROTOCOL_ERROR_BAD_REQUEST,
                         "body: \"value\" must be an object, or name its "
                         "\"attribute\"");
    return;
  } else if (value_node) {
    value = json_node_get_object (value_node);
  }

  if (hc_registry_get (self->registry, url) == NULL) {
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_NOT_FOUND,
                 "registry: nothing registered at %s", url);
    return;
  }
  if (may_change_entry (self, session, url, error))
    hc_registry_update (self->registry, url, value, error);
}

/* By resource: that entry.  By body.value.name: the session's data-object
 * entries of that name.  Deleting what is not there succeeds. */
static void
delete_entries (HcNode *self, HcSession *session, JsonObject *body,
                GError **error)
{
  JsonObject *value;
  const gchar *url, *name;

  if (!hc_json_check (body, "body", registry_delete_fields, error))
    return;
  value = hc_json_get_object (body, "value");
  if (!hc_json_check (value, "body.value", registry_delete_value_fields, error))
    return;
  name = hc_json_get_string (value, "name");

  if (hc_json_get_string (body, "resource")) {
    url = entry_url_of (hc_json_get_string (body, "resource"));
    if (hc_registry_get (self->registry, url)
        && may_change_entry (self, session, url, error))
      hc_registry_remove (self->registry, url);
  } else if (name) {
    hc_registry_remove_by_name (self->registry, session->runtime_url, name);
  } else {
    g_set_error_literal (error, HC_PROTOCOL_ERROR,
                         HC_PROTOCOL_ERROR_BAD_REQUEST,
                         "registry delete needs body.resource or "
                         "body.value.name");
  }
}

/* A user lookup, or the entry registered at the URL @resource names. */
static JsonNode *
read_entries (HcNode *self, JsonObject *body, GError **error)
{
  g_autoptr (JsonObject) found = NULL;
  const gchar *resource;
  JsonObject *entry;

  if (!hc_json_check (body, "body", registry_read_fields, error))
    return NULL;
  resource = json_object_get_string_member (body, "resource");
  entry = hc_registry_get (self->registry, resource);
  if (entry) {
    JsonNode *copy = json_node_new (JSON_NODE_OBJECT);

    json_node_take_object (copy, hc_json_object_deep_copy (entry));
    return copy;
  }
  found = hc_registry_lookup (self->registry, resource,
                              hc_json_get_object (body, "criteria"), error);
  return found ? json_node_init_object (json_node_alloc (), found) : NULL;
}

static void
handle_registry (HcNode *self, HcSession *session, HcMessage *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) value = NULL;
  JsonObject *body = hc_message_get_body (message);

  /* body.policy, body.method ("refresh") and the like change nothing. */
  switch (hc_message_get_kind (message)) {
    case HC_MESSAGE_CREATE:
      if (hc_json_check (body, "body", registry_create_fields, &error))
        register_entry (self, session,
                        json_object_get_object_member (body, "value"), &error);
      break;
    case HC_MESSAGE_UPDATE:
      update_entry (self, session, body, &error);
      break;
    case HC_MESSAGE_DELETE:
      delete_entries (self, session, body, &error);
      break;
    case HC_MESSAGE_READ:
      value = read_entries (self, body, &error);
      break;
    default:
      g_set_error (&error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
                   "the registry takes create, read, update and delete");
  }

  if (error)
    reply_error (session, message, error);
  else
    reply (session, message, 200, NULL, value);
}

/* ---- §6 routing -------------------------------------------------------- */

static Component
component_of (HcNode *self, const gchar *to)
{
  if (g_str_equal (to, SESSION_URL))
    return COMPONENT_SESSION;
  if (g_str_equal (to, self->sm_url))
    return COMPONENT_SM;
  if (g_str_equal (to, self->registry_url))
    return COMPONENT_REGISTRY;
  if (hc_address_is_at_or_below (to, self->msg_node_prefix)) {
    const gchar *name = to + strlen (self->msg_node_prefix);

    /* The vert.x node names one component three ways (§4). */
    if (g_str_equal (name, "/address-allocation")
        || g_str_equal (name, "/object-address-allocation")
        || g_str_equal (name, "/hyperty-address-allocation"))
      return COMPONENT_ALLOCATION;
    return COMPONENT_UNKNOWN;
  }
  if (hc_address_is_at_or_below (to, self->registry_url))
    return COMPONENT_UNKNOWN;
  return COMPONENT_NONE;
}

/* §6.2: the session a point-to-point message goes to, or NULL. */
static HcSession *
point_to_point_target (HcNode *self, HcMessage *message)
{
  const gchar *to = hc_message_get_to (message);
  g_autofree gchar *matched = NULL;
  gboolean is_runtime = FALSE;
  HcSession *owner = lookup_owner (self, to, &matched, &is_runtime);
  const gchar *rest;

  if (owner == NULL)
    return NULL;
  if (is_runtime || hc_message_get_kind (message) == HC_MESSAGE_RESPONSE)
    return owner;
  rest = to + strlen (matched);
  if (*rest == '\0' || g_str_equal (rest, "/subscription"))
    return owner;
  return NULL;
}

static void
route (HcNode *self, HcSession *session, HcMessage *message)
{
  const gchar *from = hc_message_get_from (message);
  const gchar *to = hc_message_get_to (message);
  HcMessageType kind = hc_message_get_kind (message);
  g_autofree gchar *object_url = NULL, *handler_of = NULL;
  HcSession *target;

  if (kind == HC_MESSAGE_OPEN || kind == HC_MESSAGE_RE_OPEN) {
    reply_code (session, message, 400,
                "%s is only for sockets without a "
                "session",
                hc_message_get_kind_name (message));
    return;
  }

  /* §2 ownership (403), after the claim rule of §4. */
  if (!hc_session_owns (session, from)) {
    if (try_claim (self, session, from, FALSE) == CLAIM_REFUSED) {
      reply_code (session, message, 403,
                  "\"from\" %s was released by another runtime", from);
      return;
    }
    if (!hc_session_owns (session, from)) {
      reply_code (session, message, 403,
                  "\"from\" %s is not an address of this session", from);
      return;
    }
  }

  switch (component_of (self, to)) {
    case COMPONENT_SESSION:
      handle_session_component (self, session, message);
      return;
    case COMPONENT_ALLOCATION:
      handle_allocation (self, session, message);
      return;
    case COMPONENT_SM:
      handle_sm (self, session, message);
      return;
    case COMPONENT_REGISTRY:
      handle_registry (self, session, message);
      return;
    case COMPONENT_UNKNOWN:
      reply_code (session, message, 404, "no node component at %s", to);
      return;
    case COMPONENT_NONE:
      break;
  }

  /* §8: only the reporter may update or delete an object. */
  object_url = hc_address_strip_suffix (to, "/changes");
  if (object_url && (kind == HC_MESSAGE_UPDATE || kind == HC_MESSAGE_DELETE)
      && !hc_session_owns (session, object_url)) {
    reply_code (session, message, 403, "only the reporter of %s may %s it",
                object_url, hc_message_get_kind_name (message));
    return;
  }

  /* §8: an object nobody holds any more (deleted, its address released)
   * has no subscription handler, even if its old reporter still listens
   * at `<url>/subscription`: runtimes take the 404 as "already gone". */
  handler_of = hc_address_strip_suffix (to, "/subscription");
  if (handler_of
      && (kind == HC_MESSAGE_SUBSCRIBE || kind == HC_MESSAGE_UNSUBSCRIBE)
      && lookup_owner (self, handler_of, NULL, NULL) == NULL) {
    reply_code (session, message, 404, "no object at %s", handler_of);
    return;
  }

  target = point_to_point_target (self, message);
  if (target) {
    hc_session_deliver (target, message);
    return;
  }
  if (g_hash_table_contains (self->subscribers, to)) {
    fan_out (self, message, to);
    return;
  }
  /* Notifications nobody listens to are dropped silently (§6.3). */
  if (object_url || kind == HC_MESSAGE_RESPONSE) {
    g_debug ("dropped %s to %s: nobody listens",
             hc_message_get_kind_name (message), to);
    return;
  }
  reply_code (session, message, 404, "no route to %s", to);
}

/* ---- links ------------------------------------------------------------- */

HcNodeLink *
hc_node_attach_link (HcNode *self, const HcNodeLinkFuncs *funcs,
                     gpointer user_data)
{
  HcNodeLink *link = g_new0 (HcNodeLink, 1);

  link->node = self;
  link->funcs = funcs;
  link->user_data = user_data;
  g_hash_table_add (self->links, link);
  return link;
}

/* Answers an object that failed before it had a valid message. */
static void
link_reply_raw (HcNodeLink *link, JsonObject *object, const gchar *from,
                gint code, const gchar *desc)
{
  g_autofree gchar *text
      = hc_message_error_text_for_object (object, from, code, desc);

  if (text)
    link_send_text (link, text);
}

static const gchar *
raw_string (JsonObject *object, const gchar *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node && hc_json_kind_of (node) == HC_JSON_STRING)
    return json_node_get_string (node);
  return NULL;
}

typedef enum { RATE_OK, RATE_REFUSED, RATE_CLOSED } RateResult;

/* [node] max-rate (429) and rate-close-after: a client that ignores its
 * 429s is cut off (1008), before answering it costs more than its
 * messages do. */
static RateResult
take_rate (HcNode *self, HcNodeLink *link, HcRateBucket *bucket)
{
  if (hc_rate_bucket_take (bucket, self->config.max_rate))
    return RATE_OK;
  hc_node_count_limit (self, HC_LIMIT_RATE);
  if (self->config.rate_close_after == 0
      || hc_rate_bucket_refuse (bucket) <= self->config.rate_close_after)
    return RATE_REFUSED;
  hc_node_count_limit (self, HC_LIMIT_RATE_CLOSE);
  g_info ("%s: %u messages over its rate, closing with 1008",
          link->session ? link->session->runtime_url : link_peer (link),
          self->config.rate_close_after);
  link->funcs->close (link->user_data, HC_CLOSE_POLICY_VIOLATION,
                      "too many requests");
  return RATE_CLOSED;
}

void
hc_node_link_receive (HcNodeLink *link, const gchar *text, gssize length)
{
  HcNode *self = link->node;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) object = NULL;
  g_autoptr (HcMessage) message = NULL;
  const gchar *type, *to;
  gboolean opening;

  if (self == NULL)
    return;
  object = hc_message_parse_object_full (text, length,
                                         self->config.max_json_depth, &error);
  if (object == NULL) {
    self->dropped_frames++;
    if (g_error_matches (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_TOO_DEEP))
      hc_node_count_limit (self, HC_LIMIT_JSON_DEPTH);
    g_debug ("dropped a frame: %s", error->message);
    return;
  }

  type = raw_string (object, "type");
  to = raw_string (object, "to");
  opening = g_strcmp0 (type, "open") == 0 || g_strcmp0 (type, "re-open") == 0;

  /* What no session's bucket counts (frames before an open, and opens,
   * each of which makes or ends a session) counts on the socket's. */
  if (link->session == NULL || opening) {
    RateResult rate = take_rate (self, link, &link->rate);

    if (rate == RATE_REFUSED && g_strcmp0 (type, "response") != 0)
      link_reply_raw (link, object, to ? to : SESSION_URL, 429,
                      "this socket sent too many requests");
    if (rate != RATE_OK)
      return;
  }

  /* §2 order: 401 before 400. */
  if (link->session == NULL && !opening) {
    if (g_strcmp0 (type, "response") != 0)
      link_reply_raw (link, object, to ? to : SESSION_URL, 401,
                      "open a session first (open to mn:/session)");
    return;
  }

  message = hc_message_new_from_object (object, &error);
  if (message == NULL) {
    if (g_strcmp0 (type, "response") != 0)
      link_reply_raw (link, object, to ? to : SESSION_URL, 400, error->message);
    return;
  }

  if (opening) {
    if (g_strcmp0 (hc_message_get_to (message), SESSION_URL) != 0) {
      link_reply_raw (link, object, hc_message_get_to (message), 404,
                      "open and re-open go to mn:/session");
    } else if (hc_message_get_kind (message) == HC_MESSAGE_OPEN) {
      handle_open (self, link, message);
    } else {
      handle_reopen (self, link, message);
    }
    return;
  }

  switch (take_rate (self, link, &link->session->rate)) {
    case RATE_OK:
      route (self, link->session, message);
      break;
    case RATE_REFUSED:
      reply_code (link->session, message, 429,
                  "this session sent too many requests");
      break;
    case RATE_CLOSED:
      break;
  }
}

gboolean
hc_node_link_set_peer (HcNodeLink *link, const gchar *peer)
{
  HcNode *self = link->node;
  HcLimit limit;

  g_return_val_if_fail (link->peer == NULL, FALSE);
  /* The links counted so far, this one not among them yet. */
  limit = over_session_limits (self, g_hash_table_size (self->links) - 1,
                               self->peer_links, peer);
  link->peer = g_strdup (peer);
  peer_add (self->peer_links, peer, 1);
  return limit == HC_LIMIT_N;
}

void
hc_node_link_disconnected (HcNodeLink *link)
{
  HcNode *self = link->node;

  if (self) {
    g_hash_table_remove (self->links, link);
    if (link->peer)
      peer_add (self->peer_links, link->peer, -1);
    if (link->session)
      detach_session (self, link->session);
  }
  g_free (link->peer);
  g_free (link);
}

/* ---- in-process sessions ----------------------------------------------- */

HcSession *
hc_node_open_local_session (HcNode *self, const gchar *runtime_url,
                            HcLocalDeliverFunc deliver, gpointer user_data,
                            GDestroyNotify destroy)
{
  HcSession *session, *old;

  g_return_val_if_fail (deliver != NULL, NULL);
  old = g_hash_table_lookup (self->sessions, runtime_url);
  if (old)
    end_session (self, old, "replaced by a local session");
  session = add_session (self, runtime_url);
  session->local = TRUE;
  session->deliver = deliver;
  session->deliver_data = user_data;
  session->deliver_destroy = destroy;
  return session;
}

void
hc_node_post (HcNode *self, HcSession *session, HcMessage *message)
{
  g_return_if_fail (!session->ended);
  route (self, session, message);
}

gchar *
hc_node_allocate (HcNode *self, HcSession *session, const gchar *scheme)
{
  gchar *address;

  g_return_val_if_fail (scheme_is_allocatable (scheme), NULL);
  if (g_hash_table_size (session->addresses) >= self->config.max_addresses)
    return NULL;
  address = hc_address_new_random (scheme, self->config.domain);
  take_address (self, session, address);
  return address;
}

void
hc_node_subscribe (HcNode *self, HcSession *session, const gchar *resource)
{
  g_autoptr (GError) error = NULL;

  if (!add_subscription (self, session, resource, &error))
    g_warning ("%s: %s", session->runtime_url, error->message);
}

void
hc_node_unsubscribe (HcNode *self, HcSession *session, const gchar *resource)
{
  remove_subscriber (self, session, resource);
}

void
hc_node_close_session (HcNode *self, HcSession *session)
{
  end_session (self, session, "closed by its owner");
}

/* ---- introspection ----------------------------------------------------- */

guint
hc_node_count_sessions (HcNode *self)
{
  return g_hash_table_size (self->sessions);
}

guint
hc_node_count_links (HcNode *self)
{
  return g_hash_table_size (self->links);
}

guint64
hc_node_get_dropped_frames (HcNode *self)
{
  return self->dropped_frames;
}
