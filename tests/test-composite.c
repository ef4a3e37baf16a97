/* hyperconf — the MCU video graphs of pipelines/ (hc_pipeline_load), with
 * tiles from hc_layout_compute, checked on the decoded composite.
 *
 *   videotestsrc colour i ─ vp8enc ─ rtpvp8pay ─▶ mcu-video-input ─▶ ┐
 *   ...                                                              ├
 * mcu-video (compositor pads placed by hc_layout_compute)                    ┘
 * │ appsink (RGB) ◀─ vp8dec ◀─ rtpvp8depay ◀────────────┘
 *
 * What a viewer of the mixed stream sees: each publisher's picture in its
 * tile, the tiles where the layout says.
 */
#include "hc-test-rtp.h"
#include <hyperconf/hc-forwarder.h>
#include <hyperconf/hc-layout.h>

#include "src/media/hc-composite.h"
#include "src/media/hc-pipeline.h"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#define DEADLINE (30 * G_USEC_PER_SEC)
/* The longest wait for a composite frame that is not a stall: a composite
 * that waited for a join or a stalled input would wait for seconds (or for
 * good); the machine is shared and loaded, so one frame's 66 ms can become
 * a second. */
#define MAX_GAP_US (2 * G_USEC_PER_SEC)
#define WIDTH      640
#define HEIGHT     360

static const guint32 colours[] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffffff };
/* Publishers send all sorts of sizes; each is scaled to its tile. */
static const gint input_sizes[][2]
    = { { 640, 480 }, { 320, 180 }, { 160, 120 }, { 480, 270 } };

typedef struct {
  GstElement *pipeline, *video, *mix;
  GstElement *sink;
  GstElement *sources[G_N_ELEMENTS (colours)];
  GstPad *mix_pads[G_N_ELEMENTS (colours)]; /* (transfer none) */
  HcTile tiles[G_N_ELEMENTS (colours)];
  guint n;
} Rig;

static GstBusSyncReply
fail_on_error (GstBus *bus, GstMessage *message, gpointer user_data)
{
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) error = NULL;
    g_autofree gchar *debug = NULL;
    gst_message_parse_error (message, &error, &debug);
    g_error ("pipeline error: %s (%s)", error->message, debug);
  }
  return GST_BUS_PASS;
}

static GstElement *
load (const gchar *name)
{
  g_autoptr (GError) error = NULL;
  GstElement *bin = hc_pipeline_load (name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bin);
  return bin;
}

/* One publisher: a solid colour, VP8 over RTP as webrtcbin hands it over,
 * decoded and normalised to @tile by mcu-video-input, into the compositor
 * at the tile's place. */
static void
add_input (Rig *rig, guint i, const HcTile *tile)
{
  g_autofree gchar *desc = g_strdup_printf (
      "videotestsrc is-live=true pattern=solid-color foreground-color=0x%08x"
      " ! capsfilter caps=video/x-raw,width=%d,height=%d,framerate=15/1"
      " ! vp8enc deadline=1 keyframe-max-dist=15 ! rtpvp8pay",
      0xff000000u | colours[i], input_sizes[i][0], input_sizes[i][1]);
  g_autoptr (GError) error = NULL;
  GstElement *source = gst_parse_bin_from_description (desc, TRUE, &error);
  g_assert_no_error (error);
  GstElement *input = load ("mcu-video-input");

  g_autoptr (GstElement) tile_filter
      = gst_bin_get_by_name (GST_BIN (input), "tile");
  g_autoptr (GstElement) label = gst_bin_get_by_name (GST_BIN (input), "label");
  g_assert_nonnull (tile_filter);
  g_assert_nonnull (label);
  g_autoptr (GstCaps) caps = gst_caps_new_simple (
      "video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
      tile->width, "height", G_TYPE_INT, tile->height, "pixel-aspect-ratio",
      GST_TYPE_FRACTION, 1, 1, NULL);
  g_object_set (tile_filter, "caps", caps, NULL);
  g_autofree gchar *text = g_strdup_printf ("publisher %u", i);
  g_object_set (label, "text", text, NULL);

  gst_bin_add_many (GST_BIN (rig->pipeline), source, input, NULL);
  g_assert_true (gst_element_link (source, input));
  rig->sources[i] = source;

  /* The compositor's pad, ghosted out of the mcu-video bin. */
  GstPad *pad = gst_element_request_pad_simple (rig->mix, "sink_%u");
  rig->mix_pads[i] = pad;
  g_object_set (pad, "xpos", tile->x, "ypos", tile->y, "width", tile->width,
                "height", tile->height, NULL);
  GstPad *ghost = gst_ghost_pad_new (NULL, pad);
  gst_object_unref (pad);
  gst_pad_set_active (ghost, TRUE);
  g_assert_true (gst_element_add_pad (rig->video, ghost));
  g_autoptr (GstPad) src = gst_element_get_static_pad (input, "src");
  g_assert_cmpint (gst_pad_link (src, ghost), ==, GST_PAD_LINK_OK);
  /* Joining a running composite. */
  g_assert_true (gst_element_sync_state_with_parent (input));
  g_assert_true (gst_element_sync_state_with_parent (source));
}

