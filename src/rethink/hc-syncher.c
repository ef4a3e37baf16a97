/* hyperconf — reporter/observer machinery of in-process hyperties (§8).
 *
 *   node ──deliver──▶ on_message ─┬─ response ─────────▶ pending request
 *                                 ├─ <reported>/subscription: subscribe,
 *                                 │    unsubscribe (answered here)
 *                                 ├─ <observed>/changes: update, delete
 *                                 └─ anything else ───▶ "request" signal
 */
#define G_LOG_DOMAIN "hc-sync"

#include <hyperconf/hc-syncher.h>
#include <hyperconf/hc-address.h>
#include <hyperconf/hc-error.h>
#include <hyperconf/hc-json-spec.h>

#define DEFAULT_TIMEOUT_MS 10000

typedef struct {
  HcSyncher *self;
  gint64 id;
  HcSyncherResponseFunc callback;
  gpointer user_data;
  GDestroyNotify destroy; /* of user_data, after the callback or unused */
  GSource *timeout;
} Pending;

typedef struct {
  HcSyncObject *object;
  JsonObject *metadata;
  GHashTable *subscribers; /* hyperty url -> `from` of its subscribe */
} Reported;

typedef struct {
  HcSyncObject *object;
  HcSyncherObserveFunc callback; /* until the first snapshot */
  gpointer user_data;
  gboolean resyncing;
} Observed;

struct _HcSyncher {
  GObject parent_instance;

  HcNode *node;
  HcSession *session;
  gchar *url;
  guint timeout_ms;

  GHashTable *pending;  /* gint64 id -> Pending */
  GHashTable *reported; /* url -> Reported */
  GHashTable *observed; /* url -> Observed */
};

enum {
  SIGNAL_REQUEST,
  SIGNAL_OBSERVER_ADDED,
  SIGNAL_OBSERVER_REMOVED,
  SIGNAL_OBJECT_DELETED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HcSyncher, hc_syncher, G_TYPE_OBJECT)

static void
pending_free (gpointer data)
{
  Pending *pending = data;

  if (pending->timeout) {
    g_source_destroy (pending->timeout);
    g_source_unref (pending->timeout);
  }
  if (pending->destroy)
    pending->destroy (pending->user_data);
  g_free (pending);
}

static void
reported_free (gpointer data)
{
  Reported *reported = data;

  g_object_unref (reported->object);
  json_object_unref (reported->metadata);
  g_hash_table_unref (reported->subscribers);
  g_free (reported);
}

static void
observed_free (gpointer data)
{
  Observed *observed = data;

  g_object_unref (observed->object);
  g_free (observed);
}

static void
hc_syncher_dispose (GObject *object)
{
  HcSyncher *self = HC_SYNCHER (object);

  if (self->session)
    hc_node_close_session (self->node, self->session); /* -> session_gone */
  g_hash_table_remove_all (self->pending);
  g_hash_table_remove_all (self->observed);
  g_hash_table_remove_all (self->reported);
  g_clear_object (&self->node);
  G_OBJECT_CLASS (hc_syncher_parent_class)->dispose (object);
}

static void
hc_syncher_finalize (GObject *object)
{
  HcSyncher *self = HC_SYNCHER (object);

  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->reported);
  g_hash_table_unref (self->observed);
  g_free (self->url);
  G_OBJECT_CLASS (hc_syncher_parent_class)->finalize (object);
}

static void
hc_syncher_class_init (HcSyncherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hc_syncher_dispose;
  object_class->finalize = hc_syncher_finalize;

  /* Returns TRUE when a handler answered the request. */
  signals[SIGNAL_REQUEST]
      = g_signal_new ("request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                      0, g_signal_accumulator_true_handled, NULL, NULL,
                      G_TYPE_BOOLEAN, 1, HC_TYPE_MESSAGE);
  signals[SIGNAL_OBSERVER_ADDED] = g_signal_new (
      "observer-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 2, HC_TYPE_SYNC_OBJECT, G_TYPE_STRING);
  signals[SIGNAL_OBSERVER_REMOVED] = g_signal_new (
      "observer-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 2, HC_TYPE_SYNC_OBJECT, G_TYPE_STRING);
  signals[SIGNAL_OBJECT_DELETED] = g_signal_new (
      "object-deleted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 1, HC_TYPE_SYNC_OBJECT);
}

static void
hc_syncher_init (HcSyncher *self)
{
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  self->pending
      = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, pending_free);
  self->reported
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, reported_free);
  self->observed
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, observed_free);
}

/* ---- sending -------------------------------------------------------- */

