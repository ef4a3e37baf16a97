/* hyperconf — join tokens (hc-token.c): every 401 and 403 case of
 * PROTOCOL.md §9.2, and a valid token giving exactly its room and name. */
#include <hyperconf/hc-error.h>
#include <hyperconf/hc-token.h>

#include <string.h>

#define SECRET "unit-test-secret-0123456789abcdef"
#define NOW    1900000000 /* a fixed clock: 2030-03-17 */
#define HS256  "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

static gchar *
claims_json (const gchar *extra)
{
  return g_strdup_printf ("{\"room\":\"r1\",\"sub\":\"alice\",\"exp\":%d%s}",
                          NOW + 60, extra);
}

/* Every 401 case: the token is refused before any claim is trusted. */
static void
test_unauthorized (void)
{
  g_autofree gchar *good = hc_token_sign (SECRET, HS256, "{}");
  g_autofree gchar *claims = claims_json ("");
  g_autofree gchar *valid = hc_token_sign (SECRET, HS256, claims);
  g_autofree gchar *tampered = g_strdup (valid);
  g_autofree gchar *long_token = NULL;
  g_autofree gchar *deep_claims = NULL;
  GString *nested = g_string_new ("{\"room\":\"r1\",\"sub\":\"a\",\"x\":");
  gchar *dot;
  struct {
    const gchar *why;
    gchar *token;
  } cases[] = {
    { "missing (NULL)", NULL },
    { "missing (empty)", g_strdup ("") },
    { "not three parts", g_strdup ("abc.def") },
    { "four parts", g_strdup ("a.b.c.d") },
    { "not base64url", g_strdup ("a*b.c.d") },
    { "header not JSON", g_strdup ("bm90IGpzb24.e30.AAAA") },
    { "header not an object", hc_token_sign (SECRET, "[1]", claims) },
    { "no alg", hc_token_sign (SECRET, "{\"typ\":\"JWT\"}", claims) },
    { "alg none", hc_token_sign (SECRET, "{\"alg\":\"none\"}", claims) },
    { "alg none, no signature",
      g_strdup ("eyJhbGciOiJub25lIn0.eyJyb29tIjoiKiJ9.") },
    { "alg HS512", hc_token_sign (SECRET, "{\"alg\":\"HS512\"}", claims) },
    { "alg hs256 (case)",
      hc_token_sign (SECRET, "{\"alg\":\"hs256\"}", claims) },
    { "crit header",
      hc_token_sign (SECRET, "{\"alg\":\"HS256\",\"crit\":[\"x\"]}", claims) },
    { "another secret",
      hc_token_sign ("another-secret-0123456789", HS256, claims) },
    { "signature cut", g_strndup (valid, strlen (valid) - 4) },
    { "no signature", NULL },
    { "claims not JSON", hc_token_sign (SECRET, HS256, "not json") },
    { "claims an array", hc_token_sign (SECRET, HS256, "[]") },
    { "no room",
      hc_token_sign (SECRET, HS256, "{\"sub\":\"a\",\"exp\":1e12}") },
    { "empty room",
      hc_token_sign (SECRET, HS256,
                     "{\"room\":\"\",\"sub\":\"a\",\"exp\":1e12}") },
    { "no sub",
      hc_token_sign (SECRET, HS256, "{\"room\":\"r1\",\"exp\":1e12}") },
    { "sub not a string",
      hc_token_sign (SECRET, HS256,
                     "{\"room\":\"r1\",\"sub\":7,\"exp\":1e12}") },
    { "no exp",
      hc_token_sign (SECRET, HS256, "{\"room\":\"r1\",\"sub\":\"a\"}") },
    { "exp a string",
      hc_token_sign (SECRET, HS256,
                     "{\"room\":\"r1\",\"sub\":\"a\",\"exp\":\"soon\"}") },
    { "expired", NULL },
    { "expired this second", NULL },
    { "not yet valid", NULL },
    { "mode not a string", NULL },
    { "too long", NULL },
    { "nested too deep", NULL },
    { "empty token body", g_steal_pointer (&good) },
  };

  /* Built here: they need the clock or other tokens. */
  dot = strrchr (valid, '.');
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    const gchar *why = cases[i].why;

    if (g_str_equal (why, "no signature"))
      cases[i].token = g_strndup (valid, dot + 1 - valid);
    else if (g_str_equal (why, "expired"))
      cases[i].token
          = hc_token_mint (SECRET, "r1", "a", NULL, NOW - 100, NOW - 1, 0);
    else if (g_str_equal (why, "expired this second"))
      cases[i].token
          = hc_token_mint (SECRET, "r1", "a", NULL, NOW - 100, NOW, 0);
    else if (g_str_equal (why, "not yet valid"))
      cases[i].token
          = hc_token_mint (SECRET, "r1", "a", NULL, NOW, NOW + 600, NOW + 10);
    else if (g_str_equal (why, "mode not a string"))
      cases[i].token = hc_token_sign (
          SECRET, HS256,
          "{\"room\":\"r1\",\"sub\":\"a\",\"exp\":1e12,\"mode\":[1]}");
    else if (g_str_equal (why, "too long")) {
      g_autofree gchar *pad = g_strnfill (HC_TOKEN_MAX_LENGTH, 'x');
      g_autofree gchar *padded = claims_json ("");

      padded[strlen (padded) - 1] = '\0';
      long_token = g_strdup_printf ("%s,\"pad\":\"%s\"}", padded, pad);
      cases[i].token = hc_token_sign (SECRET, HS256, long_token);
    } else if (g_str_equal (why, "nested too deep")) {
      for (guint d = 0; d < 100; d++)
        g_string_append (nested, "[");
      for (guint d = 0; d < 100; d++)
        g_string_append (nested, "]");
      g_string_append_printf (nested, ",\"exp\":%d}", NOW + 60);
      deep_claims = g_string_free (nested, FALSE);
      nested = NULL;
      cases[i].token = hc_token_sign (SECRET, HS256, deep_claims);
    }
  }
  /* One bit of the claims flipped: the signature no longer matches. */
  tampered[strchr (tampered, '.') - tampered + 3] ^= 1;

  for (guint i = 0; i < G_N_ELEMENTS (cases) + 1; i++) {
    const gchar *why = i < G_N_ELEMENTS (cases) ? cases[i].why : "tampered";
    const gchar *token = i < G_N_ELEMENTS (cases) ? cases[i].token : tampered;
    g_autoptr (GError) error = NULL;
    g_autoptr (HcTokenClaims) result
        = hc_token_verify (token, SECRET, NOW, &error);

    g_test_message ("%s: %s", why, error ? error->message : "(accepted)");
    if (result != NULL)
      g_error ("%s: accepted", why);
    g_assert_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_UNAUTHORIZED);
    g_assert_cmpstr (error->message, !=, "");
  }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_free (cases[i].token);
  if (nested)
    g_string_free (nested, TRUE);
}