static void
rig_start (Rig *rig, guint n)
{
  memset (rig, 0, sizeof *rig);
  rig->n = n;
  rig->pipeline = gst_pipeline_new (NULL);
  g_autoptr (GstBus) bus = gst_element_get_bus (rig->pipeline);
  gst_bus_set_sync_handler (bus, fail_on_error, NULL, NULL);

  rig->video = load ("mcu-video");
  rig->mix = gst_bin_get_by_name (GST_BIN (rig->video), "mix");
  g_assert_nonnull (rig->mix);
  g_autoptr (GError) error = NULL;
  GstElement *decode = gst_parse_bin_from_description (
      "rtpvp8depay ! vp8dec ! videoconvert"
      " ! capsfilter caps=video/x-raw,format=RGB",
      TRUE, &error);
  g_assert_no_error (error);
  rig->sink = gst_element_factory_make ("appsink", NULL);
  g_object_set (rig->sink, "sync", FALSE, "max-buffers", 1, "drop", TRUE, NULL);
  gst_bin_add_many (GST_BIN (rig->pipeline), rig->video, decode, rig->sink,
                    NULL);
  g_assert_true (gst_element_link_many (rig->video, decode, rig->sink, NULL));

  hc_layout_compute (HC_LAYOUT_GRID, n, WIDTH, HEIGHT, 0, rig->tiles);
  for (guint i = 0; i < n; i++)
    add_input (rig, i, &rig->tiles[i]);
  g_assert_cmpint (gst_element_set_state (rig->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
}

static void
rig_stop (Rig *rig)
{
  gst_element_set_state (rig->pipeline, GST_STATE_NULL);
  gst_object_unref (rig->mix);
  gst_object_unref (rig->pipeline);
}

static guint32
pixel (GstVideoFrame *frame, gint x, gint y)
{
  const guint8 *p = (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA (frame, 0)
                    + y * GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0) + x * 3;
  return (guint32)p[0] << 16 | (guint32)p[1] << 8 | p[2];
}

static gboolean
close_to (guint32 a, guint32 b)
{
  for (guint shift = 0; shift <= 16; shift += 8) {
    gint ca = (a >> shift) & 0xff, cb = (b >> shift) & 0xff;
    if (ABS (ca - cb) > 60)
      return FALSE;
  }
  return TRUE;
}

/* Every tile centre has its publisher's colour, and (@outside_x,
 * @outside_y), if >= 0, the black background. */
static gboolean
frame_matches (Rig *rig, GstSample *sample, gint outside_x, gint outside_y,
               gboolean report)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  gboolean ok = TRUE;

  g_assert_true (
      gst_video_info_from_caps (&info, gst_sample_get_caps (sample)));
  g_assert_cmpint (GST_VIDEO_INFO_WIDTH (&info), ==, WIDTH);
  g_assert_cmpint (GST_VIDEO_INFO_HEIGHT (&info), ==, HEIGHT);
  g_assert_true (gst_video_frame_map (
      &frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ));
  for (guint i = 0; i < rig->n; i++) {
    const HcTile *t = &rig->tiles[i];
    guint32 got = pixel (&frame, t->x + t->width / 2, t->y + t->height / 2);
    if (report)
      g_test_message ("tile %u (%d,%d %dx%d): centre #%06x, expected #%06x", i,
                      t->x, t->y, t->width, t->height, got, colours[i]);
    ok = ok && close_to (got, colours[i]);
  }
  if (outside_x >= 0) {
    guint32 got = pixel (&frame, outside_x, outside_y);
    if (report)
      g_test_message ("background (%d,%d): #%06x", outside_x, outside_y, got);
    ok = ok && close_to (got, 0x000000);
  }
  gst_video_frame_unmap (&frame);
  return ok;
}

/* Pulls frames until @wanted of them show the layout; the longest wait
 * between two frames in *@longest_gap (us).  Returns: (transfer full) the
 * last frame */
static GstSample *
wait_for_layout (Rig *rig, guint wanted, gint outside_x, gint outside_y,
                 gint64 *longest_gap)
{
  gint64 end = g_get_monotonic_time () + DEADLINE;
  gint64 previous = 0;
  GstSample *last = NULL;
  guint frames = 0, matching = 0;

  *longest_gap = 0;
  while (matching < wanted) {
    g_assert_cmpint (g_get_monotonic_time (), <, end);
    GstSample *sample
        = gst_app_sink_try_pull_sample (GST_APP_SINK (rig->sink), GST_SECOND);
    gint64 now = g_get_monotonic_time ();
    if (sample == NULL)
      continue;
    if (previous != 0)
      *longest_gap = MAX (*longest_gap, now - previous);
    previous = now;
    frames++;
    if (frame_matches (rig, sample, outside_x, outside_y, FALSE))
      matching++;
    g_clear_pointer (&last, gst_sample_unref);
    last = sample;
  }
  g_test_message ("%u inputs: %u frames (longest wait %" G_GINT64_FORMAT
                  " ms), the last %u as laid out",
                  rig->n, frames, *longest_gap / 1000, matching);
  return last;
}

static void
check_composite (guint n, gint outside_x, gint outside_y)
{
  Rig rig;
  gint64 gap;

  rig_start (&rig, n);
  g_autoptr (GstSample) last
      = wait_for_layout (&rig, 5, outside_x, outside_y, &gap);
  g_assert_true (frame_matches (&rig, last, outside_x, outside_y, TRUE));
  rig_stop (&rig);
}

static GstPadProbeReturn
drop_buffers (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return GST_PAD_PROBE_DROP;
}

/* Two publishers, then two more join, then one stalls: the layout follows
 * on the next frames, and the frames never stop coming. */
static void
test_join_and_stall (void)
{
  Rig rig;
  gint64 gap;

  rig_start (&rig, 2);
  g_autoptr (GstSample) two = wait_for_layout (&rig, 3, WIDTH / 2, 20, &gap);

  rig.n = 4;
  hc_layout_compute (HC_LAYOUT_GRID, 4, WIDTH, HEIGHT, 0, rig.tiles);
  for (guint i = 0; i < 2; i++)
    g_object_set (rig.mix_pads[i], "xpos", rig.tiles[i].x, "ypos",
                  rig.tiles[i].y, NULL);
  for (guint i = 2; i < 4; i++)
    add_input (&rig, i, &rig.tiles[i]);
  /* 30 frames: two seconds at 15 fps. */
  g_autoptr (GstSample) four = wait_for_layout (&rig, 30, -1, -1, &gap);
  g_assert_cmpint (gap, <, MAX_GAP_US);
  g_assert_true (frame_matches (&rig, four, -1, -1, TRUE));

  /* Publisher 1 stops sending: its tile keeps the last picture. */
  g_autoptr (GstPad) stalled
      = gst_element_get_static_pad (rig.sources[1], "src");
  gst_pad_add_probe (stalled,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     drop_buffers, NULL, NULL);
  g_autoptr (GstSample) after = wait_for_layout (&rig, 30, -1, -1, &gap);
  g_assert_cmpint (gap, <, MAX_GAP_US);
  g_assert_true (frame_matches (&rig, after, -1, -1, TRUE));
  rig_stop (&rig);
}

/* ---- name plates (HcComposite, the mixer's video half) -------------------
 *
 *   alice: videotestsrc red ─ vp8enc ─ rtpvp8pay ─▶ head ─▶ ┐
 *   bob:   audio only (a held tile)                         ├ HcComposite
 *   appsink (RGB) ◀─ vp8dec ◀─ rtpvp8depay ◀─ "mix-video" ◀─┘
 */

/* The colour of pipelines/mcu-name-plate.pipeline's background. */
#define PLATE 0x2f3542
#define RED   0xff0000

typedef struct {
  GstElement *pipeline, *sink, *source;
  HcComposite *composite;
  HcTrackHead *alice;
  HcTile tiles[2];
  gint64 longest_gap; /* us between two composite frames */
  guint still_red;    /* frames where both_plates() saw alice's picture */
} PlateRig;

static gboolean
close_within (guint32 a, guint32 b, gint tolerance)
{
  for (guint shift = 0; shift <= 16; shift += 8) {
    gint ca = (a >> shift) & 0xff, cb = (b >> shift) & 0xff;
    if (ABS (ca - cb) > tolerance)
      return FALSE;
  }
  return TRUE;
}

/* Near the top left corner of tile @i: away from the centred name and
 * inside a letterboxed picture. */
static guint32
tile_corner (PlateRig *rig, GstSample *sample, guint i, guint32 *centre)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  const HcTile *t = &rig->tiles[i];
  guint32 got;

  g_assert_true (
      gst_video_info_from_caps (&info, gst_sample_get_caps (sample)));
  g_assert_true (gst_video_frame_map (
      &frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ));
  /* 640x480 letterboxed into 320x180: the picture starts 40 px in */
  got = pixel (&frame, t->x + t->width / 2 - 60, t->y + 8);
  if (centre)
    *centre = pixel (&frame, t->x + t->width / 2, t->y + t->height / 2);
  gst_video_frame_unmap (&frame);
  return got;
}

