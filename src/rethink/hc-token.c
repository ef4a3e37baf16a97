/* hyperconf — HS256 join tokens (hc-token.h).
 *
 * The order of the checks is the order of RFC 7519 §7.2: split into three
 * base64url parts, decode and check the header (alg), verify the
 * signature over the first two parts as sent, and only then read the
 * claims.  The signature is compared in constant time, so that the time
 * taken tells nothing about how much of a forged MAC was right.
 */
#define G_LOG_DOMAIN "hc-token"

#include <hyperconf/hc-token.h>
#include <hyperconf/hc-error.h>
#include <hyperconf/hc-json-spec.h>
#include <hyperconf/hc-message.h>

#include <json-glib/json-glib.h>
#include <string.h>

#define HS256_LENGTH 32

/* Header and claims are flat objects; deeper JSON is refused before
 * json-glib (which recurses per level) ever sees it. */
#define MAX_JSON_DEPTH 8

static gboolean fail (GError **error, const gchar *format, ...)
    G_GNUC_PRINTF (2, 3);

/* Sets a 401 and returns FALSE. */
static gboolean
fail (GError **error, const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (HC_PROTOCOL_ERROR,
                                                HC_PROTOCOL_ERROR_UNAUTHORIZED,
                                                format, args));
  va_end (args);
  return FALSE;
}

/* The deepest nesting of objects and arrays in JSON text @bytes. */
static guint
json_depth (const gchar *bytes, gsize length)
{
  guint depth = 0, deepest = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++) {
    gchar c = bytes[i];

    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '{' || c == '[') {
      deepest = MAX (deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

/* ---- base64url (RFC 4648 §5, no padding as JWS uses it) ------------------ */

static gchar *
base64url_encode (const guchar *data, gsize length)
{
  gchar *text = g_base64_encode (data, length);
  gchar *end;

  for (gchar *p = text; *p; p++) {
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
  }
  end = strchr (text, '=');
  if (end)
    *end = '\0';
  return text;
}

/* Strict: only the url-safe alphabet, no padding, no length that cannot
 * be base64.  Returns NULL on any of those. */
static guchar *
base64url_decode (const gchar *text, gsize length, gsize *out_length)
{
  g_autofree gchar *standard = NULL;
  gsize padded;

  if (length % 4 == 1)
    return NULL;
  for (gsize i = 0; i < length; i++) {
    if (!g_ascii_isalnum (text[i]) && text[i] != '-' && text[i] != '_')
      return NULL;
  }
  padded = (length + 3) / 4 * 4;
  standard = g_malloc (padded + 1);
  for (gsize i = 0; i < length; i++)
    standard[i] = text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i];
  memset (standard + length, '=', padded - length);
  standard[padded] = '\0';
  if (padded == 0) {
    *out_length = 0;
    return (guchar *)g_strdup ("");
  }
  return g_base64_decode (standard, out_length);
}

static gboolean
hmac_sha256 (const gchar *secret, const gchar *data, gsize length,
             guint8 digest[HS256_LENGTH])
{
  g_autoptr (GHmac) hmac
      = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *)secret, strlen (secret));
  gsize digest_length = HS256_LENGTH;

  g_hmac_update (hmac, (const guchar *)data, length);
  g_hmac_get_digest (hmac, digest, &digest_length);
  return digest_length == HS256_LENGTH;
}

gboolean
hc_equal_constant_time (const void *given, gsize given_length,
                        const void *expected, gsize expected_length)
{
  const guint8 *a = given, *b = expected;
  guint8 difference = given_length != expected_length;

  /* Every byte of @expected is looked at, whatever differs and wherever:
   * the time tells nothing but @expected's length. */
  for (gsize i = 0; i < expected_length; i++)
    difference |= (i < given_length ? a[i] : 0) ^ b[i];
  return difference == 0;
}

/* A base64url part holding one JSON object.  hc_message_parse_object
 * refuses input with several top-level values, which json-glib 1.6 would
 * accept and leak on (found by fuzz-token). */