static void
post (HcSyncher *self, HcMessageType type, gint64 id, const gchar *from,
      const gchar *to, JsonObject *body)
{
  if (self->session == NULL)
    return;

  g_autoptr (JsonNode) id_node = json_node_init_int (json_node_alloc (), id);
  g_autoptr (HcMessage) message
      = hc_message_new (type, id_node, from, to, body);

  hc_node_post (self->node, self->session, message);
}

static gboolean
request_timed_out (gpointer user_data)
{
  Pending *pending = user_data;
  HcSyncher *self = pending->self;
  HcSyncherResponseFunc callback = pending->callback;
  gpointer callback_data = pending->user_data;

  g_clear_pointer (&pending->timeout, g_source_unref);
  g_debug ("%s: request %" G_GINT64_FORMAT " timed out", self->url,
           pending->id);
  g_hash_table_steal (self->pending, &pending->id);
  if (callback)
    callback (self, NULL, callback_data);
  pending_free (pending);
  return G_SOURCE_REMOVE;
}

static void
request_full (HcSyncher *self, HcMessageType type, const gchar *from,
              const gchar *to, JsonObject *body, HcSyncherResponseFunc callback,
              gpointer user_data, GDestroyNotify destroy)
{
  Pending *pending;

  if (self->session == NULL) {
    if (callback)
      callback (self, NULL, user_data);
    if (destroy)
      destroy (user_data);
    return;
  }
  pending = g_new0 (Pending, 1);
  pending->self = self;
  pending->id = hc_session_next_id (self->session);
  pending->callback = callback;
  pending->user_data = user_data;
  pending->destroy = destroy;
  pending->timeout = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (pending->timeout, request_timed_out, pending, NULL);
  g_source_attach (pending->timeout, g_main_context_get_thread_default ());
  g_hash_table_insert (self->pending, &pending->id, pending);
  post (self, type, pending->id, from, to, body);
}

void
hc_syncher_request (HcSyncher *self, HcMessageType type, const gchar *from,
                    const gchar *to, JsonObject *body,
                    HcSyncherResponseFunc callback, gpointer user_data)
{
  request_full (self, type, from, to, body, callback, user_data, NULL);
}

void
hc_syncher_respond (HcSyncher *self, HcMessage *request, gint code,
                    const gchar *desc, JsonNode *value)
{
  g_autoptr (HcMessage) response
      = hc_message_new_response (request, code, desc, value);

  if (self->session)
    hc_node_post (self->node, self->session, response);
}

/* ---- reporter ------------------------------------------------------- */

static gchar *
now_iso8601 (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format_iso8601 (now);
}

HcSyncObject *
hc_syncher_report (HcSyncher *self, const gchar *scheme, const gchar *schema,
                   const gchar *name, JsonObject *data)
{
  g_autofree gchar *url = hc_node_allocate (self->node, self->session, scheme);
  g_autofree gchar *created = now_iso8601 ();
  Reported *reported;

  if (url == NULL)
    return NULL;
  reported = g_new0 (Reported, 1);
  reported->object = hc_sync_object_new (url, data);
  reported->subscribers
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* §8: the runtime's DataObject refuses a value without these. */
  reported->metadata = json_object_new ();
  json_object_set_string_member (reported->metadata, "url", url);
  json_object_set_string_member (reported->metadata, "reporter", self->url);
  json_object_set_string_member (reported->metadata, "schema", schema);
  json_object_set_string_member (reported->metadata, "name", name);
  json_object_set_string_member (reported->metadata, "created", created);
  json_object_set_string_member (reported->metadata, "runtime",
                                 hc_session_get_runtime_url (self->session));
  json_object_set_string_member (reported->metadata, "status", "live");
  g_hash_table_insert (self->reported, g_strdup (url), reported);
  return reported->object;
}

HcSyncObject *
hc_syncher_lookup_reported (HcSyncher *self, const gchar *url)
{
  Reported *reported = g_hash_table_lookup (self->reported, url);

  return reported ? reported->object : NULL;
}

void
hc_syncher_invite (HcSyncher *self, HcSyncObject *object, const gchar *invitee,
                   JsonObject *identity, HcSyncherResponseFunc callback,
                   gpointer user_data)
{
  const gchar *url = hc_sync_object_get_url (object);
  Reported *reported = g_hash_table_lookup (self->reported, url);
  g_autoptr (JsonObject) body = json_object_new ();
  g_autofree gchar *from = g_strdup_printf ("%s/subscription", url);

  g_return_if_fail (reported != NULL);
  json_object_set_string_member (body, "source", self->url);
  json_object_set_string_member (
      body, "schema",
      json_object_get_string_member (reported->metadata, "schema"));
  if (identity)
    json_object_set_object_member (body, "identity",
                                   json_object_ref (identity));
  json_object_set_object_member (body, "value",
                                 json_object_ref (reported->metadata));
  hc_syncher_request (self, HC_MESSAGE_CREATE, from, invitee, body, callback,
                      user_data);
}

