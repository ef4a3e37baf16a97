/* hyperconf — reTHINK address strings: split, compare, derive, mint. */
#include <hyperconf/hc-address.h>

#include <string.h>

gboolean
hc_address_split (const gchar *url, gchar **scheme, gchar **host, gchar **path)
{
  const gchar *sep, *host_start, *host_end;

  if (url == NULL)
    return FALSE;
  sep = strstr (url, "://");
  if (sep == NULL || sep == url)
    return FALSE;
  host_start = sep + 3;
  host_end = strchr (host_start, '/');
  if (host_end == NULL)
    host_end = host_start + strlen (host_start);
  if (host_end == host_start)
    return FALSE;

  if (scheme)
    *scheme = g_strndup (url, sep - url);
  if (host)
    *host = g_strndup (host_start, host_end - host_start);
  if (path)
    *path = g_strdup (*host_end == '/' ? host_end + 1 : "");
  return TRUE;
}

gboolean
hc_address_is_at_or_below (const gchar *url, const gchar *prefix)
{
  gsize n = strlen (prefix);

  if (strncmp (url, prefix, n) != 0)
    return FALSE;
  return url[n] == '\0' || url[n] == '/';
}

gchar *
hc_address_base (const gchar *url)
{
  const gchar *sep, *path, *end;

  sep = strstr (url, "://");
  if (sep == NULL)
    return NULL;
  path = strchr (sep + 3, '/');
  if (path == NULL || path == sep + 3 || path[1] == '\0' || path[1] == '/')
    return NULL;
  end = strchr (path + 1, '/');
  if (end == NULL)
    return g_strdup (url);
  return g_strndup (url, end - url);
}

gchar *
hc_address_new_random (const gchar *scheme, const gchar *domain)
{
  g_autofree gchar *uuid = g_uuid_string_random ();

  return g_strdup_printf ("%s://%s/%s", scheme, domain, uuid);
}

gchar *
hc_address_strip_suffix (const gchar *url, const gchar *suffix)
{
  gsize n = strlen (url), m = strlen (suffix);

  if (n <= m || strcmp (url + n - m, suffix) != 0)
    return NULL;
  return g_strndup (url, n - m);
}

gboolean
hc_address_walk_up (gchar *url)
{
  gchar *sep = strstr (url, "://");
  gchar *host_end, *last;

  if (sep == NULL)
    return FALSE;
  host_end = strchr (sep + 3, '/');
  if (host_end == NULL)
    return FALSE;
  last = strrchr (host_end, '/');
  if (last == host_end)
    return FALSE;
  *last = '\0';
  return TRUE;
}
