/* hyperconf — reTHINK message envelope (PROTOCOL.md §2): parse, validate,
 * build responses, serialise.
 *
 * Validation is the field table below; the message keeps the original JSON
 * object so that unknown members travel on unchanged.
 */
#include <hyperconf/hc-message.h>
#include <hyperconf/hc-error.h>
#include <hyperconf/hc-json-spec.h>

#include <string.h>

struct _HcMessage {
  gatomicrefcount ref_count;
  HcMessageType type;
  JsonObject *object;
  /* The pointers below point into @object. */
  JsonNode *id;
  const gchar *from;
  const gchar *to;
  JsonObject *body;
};

G_DEFINE_BOXED_TYPE (HcMessage, hc_message, hc_message_ref, hc_message_unref)
/* clang-format off */
G_DEFINE_QUARK (hc-message-error-quark, hc_message_error)
/* clang-format on */

static const gchar *const type_names[] = {
  [HC_MESSAGE_OPEN] = "open",
  [HC_MESSAGE_RE_OPEN] = "re-open",
  [HC_MESSAGE_CLOSE] = "close",
  [HC_MESSAGE_CREATE] = "create",
  [HC_MESSAGE_READ] = "read",
  [HC_MESSAGE_UPDATE] = "update",
  [HC_MESSAGE_DELETE] = "delete",
  [HC_MESSAGE_SUBSCRIBE] = "subscribe",
  [HC_MESSAGE_UNSUBSCRIBE] = "unsubscribe",
  [HC_MESSAGE_FORWARD] = "forward",
  [HC_MESSAGE_EXECUTE] = "execute",
  [HC_MESSAGE_RESPONSE] = "response",
};

/* §2: the envelope. `to` may also be an array of exactly one string,
 * checked separately. */
static const HcJsonField envelope_fields[]
    = { { "id", HC_JSON_INT | HC_JSON_STRING, TRUE },
        { "type", HC_JSON_STRING, TRUE },
        { "from", HC_JSON_STRING, TRUE },
        { "to", HC_JSON_STRING | HC_JSON_STRING_ARRAY, TRUE },
        { "body", HC_JSON_OBJECT, FALSE },
        { NULL } };

const gchar *
hc_message_type_to_string (HcMessageType type)
{
  g_return_val_if_fail (type <= HC_MESSAGE_RESPONSE, NULL);
  return type_names[type];
}

gboolean
hc_message_type_from_string (const gchar *name, HcMessageType *type)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (type_names); i++) {
    if (g_strcmp0 (name, type_names[i]) == 0) {
      *type = i;
      return TRUE;
    }
  }
  return FALSE;
}

typedef enum {
  SCAN_ONE_OBJECT,
  SCAN_NOT_ONE_OBJECT,
  SCAN_NOT_JSON, /* a character JSON has no place for, outside strings */
  SCAN_TOO_DEEP,
} ScanResult;

/* Structure, strings, numbers, true, false, null and white space (RFC
 * 8259 §2); '\0' is refused before. */
#define JSON_OUTSIDE_STRINGS "{}[]:,\"0123456789+-.eEtruefalsn \t\n\r"

/* Whether @text holds one JSON object and nothing but white space after
 * it, nested at most @max_depth deep.  json-glib 1.6 accepts (and leaks)
 * input with several top-level values ("0{}", "{}{}"), and its parser
 * recurses once per level, so the frame is scanned first.  Only the
 * extent of the first value is checked here; the parser checks the rest.
 * Outside strings only JSON's own characters may appear: json-glib's
 * scanner also skips what it takes for comments, so `{"a"/:2"/:"x"}{}`
 * is {"a":"x"} and a second value to it, but one unterminated string to
 * a scan that does not know its comments (found by fuzz-token). */
