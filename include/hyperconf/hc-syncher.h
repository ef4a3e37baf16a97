/* hyperconf — an in-process hyperty's reporter/observer machinery over the
 * node (PROTOCOL.md §8), like the reTHINK Syncher.
 *
 * An HcSyncher is one hyperty: a local node session with one hyperty
 * address.  It reports data objects (allocates their address, invites,
 * answers subscriptions, sends versioned updates) and observes other
 * hyperties' objects (node subscription to `<url>/changes`, subscribe
 * request, snapshot, updates in version order, re-subscribe on a gap).
 * Requests it does not handle itself reach the owner through the
 * "request" signal, which must answer with hc_syncher_respond().
 *
 * All on the node's main context.
 */
#pragma once

#include <hyperconf/hc-node.h>
#include <hyperconf/hc-sync-object.h>

G_BEGIN_DECLS

#define HC_TYPE_SYNCHER (hc_syncher_get_type ())
G_DECLARE_FINAL_TYPE (HcSyncher, hc_syncher, HC, SYNCHER, GObject)

/**
 * HcSyncherResponseFunc:
 * @response: (nullable): the response, %NULL when none came in time
 */
typedef void (*HcSyncherResponseFunc) (HcSyncher *self, HcMessage *response,
                                       gpointer user_data);

/**
 * hc_syncher_new:
 * Opens a local session @runtime_url on @node and allocates one hyperty
 * address for it.
 * Returns: (transfer full)
 */
HcSyncher *hc_syncher_new (HcNode *node, const gchar *runtime_url);

const gchar *hc_syncher_get_url (HcSyncher *self);
/* Returns: (transfer none) */
HcSession *hc_syncher_get_session (HcSyncher *self);
/* Returns: (transfer none) */
HcNode *hc_syncher_get_node (HcSyncher *self);
/* How long requests wait for a response (default 10000 ms). */
void hc_syncher_set_timeout (HcSyncher *self, guint timeout_ms);

/**
 * hc_syncher_request:
 * Sends a request from @from (an address this hyperty owns) and calls
 * @callback once with its response, or with %NULL after the timeout.
 * @body: (transfer none) (nullable)
 */
void hc_syncher_request (HcSyncher *self, HcMessageType type, const gchar *from,
                         const gchar *to, JsonObject *body,
                         HcSyncherResponseFunc callback, gpointer user_data);

/* Answers @request (from its `to`, to its `from`). */
void hc_syncher_respond (HcSyncher *self, HcMessage *request, gint code,
                         const gchar *desc, JsonNode *value);

/* ---- reporter ----------------------------------------------------------- */

/**
 * hc_syncher_report:
 * Creates an object at a newly allocated `<scheme>://<domain>/<uuid>`.
 * @data: (transfer none) (nullable): its initial data
 * Returns: (transfer none) (nullable): the object, owned by @self until
 *   hc_syncher_delete_reported; %NULL when no address could be allocated
 */
HcSyncObject *hc_syncher_report (HcSyncher *self, const gchar *scheme,
                                 const gchar *schema, const gchar *name,
                                 JsonObject *data);

/**
 * hc_syncher_invite:
 * Sends the invitation of §8 (create from `<url>/subscription`, value =
 * metadata) to @invitee.
 * @identity: (nullable) (transfer none)
 */
void hc_syncher_invite (HcSyncher *self, HcSyncObject *object,
                        const gchar *invitee, JsonObject *identity,
                        HcSyncherResponseFunc callback, gpointer user_data);

/**
 * hc_syncher_publish:
 * Sends an update body made by hc_sync_object_set() and friends to
 * `<url>/changes`.
 * @update: (transfer full)
 */
void hc_syncher_publish (HcSyncher *self, HcSyncObject *object,
                         JsonObject *update);

/* Convenience: set @path to @value (transfer none) and publish. */
gboolean hc_syncher_set (HcSyncher *self, HcSyncObject *object,
                         const gchar *path, JsonNode *value, GError **error);
/* Convenience: remove @path and publish. */
gboolean hc_syncher_remove (HcSyncher *self, HcSyncObject *object,
                            const gchar *path, GError **error);

/* Sends delete to `<url>/changes` and releases the address. */
void hc_syncher_delete_reported (HcSyncher *self, HcSyncObject *object);

/* Returns: (transfer none) (nullable): a reported object by URL */
HcSyncObject *hc_syncher_lookup_reported (HcSyncher *self, const gchar *url);

/* ---- observer ----------------------------------------------------------- */

/**
 * HcSyncherObserveFunc:
 * @object: (nullable): the synced object, %NULL when refused
 * @code: the subscribe response code (408 when none came)
 */
typedef void (*HcSyncherObserveFunc) (HcSyncher *self, HcSyncObject *object,
                                      gint code, gpointer user_data);

/**
 * hc_syncher_observe:
 * Subscribes to the object at @url; @callback is called once, with the
 * object when the snapshot arrived or with %NULL and the error code (the
 * subscription is then dropped).  Updates then emit the object's
 * "changed"; a delete emits "object-deleted".
 */
void hc_syncher_observe (HcSyncher *self, const gchar *url,
                         HcSyncherObserveFunc callback, gpointer user_data);

/* Sends unsubscribe to `<url>/subscription` and forgets the object. */
void hc_syncher_unobserve (HcSyncher *self, const gchar *url);

/* Returns: (transfer none) (nullable): an observed object by URL */
HcSyncObject *hc_syncher_lookup_observed (HcSyncher *self, const gchar *url);

/* Signals:
 *  "request" (HcMessage *request): a request nobody here handles
 *     (invitations among them); answer it with hc_syncher_respond.
 *  "observer-added" (HcSyncObject *reported, const gchar *subscriber)
 *  "observer-removed" (HcSyncObject *reported, const gchar *subscriber)
 *  "object-deleted" (HcSyncObject *observed): its reporter deleted it or
 *     its session ended; emitted before the object is dropped.
 */

G_END_DECLS
