/* hyperconf — the record of released addresses (hc-released.h). */
#include "hc-released.h"

typedef struct {
  gchar *address;
  gchar *runtime_url;
  gint64 released_us; /* monotonic */
} Entry;

struct _HcReleased {
  gint64 window_us;
  guint max_entries;
  GQueue order;        /* Entry*, oldest first (owned) */
  GHashTable *by_name; /* address -> GList* link in order */
};

static void
entry_free (Entry *entry)
{
  g_free (entry->address);
  g_free (entry->runtime_url);
  g_free (entry);
}

HcReleased *
hc_released_new (guint window_ms, guint max_entries)
{
  HcReleased *self = g_new0 (HcReleased, 1);

  self->window_us = (gint64)window_ms * 1000;
  self->max_entries = MAX (max_entries, 1);
  g_queue_init (&self->order);
  /* Keys are the entries' own strings. */
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  return self;
}

void
hc_released_free (HcReleased *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->by_name);
  g_queue_clear_full (&self->order, (GDestroyNotify)entry_free);
  g_free (self);
}

static void
remove_link (HcReleased *self, GList *link)
{
  Entry *entry = link->data;

  g_hash_table_remove (self->by_name, entry->address);
  g_queue_delete_link (&self->order, link);
  entry_free (entry);
}

/* Drops the entries whose window is over, and the oldest beyond the cap. */
static void
expire (HcReleased *self, gint64 now_us)
{
  while (self->order.head) {
    Entry *oldest = self->order.head->data;

    if (now_us - oldest->released_us < self->window_us
        && self->order.length <= self->max_entries)
      break;
    remove_link (self, self->order.head);
  }
}

void
hc_released_add (HcReleased *self, const gchar *address,
                 const gchar *runtime_url)
{
  gint64 now_us = g_get_monotonic_time ();
  GList *link;
  Entry *entry;

  if (self->window_us == 0)
    return;
  /* A second release (after the owner reclaimed it) starts a new window. */
  link = g_hash_table_lookup (self->by_name, address);
  if (link)
    remove_link (self, link);
  entry = g_new0 (Entry, 1);
  entry->address = g_strdup (address);
  entry->runtime_url = g_strdup (runtime_url);
  entry->released_us = now_us;
  g_queue_push_tail (&self->order, entry);
  g_hash_table_insert (self->by_name, entry->address, self->order.tail);
  expire (self, now_us);
}

gboolean
hc_released_may_claim (HcReleased *self, const gchar *address,
                       const gchar *runtime_url)
{
  GList *link;

  expire (self, g_get_monotonic_time ());
  link = g_hash_table_lookup (self->by_name, address);
  if (link == NULL)
    return TRUE;
  if (g_strcmp0 (((Entry *)link->data)->runtime_url, runtime_url) != 0)
    return FALSE;
  remove_link (self, link);
  return TRUE;
}

guint
hc_released_size (HcReleased *self)
{
  expire (self, g_get_monotonic_time ());
  return self->order.length;
}
