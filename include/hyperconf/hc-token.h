/* hyperconf — join tokens: compact JWTs signed with HS256 (RFC 7519,
 * RFC 7515), checked without any library beyond GLib and json-glib.
 *
 *   base64url(header) "." base64url(claims) "." base64url(HMAC-SHA256)
 *
 * header: {"alg":"HS256"} (any other alg, "none" included, is refused;
 * so is a "crit" member).  Claims (PROTOCOL.md §9.2, docs/protocol.md
 * appendix): `room` (a room name or "*"), `sub` (the name shown to
 * others), `exp` (seconds since the epoch), optionally `nbf` and `mode`
 * (a string or an array of the modes allowed, "sfu", "mcu").
 *
 * hc_token_verify answers the 401 cases of §9.2 (missing, malformed,
 * badly signed, wrong alg, not yet valid, expired); hc_token_allows the
 * 403 cases (another room, a mode not granted).  Both set
 * HC_PROTOCOL_ERROR with the wire code and a sentence that says why.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longer tokens are refused before any decoding (401). */
#define HC_TOKEN_MAX_LENGTH 4096

typedef struct {
  gchar *room; /* a room name, or "*" for every room */
  gchar *sub;  /* the participant's name */
  gint64 exp;  /* seconds since the epoch */
  gint64 nbf;  /* seconds since the epoch; 0 when absent */
  GStrv modes; /* (nullable): the modes allowed; NULL: any */
} HcTokenClaims;

/**
 * hc_token_verify:
 * @token: (nullable): the compact JWT; %NULL or "" is "missing"
 * @secret: (transfer none): the HS256 key
 * @now_s: the current time, seconds since the epoch
 * Returns: (transfer full) (nullable): the claims of a well-formed,
 *   correctly signed token valid at @now_s; %NULL with
 *   HC_PROTOCOL_ERROR_UNAUTHORIZED otherwise
 */
HcTokenClaims *hc_token_verify (const gchar *token, const gchar *secret,
                                gint64 now_s, GError **error);

/**
 * hc_token_allows:
 * @claims: (transfer none)
 * @mode: (nullable): the mode asked for; %NULL checks the room only
 * Returns: %TRUE when @claims grant @room and @mode; %FALSE with
 *   HC_PROTOCOL_ERROR_FORBIDDEN otherwise
 */
gboolean hc_token_allows (const HcTokenClaims *claims, const gchar *room,
                          const gchar *mode, GError **error);

/**
 * hc_token_mint:
 * @room: a room name or "*"
 * @sub: the participant's name
 * @modes: (nullable) (array zero-terminated=1): the modes allowed; %NULL
 *   leaves `mode` out (any mode)
 * @not_before_s: `nbf`, or 0 to leave it out
 * Returns: (transfer full): a token signed with @secret, also carrying
 *   `iat` (@now_s)
 */
gchar *hc_token_mint (const gchar *secret, const gchar *room, const gchar *sub,
                      const gchar *const *modes, gint64 now_s, gint64 expires_s,
                      gint64 not_before_s);

/**
 * hc_token_sign:
 * The compact JWS of @header_json and @claims_json (used as given, so
 * tests can sign any header) with HMAC-SHA256 under @secret.
 * Returns: (transfer full)
 */
gchar *hc_token_sign (const gchar *secret, const gchar *header_json,
                      const gchar *claims_json);

/**
 * hc_equal_constant_time:
 * Compares secrets (MACs, bearer tokens) in a time that depends on
 * @expected_length only.
 * Returns: %TRUE when both hold the same bytes
 */
gboolean hc_equal_constant_time (const void *given, gsize given_length,
                                 const void *expected, gsize expected_length);

void hc_token_claims_free (HcTokenClaims *claims);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcTokenClaims, hc_token_claims_free)

G_END_DECLS
