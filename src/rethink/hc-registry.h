/* hyperconf — the node's registry (PROTOCOL.md §7), private to
 * src/rethink.  Two kinds of entry, keyed by URL:
 *
 *  - hyperty entries ({user, url, descriptor, resources, dataSchemes, ...}),
 *    found by user lookups;
 *  - data-object entries ({url, reporter, schema, name, ...}, no user),
 *    which the Syncher registers before it creates a reporter object; only
 *    a read of the object URL returns them.
 *
 * Every entry remembers the runtime that registered it (the registrant):
 * that runtime may keep it alive and change its status even after it
 * released the entry's address, and its entries go when its session ends.
 * Entries expire after their `expires` seconds unless refreshed.
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HC_TYPE_REGISTRY (hc_registry_get_type ())
G_DECLARE_FINAL_TYPE (HcRegistry, hc_registry, HC, REGISTRY, GObject)

HcRegistry *hc_registry_new (void);

/**
 * hc_registry_register:
 * @entry: (transfer none): checked, then copied
 * @registrant: the runtime URL of the session registering it
 * Error: 400, naming what is missing or malformed.
 */
gboolean hc_registry_register (HcRegistry *self, JsonObject *entry,
                               const gchar *registrant, GError **error);
/**
 * hc_registry_update:
 * Applies `status`, `user`, `p2pHandler`, `p2pRequester` and `expires` of
 * @value (other members are ignored) and refreshes the expiry.
 * @value: (transfer none) (nullable)
 * Error: 400 malformed, 404 no entry at @url.
 */
gboolean hc_registry_update (HcRegistry *self, const gchar *url,
                             JsonObject *value, GError **error);
/**
 * hc_registry_lookup:
 * @resource: `user://...` or `/hyperty/user/<userURL>`
 * @criteria: (nullable): {resources?, dataSchemes?}
 * Returns: (transfer full) (nullable): {<url>: hyperty entry, ...}; %NULL
 *   with 404 when nothing matches, 400 for malformed criteria
 */
JsonObject *hc_registry_lookup (HcRegistry *self, const gchar *resource,
                                JsonObject *criteria, GError **error);
/* Returns: (transfer none) (nullable): the live entry at @url */
JsonObject *hc_registry_get (HcRegistry *self, const gchar *url);
/* Returns: (transfer none) (nullable): who registered the entry at @url */
const gchar *hc_registry_get_registrant (HcRegistry *self, const gchar *url);
void hc_registry_remove (HcRegistry *self, const gchar *url);
/* The address @url was released: its hyperty entry goes; a data-object
 * entry stays until its registrant deletes it, it expires, or the
 * registrant's session ends (runtimes mark it disconnected after the
 * release). */
void hc_registry_release (HcRegistry *self, const gchar *url);
/* Removes @registrant's data-object entries named @name; returns how many. */
guint hc_registry_remove_by_name (HcRegistry *self, const gchar *registrant,
                                  const gchar *name);
/* Removes every entry @registrant registered (its session ended). */
void hc_registry_remove_registrant (HcRegistry *self, const gchar *registrant);
guint hc_registry_count (HcRegistry *self);

G_END_DECLS
