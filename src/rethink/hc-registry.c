/* hyperconf — hyperty registry: register, keep alive, discover (§7). */
#define G_LOG_DOMAIN "hc-registry"

#include "hc-registry.h"
#include "hc-table.h"

#include <hyperconf/hc-error.h>
#include <hyperconf/hc-json-spec.h>

#include <string.h>

#define LOOKUP_PREFIX     "/hyperty/user/"
#define DEFAULT_EXPIRES_S 3600
#define MAX_EXPIRES_S     (7 * 24 * 3600)

typedef struct {
  JsonObject *entry;
  gint64 expires_at_us; /* monotonic */
  gint64 expires_s;
} RegistryEntry;

struct _HcRegistry {
  GObject parent_instance;
  GHashTable *entries; /* url -> RegistryEntry */
};

G_DEFINE_FINAL_TYPE (HcRegistry, hc_registry, G_TYPE_OBJECT)

static const HcJsonField entry_fields[]
    = { { "url", HC_JSON_STRING, TRUE },
        { "user", HC_JSON_STRING, TRUE },
        { "descriptor", HC_JSON_STRING, FALSE },
        { "runtime", HC_JSON_STRING, FALSE },
        { "status", HC_JSON_STRING, FALSE },
        { "resources", HC_JSON_STRING_ARRAY, FALSE },
        { "dataSchemes", HC_JSON_STRING_ARRAY, FALSE },
        { "expires", HC_JSON_INT, FALSE },
        { NULL } };

static const HcJsonField update_fields[]
    = { { "status", HC_JSON_STRING, FALSE },
        { "expires", HC_JSON_INT, FALSE },
        { NULL } };

static const HcJsonField criteria_fields[]
    = { { "resources", HC_JSON_STRING_ARRAY, FALSE },
        { "dataSchemes", HC_JSON_STRING_ARRAY, FALSE },
        { NULL } };

static void
registry_entry_free (gpointer data)
{
  RegistryEntry *entry = data;

  json_object_unref (entry->entry);
  g_free (entry);
}

static void
hc_registry_finalize (GObject *object)
{
  HcRegistry *self = HC_REGISTRY (object);

  g_hash_table_unref (self->entries);
  G_OBJECT_CLASS (hc_registry_parent_class)->finalize (object);
}

static void
hc_registry_class_init (HcRegistryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hc_registry_finalize;
}

static void
hc_registry_init (HcRegistry *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         registry_entry_free);
}

HcRegistry *
hc_registry_new (void)
{
  return g_object_new (HC_TYPE_REGISTRY, NULL);
}

static gboolean
status_valid (const gchar *status, GError **error)
{
  if (status == NULL || g_str_equal (status, "live")
      || g_str_equal (status, "disconnected"))
    return TRUE;
  g_set_error (
      error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
      "registry: status must be \"live\" or \"disconnected\", not \"%s\"",
      status);
  return FALSE;
}

static gint64
clamp_expires (JsonObject *object, gint64 fallback)
{
  gint64 expires;

  if (!json_object_has_member (object, "expires"))
    return fallback;
  expires = json_object_get_int_member (object, "expires");
  return CLAMP (expires, 1, MAX_EXPIRES_S);
}

gboolean
hc_registry_register (HcRegistry *self, JsonObject *entry, GError **error)
{
  RegistryEntry *stored;
  const gchar *url;

  if (!hc_json_check (entry, "registry entry", entry_fields, error))
    return FALSE;
  if (!status_valid (json_object_has_member (entry, "status")
                         ? json_object_get_string_member (entry, "status")
                         : NULL,
                     error))
    return FALSE;

  stored = g_new0 (RegistryEntry, 1);
  /* A deep copy: later status updates must not touch the sender's
   * (immutable) message. */
  stored->entry = hc_json_object_deep_copy (entry);
  if (!json_object_has_member (stored->entry, "status"))
    json_object_set_string_member (stored->entry, "status", "live");
  stored->expires_s = clamp_expires (entry, DEFAULT_EXPIRES_S);
  stored->expires_at_us
      = g_get_monotonic_time () + stored->expires_s * G_USEC_PER_SEC;
  url = json_object_get_string_member (entry, "url");
  g_hash_table_replace (self->entries, g_strdup (url), stored);
  g_debug ("registered %s for %s", url,
           json_object_get_string_member (entry, "user"));
  return TRUE;
}