static ScanResult
scan_one_object (const gchar *text, gsize length, guint max_depth)
{
  gsize i = 0;
  guint depth = 0;
  gboolean in_string = FALSE;

  while (i < length && g_ascii_isspace (text[i]))
    i++;
  if (i == length || text[i] != '{')
    return SCAN_NOT_ONE_OBJECT;
  for (; i < length; i++) {
    gchar c = text[i];

    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = FALSE;
      continue;
    }
    if (strchr (JSON_OUTSIDE_STRINGS, c) == NULL) {
      return SCAN_NOT_JSON;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth)
        return SCAN_TOO_DEEP;
    } else if (c == '}' || c == ']') {
      if (depth == 0 || --depth == 0)
        break;
    }
  }
  if (i >= length)
    return SCAN_ONE_OBJECT; /* unterminated: the parser reports it */
  for (i++; i < length; i++) {
    if (!g_ascii_isspace (text[i]))
      return SCAN_NOT_ONE_OBJECT;
  }
  return SCAN_ONE_OBJECT;
}

JsonObject *
hc_message_parse_object (const gchar *text, gssize length, GError **error)
{
  return hc_message_parse_object_full (text, length,
                                       HC_MESSAGE_DEFAULT_MAX_DEPTH, error);
}

JsonObject *
hc_message_parse_object_full (const gchar *text, gssize length, guint max_depth,
                              GError **error)
{
  ScanResult scan;

  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) parse_error = NULL;
  JsonNode *root;

  if (length < 0)
    length = strlen (text);
  /* json-glib treats NUL as the end of text; a frame with one inside is
   * not one JSON value. */
  if (memchr (text, '\0', length) != NULL) {
    g_set_error_literal (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_NOT_JSON,
                         "not JSON: a NUL byte");
    return NULL;
  }
  scan = scan_one_object (text, length, MAX (max_depth, 1));
  if (scan == SCAN_TOO_DEEP) {
    g_set_error (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_TOO_DEEP,
                 "JSON nested deeper than %u levels", max_depth);
    return NULL;
  }
  if (scan != SCAN_ONE_OBJECT) {
    const gchar *start = text;

    while (start < text + length && g_ascii_isspace (*start))
      start++;
    /* Only for the log: what it looked like. */
    if (scan == SCAN_NOT_ONE_OBJECT && start < text + length
        && strchr ("[\"-0123456789tfn{", *start))
      g_set_error_literal (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_NOT_OBJECT,
                           "not one JSON object");
    else
      g_set_error_literal (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_NOT_JSON,
                           "not JSON");
    return NULL;
  }
  if (!json_parser_load_from_data (parser, text, length, &parse_error)) {
    g_set_error (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_NOT_JSON,
                 "not JSON: %s",
                 parse_error ? parse_error->message : "NUL byte");
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error_literal (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_NOT_OBJECT,
                         "JSON but not an object");
    return NULL;
  }
  return json_object_ref (json_node_get_object (root));
}

HcMessage *
hc_message_new_from_object (JsonObject *object, GError **error)
{
  g_autoptr (HcMessage) message = NULL;
  JsonNode *to;

  if (!hc_json_check (object, "envelope", envelope_fields, error))
    return NULL;

  message = g_new0 (HcMessage, 1);
  g_atomic_ref_count_init (&message->ref_count);
  message->object = json_object_ref (object);
  message->id = json_object_get_member (object, "id");
  message->from = json_object_get_string_member (object, "from");

  if (!hc_message_type_from_string (
          json_object_get_string_member (object, "type"), &message->type)) {
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
                 "envelope: unknown type \"%s\"",
                 json_object_get_string_member (object, "type"));
    return NULL;
  }

  to = json_object_get_member (object, "to");
  if (JSON_NODE_HOLDS_ARRAY (to)) {
    JsonArray *array = json_node_get_array (to);

    if (json_array_get_length (array) != 1) {
      g_set_error_literal (
          error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
          "envelope: \"to\" as an array must hold exactly one address");
      return NULL;
    }
    message->to = json_array_get_string_element (array, 0);
  } else {
    message->to = json_node_get_string (to);
  }

  if (json_object_has_member (object, "body"))
    message->body = json_object_get_object_member (object, "body");

  return g_steal_pointer (&message);
}

HcMessage *
hc_message_parse (const gchar *text, gssize length, GError **error)
{
  g_autoptr (JsonObject) object = hc_message_parse_object (text, length, error);

  if (object == NULL)
    return NULL;
  return hc_message_new_from_object (object, error);
}

