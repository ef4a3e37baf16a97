/* hyperconf — the registry: register, keep alive, discover (§7). */
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
  gchar *registrant; /* runtime URL */
  gboolean data_object;
  gint64 expires_at_us; /* monotonic */
  gint64 expires_s;
} RegistryEntry;

struct _HcRegistry {
  GObject parent_instance;
  GHashTable *entries; /* url -> RegistryEntry */
};

G_DEFINE_FINAL_TYPE (HcRegistry, hc_registry, G_TYPE_OBJECT)

static const HcJsonField hyperty_fields[]
    = { { "url", HC_JSON_STRING, TRUE },
        { "user", HC_JSON_STRING, TRUE },
        { "descriptor", HC_JSON_STRING, FALSE },
        { "runtime", HC_JSON_STRING, FALSE },
        { "status", HC_JSON_STRING, FALSE },
        { "resources", HC_JSON_STRING_ARRAY, FALSE },
        { "dataSchemes", HC_JSON_STRING_ARRAY, FALSE },
        { "expires", HC_JSON_INT, FALSE },
        { NULL } };

/* What the Syncher sends has more (schema, name, childrens, startingTime,
 * ...): kept as given, and only what the registry itself uses is checked,
 * since a refused registration makes the runtime abandon the object. */
static const HcJsonField data_object_fields[]
    = { { "reporter", HC_JSON_STRING, TRUE },
        { "url", HC_JSON_STRING, TRUE },
        { "status", HC_JSON_STRING, FALSE },
        { "expires", HC_JSON_INT, FALSE },
        { NULL } };

static const HcJsonField update_fields[]
    = { { "status", HC_JSON_STRING, FALSE },
        { "expires", HC_JSON_INT, FALSE },
        { "user", HC_JSON_STRING, FALSE },
        { NULL } };

/* Members an update may change besides status and expiry: a resumed
 * hyperty names its user and its P2P stubs again. */
static const gchar *const updatable_members[]
    = { "user", "p2pHandler", "p2pRequester", NULL };

static const HcJsonField criteria_fields[]
    = { { "resources", HC_JSON_STRING_ARRAY, FALSE },
        { "dataSchemes", HC_JSON_STRING_ARRAY, FALSE },
        { NULL } };

static void
registry_entry_free (gpointer data)
{
  RegistryEntry *entry = data;

  json_object_unref (entry->entry);
  g_free (entry->registrant);
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

/* Which kind of entry @entry is, checked for that kind. */
static gboolean
check_entry (JsonObject *entry, gboolean *data_object, GError **error)
{
  if (entry && json_object_has_member (entry, "user")) {
    *data_object = FALSE;
    return hc_json_check (entry, "registry entry", hyperty_fields, error);
  }
  if (entry
      && (json_object_has_member (entry, "reporter")
          || json_object_has_member (entry, "url"))) {
    *data_object = TRUE;
    return hc_json_check (entry, "registry entry (a data object)",
                          data_object_fields, error);
  }
  g_set_error_literal (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
                       "registry entry: missing \"user\" (a hyperty) or "
                       "\"reporter\" and \"url\" (a data object)");
  return FALSE;
}

gboolean
hc_registry_register (HcRegistry *self, JsonObject *entry,
                      const gchar *registrant, GError **error)
{
  RegistryEntry *stored;
  const gchar *url;
  gboolean data_object;

  if (!check_entry (entry, &data_object, error))
    return FALSE;
  if (!status_valid (hc_json_get_string (entry, "status"), error))
    return FALSE;

  stored = g_new0 (RegistryEntry, 1);
  /* A deep copy: later status updates must not touch the sender's
   * (immutable) message. */
  stored->entry = hc_json_object_deep_copy (entry);
  stored->registrant = g_strdup (registrant);
  stored->data_object = data_object;
  if (!json_object_has_member (stored->entry, "status"))
    json_object_set_string_member (stored->entry, "status", "live");
  stored->expires_s = clamp_expires (entry, DEFAULT_EXPIRES_S);
  stored->expires_at_us
      = g_get_monotonic_time () + stored->expires_s * G_USEC_PER_SEC;
  url = json_object_get_string_member (entry, "url");
  g_hash_table_replace (self->entries, g_strdup (url), stored);
  g_debug ("%s registered %s %s", registrant,
           data_object ? "data object" : "hyperty", url);
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
  guint i;

  if (!hc_json_check (value, "registry update value", update_fields, error))
    return FALSE;
  if (!status_valid (hc_json_get_string (value, "status"), error))
    return FALSE;
  entry = lookup_live (self, url);
  if (entry == NULL) {
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_NOT_FOUND,
                 "registry: nothing registered at %s", url);
    return FALSE;
  }
  if (hc_json_get_string (value, "status"))
    json_object_set_string_member (entry->entry, "status",
                                   hc_json_get_string (value, "status"));
  for (i = 0; value && updatable_members[i]; i++) {
    JsonNode *node = json_object_get_member (value, updatable_members[i]);

    if (node)
      json_object_set_member (entry->entry, updatable_members[i],
                              hc_json_node_deep_copy (node));
  }
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

    /* Data objects are found by their URL only. */
    if (entry == NULL || entry->data_object)
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

const gchar *
hc_registry_get_registrant (HcRegistry *self, const gchar *url)
{
  RegistryEntry *entry = lookup_live (self, url);

  return entry ? entry->registrant : NULL;
}

void
hc_registry_remove (HcRegistry *self, const gchar *url)
{
  g_hash_table_remove (self->entries, url);
}

void
hc_registry_release (HcRegistry *self, const gchar *url)
{
  RegistryEntry *entry = g_hash_table_lookup (self->entries, url);

  if (entry && !entry->data_object)
    g_hash_table_remove (self->entries, url);
}

typedef struct {
  const gchar *registrant;
  const gchar *name; /* NULL: every entry of the registrant */
} RemoveMatch;

static gboolean
entry_matches (gpointer key, gpointer value, gpointer user_data)
{
  RegistryEntry *entry = value;
  RemoveMatch *match = user_data;

  if (g_strcmp0 (entry->registrant, match->registrant) != 0)
    return FALSE;
  return match->name == NULL
         || (entry->data_object
             && g_strcmp0 (hc_json_get_string (entry->entry, "name"),
                           match->name)
                    == 0);
}

guint
hc_registry_remove_by_name (HcRegistry *self, const gchar *registrant,
                            const gchar *name)
{
  RemoveMatch match = { registrant, name };

  g_return_val_if_fail (name != NULL, 0);
  return g_hash_table_foreach_remove (self->entries, entry_matches, &match);
}

void
hc_registry_remove_registrant (HcRegistry *self, const gchar *registrant)
{
  RemoveMatch match = { registrant, NULL };

  g_hash_table_foreach_remove (self->entries, entry_matches, &match);
}

guint
hc_registry_count (HcRegistry *self)
{
  return g_hash_table_size (self->entries);
}