static JsonObject *
decode_object (const gchar *part, gsize length, const gchar *what,
               GError **error)
{
  g_autofree guchar *bytes = NULL;
  JsonObject *object = NULL;
  gsize n = 0;

  bytes = base64url_decode (part, length, &n);
  if (bytes == NULL) {
    fail (error, "token: the %s is not base64url", what);
    return NULL;
  }
  if (!g_utf8_validate ((const gchar *)bytes, n, NULL)
      || json_depth ((const gchar *)bytes, n) > MAX_JSON_DEPTH
      || (object = hc_message_parse_object ((const gchar *)bytes, n, NULL))
             == NULL) {
    fail (error, "token: the %s is not a JSON object", what);
    return NULL;
  }
  return object;
}

/* A NumericDate (RFC 7519 §2): a JSON number, fractions allowed. */
static gboolean
numeric_date (JsonObject *claims, const gchar *name, gboolean required,
              gint64 *out, GError **error)
{
  JsonNode *node = json_object_get_member (claims, name);
  HcJsonKind kind = node ? hc_json_kind_of (node) : 0;
  gdouble value;

  if (node == NULL) {
    *out = 0;
    return required ? fail (error, "token: no \"%s\" claim", name) : TRUE;
  }
  if (kind == HC_JSON_INT) {
    *out = json_node_get_int (node);
    return TRUE;
  }
  if (kind != HC_JSON_NUMBER) {
    return fail (error, "token: \"%s\" is not a number", name);
  }
  value = json_node_get_double (node);
  if (!(value > -1e15 && value < 1e15))
    return fail (error, "token: \"%s\" is out of range", name);
  *out = (gint64)value;
  return TRUE;
}

static gboolean
read_modes (JsonObject *claims, GStrv *modes, GError **error)
{
  JsonNode *node = json_object_get_member (claims, "mode");
  g_autoptr (GStrvBuilder) builder = NULL;
  JsonArray *array;

  *modes = NULL;
  if (node == NULL)
    return TRUE;
  builder = g_strv_builder_new ();
  switch (hc_json_kind_of (node)) {
    case HC_JSON_STRING:
      g_strv_builder_add (builder, json_node_get_string (node));
      break;
    case HC_JSON_ARRAY:
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++) {
        JsonNode *item = json_array_get_element (array, i);

        if (hc_json_kind_of (item) != HC_JSON_STRING)
          return fail (error, "token: \"mode\" holds a non-string");
        g_strv_builder_add (builder, json_node_get_string (item));
      }
      break;
    default:
      return fail (error, "token: \"mode\" is not a string or an array");
  }
  *modes = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
check_header (JsonObject *header, GError **error)
{
  const gchar *alg = hc_json_get_string (header, "alg");

  if (alg == NULL)
    return fail (error, "token: the header has no \"alg\"");
  /* RFC 8725 §3.1: accept exactly the one algorithm we use. */
  if (!g_str_equal (alg, "HS256"))
    return fail (error, "token: alg \"%.16s\" is not HS256", alg);
  /* RFC 7515 §4.1.11: extensions we do not know must be refused. */
  if (json_object_has_member (header, "crit"))
    return fail (error, "token: \"crit\" header extensions are not supported");
  return TRUE;
}

static gboolean
check_signature (const gchar *token, gsize signed_length,
                 const gchar *signature, gsize signature_length,
                 const gchar *secret, GError **error)
{
  guint8 expected[HS256_LENGTH];
  g_autofree guchar *given = NULL;
  gsize given_length = 0;

  given = base64url_decode (signature, signature_length, &given_length);
  if (given == NULL)
    return fail (error, "token: the signature is not base64url");
  if (!hmac_sha256 (secret, token, signed_length, expected)
      || !hc_equal_constant_time (given, given_length, expected, HS256_LENGTH))
    return fail (error, "token: bad signature");
  return TRUE;
}

