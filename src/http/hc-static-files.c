/* hyperconf — serves the browser client's files from the www dir, and
 * nothing outside it.
 *
 * Defence in depth, because the path comes from the network:
 *  1. the path is taken raw (the server runs with raw-paths) and split on
 *     '/' before any decoding, so an encoded slash (%2f) cannot create a
 *     new segment: it is refused;
 *  2. each segment is decoded once and refused when empty ("//etc"), "."
 *     or "..", hidden (".git"), or holding a NUL or a backslash;
 *  3. the file's realpath() must still lie below the www dir's realpath,
 *     which catches symlinks pointing out;
 *  4. only regular files are served.
 * Every refusal is a plain 404, so a probe learns nothing.
 */
#define G_LOG_DOMAIN "hc-http"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hc-http-private.h"

static const struct {
  const gchar *extension;
  const gchar *content_type;
} content_types[] = {
  { ".html", "text/html; charset=utf-8" },
  { ".js", "text/javascript; charset=utf-8" },
  { ".mjs", "text/javascript; charset=utf-8" },
  { ".css", "text/css; charset=utf-8" },
  { ".json", "application/json" },
  { ".svg", "image/svg+xml" },
  { ".png", "image/png" },
  { ".ico", "image/x-icon" },
  { ".txt", "text/plain; charset=utf-8" },
};

const gchar *
hc_static_files_content_type (const gchar *filename)
{
  for (gsize i = 0; i < G_N_ELEMENTS (content_types); i++) {
    if (g_str_has_suffix (filename, content_types[i].extension))
      return content_types[i].content_type;
  }
  return "application/octet-stream";
}

/* Step 2 for one segment.  Returns: (transfer full) (nullable) */
static gchar *
decode_segment (const gchar *segment)
{
  /* "/" as illegal character: %2f must not smuggle a separator in;
   * g_uri_unescape_segment also refuses %00 and broken escapes. */
  g_autofree gchar *decoded = g_uri_unescape_segment (segment, NULL, "/");

  if (decoded == NULL || decoded[0] == '\0' || decoded[0] == '.'
      || strchr (decoded, '\\') != NULL)
    return NULL;
  return g_steal_pointer (&decoded);
}

gchar *
hc_static_files_resolve (const gchar *www_dir, const gchar *encoded_path)
{
  g_auto (GStrv) segments = NULL;
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *candidate = NULL;
  g_autofree gchar *real = NULL;
  g_autofree gchar *root_prefix = NULL;
  struct stat st;
  guint n;

  if (encoded_path == NULL || encoded_path[0] != '/')
    return NULL;

  g_ptr_array_add (parts, g_strdup (www_dir));
  /* g_strsplit gives no segment at all for "/", one empty last segment
   * for any other trailing slash: both mean that directory's index. */
  segments = g_strsplit (encoded_path + 1, "/", -1);
  n = g_strv_length (segments);
  if (n == 0)
    g_ptr_array_add (parts, g_strdup ("index.html"));
  for (guint i = 0; i < n; i++) {
    gchar *decoded;

    if (i == n - 1 && segments[i][0] == '\0') {
      g_ptr_array_add (parts, g_strdup ("index.html"));
      break;
    }
    decoded = decode_segment (segments[i]);
    if (decoded == NULL)
      return NULL;
    g_ptr_array_add (parts, decoded);
  }
  g_ptr_array_add (parts, NULL);
  candidate = g_build_filenamev ((gchar **)parts->pdata);

  real = realpath (candidate, NULL);
  if (real == NULL)
    return NULL;
  /* "/srv/www" must not admit "/srv/www-private/..." */
  root_prefix = g_str_has_suffix (www_dir, G_DIR_SEPARATOR_S)
                    ? g_strdup (www_dir)
                    : g_strconcat (www_dir, G_DIR_SEPARATOR_S, NULL);
  if (!g_str_has_prefix (real, root_prefix)) {
    g_debug ("static: %s resolves outside the www dir, refused", encoded_path);
    return NULL;
  }
  if (stat (real, &st) != 0 || !S_ISREG (st.st_mode))
    return NULL;
  return g_steal_pointer (&real);
}

static void
not_found (SoupServerMessage *msg)
{
  static const gchar body[] = "not found\n";

  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8",
                                    SOUP_MEMORY_STATIC, body, strlen (body));
}

void
hc_static_files_serve (SoupServerMessage *msg, const gchar *www_dir,
                       const gchar *encoded_path)
{
  g_autofree gchar *file = hc_static_files_resolve (www_dir, encoded_path);
  g_autoptr (GError) error = NULL;
  SoupMessageHeaders *headers;
  gchar *contents = NULL;
  gsize length = 0;

  if (file == NULL) {
    not_found (msg);
    return;
  }
  if (!g_file_get_contents (file, &contents, &length, &error)) {
    g_debug ("static: %s: %s", file, error->message);
    not_found (msg);
    return;
  }
  headers = soup_server_message_get_response_headers (msg);
  /* The client is small and changes with the server: always revalidate,
   * and never let a browser guess a type for a file. */
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, hc_static_files_content_type (file),
                                    SOUP_MEMORY_TAKE, contents, length);
}
