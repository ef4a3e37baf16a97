/* hyperconf — the node's hyperty registry (PROTOCOL.md §7), private to
 * src/rethink.  Entries are keyed by hyperty URL and expire after their
 * `expires` seconds unless refreshed by an update.
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HC_TYPE_REGISTRY (hc_registry_get_type ())
G_DECLARE_FINAL_TYPE (HcRegistry, hc_registry, HC, REGISTRY, GObject)

HcRegistry *hc_registry_new (void);

/* @entry: (transfer none): checked, then copied.  Error: 400. */
gboolean hc_registry_register (HcRegistry *self, JsonObject *entry,
                               GError **error);
/* Sets status (and refreshes expiry).  Error: 400, 404 unknown url. */
gboolean hc_registry_update (HcRegistry *self, const gchar *url,
                             JsonObject *value, GError **error);
/**
 * hc_registry_lookup:
 * @resource: `user://...` or `/hyperty/user/<userURL>`
 * @criteria: (nullable): {resources?, dataSchemes?}
 * Returns: (transfer full) (nullable): {<url>: entry, ...}; %NULL with 404
 *   when nothing matches, 400 for malformed criteria
 */
JsonObject *hc_registry_lookup (HcRegistry *self, const gchar *resource,
                                JsonObject *criteria, GError **error);
/* Returns: the URL's entry (transfer none) or NULL */
JsonObject *hc_registry_get (HcRegistry *self, const gchar *url);
void hc_registry_remove (HcRegistry *self, const gchar *url);
guint hc_registry_count (HcRegistry *self);

G_END_DECLS
