/* hyperconf — tile layouts of the MCU composite (see hc-layout.h). */
#include <hyperconf/hc-layout.h>

#include <math.h>

/* Rounds down to an even number (I420 has one chroma sample per 2x2). */
static gint
even (gdouble v)
{
  gint i = (gint)floor (v);
  return i - (i & 1);
}

/* The largest tile of the frame's aspect that fits @box_w x @box_h. */
static void
fit_aspect (gdouble aspect, gdouble box_w, gdouble box_h, gint *w, gint *h)
{
  gdouble tw = box_w, th = box_w / aspect;

  if (th > box_h) {
    th = box_h;
    tw = box_h * aspect;
  }
  *w = even (tw);
  *h = even (th);
}

/* The number of columns that gives @n tiles of the frame's aspect the most
 * area: a 16:9 frame takes 2 inputs side by side, 3-4 as 2x2, 5-6 as 3x2. */
static guint
grid_columns (guint n, gint width, gint height)
{
  gdouble aspect = (gdouble)width / height, best_area = -1;
  guint best = 1;

  for (guint cols = 1; cols <= n; cols++) {
    guint rows = (n + cols - 1) / cols;
    gint w, h;

    fit_aspect (aspect, (gdouble)width / cols, (gdouble)height / rows, &w, &h);
    if ((gdouble)w * h >= best_area) {
      best_area = (gdouble)w * h;
      best = cols;
    }
  }
  return best;
}

static void
compute_grid (guint n, gint width, gint height, HcTile *tiles)
{
  guint cols = grid_columns (n, width, height);
  guint rows = (n + cols - 1) / cols;
  gint w, h;

  fit_aspect ((gdouble)width / height, (gdouble)width / cols,
              (gdouble)height / rows, &w, &h);
  gint top = even ((height - (gint)rows * h) / 2.0);

  for (guint i = 0; i < n; i++) {
    guint row = i / cols, col = i % cols;
    /* The last row may be short: centre it too. */
    guint in_row = MIN (cols, n - row * cols);
    gint left = even ((width - (gint)in_row * w) / 2.0);

    tiles[i] = (HcTile){ left + (gint)col * w, top + (gint)row * h, w, h };
  }
}

static void
compute_speaker (guint n, gint width, gint height, guint speaker, HcTile *tiles)
{
  gdouble aspect = (gdouble)width / height;
  guint others = n - 1;
  gint sw, sh;

  /* The strip is a quarter of the height, narrower if the others do not
   * fit side by side in the width. */
  fit_aspect (aspect, (gdouble)width / others, height / 4.0, &sw, &sh);

  gint big_w, big_h;
  fit_aspect (aspect, width, height - sh, &big_w, &big_h);
  tiles[speaker] = (HcTile){ even ((width - big_w) / 2.0), 0, big_w, big_h };

  gint left = even ((width - (gint)others * sw) / 2.0);
  guint slot = 0;
  for (guint i = 0; i < n; i++) {
    if (i == speaker)
      continue;
    tiles[i] = (HcTile){ left + (gint)slot * sw, height - sh, sw, sh };
    slot++;
  }
}

void
hc_layout_compute (HcLayoutKind kind, guint n, gint width, gint height,
                   gint speaker, HcTile *tiles)
{
  g_return_if_fail (width > 0 && height > 0);
  g_return_if_fail (n == 0 || tiles != NULL);

  if (n == 0)
    return;
  if (kind == HC_LAYOUT_SPEAKER && n > 1) {
    guint s = (speaker >= 0 && (guint)speaker < n) ? (guint)speaker : 0;
    compute_speaker (n, width, height, s, tiles);
  } else {
    compute_grid (n, width, height, tiles);
  }
}

const gchar *
hc_layout_kind_to_string (HcLayoutKind kind)
{
  return kind == HC_LAYOUT_SPEAKER ? "speaker" : "grid";
}

gboolean
hc_layout_kind_from_string (const gchar *name, HcLayoutKind *kind)
{
  g_return_val_if_fail (kind != NULL, FALSE);

  if (g_strcmp0 (name, "grid") == 0)
    *kind = HC_LAYOUT_GRID;
  else if (g_strcmp0 (name, "speaker") == 0)
    *kind = HC_LAYOUT_SPEAKER;
  else
    return FALSE;
  return TRUE;
}
