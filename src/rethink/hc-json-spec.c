/* hyperconf — declarative JSON member checks (see hc-json-spec.h). */
#include <hyperconf/hc-json-spec.h>
#include <hyperconf/hc-error.h>

#include <math.h>

HcJsonKind
hc_json_kind_of (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:
      return HC_JSON_OBJECT;
    case JSON_NODE_ARRAY:
      return HC_JSON_ARRAY;
    case JSON_NODE_NULL:
      return HC_JSON_NULL;
    case JSON_NODE_VALUE:
      break;
  }
  switch (json_node_get_value_type (node)) {
    case G_TYPE_STRING:
      return HC_JSON_STRING;
    case G_TYPE_BOOLEAN:
      return HC_JSON_BOOL;
    case G_TYPE_INT64:
      return HC_JSON_INT;
    default:
      return HC_JSON_NUMBER;
  }
}

static gboolean
is_string_array (JsonNode *node)
{
  JsonArray *array;
  guint i;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  for (i = 0; i < json_array_get_length (array); i++) {
    if (hc_json_kind_of (json_array_get_element (array, i)) != HC_JSON_STRING)
      return FALSE;
  }
  return TRUE;
}

static gboolean
kind_allowed (JsonNode *node, HcJsonKind kinds)
{
  HcJsonKind kind = hc_json_kind_of (node);

  if (kind & kinds)
    return TRUE;
  /* An integral value is also a number. */
  if (kind == HC_JSON_INT && (kinds & HC_JSON_NUMBER))
    return TRUE;
  if ((kinds & HC_JSON_STRING_ARRAY) && is_string_array (node))
    return TRUE;
  return FALSE;
}

static const gchar *
kinds_to_text (HcJsonKind kinds)
{
  if (kinds == HC_JSON_STRING)
    return "a string";
  if (kinds == HC_JSON_OBJECT)
    return "an object";
  if (kinds == HC_JSON_ARRAY)
    return "an array";
  if (kinds == HC_JSON_STRING_ARRAY)
    return "an array of strings";
  if (kinds == HC_JSON_INT)
    return "an integer";
  if (kinds == HC_JSON_NUMBER)
    return "a number";
  if (kinds == HC_JSON_BOOL)
    return "a boolean";
  if (kinds == (HC_JSON_INT | HC_JSON_STRING))
    return "an integer or a string";
  if (kinds == (HC_JSON_STRING | HC_JSON_STRING_ARRAY))
    return "a string or an array of strings";
  return "of another type";
}

gboolean
hc_json_check (JsonObject *object, const gchar *what, const HcJsonField *fields,
               GError **error)
{
  const HcJsonField *field;

  for (field = fields; field->member != NULL; field++) {
    JsonNode *node
        = object ? json_object_get_member (object, field->member) : NULL;

    if (node == NULL) {
      if (field->required) {
        g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
                     "%s: missing \"%s\"", what, field->member);
        return FALSE;
      }
      continue;
    }
    if (!kind_allowed (node, field->kinds)) {
      g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
                   "%s: \"%s\" must be %s", what, field->member,
                   kinds_to_text (field->kinds));
      return FALSE;
    }
  }
  return TRUE;
}

JsonNode *
hc_json_node_deep_copy (JsonNode *node)
{
  JsonNode *copy;

  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:
      copy = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (
          copy, hc_json_object_deep_copy (json_node_get_object (node)));
      return copy;
    case JSON_NODE_ARRAY: {
      JsonArray *array = json_node_get_array (node);
      JsonArray *array_copy
          = json_array_sized_new (json_array_get_length (array));
      guint i;

      for (i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (
            array_copy,
            hc_json_node_deep_copy (json_array_get_element (array, i)));
      copy = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (copy, array_copy);
      return copy;
    }
    case JSON_NODE_NULL:
      return json_node_new (JSON_NODE_NULL);
    case JSON_NODE_VALUE:
    default: {
      GValue value = G_VALUE_INIT;

      copy = json_node_new (JSON_NODE_VALUE);
      json_node_get_value (node, &value);
      json_node_set_value (copy, &value);
      g_value_unset (&value);
      return copy;
    }
  }
}

JsonObject *
hc_json_object_deep_copy (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const gchar *member;
  JsonNode *node;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &member, &node))
    json_object_set_member (copy, member, hc_json_node_deep_copy (node));
  return copy;
}

const gchar *
hc_json_get_string (JsonObject *object, const gchar *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && hc_json_kind_of (node) == HC_JSON_STRING
             ? json_node_get_string (node)
             : NULL;
}

JsonObject *
hc_json_get_object (JsonObject *object, const gchar *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                               : NULL;
}

JsonArray *
hc_json_get_array (JsonObject *object, const gchar *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                              : NULL;
}
