/* hyperconf — tile layouts of the MCU composite (pure arithmetic, no
 * GStreamer).
 *
 * The mixer places one tile per video publisher in the output frame; this
 * says where.  Every tile keeps the output frame's aspect ratio (inputs are
 * letterboxed into their tile before the compositor), and positions and
 * sizes are even so that I420 chroma planes stay aligned.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  HC_LAYOUT_GRID,    /* all tiles the same size, in rows, centred */
  HC_LAYOUT_SPEAKER, /* the speaker large on top, the others in a strip */
} HcLayoutKind;

/* A rectangle in pixels of the output frame. */
typedef struct {
  gint x, y, width, height;
} HcTile;

/* Fills @tiles (@n entries, in input order) for @n inputs in a @width x
 * @height frame.  For %HC_LAYOUT_SPEAKER, input @speaker (0..n-1; any other
 * value means 0) gets the large tile and the others a strip below it, in
 * input order.  Tiles never overlap and lie inside the frame.  @n = 0 fills
 * nothing. */
void hc_layout_compute (HcLayoutKind kind, guint n, gint width, gint height,
                        gint speaker, HcTile *tiles);

/* "grid" / "speaker".  Returns: (transfer none) */
const gchar *hc_layout_kind_to_string (HcLayoutKind kind);
/* Parses "grid" / "speaker" into @kind; FALSE (and @kind untouched) for any
 * other string. */
gboolean hc_layout_kind_from_string (const gchar *name, HcLayoutKind *kind);

G_END_DECLS