typedef gboolean (*FrameCheck) (PlateRig *rig, GstSample *sample);

/* Pulls composite frames (running the main context, whose timer decides
 * plate or picture) until @check holds for 3 frames in a row. */
static void
wait_for_frames (PlateRig *rig, FrameCheck check, const gchar *what)
{
  gint64 end = g_get_monotonic_time () + DEADLINE;
  gint64 previous = g_get_monotonic_time ();
  guint in_a_row = 0, frames = 0;

  while (in_a_row < 3) {
    GstSample *sample;
    gint64 now;

    if (g_get_monotonic_time () > end)
      g_error ("%s: not within %d s (%u frames)", what,
               (gint)(DEADLINE / G_USEC_PER_SEC), frames);
    while (g_main_context_iteration (NULL, FALSE))
      ;
    sample = gst_app_sink_try_pull_sample (GST_APP_SINK (rig->sink),
                                           50 * GST_MSECOND);
    now = g_get_monotonic_time ();
    if (sample == NULL) {
      rig->longest_gap = MAX (rig->longest_gap, now - previous);
      continue;
    }
    rig->longest_gap = MAX (rig->longest_gap, now - previous);
    previous = now;
    frames++;
    in_a_row = check (rig, sample) ? in_a_row + 1 : 0;
    gst_sample_unref (sample);
  }
  g_test_message ("%s after %u frames", what, frames);
}