HcMessage *
hc_message_new (HcMessageType type, JsonNode *id, const gchar *from,
                const gchar *to, JsonObject *body)
{
  g_autoptr (JsonObject) object = json_object_new ();
  HcMessage *message;

  json_object_set_member (object, "id", json_node_copy (id));
  json_object_set_string_member (object, "type", type_names[type]);
  json_object_set_string_member (object, "from", from);
  json_object_set_string_member (object, "to", to);
  if (body)
    json_object_set_object_member (object, "body", json_object_ref (body));
  message = hc_message_new_from_object (object, NULL);
  g_return_val_if_fail (message != NULL, NULL);
  return message;
}

static JsonObject *
response_body (gint code, const gchar *desc, JsonNode *value)
{
  JsonObject *body = json_object_new ();

  json_object_set_int_member (body, "code", code);
  if (desc && (code < 200 || code > 299))
    json_object_set_string_member (body, "desc", desc);
  if (value)
    json_object_set_member (body, "value", json_node_copy (value));
  return body;
}

HcMessage *
hc_message_new_response (HcMessage *request, gint code, const gchar *desc,
                         JsonNode *value)
{
  g_autoptr (JsonObject) body = response_body (code, desc, value);

  return hc_message_new (HC_MESSAGE_RESPONSE, request->id, request->to,
                         request->from, body);
}

gchar *
hc_message_error_text_for_object (JsonObject *object, const gchar *from,
                                  gint code, const gchar *desc)
{
  g_autoptr (JsonObject) response = NULL;
  g_autoptr (JsonNode) root = NULL;
  JsonNode *id = json_object_get_member (object, "id");
  JsonNode *request_from = json_object_get_member (object, "from");
  HcJsonKind kind;

  if (id == NULL)
    return NULL;
  kind = hc_json_kind_of (id);
  if (kind != HC_JSON_INT && kind != HC_JSON_STRING)
    return NULL;

  response = json_object_new ();
  json_object_set_member (response, "id", json_node_copy (id));
  json_object_set_string_member (response, "type", "response");
  json_object_set_string_member (response, "from", from);
  if (request_from)
    json_object_set_member (response, "to", json_node_copy (request_from));
  json_object_set_object_member (response, "body",
                                 response_body (code, desc, NULL));

  root = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (root, response);
  return json_to_string (root, FALSE);
}

HcMessage *
hc_message_ref (HcMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  g_atomic_ref_count_inc (&message->ref_count);
  return message;
}

void
hc_message_unref (HcMessage *message)
{
  g_return_if_fail (message != NULL);
  if (g_atomic_ref_count_dec (&message->ref_count)) {
    json_object_unref (message->object);
    g_free (message);
  }
}

HcMessageType
hc_message_get_kind (HcMessage *message)
{
  return message->type;
}

const gchar *
hc_message_get_kind_name (HcMessage *message)
{
  return type_names[message->type];
}

JsonNode *
hc_message_get_id (HcMessage *message)
{
  return message->id;
}

const gchar *
hc_message_get_from (HcMessage *message)
{
  return message->from;
}

const gchar *
hc_message_get_to (HcMessage *message)
{
  return message->to;
}

JsonObject *
hc_message_get_body (HcMessage *message)
{
  return message->body;
}

JsonObject *
hc_message_get_object (HcMessage *message)
{
  return message->object;
}

gint
hc_message_get_code (HcMessage *message)
{
  JsonNode *code;

  if (message->body == NULL)
    return 0;
  code = json_object_get_member (message->body, "code");
  if (code == NULL || hc_json_kind_of (code) != HC_JSON_INT)
    return 0;
  return (gint)json_node_get_int (code);
}

gchar *
hc_message_to_string (HcMessage *message)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (root, message->object);
  return json_to_string (root, FALSE);
}

const gchar *
hc_message_body_get_string (HcMessage *message, const gchar *member)
{
  return hc_json_get_string (message->body, member);
}

JsonObject *
hc_message_body_get_object (HcMessage *message, const gchar *member)
{
  return hc_json_get_object (message->body, member);
}

JsonArray *
hc_message_body_get_array (HcMessage *message, const gchar *member)
{
  return hc_json_get_array (message->body, member);
}
