/* hyperconf — libFuzzer target: join tokens (hc-token.c).
 *
 * Each input is verified twice: as a compact JWT as it came (the header,
 * base64url and signature checks, which a forger meets), and split at its
 * first newline into a header and a claims set that are signed with the
 * secret first, so the claims parsing behind the signature (which no
 * random input could reach) is fuzzed too.
 */
#include <hyperconf/hc-token.h>

#include <string.h>

#include "hc-fuzz.h"

#define SECRET "fuzz-secret-0123456789abcdef"
#define NOW    1900000000

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  hc_fuzz_abort_on_log (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
  return 0;
}

static void
check (const gchar *token)
{
  HcTokenClaims *claims = hc_token_verify (token, SECRET, NOW, NULL);

  if (claims) {
    hc_token_allows (claims, "room1", "sfu", NULL);
    hc_token_allows (claims, claims->room, NULL, NULL);
    hc_token_claims_free (claims);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gchar *text = g_strndup ((const gchar *)data, size);
  gchar *newline = strchr (text, '\n');

  check (text);
  if (newline) {
    gchar *signed_token;

    *newline = '\0';
    signed_token = hc_token_sign (SECRET, text, newline + 1);
    check (signed_token);
    g_free (signed_token);
  }
  g_free (text);
  return 0;
}