HcTokenClaims *
hc_token_verify (const gchar *token, const gchar *secret, gint64 now_s,
                 GError **error)
{
  g_autoptr (HcTokenClaims) result = NULL;
  g_autoptr (JsonObject) header = NULL, claims = NULL;
  const gchar *first_dot, *second_dot, *room, *sub;
  gsize length;

  g_return_val_if_fail (secret != NULL, NULL);

  if (token == NULL || *token == '\0') {
    fail (error, "this room needs a token (options.token)");
    return NULL;
  }
  length = strnlen (token, HC_TOKEN_MAX_LENGTH + 1);
  if (length > HC_TOKEN_MAX_LENGTH) {
    fail (error, "token: longer than %d characters", HC_TOKEN_MAX_LENGTH);
    return NULL;
  }
  first_dot = strchr (token, '.');
  second_dot = first_dot ? strchr (first_dot + 1, '.') : NULL;
  if (second_dot == NULL || strchr (second_dot + 1, '.') != NULL) {
    fail (error, "token: not a compact JWT (three parts separated by '.')");
    return NULL;
  }

  header = decode_object (token, first_dot - token, "header", error);
  if (header == NULL || !check_header (header, error))
    return NULL;
  if (!check_signature (token, second_dot - token, second_dot + 1,
                        token + length - (second_dot + 1), secret, error))
    return NULL;
  claims = decode_object (first_dot + 1, second_dot - (first_dot + 1),
                          "claims set", error);
  if (claims == NULL)
    return NULL;

  result = g_new0 (HcTokenClaims, 1);
  room = hc_json_get_string (claims, "room");
  sub = hc_json_get_string (claims, "sub");
  if (room == NULL || *room == '\0') {
    fail (error, "token: no \"room\" claim (a room name or \"*\")");
    return NULL;
  }
  if (sub == NULL || *sub == '\0') {
    fail (error, "token: no \"sub\" claim (the participant's name)");
    return NULL;
  }
  if (!numeric_date (claims, "exp", TRUE, &result->exp, error)
      || !numeric_date (claims, "nbf", FALSE, &result->nbf, error)
      || !read_modes (claims, &result->modes, error))
    return NULL;
  if (now_s >= result->exp) {
    fail (error, "token: expired");
    return NULL;
  }
  if (result->nbf != 0 && now_s < result->nbf) {
    fail (error, "token: not valid yet");
    return NULL;
  }
  result->room = g_strdup (room);
  result->sub = g_strdup (sub);
  return g_steal_pointer (&result);
}

gboolean
hc_token_allows (const HcTokenClaims *claims, const gchar *room,
                 const gchar *mode, GError **error)
{
  if (!g_str_equal (claims->room, "*") && g_strcmp0 (claims->room, room) != 0) {
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_FORBIDDEN,
                 "the token does not grant room %s", room);
    return FALSE;
  }
  if (mode && claims->modes
      && !g_strv_contains ((const gchar *const *)claims->modes, mode)) {
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_FORBIDDEN,
                 "the token does not grant mode %s", mode);
    return FALSE;
  }
  return TRUE;
}

gchar *
hc_token_sign (const gchar *secret, const gchar *header_json,
               const gchar *claims_json)
{
  g_autofree gchar *header_part
      = base64url_encode ((const guchar *)header_json, strlen (header_json));
  g_autofree gchar *claims_part
      = base64url_encode ((const guchar *)claims_json, strlen (claims_json));
  g_autofree gchar *signing_input
      = g_strdup_printf ("%s.%s", header_part, claims_part);
  g_autofree gchar *mac = NULL;
  guint8 digest[HS256_LENGTH];

  hmac_sha256 (secret, signing_input, strlen (signing_input), digest);
  mac = base64url_encode (digest, sizeof digest);
  return g_strdup_printf ("%s.%s", signing_input, mac);
}

gchar *
hc_token_mint (const gchar *secret, const gchar *room, const gchar *sub,
               const gchar *const *modes, gint64 now_s, gint64 expires_s,
               gint64 not_before_s)
{
  g_autoptr (JsonObject) claims = json_object_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *claims_json = NULL;

  json_object_set_string_member (claims, "room", room);
  json_object_set_string_member (claims, "sub", sub);
  json_object_set_int_member (claims, "iat", now_s);
  json_object_set_int_member (claims, "exp", expires_s);
  if (not_before_s != 0)
    json_object_set_int_member (claims, "nbf", not_before_s);
  if (modes) {
    JsonArray *array = json_array_new ();

    for (guint i = 0; modes[i]; i++)
      json_array_add_string_element (array, modes[i]);
    json_object_set_array_member (claims, "mode", array);
  }
  node = json_node_init_object (json_node_alloc (), claims);
  claims_json = json_to_string (node, FALSE);
  return hc_token_sign (secret, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
                        claims_json);
}

void
hc_token_claims_free (HcTokenClaims *claims)
{
  if (claims == NULL)
    return;
  g_free (claims->room);
  g_free (claims->sub);
  g_strfreev (claims->modes);
  g_free (claims);
}