static void
test_valid_and_forbidden (void)
{
  const gchar *sfu_only[] = { "sfu", NULL };
  g_autofree gchar *token
      = hc_token_mint (SECRET, "r1", "Alice", sfu_only, NOW, NOW + 60, NOW);
  g_autofree gchar *any_room = hc_token_sign (
      SECRET, HS256,
      "{\"room\":\"*\",\"sub\":\"b\",\"exp\":1.9e9,\"nbf\":1.5e9,"
      "\"mode\":\"mcu\"}");
  g_autoptr (GError) error = NULL;
  g_autoptr (HcTokenClaims) claims = NULL;
  g_autoptr (HcTokenClaims) wildcard = NULL;

  claims = hc_token_verify (token, SECRET, NOW, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (claims->room, ==, "r1");
  g_assert_cmpstr (claims->sub, ==, "Alice");
  g_assert_cmpint (claims->exp, ==, NOW + 60);
  g_assert_cmpint (claims->nbf, ==, NOW);
  /* Exactly its room, and the modes it grants. */
  g_assert_true (hc_token_allows (claims, "r1", "sfu", &error));
  g_assert_true (hc_token_allows (claims, "r1", NULL, &error));
  g_assert_false (hc_token_allows (claims, "r2", "sfu", &error));
  g_assert_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_false (hc_token_allows (claims, "r1x", "sfu", &error));
  g_assert_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_false (hc_token_allows (claims, "r1", "mcu", &error));
  g_assert_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_FORBIDDEN);
  g_clear_error (&error);

  /* "*" grants every room; a mode string is a one-mode list; fractional
   * NumericDates are accepted (RFC 7519 §2). */
  wildcard = hc_token_verify (any_room, SECRET, NOW - 1, &error);
  g_assert_no_error (error);
  g_assert_true (hc_token_allows (wildcard, "anything", "mcu", &error));
  g_assert_false (hc_token_allows (wildcard, "anything", "sfu", &error));
  g_assert_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_FORBIDDEN);
  g_clear_error (&error);
  /* Its exp (1.9e9 = NOW) is over one second later. */
  g_clear_pointer (&wildcard, hc_token_claims_free);
  wildcard = hc_token_verify (any_room, SECRET, NOW, &error);
  g_assert_null (wildcard);
  g_assert_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_UNAUTHORIZED);
}

/* No mode claim: every mode. */
static void
test_no_mode_claim (void)
{
  g_autofree gchar *token
      = hc_token_mint (SECRET, "r1", "c", NULL, NOW, NOW + 1, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (HcTokenClaims) claims
      = hc_token_verify (token, SECRET, NOW, &error);

  g_assert_no_error (error);
  g_assert_null (claims->modes);
  g_assert_true (hc_token_allows (claims, "r1", "sfu", &error));
  g_assert_true (hc_token_allows (claims, "r1", "mcu", &error));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/token/401", test_unauthorized);
  g_test_add_func ("/token/valid-and-403", test_valid_and_forbidden);
  g_test_add_func ("/token/no-mode-claim", test_no_mode_claim);
  return g_test_run ();
}
