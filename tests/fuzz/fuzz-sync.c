/* hyperconf — libFuzzer target for the sync engine (PROTOCOL.md §8).
 *
 * Input: JSON {"data": {...}, "updates": [{...}, ...]}.  The updates go
 * through every entry point, and the engine's promises are checked as it
 * goes, aborting when one breaks:
 *  - hc_sync_apply_change() on a bare copy: a rejected update leaves the
 *    data byte for byte as it was;
 *  - an observer reset at version 0, then fed the updates: versions only
 *    move one at a time, and a rejected update changes nothing;
 *  - an observer fed the updates before its reset (the held queue);
 *  - a reporter replaying each update through its own API, mirrored by an
 *    observer that applies the bodies it returns: both stay identical.
 * Criticals and warnings abort (hc-fuzz.h).
 */
#include <hyperconf/hc-sync-object.h>
#include <hyperconf/hc-json-spec.h>
#include <hyperconf/hc-message.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc-fuzz.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  hc_fuzz_abort_on_log (HC_FUZZ_WARNINGS);
  return 0;
}

static gchar *
object_to_string (JsonObject *obj)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), obj);

  return json_to_string (node, FALSE);
}

static gboolean
same_data (HcSyncObject *a, HcSyncObject *b)
{
  g_autoptr (JsonNode) na
      = json_node_init_object (json_node_alloc (), hc_sync_object_get_data (a));
  g_autoptr (JsonNode) nb
      = json_node_init_object (json_node_alloc (), hc_sync_object_get_data (b));

  return json_node_equal (na, nb);
}

/* A private, mutable copy of @obj: json_node_copy() would share it. */
static JsonObject *
copy_object (JsonObject *obj)
{
  return hc_json_object_deep_copy (obj);
}

static void
fuzz_direct (JsonObject *data, JsonArray *updates)
{
  g_autoptr (JsonObject) copy = copy_object (data);

  if (copy == NULL)
    return;
  for (guint i = 0; i < json_array_get_length (updates); i++) {
    JsonNode *node = json_array_get_element (updates, i);
    g_autoptr (GError) error = NULL;
    g_autofree gchar *before = NULL, *after = NULL;

    if (!JSON_NODE_HOLDS_OBJECT (node))
      continue;
    before = object_to_string (copy);
    if (hc_sync_apply_change (copy, json_node_get_object (node), &error)) {
      CHECK (error == NULL);
      continue;
    }
    CHECK (error != NULL && error->domain == HC_SYNC_ERROR);
    after = object_to_string (copy);
    CHECK (strcmp (before, after) == 0);
  }
}

static void
fuzz_observer (JsonObject *data, JsonArray *updates)
{
  g_autoptr (HcSyncObject) obs = hc_sync_object_new_observed ("fuzz://o/1");

  CHECK (hc_sync_object_reset (obs, data, 0, NULL));
  for (guint i = 0; i < json_array_get_length (updates); i++) {
    JsonNode *node = json_array_get_element (updates, i);
    g_autoptr (GError) error = NULL;
    g_autofree gchar *before = NULL, *after = NULL;
    gint64 version = hc_sync_object_get_version (obs);

    if (!JSON_NODE_HOLDS_OBJECT (node))
      continue;
    before = object_to_string (hc_sync_object_get_data (obs));
    if (hc_sync_object_apply (obs, json_node_get_object (node), &error)) {
      /* held updates may follow on, so it can move more than one */
      CHECK (hc_sync_object_get_version (obs) >= version);
      continue;
    }
    CHECK (error != NULL && error->domain == HC_SYNC_ERROR);
    CHECK (hc_sync_object_get_version (obs) == version);
    after = object_to_string (hc_sync_object_get_data (obs));
    CHECK (strcmp (before, after) == 0);
  }
}

static void
fuzz_held (JsonObject *data, JsonArray *updates)
{
  g_autoptr (HcSyncObject) obs = hc_sync_object_new_observed ("fuzz://o/2");
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < json_array_get_length (updates); i++) {
    JsonNode *node = json_array_get_element (updates, i);

    if (JSON_NODE_HOLDS_OBJECT (node))
      hc_sync_object_apply (obs, json_node_get_object (node), NULL);
  }
  CHECK (!hc_sync_object_is_synced (obs));
  CHECK (json_object_get_size (hc_sync_object_get_data (obs)) == 0);
  /* a held update that cannot follow on never makes the snapshot fail */
  CHECK (hc_sync_object_reset (obs, data, 0, &error));
  CHECK (error == NULL);
  CHECK (hc_sync_object_is_synced (obs));
}

/* Index and prefix of "<prefix>.<digits>", or FALSE. */
static gboolean
split_index (const gchar *attribute, gchar **prefix, guint *index)
{
  const gchar *dot = strrchr (attribute, '.');
  guint64 v;

  if (dot == NULL || dot == attribute
      || !g_ascii_string_to_unsigned (dot + 1, 10, 0, G_MAXINT, &v, NULL))
    return FALSE;
  *prefix = g_strndup (attribute, dot - attribute);
  *index = (guint)v;
  return TRUE;
}

