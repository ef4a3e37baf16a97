/* hyperconf — protocol error domain.
 *
 * Each code is the HTTP-style integer of PROTOCOL.md's responses, so a
 * GError in this domain maps one to one onto a wire `body.code`.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HC_PROTOCOL_ERROR (hc_protocol_error_quark ())

typedef enum {
  HC_PROTOCOL_ERROR_BAD_REQUEST = 400,
  HC_PROTOCOL_ERROR_UNAUTHORIZED = 401,
  HC_PROTOCOL_ERROR_FORBIDDEN = 403,
  HC_PROTOCOL_ERROR_NOT_FOUND = 404,
  HC_PROTOCOL_ERROR_CONFLICT = 409,
  HC_PROTOCOL_ERROR_TOO_MANY_REQUESTS = 429,
  HC_PROTOCOL_ERROR_BUSY_HERE = 486,
  HC_PROTOCOL_ERROR_INTERNAL = 500,
  HC_PROTOCOL_ERROR_NOT_IMPLEMENTED = 501,
  HC_PROTOCOL_ERROR_UNAVAILABLE = 503,
} HcProtocolError;

GQuark hc_protocol_error_quark (void);

/* Reason phrase for a wire code ("Bad Request", ...). Never NULL. */
const gchar *hc_protocol_error_phrase (gint code);

G_END_DECLS