static gboolean
alice_video_bob_plate (PlateRig *rig, GstSample *sample)
{
  guint32 centre;

  return close_within (tile_corner (rig, sample, 0, &centre), RED, 40)
         && close_within (centre, RED, 40)
         && close_within (tile_corner (rig, sample, 1, NULL), PLATE, 16);
}

static gboolean
both_plates (PlateRig *rig, GstSample *sample)
{
  guint32 centre;

  /* alice's tile: the plate, and nothing of her red picture even where
   * her name is not written */
  if (close_within (tile_corner (rig, sample, 0, NULL), RED, 40))
    rig->still_red++;
  return close_within (tile_corner (rig, sample, 0, &centre), PLATE, 16)
         && !close_within (centre, RED, 100)
         && close_within (tile_corner (rig, sample, 1, NULL), PLATE, 16);
}

static void
plate_rig_start (PlateRig *rig)
{
  HcMcuSettings settings = HC_MCU_SETTINGS_DEFAULT;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstPad) out = NULL;
  g_autoptr (GstPad) decode_sink = NULL;
  g_autoptr (GstPad) source_src = NULL;
  GstElement *decode;

  memset (rig, 0, sizeof *rig);
  rig->pipeline = gst_pipeline_new (NULL);
  g_autoptr (GstBus) bus = gst_element_get_bus (rig->pipeline);
  gst_bus_set_sync_handler (bus, fail_on_error, NULL, NULL);
  decode = gst_parse_bin_from_description (
      "rtpvp8depay ! vp8dec ! videoconvert"
      " ! capsfilter caps=video/x-raw,format=RGB",
      TRUE, &error);
  g_assert_no_error (error);
  rig->sink = gst_element_factory_make ("appsink", NULL);
  /* no preroll: the graph is live, and added to while it plays (as a
   * room's, whose sinks are webrtcbins) */
  g_object_set (rig->sink, "sync", FALSE, "async", FALSE, "max-buffers", 1,
                "drop", TRUE, NULL);
  gst_bin_add_many (GST_BIN (rig->pipeline), decode, rig->sink, NULL);
  g_assert_true (gst_element_link (decode, rig->sink));
  g_assert_cmpint (gst_element_set_state (rig->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);

  settings.width = WIDTH;
  settings.height = HEIGHT;
  rig->composite
      = hc_composite_new (GST_BIN (rig->pipeline), &settings, &error);
  g_assert_no_error (error);
  out = gst_element_request_pad_simple (
      hc_track_head_get_element (hc_composite_get_head (rig->composite)),
      "src_%u");
  decode_sink = gst_element_get_static_pad (decode, "sink");
  g_assert_cmpint (gst_pad_link (out, decode_sink), ==, GST_PAD_LINK_OK);

  /* alice publishes 640x480 red video */
  rig->source = gst_parse_bin_from_description (
      "videotestsrc is-live=true pattern=solid-color "
      "foreground-color=0xffff0000"
      " ! capsfilter caps=video/x-raw,width=640,height=480,framerate=15/1"
      " ! vp8enc deadline=1 keyframe-max-dist=15 ! rtpvp8pay",
      TRUE, &error);
  g_assert_no_error (error);
  gst_bin_add (GST_BIN (rig->pipeline), rig->source);
  source_src = gst_element_get_static_pad (rig->source, "src");
  rig->alice
      = hc_track_head_new (GST_BIN (rig->pipeline), source_src, "alice-video");
  gst_element_sync_state_with_parent (rig->source);
  hc_composite_set_display_name (rig->composite, "alice", "Alice");
  hc_composite_set_display_name (rig->composite, "bob", "Bob");
  hc_composite_add_video (rig->composite, rig->alice, "alice");
  /* bob publishes audio only: a tile all the same */
  hc_composite_hold_tile (rig->composite, "bob");
  hc_layout_compute (HC_LAYOUT_GRID, 2, WIDTH, HEIGHT, 0, rig->tiles);
  g_autoptr (GVariant) layout = hc_composite_get_layout (rig->composite);
  g_assert_cmpuint (g_variant_n_children (layout), ==, 2);
}

