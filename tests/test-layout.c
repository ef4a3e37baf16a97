/* hyperconf — tile layouts of the MCU composite (hc_layout_compute). */
#include <hyperconf/hc-layout.h>

#include <math.h>

#define MAX_TILES 9

static gboolean
overlap (const HcTile *a, const HcTile *b)
{
  return a->x < b->x + b->width && b->x < a->x + a->width
         && a->y < b->y + b->height && b->y < a->y + a->height;
}

/* What a person looking at the frame checks: every tile visible whole, no
 * two on top of each other, none distorted, I420-friendly. */
static void
check_tiles (const HcTile *tiles, guint n, gint width, gint height)
{
  gdouble aspect = (gdouble)width / height;

  for (guint i = 0; i < n; i++) {
    const HcTile *t = &tiles[i];

    g_assert_cmpint (t->width, >, 0);
    g_assert_cmpint (t->height, >, 0);
    g_assert_cmpint (t->x, >=, 0);
    g_assert_cmpint (t->y, >=, 0);
    g_assert_cmpint (t->x + t->width, <=, width);
    g_assert_cmpint (t->y + t->height, <=, height);
    g_assert_cmpint (t->x % 2, ==, 0);
    g_assert_cmpint (t->y % 2, ==, 0);
    g_assert_cmpint (t->width % 2, ==, 0);
    g_assert_cmpint (t->height % 2, ==, 0);
    /* Even rounding moves a small tile's aspect by a few percent at most. */
    g_assert_cmpfloat (fabs ((gdouble)t->width / t->height - aspect), <,
                       0.05 * aspect);
    for (guint j = 0; j < i; j++)
      g_assert_false (overlap (t, &tiles[j]));
  }
}

static gint64
area (const HcTile *t)
{
  return (gint64)t->width * t->height;
}

static void
test_grid (void)
{
  const gint sizes[][2]
      = { { 640, 360 }, { 640, 480 }, { 1280, 720 }, { 322, 182 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++) {
    for (guint n = 1; n <= MAX_TILES; n++) {
      HcTile tiles[MAX_TILES];
      gint64 total = 0;

      hc_layout_compute (HC_LAYOUT_GRID, n, sizes[s][0], sizes[s][1], -1,
                         tiles);
      check_tiles (tiles, n, sizes[s][0], sizes[s][1]);
      for (guint i = 0; i < n; i++) {
        /* one size for all */
        g_assert_cmpint (tiles[i].width, ==, tiles[0].width);
        g_assert_cmpint (tiles[i].height, ==, tiles[0].height);
        total += area (&tiles[i]);
      }
      /* The grid uses the frame: at least a third of it for any count
       * (a 3x3 grid of 16:9 tiles fills it whole). */
      g_assert_cmpint (total * 3, >=, (gint64)sizes[s][0] * sizes[s][1]);
    }
  }
}

static void
test_grid_counts (void)
{
  HcTile tiles[MAX_TILES];

  /* One input fills the frame. */
  hc_layout_compute (HC_LAYOUT_GRID, 1, 640, 360, 0, tiles);
  g_assert_cmpint (tiles[0].x, ==, 0);
  g_assert_cmpint (tiles[0].y, ==, 0);
  g_assert_cmpint (tiles[0].width, ==, 640);
  g_assert_cmpint (tiles[0].height, ==, 360);

  /* Four make a 2x2 grid of quarter frames. */
  hc_layout_compute (HC_LAYOUT_GRID, 4, 640, 360, 0, tiles);
  for (guint i = 0; i < 4; i++) {
    g_assert_cmpint (tiles[i].width, ==, 320);
    g_assert_cmpint (tiles[i].height, ==, 180);
    g_assert_cmpint (tiles[i].x, ==, (gint)(i % 2) * 320);
    g_assert_cmpint (tiles[i].y, ==, (gint)(i / 2) * 180);
  }

  /* Tiles shrink as inputs come: never larger with more inputs. */
  for (guint n = 2; n <= MAX_TILES; n++) {
    HcTile fewer[MAX_TILES];

    hc_layout_compute (HC_LAYOUT_GRID, n - 1, 640, 360, 0, fewer);
    hc_layout_compute (HC_LAYOUT_GRID, n, 640, 360, 0, tiles);
    g_assert_cmpint (area (&tiles[0]), <=, area (&fewer[0]));
  }
}

static void
test_speaker (void)
{
  for (guint n = 1; n <= MAX_TILES; n++) {
    for (guint speaker = 0; speaker < n; speaker++) {
      HcTile tiles[MAX_TILES];

      hc_layout_compute (HC_LAYOUT_SPEAKER, n, 640, 360, (gint)speaker, tiles);
      check_tiles (tiles, n, 640, 360);
      for (guint i = 0; i < n; i++)
        if (i != speaker)
          g_assert_cmpint (area (&tiles[speaker]), >, 4 * area (&tiles[i]));
      /* The speaker takes most of the height. */
      g_assert_cmpint (tiles[speaker].height * 2, >, 360);
    }
  }

  /* An unknown speaker index falls back to the first input. */
  HcTile tiles[3], first[3];
  hc_layout_compute (HC_LAYOUT_SPEAKER, 3, 640, 360, 7, tiles);
  hc_layout_compute (HC_LAYOUT_SPEAKER, 3, 640, 360, 0, first);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (tiles[i].x, ==, first[i].x);
  g_assert_cmpint (area (&tiles[0]), >, area (&tiles[1]));
}

static void
test_kind_names (void)
{
  HcLayoutKind kind = HC_LAYOUT_SPEAKER;

  g_assert_true (hc_layout_kind_from_string ("grid", &kind));
  g_assert_cmpint (kind, ==, HC_LAYOUT_GRID);
  g_assert_true (hc_layout_kind_from_string ("speaker", &kind));
  g_assert_cmpint (kind, ==, HC_LAYOUT_SPEAKER);
  g_assert_false (hc_layout_kind_from_string ("mosaic", &kind));
  g_assert_false (hc_layout_kind_from_string (NULL, &kind));
  g_assert_cmpint (kind, ==, HC_LAYOUT_SPEAKER);
  g_assert_cmpstr (hc_layout_kind_to_string (HC_LAYOUT_GRID), ==, "grid");
  g_assert_cmpstr (hc_layout_kind_to_string (HC_LAYOUT_SPEAKER), ==, "speaker");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/layout/grid", test_grid);
  g_test_add_func ("/layout/grid-counts", test_grid_counts);
  g_test_add_func ("/layout/speaker", test_speaker);
  g_test_add_func ("/layout/kind-names", test_kind_names);
  return g_test_run ();
}
