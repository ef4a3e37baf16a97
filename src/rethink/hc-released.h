/* hyperconf — who owned an address that was released (PROTOCOL.md §4).
 *
 * A released address may be claimed again only by the runtime URL that
 * owned it, for a window after its release; otherwise whoever saw a
 * departed participant's address could speak as it.  This is the record
 * the node keeps for that rule: address -> (runtime URL, release time),
 * kept in release order so that expired entries go from the head in O(1)
 * and the record never grows past a fixed number of entries (the oldest
 * goes first).  Private to src/rethink; main context only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HcReleased HcReleased;

/* @window_ms: how long an entry holds (0: never records anything);
 * @max_entries: the oldest entry is forgotten beyond this. */
HcReleased *hc_released_new (guint window_ms, guint max_entries);
void hc_released_free (HcReleased *self);

/* Records that @runtime_url released @address now. */
void hc_released_add (HcReleased *self, const gchar *address,
                      const gchar *runtime_url);

/* TRUE when @runtime_url may claim @address: nobody else released it
 * within the window.  A claim that may proceed forgets the entry. */
gboolean hc_released_may_claim (HcReleased *self, const gchar *address,
                                const gchar *runtime_url);

guint hc_released_size (HcReleased *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcReleased, hc_released_free)

G_END_DECLS