void
hc_syncher_publish (HcSyncher *self, HcSyncObject *object, JsonObject *update)
{
  const gchar *url = hc_sync_object_get_url (object);
  g_autofree gchar *to = g_strdup_printf ("%s/changes", url);
  g_autoptr (JsonObject) body = update;

  json_object_set_string_member (body, "source", self->url);
  post (self, HC_MESSAGE_UPDATE, hc_session_next_id (self->session), url, to,
        body);
}

gboolean
hc_syncher_set (HcSyncher *self, HcSyncObject *object, const gchar *path,
                JsonNode *value, GError **error)
{
  JsonObject *update = hc_sync_object_set (object, path, value, error);

  if (update == NULL)
    return FALSE;
  hc_syncher_publish (self, object, update);
  return TRUE;
}

gboolean
hc_syncher_remove (HcSyncher *self, HcSyncObject *object, const gchar *path,
                   GError **error)
{
  JsonObject *update = hc_sync_object_remove (object, path, error);

  if (update == NULL)
    return FALSE;
  hc_syncher_publish (self, object, update);
  return TRUE;
}

void
hc_syncher_delete_reported (HcSyncher *self, HcSyncObject *object)
{
  g_autofree gchar *url = g_strdup (hc_sync_object_get_url (object));
  g_autofree gchar *from = g_strdup_printf ("%s/subscription", url);
  g_autofree gchar *to = g_strdup_printf ("%s/changes", url);
  g_autoptr (JsonObject) body = json_object_new ();
  g_autoptr (JsonArray) release = json_array_new ();

  g_return_if_fail (g_hash_table_contains (self->reported, url));
  post (self, HC_MESSAGE_DELETE, hc_session_next_id (self->session), from, to,
        NULL);
  g_hash_table_remove (self->reported, url);

  /* Release the address, as a runtime would, through the node. */
  json_array_add_string_element (release, url);
  json_object_set_array_member (body, "childrenResources",
                                json_array_ref (release));
  {
    g_autofree gchar *alloc
        = g_strdup_printf ("domain://msg-node.%s/address-allocation",
                           hc_node_get_domain (self->node));

    hc_syncher_request (self, HC_MESSAGE_DELETE, self->url, alloc, body, NULL,
                        NULL);
  }
}

/* The observer hyperty a subscription request names, or NULL. */
static const gchar *
named_subscriber (HcMessage *message)
{
  const gchar *subscriber = hc_message_body_get_string (message, "subscriber");

  return subscriber ? subscriber
                    : hc_message_body_get_string (message, "source");
}

static void
remove_subscriber (HcSyncher *self, Reported *reported, const gchar *subscriber)
{
  g_autofree gchar *removed = g_strdup (subscriber);

  if (g_hash_table_remove (reported->subscribers, removed))
    g_signal_emit (self, signals[SIGNAL_OBSERVER_REMOVED], 0, reported->object,
                   removed);
}

/* A runtime's unsubscribe names only the object ({resource}) and comes
 * from its `<runtime>/sm`, as its subscribe did: it ends the subscriptions
 * that subscribe started. */
static void
remove_subscribers_from (HcSyncher *self, Reported *reported, const gchar *from)
{
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer subscriber, subscribed_from;
  guint i;

  g_hash_table_iter_init (&iter, reported->subscribers);
  while (g_hash_table_iter_next (&iter, &subscriber, &subscribed_from)) {
    if (g_strcmp0 (subscribed_from, from) == 0)
      g_ptr_array_add (gone, g_strdup (subscriber));
  }
  for (i = 0; i < gone->len; i++)
    remove_subscriber (self, reported, g_ptr_array_index (gone, i));
}

