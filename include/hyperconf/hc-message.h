/* hyperconf — reTHINK messages: parse, validate, serialise (PROTOCOL.md §2).
 *
 * An HcMessage is an immutable, reference-counted view of one JSON object
 * whose envelope passed the checks of §2.  The original object is kept, so
 * fields the server does not know (`via`, `lastModified`, ...) are forwarded
 * unchanged.
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  HC_MESSAGE_OPEN,
  HC_MESSAGE_RE_OPEN,
  HC_MESSAGE_CLOSE,
  HC_MESSAGE_CREATE,
  HC_MESSAGE_READ,
  HC_MESSAGE_UPDATE,
  HC_MESSAGE_DELETE,
  HC_MESSAGE_SUBSCRIBE,
  HC_MESSAGE_UNSUBSCRIBE,
  HC_MESSAGE_FORWARD,
  HC_MESSAGE_EXECUTE,
  HC_MESSAGE_RESPONSE,
} HcMessageType;

/* Why text could not become a JsonObject (these are dropped, not answered). */
#define HC_MESSAGE_ERROR (hc_message_error_quark ())
typedef enum {
  HC_MESSAGE_ERROR_NOT_JSON,
  HC_MESSAGE_ERROR_NOT_OBJECT,
  HC_MESSAGE_ERROR_TOO_DEEP, /* nested deeper than the depth limit */
} HcMessageError;

/* Nesting (objects and arrays) hc_message_parse_object() accepts: json-glib
 * parses recursively, and a frame of [[[[... 100,000 deep overflows the
 * stack, so deeper text is refused before it reaches the parser. */
#define HC_MESSAGE_DEFAULT_MAX_DEPTH 64
GQuark hc_message_error_quark (void);

typedef struct _HcMessage HcMessage;

#define HC_TYPE_MESSAGE (hc_message_get_type ())
GType hc_message_get_type (void);

/**
 * hc_message_parse_object:
 * @text: (array length=length): one WebSocket text frame
 * Returns: (transfer full): the JSON object, or %NULL with HC_MESSAGE_ERROR
 */
JsonObject *hc_message_parse_object (const gchar *text, gssize length,
                                     GError **error);

/**
 * hc_message_parse_object_full:
 * @text: (array length=length): one WebSocket text frame
 * @max_depth: objects and arrays nested deeper than this are refused
 *   (HC_MESSAGE_ERROR_TOO_DEEP) without being parsed; at least 1
 * Returns: (transfer full): the JSON object, or %NULL with HC_MESSAGE_ERROR
 */
JsonObject *hc_message_parse_object_full (const gchar *text, gssize length,
                                          guint max_depth, GError **error);

/**
 * hc_message_new_from_object:
 * @object: (transfer none): a JSON object
 * Returns: (transfer full): the message, or %NULL with
 *   HC_PROTOCOL_ERROR_BAD_REQUEST naming the failed envelope check
 */
HcMessage *hc_message_new_from_object (JsonObject *object, GError **error);

/**
 * hc_message_parse:
 * Both steps above in one call (for tests and fuzzers).
 * Returns: (transfer full) (nullable)
 */
HcMessage *hc_message_parse (const gchar *text, gssize length, GError **error);

/**
 * hc_message_new:
 * @id: (transfer none): an integer or string JSON node
 * @body: (transfer none) (nullable): copied
 * Returns: (transfer full): a new message
 */
HcMessage *hc_message_new (HcMessageType type, JsonNode *id, const gchar *from,
                           const gchar *to, JsonObject *body);

/**
 * hc_message_new_response:
 * @request: (transfer none): the message answered
 * @desc: (nullable): human text, added when @code is not 2xx
 * @value: (transfer none) (nullable): `body.value`
 * Returns: (transfer full): the response (from = request.to, to = request.from)
 */
HcMessage *hc_message_new_response (HcMessage *request, gint code,
                                    const gchar *desc, JsonNode *value);

/**
 * hc_message_error_text_for_object:
 * Answer to an object that failed the envelope checks: needs an integer or
 * string `id`; `to` echoes the object's `from` as received (any JSON).
 * @from: the responder's address (the request's `to` is not trusted)
 * Returns: (transfer full) (nullable): JSON text, %NULL without a usable id
 */
gchar *hc_message_error_text_for_object (JsonObject *object, const gchar *from,
                                         gint code, const gchar *desc);

HcMessage *hc_message_ref (HcMessage *message);
void hc_message_unref (HcMessage *message);

HcMessageType hc_message_get_kind (HcMessage *message);
const gchar *hc_message_get_kind_name (HcMessage *message);
/* Returns: (transfer none): the id node (integer or string) */
JsonNode *hc_message_get_id (HcMessage *message);
const gchar *hc_message_get_from (HcMessage *message);
/* `to`, also when it was sent as an array of one string */
const gchar *hc_message_get_to (HcMessage *message);
/* Returns: (transfer none) (nullable): `body` */
JsonObject *hc_message_get_body (HcMessage *message);
/* Returns: (transfer none): the whole object as received */
JsonObject *hc_message_get_object (HcMessage *message);
/* `body.code` of a response, 0 when absent */
gint hc_message_get_code (HcMessage *message);

/* Returns: (transfer full): compact JSON text */
gchar *hc_message_to_string (HcMessage *message);

/* Helpers for body fields; all return NULL/FALSE when absent or mistyped. */
const gchar *hc_message_body_get_string (HcMessage *message,
                                         const gchar *member);
JsonObject *hc_message_body_get_object (HcMessage *message,
                                        const gchar *member);
JsonArray *hc_message_body_get_array (HcMessage *message, const gchar *member);

const gchar *hc_message_type_to_string (HcMessageType type);
gboolean hc_message_type_from_string (const gchar *name, HcMessageType *type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcMessage, hc_message_unref)

G_END_DECLS
