/* hyperconf — the sync engine of PROTOCOL.md §8: one versioned JSON data
 * object, changed by dot-path updates.  Pure JSON, no node: the reporter
 * side produces update bodies, the observer side applies them in version
 * order.
 *
 * Update bodies (§8):
 *   {version, attribute, value}              set (no `value` key: delete)
 *   {version, attribute:"a.b.<i>", attributeType:"array",
 *    operation:"add", value: elem | [elems]} insert at index i
 *   {version, attribute:"a.b.<i>", attributeType:"array",
 *    operation:"remove", value: count}       remove count items from i
 *                                            (one when there is no value)
 *   {version, attribute:"a.b.<i>", attributeType:"array", value}
 *                                            set the element at i
 *   an add whose attribute names the array itself appends.
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HC_SYNC_ERROR (hc_sync_error_quark ())
typedef enum {
  HC_SYNC_ERROR_BAD_UPDATE, /* malformed update body */
  HC_SYNC_ERROR_BAD_PATH,   /* path does not resolve / wrong container */
  HC_SYNC_ERROR_GAP,        /* version gap: the observer must re-subscribe */
} HcSyncError;
GQuark hc_sync_error_quark (void);

/**
 * hc_sync_apply_change:
 * Applies one update body to @data in place (version not checked).
 * @data: (transfer none): the object's data
 * @update: (transfer none): the update body
 * Returns: %FALSE with HC_SYNC_ERROR, leaving @data unchanged
 */
gboolean hc_sync_apply_change (JsonObject *data, JsonObject *update,
                               GError **error);

#define HC_TYPE_SYNC_OBJECT (hc_sync_object_get_type ())
G_DECLARE_FINAL_TYPE (HcSyncObject, hc_sync_object, HC, SYNC_OBJECT, GObject)

/**
 * hc_sync_object_new:
 * A reporter's object at version 0.
 * @data: (transfer none) (nullable): copied; empty object when %NULL
 * Returns: (transfer full)
 */
HcSyncObject *hc_sync_object_new (const gchar *url, JsonObject *data);

/**
 * hc_sync_object_new_observed:
 * An observer's object, not synced until hc_sync_object_reset.
 * Returns: (transfer full)
 */
HcSyncObject *hc_sync_object_new_observed (const gchar *url);

const gchar *hc_sync_object_get_url (HcSyncObject *self);
gint64 hc_sync_object_get_version (HcSyncObject *self);
/* Returns: (transfer none): the current data */
JsonObject *hc_sync_object_get_data (HcSyncObject *self);
/* Returns: (transfer none) (nullable): the node at dot path @path */
JsonNode *hc_sync_object_lookup (HcSyncObject *self, const gchar *path);

/* ---- reporter side: apply locally, raise the version by one, and return
 * the update body to send (transfer full), or NULL with HC_SYNC_ERROR. */
JsonObject *hc_sync_object_set (HcSyncObject *self, const gchar *path,
                                JsonNode *value, GError **error);
JsonObject *hc_sync_object_remove (HcSyncObject *self, const gchar *path,
                                   GError **error);
/* @index -1 appends; @value is one element or a JSON array of elements */
JsonObject *hc_sync_object_array_add (HcSyncObject *self,
                                      const gchar *array_path, gint index,
                                      JsonNode *value, GError **error);
JsonObject *hc_sync_object_array_remove (HcSyncObject *self,
                                         const gchar *array_path, guint index,
                                         guint count, GError **error);

/* ---- observer side ----------------------------------------------------- */

/**
 * hc_sync_object_reset:
 * Takes the snapshot of a subscribe response (`value.data`,
 * `value.version`), then applies the held updates whose version is above
 * it, in order.
 * @data: (transfer none): copied
 */
gboolean hc_sync_object_reset (HcSyncObject *self, JsonObject *data,
                               gint64 version, GError **error);

/**
 * hc_sync_object_apply:
 * An update from `<url>/changes`.  Before the first reset it is held.
 * At or below the current version: ignored (returns TRUE).  Exactly
 * version + 1: applied, "changed" emitted.  Above: HC_SYNC_ERROR_GAP (the
 * update is held so a later reset can use it).
 */
gboolean hc_sync_object_apply (HcSyncObject *self, JsonObject *update,
                               GError **error);

gboolean hc_sync_object_is_synced (HcSyncObject *self);

/* Signal "changed" (const gchar *attribute): emitted after each applied
 * update (reporter or observer side), and with attribute NULL after reset. */

G_END_DECLS