static void
plate_rig_stop (PlateRig *rig)
{
  hc_composite_remove_video (rig->composite, rig->alice);
  hc_composite_release_tile (rig->composite, "bob");
  g_autoptr (GVariant) layout = hc_composite_get_layout (rig->composite);
  g_assert_cmpuint (g_variant_n_children (layout), ==, 0);
  g_clear_object (&rig->composite);
  /* alice's source first: pushing into the head being freed, it would
   * stop with not-linked, an error on the bus (seen on a loaded machine) */
  gst_element_set_state (rig->source, GST_STATE_NULL);
  hc_track_head_free (rig->alice);
  gst_element_set_state (rig->pipeline, GST_STATE_NULL);
  gst_object_unref (rig->pipeline);
}

/* An audio-only publisher's tile is its name plate; a stalled picture
 * stays, then falls back to the plate after about a second, and returns
 * with the frames; a muted one shows the plate at once.  The composite
 * never stops meanwhile. */
static void
test_name_plates (void)
{
  PlateRig rig;
  gulong drop;
  gint64 stalled;

  plate_rig_start (&rig);
  wait_for_frames (&rig, alice_video_bob_plate,
                   "alice's picture and bob's name plate");
  g_assert_true (hc_composite_shows_video (rig.composite, "alice"));
  g_assert_false (hc_composite_shows_video (rig.composite, "bob"));

  /* alice's stream stalls: her last frame stays a while (frames that
   * still show it), then her name plate; the composite goes on */
  g_autoptr (GstPad) source_src
      = gst_element_get_static_pad (rig.source, "src");
  rig.longest_gap = 0;
  rig.still_red = 0;
  stalled = g_get_monotonic_time ();
  drop = gst_pad_add_probe (
      source_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
      drop_buffers, NULL, NULL);
  wait_for_frames (&rig, both_plates, "alice's stalled tile as a name plate");
  g_test_message ("plate %.0f ms after the stall, %u frames with her last "
                  "picture before, longest wait for a frame %.0f ms",
                  (g_get_monotonic_time () - stalled) / 1000.0, rig.still_red,
                  rig.longest_gap / 1000.0);
  g_assert_cmpuint (rig.still_red, >, 0);
  g_assert_false (hc_composite_shows_video (rig.composite, "alice"));

  /* her frames return, and her picture */
  gst_pad_remove_probe (source_src, drop);
  wait_for_frames (&rig, alice_video_bob_plate, "alice's picture again");

  /* muted: the plate without waiting for a stall; unmuted: the picture */
  hc_composite_set_video_muted (rig.composite, "alice", TRUE);
  g_assert_false (hc_composite_shows_video (rig.composite, "alice"));
  wait_for_frames (&rig, both_plates, "muted alice's name plate");
  hc_composite_set_video_muted (rig.composite, "alice", FALSE);
  wait_for_frames (&rig, alice_video_bob_plate, "unmuted alice's picture");
  plate_rig_stop (&rig);
}

