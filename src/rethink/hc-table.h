/* hyperconf — hash-table snapshots (GLib 2.74 lacks the _as_ptr_array
 * calls), so that loops can change the table they walk. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Returns: (transfer full): the keys (strdup'ed and owned when @dup) or the
 * values (when @values) of @table at this moment. */
static inline GPtrArray *
hc_table_snapshot (GHashTable *table, gboolean values, gboolean dup)
{
  GPtrArray *array
      = g_ptr_array_new_full (g_hash_table_size (table), dup ? g_free : NULL);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    gpointer item = values ? value : key;

    g_ptr_array_add (array, dup ? g_strdup (item) : item);
  }
  return array;
}

G_END_DECLS