static void
handle_subscription_request (HcSyncher *self, Reported *reported,
                             HcMessage *message)
{
  const gchar *from = hc_message_get_from (message);
  const gchar *subscriber = named_subscriber (message);

  switch (hc_message_get_kind (message)) {
    case HC_MESSAGE_SUBSCRIBE: {
      g_autoptr (JsonObject) value
          = hc_json_object_deep_copy (reported->metadata);
      g_autoptr (JsonObject) body = json_object_new ();
      g_autoptr (HcMessage) response = NULL;

      json_object_set_object_member (
          value, "data",
          hc_json_object_deep_copy (
              hc_sync_object_get_data (reported->object)));
      json_object_set_int_member (
          value, "version", hc_sync_object_get_version (reported->object));
      json_object_set_int_member (body, "code", 200);
      json_object_set_string_member (
          body, "schema",
          json_object_get_string_member (reported->metadata, "schema"));
      json_object_set_object_member (body, "value", g_steal_pointer (&value));
      response = hc_message_new (
          HC_MESSAGE_RESPONSE, hc_message_get_id (message),
          hc_message_get_to (message), hc_message_get_from (message), body);
      hc_node_post (self->node, self->session, response);
      if (subscriber == NULL)
        subscriber = from;
      g_hash_table_insert (reported->subscribers, g_strdup (subscriber),
                           g_strdup (from));
      g_signal_emit (self, signals[SIGNAL_OBSERVER_ADDED], 0, reported->object,
                     subscriber);
      break;
    }
    case HC_MESSAGE_UNSUBSCRIBE:
      hc_syncher_respond (self, message, 200, NULL, NULL);
      if (subscriber)
        remove_subscriber (self, reported, subscriber);
      else
        remove_subscribers_from (self, reported, from);
      break;
    default:
      hc_syncher_respond (
          self, message, 400,
          "a subscription handler takes subscribe and unsubscribe", NULL);
  }
}

/* ---- observer ------------------------------------------------------- */

static void send_subscribe (HcSyncher *self, const gchar *url);

static void
forget_observed (HcSyncher *self, const gchar *url)
{
  g_autofree gchar *changes = g_strdup_printf ("%s/changes", url);

  if (self->session)
    hc_node_unsubscribe (self->node, self->session, changes);
  g_hash_table_remove (self->observed, url);
}

static void
subscribe_answered (HcSyncher *self, HcMessage *response, gpointer user_data)
{
  const gchar *url = user_data;
  Observed *observed = g_hash_table_lookup (self->observed, url);
  g_autoptr (GError) error = NULL;
  HcSyncherObserveFunc callback;
  JsonObject *value;
  gint code = response ? hc_message_get_code (response) : 408;

  if (observed == NULL)
    return; /* unobserved meanwhile */
  observed->resyncing = FALSE;
  value = response ? hc_message_body_get_object (response, "value") : NULL;
  if (code == 200 && value && json_object_has_member (value, "data")
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (value, "data"))) {
    JsonNode *version = json_object_get_member (value, "version");

    if (hc_sync_object_reset (
            observed->object, json_object_get_object_member (value, "data"),
            version && hc_json_kind_of (version) == HC_JSON_INT
                ? json_node_get_int (version)
                : 0,
            &error)) {
      callback = observed->callback;
      observed->callback = NULL;
      if (callback)
        callback (self, observed->object, 200, observed->user_data);
      return;
    }
    g_warning ("%s: snapshot of %s unusable: %s", self->url, url,
               error->message);
  }
  if (code == 200)
    code = 400;
  callback = observed->callback;
  {
    gpointer callback_data = observed->user_data;

    forget_observed (self, url);
    if (callback)
      callback (self, NULL, code, callback_data);
  }
}

static void
send_subscribe (HcSyncher *self, const gchar *url)
{
  g_autoptr (JsonObject) body = json_object_new ();
  g_autofree gchar *to = g_strdup_printf ("%s/subscription", url);

  json_object_set_string_member (body, "subscriber", self->url);
  request_full (self, HC_MESSAGE_SUBSCRIBE, self->url, to, body,
                subscribe_answered, g_strdup (url), g_free);
}

void
hc_syncher_observe (HcSyncher *self, const gchar *url,
                    HcSyncherObserveFunc callback, gpointer user_data)
{
  g_autofree gchar *changes = g_strdup_printf ("%s/changes", url);
  Observed *observed;

  g_return_if_fail (!g_hash_table_contains (self->observed, url));
  observed = g_new0 (Observed, 1);
  observed->object = hc_sync_object_new_observed (url);
  observed->callback = callback;
  observed->user_data = user_data;
  g_hash_table_insert (self->observed, g_strdup (url), observed);
  /* §8: listen first, then ask; updates before the answer are held. */
  hc_node_subscribe (self->node, self->session, changes);
  send_subscribe (self, url);
}

void
hc_syncher_unobserve (HcSyncher *self, const gchar *url)
{
  g_autofree gchar *to = g_strdup_printf ("%s/subscription", url);
  g_autoptr (JsonObject) body = json_object_new ();

  if (!g_hash_table_contains (self->observed, url))
    return;
  forget_observed (self, url);
  json_object_set_string_member (body, "subscriber", self->url);
  hc_syncher_request (self, HC_MESSAGE_UNSUBSCRIBE, self->url, to, body, NULL,
                      NULL);
}