/* A publisher's sender clock (its SR's NTP/RTP pair) reaches the
 * compositor with her picture, and never leaves the composite, whose
 * timestamps are the compositor's own: the composite's SRs must not
 * carry it. */
static void
test_sender_clock_dropped (void)
{
  gint injected = 0, at_mix = 0, out = 0;
  gulong inject;
  PlateRig rig;
  g_autoptr (GstPad) source_src = NULL;
  g_autoptr (GstPad) sink_pad = NULL;
  GstElement *mix = NULL;
  GstIterator *it;
  GValue item = G_VALUE_INIT;

  plate_rig_start (&rig);
  it = gst_bin_iterate_recurse (GST_BIN (rig.pipeline));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&item);

    if (g_str_equal (G_OBJECT_TYPE_NAME (e), "GstCompositor"))
      mix = e;
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  g_assert_nonnull (mix);
  wait_for_frames (&rig, alice_video_bob_plate,
                   "alice's picture and bob's name plate");

  /* alice's picture is on the compositor's only input with data */
  GST_OBJECT_LOCK (mix);
  for (GList *l = mix->sinkpads; l; l = l->next)
    hc_test_count_sender_clocks (l->data, &at_mix);
  GST_OBJECT_UNLOCK (mix);
  sink_pad = gst_element_get_static_pad (rig.sink, "sink");
  hc_test_count_sender_clocks (sink_pad, &out);
  source_src = gst_element_get_static_pad (rig.source, "src");
  inject = hc_test_inject_sender_clocks (source_src, &injected);
  for (gint64 end = g_get_monotonic_time () + DEADLINE;
       g_atomic_int_get (&at_mix) < 5 && g_get_monotonic_time () < end;)
    g_usleep (50 * 1000);
  /* what reached the compositor had time to leave it */
  wait_for_frames (&rig, alice_video_bob_plate, "the composite going on");
  g_test_message ("%d packet lists from alice, %d sender clocks at the "
                  "compositor, %d out of the composite",
                  g_atomic_int_get (&injected), g_atomic_int_get (&at_mix),
                  g_atomic_int_get (&out));
  g_assert_cmpint (g_atomic_int_get (&at_mix), >=, 5);
  g_assert_cmpint (g_atomic_int_get (&out), ==, 0);
  gst_pad_remove_probe (source_src, inject);
  plate_rig_stop (&rig);
}

