/* hyperconf — temporary files and folders for tests. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Removes @path and everything below it (symlinks are removed, never
 * followed). */
void hc_test_remove_tree (const gchar *path);

G_END_DECLS