/* Turns one update into the reporter call that would have produced it. */
static JsonObject *
report (HcSyncObject *rep, JsonObject *update)
{
  JsonNode *attr = json_object_get_member (update, "attribute");
  JsonNode *value = json_object_get_member (update, "value");
  const gchar *attribute, *type = NULL, *op = NULL;
  g_autofree gchar *prefix = NULL;
  guint index = 0;

  if (attr == NULL || json_node_get_value_type (attr) != G_TYPE_STRING)
    return NULL;
  attribute = json_node_get_string (attr);
  if (json_object_has_member (update, "attributeType")
      && json_node_get_value_type (
             json_object_get_member (update, "attributeType"))
             == G_TYPE_STRING)
    type = json_object_get_string_member (update, "attributeType");
  if (json_object_has_member (update, "operation")
      && json_node_get_value_type (json_object_get_member (update, "operation"))
             == G_TYPE_STRING)
    op = json_object_get_string_member (update, "operation");

  if (g_strcmp0 (type, "array") == 0 && g_strcmp0 (op, "add") == 0
      && value != NULL) {
    if (split_index (attribute, &prefix, &index))
      return hc_sync_object_array_add (rep, prefix, (gint)index, value, NULL);
    return hc_sync_object_array_add (rep, attribute, -1, value, NULL);
  }
  if (g_strcmp0 (type, "array") == 0 && g_strcmp0 (op, "remove") == 0
      && value != NULL && json_node_get_value_type (value) == G_TYPE_INT64
      && json_node_get_int (value) >= 0
      && json_node_get_int (value) <= G_MAXUINT
      && split_index (attribute, &prefix, &index))
    return hc_sync_object_array_remove (rep, prefix, index,
                                        (guint)json_node_get_int (value), NULL);
  if (value != NULL)
    return hc_sync_object_set (rep, attribute, value, NULL);
  return hc_sync_object_remove (rep, attribute, NULL);
}

static void
fuzz_reporter (JsonObject *data, JsonArray *updates)
{
  g_autoptr (HcSyncObject) rep = hc_sync_object_new ("fuzz://r/1", data);
  g_autoptr (HcSyncObject) mirror = hc_sync_object_new_observed ("fuzz://r/1");

  CHECK (hc_sync_object_reset (mirror, data, 0, NULL));
  for (guint i = 0; i < json_array_get_length (updates); i++) {
    JsonNode *node = json_array_get_element (updates, i);
    g_autoptr (JsonObject) body = NULL;
    gint64 version = hc_sync_object_get_version (rep);

    if (!JSON_NODE_HOLDS_OBJECT (node))
      continue;
    body = report (rep, json_node_get_object (node));
    if (body == NULL) {
      CHECK (hc_sync_object_get_version (rep) == version);
      continue;
    }
    CHECK (hc_sync_object_get_version (rep) == version + 1);
    CHECK (json_object_get_int_member (body, "version") == version + 1);
    CHECK (hc_sync_object_apply (mirror, body, NULL));
    CHECK (hc_sync_object_get_version (mirror) == version + 1);
    CHECK (same_data (rep, mirror));
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (JsonObject) parsed = NULL;
  g_autoptr (JsonObject) obj = NULL;
  JsonNode *data_node, *updates_node;
  JsonArray *updates;

  /* The node's own frame parser: it refuses input with several top-level
   * values, on which json-glib 1.6 leaks. */
  parsed = hc_message_parse_object ((const gchar *)data, (gssize)size, NULL);
  if (parsed == NULL)
    return 0;
  obj = hc_json_object_deep_copy (parsed); /* mutable: changed in place */
  data_node = json_object_get_member (obj, "data");
  updates_node = json_object_get_member (obj, "updates");
  if (data_node == NULL || !JSON_NODE_HOLDS_OBJECT (data_node)
      || updates_node == NULL || !JSON_NODE_HOLDS_ARRAY (updates_node))
    return 0;
  updates = json_node_get_array (updates_node);

  fuzz_observer (json_node_get_object (data_node), updates);
  fuzz_held (json_node_get_object (data_node), updates);
  fuzz_reporter (json_node_get_object (data_node), updates);
  /* last: it changes the parsed data in place */
  fuzz_direct (json_node_get_object (data_node), updates);
  hc_sync_apply_change (json_node_get_object (data_node),
                        json_node_get_object (data_node), NULL);
  for (guint i = 0; i < json_array_get_length (updates); i++) {
    JsonNode *node = json_array_get_element (updates, i);

    if (JSON_NODE_HOLDS_OBJECT (node))
      hc_sync_apply_change (json_node_get_object (data_node),
                            json_node_get_object (node), NULL);
  }
  return 0;
}