static RegistryEntry *
lookup_live (HcRegistry *self, const gchar *url)
{
  RegistryEntry *entry = g_hash_table_lookup (self->entries, url);

  if (entry && entry->expires_at_us < g_get_monotonic_time ()) {
    g_debug ("%s expired", url);
    g_hash_table_remove (self->entries, url);
    return NULL;
  }
  return entry;
}

gboolean
hc_registry_update (HcRegistry *self, const gchar *url, JsonObject *value,
                    GError **error)
{
  RegistryEntry *entry;

  if (!hc_json_check (value, "registry update value", update_fields, error))
    return FALSE;
  if (value && json_object_has_member (value, "status")
      && !status_valid (json_object_get_string_member (value, "status"), error))
    return FALSE;
  entry = lookup_live (self, url);
  if (entry == NULL) {
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_NOT_FOUND,
                 "registry: no hyperty %s", url);
    return FALSE;
  }
  if (value && json_object_has_member (value, "status"))
    json_object_set_string_member (
        entry->entry, "status",
        json_object_get_string_member (value, "status"));
  if (value)
    entry->expires_s = clamp_expires (value, entry->expires_s);
  entry->expires_at_us
      = g_get_monotonic_time () + entry->expires_s * G_USEC_PER_SEC;
  return TRUE;
}

/* TRUE when every string of @wanted is in the entry's array @member. */
static gboolean
includes_all (JsonObject *entry, const gchar *member, JsonArray *wanted)
{
  JsonArray *have;
  guint i, j;

  if (wanted == NULL || json_array_get_length (wanted) == 0)
    return TRUE;
  if (!json_object_has_member (entry, member))
    return FALSE;
  have = json_object_get_array_member (entry, member);
  for (i = 0; i < json_array_get_length (wanted); i++) {
    const gchar *item = json_array_get_string_element (wanted, i);
    gboolean found = FALSE;

    for (j = 0; j < json_array_get_length (have) && !found; j++)
      found = g_strcmp0 (item, json_array_get_string_element (have, j)) == 0;
    if (!found)
      return FALSE;
  }
  return TRUE;
}

JsonObject *
hc_registry_lookup (HcRegistry *self, const gchar *resource,
                    JsonObject *criteria, GError **error)
{
  g_autoptr (JsonObject) result = json_object_new ();
  g_autoptr (GPtrArray) urls = NULL;
  JsonArray *resources = NULL, *schemes = NULL;
  const gchar *user = resource;
  guint i;

  if (!hc_json_check (criteria, "criteria", criteria_fields, error))
    return NULL;
  if (criteria && json_object_has_member (criteria, "resources"))
    resources = json_object_get_array_member (criteria, "resources");
  if (criteria && json_object_has_member (criteria, "dataSchemes"))
    schemes = json_object_get_array_member (criteria, "dataSchemes");
  if (g_str_has_prefix (resource, LOOKUP_PREFIX))
    user = resource + strlen (LOOKUP_PREFIX);

  urls = hc_table_snapshot (self->entries, FALSE, TRUE);
  for (i = 0; i < urls->len; i++) {
    const gchar *url = g_ptr_array_index (urls, i);
    RegistryEntry *entry = lookup_live (self, url);

    if (entry == NULL)
      continue;
    if (g_strcmp0 (json_object_get_string_member (entry->entry, "user"), user)
        != 0)
      continue;
    if (!includes_all (entry->entry, "resources", resources)
        || !includes_all (entry->entry, "dataSchemes", schemes))
      continue;
    json_object_set_object_member (
        result, json_object_get_string_member (entry->entry, "url"),
        hc_json_object_deep_copy (entry->entry));
  }
  if (json_object_get_size (result) == 0) {
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_NOT_FOUND,
                 "registry: no hyperty of %s matches", user);
    return NULL;
  }
  return g_steal_pointer (&result);
}

JsonObject *
hc_registry_get (HcRegistry *self, const gchar *url)
{
  RegistryEntry *entry = lookup_live (self, url);

  return entry ? entry->entry : NULL;
}

void
hc_registry_remove (HcRegistry *self, const gchar *url)
{
  g_hash_table_remove (self->entries, url);
}

guint
hc_registry_count (HcRegistry *self)
{
  return g_hash_table_size (self->entries);
}
