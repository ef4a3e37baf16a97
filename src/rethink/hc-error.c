/* hyperconf — the protocol error domain and its reason phrases. */
#include <hyperconf/hc-error.h>

/* clang-format off */
G_DEFINE_QUARK (hc-protocol-error-quark, hc_protocol_error)
/* clang-format on */

const gchar *
hc_protocol_error_phrase (gint code)
{
  switch (code) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 429:
      return "Too Many Requests";
    case 486:
      return "Busy Here";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}
