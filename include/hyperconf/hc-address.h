/* hyperconf — reTHINK addresses (runtime://, hyperty://, connection://,
 * comm://, user://, domain://).  Pure string logic, no state.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * hc_address_split:
 * Splits `scheme://host/path` (path may be empty).
 * @scheme: (out) (optional) (transfer full):
 * @host: (out) (optional) (transfer full):
 * @path: (out) (optional) (transfer full): without the leading '/'
 * Returns: %FALSE when @url has no scheme or no host
 */
gboolean hc_address_split (const gchar *url, gchar **scheme, gchar **host,
                           gchar **path);

/* TRUE when @url is @prefix or lies below it (@prefix followed by '/'). */
gboolean hc_address_is_at_or_below (const gchar *url, const gchar *prefix);

/**
 * hc_address_base:
 * `scheme://host/<first segment>` of @url: the address a path such as
 * `<url>/subscription` belongs to.
 * Returns: (transfer full) (nullable): %NULL when @url has no first segment
 */
gchar *hc_address_base (const gchar *url);

/**
 * hc_address_new_random:
 * Returns: (transfer full): `scheme://domain/<uuid>`
 */
gchar *hc_address_new_random (const gchar *scheme, const gchar *domain);

/* Cuts the last path segment of @url in place ("a://h/x/y" -> "a://h/x");
 * FALSE (and @url unchanged) when only `scheme://host` would be left. */
gboolean hc_address_walk_up (gchar *url);

/* The object URL of `<url>/changes`, or NULL (transfer full). */
gchar *hc_address_strip_suffix (const gchar *url, const gchar *suffix);

G_END_DECLS