static void
test_one_input (void)
{
  /* One publisher fills the frame. */
  check_composite (1, -1, -1);
}

static void
test_two_inputs (void)
{
  /* Side by side, letterboxed: the top band stays black. */
  check_composite (2, WIDTH / 2, 20);
}

static void
test_four_inputs (void)
{
  check_composite (4, -1, -1);
}

static void
test_load_pipelines (void)
{
  const struct {
    const gchar *file;
    const gchar *elements[4];
  } expected[] = {
    { "mcu-video-input", { "inqueue", "tile", "label", NULL } },
    { "mcu-video", { "mix", "size", "encoder", "pay" } },
    { "mcu-video-h264", { "mix", "size", "encoder", "pay" } },
    { "mcu-name-plate", { "plate", "tile", "label", NULL } },
    { "mcu-audio-input", { "inqueue", "format", NULL } },
    { "mcu-audio-output", { "encoder", "pay", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++) {
    GstElement *bin = load (expected[i].file);
    gst_object_ref_sink (bin);
    for (guint e = 0; e < 4 && expected[i].elements[e]; e++) {
      g_autoptr (GstElement) child
          = gst_bin_get_by_name (GST_BIN (bin), expected[i].elements[e]);
      g_assert_nonnull (child);
    }
    gst_object_unref (bin);
  }

  /* The defaults in the files are the [mcu] defaults. */
  GstElement *video = load ("mcu-video");
  gst_object_ref_sink (video);
  g_autoptr (GstElement) encoder
      = gst_bin_get_by_name (GST_BIN (video), "encoder");
  g_autoptr (GstElement) size = gst_bin_get_by_name (GST_BIN (video), "size");
  gint bitrate = 0, deadline = -1, lag = -1;
  g_autoptr (GstCaps) caps = NULL;
  g_object_get (encoder, "target-bitrate", &bitrate, "deadline", &deadline,
                "lag-in-frames", &lag, NULL);
  g_object_get (size, "caps", &caps, NULL);
  g_assert_cmpint (bitrate, ==, 300000);
  g_assert_cmpint (deadline, ==, 1);
  g_assert_cmpint (lag, ==, 0);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  gint w = 0, h = 0, num = 0, den = 0;
  g_assert_true (gst_structure_get_int (s, "width", &w));
  g_assert_true (gst_structure_get_int (s, "height", &h));
  g_assert_true (gst_structure_get_fraction (s, "framerate", &num, &den));
  g_assert_cmpint (w, ==, 640);
  g_assert_cmpint (h, ==, 360);
  g_assert_cmpint (num / den, ==, 15);
  gst_object_unref (video);

  GstElement *audio = load ("mcu-audio-output");
  gst_object_ref_sink (audio);
  g_autoptr (GstElement) opus
      = gst_bin_get_by_name (GST_BIN (audio), "encoder");
  g_object_get (opus, "bitrate", &bitrate, NULL);
  g_assert_cmpint (bitrate, ==, 32000);
  gst_object_unref (audio);

  g_autoptr (GError) error = NULL;
  g_assert_null (hc_pipeline_load ("no-such-graph", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (hc_pipeline_text ("../mcu-video", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  hc_media_register_elements (NULL);
  g_test_add_func ("/pipelines/load", test_load_pipelines);
  g_test_add_func ("/composite/one-input", test_one_input);
  g_test_add_func ("/composite/two-inputs", test_two_inputs);
  g_test_add_func ("/composite/four-inputs", test_four_inputs);
  g_test_add_func ("/composite/join-and-stall", test_join_and_stall);
  g_test_add_func ("/composite/name-plates", test_name_plates);
  g_test_add_func ("/composite/sender-clock-dropped",
                   test_sender_clock_dropped);
  return g_test_run ();
}
