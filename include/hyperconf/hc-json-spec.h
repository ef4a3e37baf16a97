/* hyperconf — declarative JSON field checks.
 *
 * A table of expected members and their JSON types, checked in one call,
 * so every message handler validates its body the same way and every
 * failure names the member (HC_PROTOCOL_ERROR_BAD_REQUEST).
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  HC_JSON_STRING = 1 << 0,
  HC_JSON_INT = 1 << 1, /* an integral number */
  HC_JSON_NUMBER = 1 << 2,
  HC_JSON_BOOL = 1 << 3,
  HC_JSON_OBJECT = 1 << 4,
  HC_JSON_ARRAY = 1 << 5,
  HC_JSON_NULL = 1 << 6,
  HC_JSON_STRING_ARRAY = 1 << 7, /* an array whose items are all strings */
  HC_JSON_ANY = 0xff,
} HcJsonKind;

typedef struct {
  const gchar *member;
  HcJsonKind kinds; /* one or more HcJsonKind */
  gboolean required;
} HcJsonField;

/**
 * hc_json_check:
 * @object: (nullable): the object checked; %NULL fails when any field is
 *   required
 * @what: what @object is, for the error text ("envelope", "body")
 * @fields: (array zero-terminated=1): ends with a {NULL} entry
 * Returns: %TRUE when every present member has an allowed kind and every
 *   required member is present
 */
gboolean hc_json_check (JsonObject *object, const gchar *what,
                        const HcJsonField *fields, GError **error);

/* The HcJsonKind of @node (one bit). */
HcJsonKind hc_json_kind_of (JsonNode *node);

G_END_DECLS

G_BEGIN_DECLS
/**
 * hc_json_node_deep_copy:
 * json_node_copy() shares objects and arrays; this copies the whole tree
 * into mutable nodes.
 * Returns: (transfer full)
 */
JsonNode *hc_json_node_deep_copy (JsonNode *node);
/* Returns: (transfer full): a mutable deep copy of @object */
JsonObject *hc_json_object_deep_copy (JsonObject *object);

/* Typed member lookups that never warn: %NULL when @object is %NULL, the
 * member is absent, or it holds another JSON type. (transfer none) */
const gchar *hc_json_get_string (JsonObject *object, const gchar *member);
JsonObject *hc_json_get_object (JsonObject *object, const gchar *member);
JsonArray *hc_json_get_array (JsonObject *object, const gchar *member);
G_END_DECLS