HcSyncObject *
hc_syncher_lookup_observed (HcSyncher *self, const gchar *url)
{
  Observed *observed = g_hash_table_lookup (self->observed, url);

  return observed ? observed->object : NULL;
}

static void
handle_change (HcSyncher *self, Observed *observed, const gchar *url,
               HcMessage *message)
{
  g_autoptr (GError) error = NULL;
  JsonObject *body = hc_message_get_body (message);

  switch (hc_message_get_kind (message)) {
    case HC_MESSAGE_UPDATE:
      if (body == NULL) {
        g_debug ("%s: update of %s without a body", self->url, url);
        return;
      }
      if (hc_sync_object_apply (observed->object, body, &error))
        return;
      if (g_error_matches (error, HC_SYNC_ERROR, HC_SYNC_ERROR_GAP)) {
        /* §8: an observer that sees a gap re-subscribes. */
        if (!observed->resyncing) {
          observed->resyncing = TRUE;
          g_debug ("%s: gap on %s, re-subscribing", self->url, url);
          send_subscribe (self, url);
        }
        return;
      }
      g_warning ("%s: update of %s refused: %s", self->url, url,
                 error->message);
      return;
    case HC_MESSAGE_DELETE: {
      g_autoptr (HcSyncObject) object = g_object_ref (observed->object);
      g_autofree gchar *owned_url = g_strdup (url);

      g_signal_emit (self, signals[SIGNAL_OBJECT_DELETED], 0, object);
      forget_observed (self, owned_url);
      return;
    }
    default:
      g_debug ("%s: ignored %s to %s/changes", self->url,
               hc_message_get_kind_name (message), url);
  }
}

/* ---- dispatch ------------------------------------------------------- */

static void
on_message (HcSession *session, HcMessage *message, gpointer user_data)
{
  HcSyncher *self = user_data;
  const gchar *to = hc_message_get_to (message);
  g_autofree gchar *subscription = NULL, *changes = NULL;
  gboolean handled = FALSE;

  g_object_ref (self);
  if (hc_message_get_kind (message) == HC_MESSAGE_RESPONSE) {
    JsonNode *id = hc_message_get_id (message);
    Pending *pending = NULL;

    if (hc_json_kind_of (id) == HC_JSON_INT) {
      gint64 key = json_node_get_int (id);

      pending = g_hash_table_lookup (self->pending, &key);
    }
    if (pending) {
      g_hash_table_steal (self->pending, &pending->id);
      if (pending->callback)
        pending->callback (self, message, pending->user_data);
      pending_free (pending);
    }
    goto out;
  }

  subscription = hc_address_strip_suffix (to, "/subscription");
  if (subscription) {
    Reported *reported = g_hash_table_lookup (self->reported, subscription);

    if (reported) {
      handle_subscription_request (self, reported, message);
    } else {
      /* §8: runtimes take 404 for "already deleted". */
      hc_syncher_respond (self, message, 404,
                          "no such object here (deleted, or never reported)",
                          NULL);
    }
    goto out;
  }
  changes = hc_address_strip_suffix (to, "/changes");
  if (changes) {
    Observed *observed = g_hash_table_lookup (self->observed, changes);

    if (observed)
      handle_change (self, observed, changes, message);
    goto out; /* notifications are never answered */
  }

  g_signal_emit (self, signals[SIGNAL_REQUEST], 0, message, &handled);
  if (!handled)
    hc_syncher_respond (self, message, 501, "not handled by this hyperty",
                        NULL);
out:
  g_object_unref (self);
}

/* The node ended the session (node disposed, or replaced). */
static void
session_gone (gpointer user_data)
{
  HcSyncher *self = user_data;

  self->session = NULL;
}

HcSyncher *
hc_syncher_new (HcNode *node, const gchar *runtime_url)
{
  HcSyncher *self = g_object_new (HC_TYPE_SYNCHER, NULL);

  self->node = g_object_ref (node);
  self->session = hc_node_open_local_session (node, runtime_url, on_message,
                                              self, session_gone);
  self->url = hc_node_allocate (node, self->session, "hyperty");
  return self;
}

const gchar *
hc_syncher_get_url (HcSyncher *self)
{
  return self->url;
}

HcSession *
hc_syncher_get_session (HcSyncher *self)
{
  return self->session;
}

HcNode *
hc_syncher_get_node (HcSyncher *self)
{
  return self->node;
}

void
hc_syncher_set_timeout (HcSyncher *self, guint timeout_ms)
{
  self->timeout_ms = timeout_ms;
}
