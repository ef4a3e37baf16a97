/* hyperconf — HcComposite (see hc-composite.h for the graph). */
#define G_LOG_DOMAIN "hc-mixer"

#include "hc-composite.h"

#include <hyperconf/hc-forwarder.h>
#include <hyperconf/hc-layout.h>
#include <hyperconf/hc-sender-clock.h>

#include "hc-pipeline.h"

GST_DEBUG_CATEGORY_STATIC (hc_composite_debug);
#define GST_CAT_DEFAULT hc_composite_debug

/* Payload type of the composite's RTP; each branch rewrites it to what its
 * receiver negotiated anyway. */
#define VIDEO_PT 96
/* A picture with no new frame for this long shows its name plate. */
#define STALL_MS 1000
/* How often the main context looks (so the plate comes after 1-1.25 s, and
 * the picture back within 250 ms of its frames). */
#define CHECK_MS 250

/* A publisher's decoded video track. */
typedef struct {
  HcComposite *owner;
  HcTrackHead *head;
  GstPad *head_pad;  /* request pad on the head */
  GstElement *graph; /* mcu-video-input */
  GstPad *mix_pad;   /* compositor request pad */
  GstPad *ghost;     /* mix_pad ghosted on the mcu-video bin */
  GstElement *tile;  /* the "tile" capsfilter */
  GstElement *label;
  gint64 last_frame_us; /* under owner->frame_lock; 0: none yet */
} Picture;

/* A publisher's place in the composite. */
typedef struct {
  gchar *pid;
  Picture *picture;        /* NULL: audio only, or its video went */
  GstElement *plate;       /* mcu-name-plate */
  GstElement *plate_tile;  /* its "tile" capsfilter */
  GstElement *plate_label; /* its textoverlay */
  GstPad *plate_pad;       /* compositor request pad */
  GstPad *plate_ghost;
  gint width, height; /* the size last set */
  gboolean visible;   /* among the tiles laid out */
  gboolean shows_video;
} Tile;

struct _HcComposite {
  GObject parent_instance;

  GstBin *bin;
  HcMcuSettings settings;
  GstElement *video;      /* mcu-video or mcu-video-h264 */
  GstElement *compositor; /* in it */
  HcTrackHead *head;
  GstCaps *codec_caps;
  GPtrArray *tiles;  /* Tile, in order of arrival */
  GHashTable *holds; /* pid -> tracks of other kinds held */
  GHashTable *names; /* pid -> display name */
  GHashTable *muted; /* pids whose video is off */
  GVariant *layout;  /* the last "layout-changed" */
  gchar *active_speaker;
  guint serial; /* names the graphs it adds */
  GMutex frame_lock;
  GSource *check;
};

G_DEFINE_FINAL_TYPE (HcComposite, hc_composite, G_TYPE_OBJECT)

enum { SIGNAL_LAYOUT, N_SIGNALS };
static guint signals[N_SIGNALS];

static const gchar *
display_name (HcComposite *self, const gchar *pid)
{
  const gchar *name = g_hash_table_lookup (self->names, pid);

  return name && name[0] ? name : pid;
}

/* A compositor pad, ghosted out of the composite's bin. */
static GstPad *
mix_pad_new (HcComposite *self, GstPad **ghost)
{
  GstPad *pad = gst_element_request_pad_simple (self->compositor, "sink_%u");
  g_autofree gchar *name = g_strdup_printf ("in_%s", GST_OBJECT_NAME (pad));

  /* nothing is drawn before the layout places it */
  g_object_set (pad, "alpha", 0.0, NULL);
  *ghost = gst_ghost_pad_new (name, pad);
  gst_pad_set_active (*ghost, TRUE);
  gst_element_add_pad (self->video, *ghost);
  return pad;
}

/* Removes @graph, which feeds the compositor's @pad through @ghost.  The
 * ghost is deactivated first and removed last: what @graph's thread
 * pushes meanwhile is refused as flushing, never as not-linked, which a
 * source (a plate's videotestsrc) or a queue posts as an error.  Releasing
 * the compositor's pad flushes it, waking the thread if it waits there,
 * before the graph stops. */
static void
mix_graph_free (HcComposite *self, GstElement *graph, GstPad *pad,
                GstPad *ghost)
{
  gst_pad_set_active (ghost, FALSE);
  gst_element_release_request_pad (self->compositor, pad);
  gst_object_unref (pad);
  hc_pipeline_remove (self->bin, graph);
  gst_element_remove_pad (self->video, ghost);
}

/* Links @graph's "src" to the compositor. */
static void
link_to_mix (GstElement *graph, GstPad *ghost, const gchar *pid)
{
  g_autoptr (GstPad) src = gst_element_get_static_pad (graph, "src");

  if (src == NULL || gst_pad_link (src, ghost) != GST_PAD_LINK_OK)
    GST_WARNING ("could not link %s to the composite for %s",
                 GST_OBJECT_NAME (graph), pid);
}

/* ---------------------------------------------------------------------- */
/* Pictures                                                                */
/* ---------------------------------------------------------------------- */

/* A streaming thread: a decoded frame of @data's reaches the compositor. */
static GstPadProbeReturn
note_frame (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Picture *picture = data;

  GST_LOG_OBJECT (
      pad, "frame %" GST_TIME_FORMAT,
      GST_TIME_ARGS (GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info))));
  g_mutex_lock (&picture->owner->frame_lock);
  picture->last_frame_us = g_get_monotonic_time ();
  g_mutex_unlock (&picture->owner->frame_lock);
  return GST_PAD_PROBE_OK;
}

/* The compositor, like every GstAggregator, passes its inputs' custom
 * events on: a publisher's "hc-sender-clock" (its SR's NTP/RTP pair,
 * from the forwarder that feeds the picture) would reach the composite's
 * forwarder and be written into the SRs of the composite, whose
 * timestamps are the compositor's own.  Dropped where it leaves. */
static GstPadProbeReturn
drop_sender_clock (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return hc_sender_clock_event_parse (GST_PAD_PROBE_INFO_EVENT (info), NULL,
                                      NULL, NULL, NULL)
             ? GST_PAD_PROBE_DROP
             : GST_PAD_PROBE_OK;
}

static Picture *
picture_new (HcComposite *self, HcTrackHead *head, const gchar *pid,
             GError **error)
{
  Picture *picture;
  GstElement *graph
      = hc_pipeline_add (self->bin, "mcu-video-input", self->serial++, error);
  g_autoptr (GstPad) src = NULL;
  g_autoptr (GstPad) entry = NULL;

  if (graph == NULL)
    return NULL;
  picture = g_new0 (Picture, 1);
  picture->owner = self;
  picture->head = head;
  picture->graph = graph;
  picture->tile = gst_bin_get_by_name (GST_BIN (graph), "tile");
  picture->label = gst_bin_get_by_name (GST_BIN (graph), "label");
  if (picture->label)
    g_object_set (picture->label, "text", display_name (self, pid), NULL);
  picture->mix_pad = mix_pad_new (self, &picture->ghost);
  src = gst_element_get_static_pad (graph, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, note_frame, picture, NULL);
  gst_element_sync_state_with_parent (graph);
  link_to_mix (graph, picture->ghost, pid);

  /* Linked while dropping, then forwarding: the head's thread only ever
   * pushes into the graph's leaky queue. */
  picture->head_pad = gst_element_request_pad_simple (
      GST_ELEMENT (hc_track_head_get_element (head)), "src_%u");
  g_object_set (picture->head_pad, "forward", FALSE, NULL);
  entry = hc_pipeline_get_entry (graph);
  if (gst_pad_link (picture->head_pad, entry) != GST_PAD_LINK_OK)
    GST_WARNING ("could not link %s's video track to its input", pid);
  g_object_set (picture->head_pad, "forward", TRUE, NULL);
  /* the decoder starts at a keyframe */
  gst_pad_send_event (picture->head_pad, hc_forwarder_new_keyframe_request ());
  return picture;
}

static void
picture_free (Picture *picture)
{
  HcComposite *self = picture->owner;
  g_autoptr (GstElement) head = gst_pad_get_parent_element (picture->head_pad);

  /* No more packets into the graph, then the graph and its compositor
   * pad (mix_graph_free: its streaming thread, and with it the frame
   * probe, stopped). */
  g_object_set (picture->head_pad, "forward", FALSE, NULL);
  gst_element_release_request_pad (head, picture->head_pad);
  gst_object_unref (picture->head_pad);
  mix_graph_free (self, picture->graph, picture->mix_pad, picture->ghost);
  gst_clear_object (&picture->tile);
  gst_clear_object (&picture->label);
  g_free (picture);
}

static gboolean
picture_has_frames (HcComposite *self, Picture *picture, gint64 now)
{
  gint64 last;

  g_mutex_lock (&self->frame_lock);
  last = picture->last_frame_us;
  g_mutex_unlock (&self->frame_lock);
  return last != 0 && now - last <= STALL_MS * G_TIME_SPAN_MILLISECOND;
}

/* ---------------------------------------------------------------------- */
/* Tiles                                                                   */
/* ---------------------------------------------------------------------- */

static Tile *
tile_new (HcComposite *self, const gchar *pid)
{
  g_autoptr (GError) error = NULL;
  Tile *tile = g_new0 (Tile, 1);

  tile->pid = g_strdup (pid);
  tile->plate
      = hc_pipeline_add (self->bin, "mcu-name-plate", self->serial++, &error);
  if (tile->plate == NULL) {
    /* the picture alone then (textoverlay is in every install that has
     * the mixer's own labels) */
    GST_WARNING ("no name plate for %s: %s", pid, error->message);
    return tile;
  }
  tile->plate_tile = gst_bin_get_by_name (GST_BIN (tile->plate), "tile");
  tile->plate_label = gst_bin_get_by_name (GST_BIN (tile->plate), "label");
  g_object_set (tile->plate_label, "text", display_name (self, pid), NULL);
  tile->plate_pad = mix_pad_new (self, &tile->plate_ghost);
  link_to_mix (tile->plate, tile->plate_ghost, pid);
  gst_element_sync_state_with_parent (tile->plate);
  return tile;
}

static void
tile_free (HcComposite *self, Tile *tile)
{
  g_clear_pointer (&tile->picture, picture_free);
  if (tile->plate) {
    mix_graph_free (self, tile->plate, tile->plate_pad, tile->plate_ghost);
  }
  gst_clear_object (&tile->plate_tile);
  gst_clear_object (&tile->plate_label);
  g_free (tile->pid);
  g_free (tile);
}

/* Plate or picture, as hc-composite.h says; only one of them drawn. */
static void
tile_update (HcComposite *self, Tile *tile, gint64 now)
{
  gboolean video = tile->picture != NULL
                   && !g_hash_table_contains (self->muted, tile->pid)
                   && picture_has_frames (self, tile->picture, now);

  if (video != tile->shows_video)
    GST_INFO ("%s's tile shows %s", tile->pid,
              video ? "its video" : "its name plate");
  tile->shows_video = video;
  if (tile->picture)
    g_object_set (tile->picture->mix_pad, "alpha",
                  tile->visible && video ? 1.0 : 0.0, NULL);
  if (tile->plate)
    g_object_set (tile->plate_pad, "alpha", tile->visible && !video ? 1.0 : 0.0,
                  NULL);
}

static gboolean
check_tiles (gpointer data)
{
  HcComposite *self = data;
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < self->tiles->len; i++)
    tile_update (self, g_ptr_array_index (self->tiles, i), now);
  return G_SOURCE_CONTINUE;
}

static GstCaps *
tile_caps (HcComposite *self, gint width, gint height, gboolean with_rate)
{
  GstCaps *caps = gst_caps_new_simple (
      "video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
      width, "height", G_TYPE_INT, height, "pixel-aspect-ratio",
      GST_TYPE_FRACTION, 1, 1, NULL);

  if (with_rate)
    gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION,
                         (gint)self->settings.framerate, 1, NULL);
  return caps;
}

static void
tile_place (HcComposite *self, Tile *tile, const HcTile *t)
{
  if (tile->width != t->width || tile->height != t->height) {
    tile->width = t->width;
    tile->height = t->height;
    /* Both scale (in their own threads) to the tile; the compositor's pad
     * size is the same, so a frame still at the old size is scaled there
     * until the new caps arrive: the layout changes on the next frame and
     * the output never waits. */
    if (tile->picture && tile->picture->tile) {
      g_autoptr (GstCaps) caps = tile_caps (self, t->width, t->height, FALSE);

      g_object_set (tile->picture->tile, "caps", caps, NULL);
    }
    if (tile->plate_tile) {
      g_autoptr (GstCaps) caps = tile_caps (self, t->width, t->height, TRUE);

      g_object_set (tile->plate_tile, "caps", caps, NULL);
    }
  }
  if (tile->picture)
    g_object_set (tile->picture->mix_pad, "xpos", t->x, "ypos", t->y, "width",
                  t->width, "height", t->height, NULL);
  if (tile->plate)
    g_object_set (tile->plate_pad, "xpos", t->x, "ypos", t->y, "width",
                  t->width, "height", t->height, NULL);
}

static void
relayout (HcComposite *self)
{
  g_autoptr (GPtrArray) visible = g_ptr_array_new ();
  g_autofree HcTile *rects = NULL;
  GVariantBuilder builder;
  GVariant *layout;
  gint speaker = 0;
  guint max = self->settings.max_tiles ? self->settings.max_tiles : G_MAXUINT;
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < self->tiles->len; i++) {
    Tile *tile = g_ptr_array_index (self->tiles, i);

    tile->visible = FALSE;
    if (visible->len < max) {
      g_ptr_array_add (visible, tile);
    } else if (self->settings.layout == HC_LAYOUT_SPEAKER
               && g_strcmp0 (tile->pid, self->active_speaker) == 0) {
      /* the speaker gets the last tile when it had none */
      visible->pdata[visible->len - 1] = tile;
    }
  }
  for (guint i = 0; i < visible->len; i++) {
    Tile *tile = visible->pdata[i];

    tile->visible = TRUE;
    if (g_strcmp0 (tile->pid, self->active_speaker) == 0)
      speaker = (gint)i;
  }
  rects = g_new0 (HcTile, MAX (visible->len, 1));
  hc_layout_compute (self->settings.layout, visible->len,
                     (gint)self->settings.width, (gint)self->settings.height,
                     speaker, rects);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sdddd)"));
  for (guint i = 0; i < visible->len; i++) {
    Tile *tile = g_ptr_array_index (visible, i);
    const HcTile *t = &rects[i];

    tile_place (self, tile, t);
    g_variant_builder_add (&builder, "(sdddd)", tile->pid,
                           (gdouble)t->x / self->settings.width,
                           (gdouble)t->y / self->settings.height,
                           (gdouble)t->width / self->settings.width,
                           (gdouble)t->height / self->settings.height);
  }
  /* beyond the tiles: alpha 0, i.e. skipped */
  for (guint i = 0; i < self->tiles->len; i++)
    tile_update (self, g_ptr_array_index (self->tiles, i), now);

  layout = g_variant_ref_sink (g_variant_builder_end (&builder));
  if (self->layout && g_variant_equal (layout, self->layout)) {
    g_variant_unref (layout);
    return;
  }
  g_clear_pointer (&self->layout, g_variant_unref);
  self->layout = layout;
  GST_INFO ("layout %" G_GSIZE_FORMAT " tiles", g_variant_n_children (layout));
  g_signal_emit (self, signals[SIGNAL_LAYOUT], 0, layout);
}

static Tile *
find_tile (HcComposite *self, const gchar *pid, gboolean without_picture)
{
  for (guint i = 0; i < self->tiles->len; i++) {
    Tile *tile = g_ptr_array_index (self->tiles, i);

    if (g_str_equal (tile->pid, pid) && !(without_picture && tile->picture))
      return tile;
  }
  return NULL;
}

static guint
count_tiles (HcComposite *self, const gchar *pid)
{
  guint n = 0;

  for (guint i = 0; i < self->tiles->len; i++)
    n += g_str_equal (((Tile *)self->tiles->pdata[i])->pid, pid);
  return n;
}

static void
remove_tile (HcComposite *self, Tile *tile)
{
  g_ptr_array_remove (self->tiles, tile);
  tile_free (self, tile);
}

/* ---------------------------------------------------------------------- */
/* API                                                                     */
/* ---------------------------------------------------------------------- */

void
hc_composite_add_video (HcComposite *self, HcTrackHead *head, const gchar *pid)
{
  g_autoptr (GError) error = NULL;
  Picture *picture;
  Tile *tile;

  g_return_if_fail (HC_IS_COMPOSITE (self));
  picture = picture_new (self, head, pid, &error);
  if (picture == NULL) {
    GST_WARNING ("no video input for %s: %s", pid, error->message);
    return;
  }
  /* an audio-only publisher's plate becomes its picture's tile; a second
   * video track gets a tile of its own */
  tile = find_tile (self, pid, TRUE);
  if (tile == NULL) {
    tile = tile_new (self, pid);
    g_ptr_array_add (self->tiles, tile);
  }
  tile->picture = picture;
  tile->width = tile->height = 0; /* its caps are set afresh */
  GST_INFO ("decoding %s's video", pid);
  relayout (self);
}

void
hc_composite_remove_video (HcComposite *self, HcTrackHead *head)
{
  g_return_if_fail (HC_IS_COMPOSITE (self));
  for (guint i = 0; i < self->tiles->len; i++) {
    Tile *tile = g_ptr_array_index (self->tiles, i);

    if (tile->picture == NULL || tile->picture->head != head)
      continue;
    GST_INFO ("%s's video leaves the mix", tile->pid);
    g_clear_pointer (&tile->picture, picture_free);
    /* its plate stays while the publisher is in the mix otherwise */
    if (!g_hash_table_contains (self->holds, tile->pid)
        || count_tiles (self, tile->pid) > 1)
      remove_tile (self, tile);
    relayout (self);
    return;
  }
}

void
hc_composite_hold_tile (HcComposite *self, const gchar *pid)
{
  guint holds;

  g_return_if_fail (HC_IS_COMPOSITE (self));
  holds = GPOINTER_TO_UINT (g_hash_table_lookup (self->holds, pid));
  g_hash_table_insert (self->holds, g_strdup (pid),
                       GUINT_TO_POINTER (holds + 1));
  if (find_tile (self, pid, FALSE) == NULL) {
    g_ptr_array_add (self->tiles, tile_new (self, pid));
    relayout (self);
  }
}

void
hc_composite_release_tile (HcComposite *self, const gchar *pid)
{
  guint holds;
  Tile *tile;

  g_return_if_fail (HC_IS_COMPOSITE (self));
  holds = GPOINTER_TO_UINT (g_hash_table_lookup (self->holds, pid));
  if (holds > 1) {
    g_hash_table_insert (self->holds, g_strdup (pid),
                         GUINT_TO_POINTER (holds - 1));
    return;
  }
  g_hash_table_remove (self->holds, pid);
  /* the plate without a picture goes; tiles with video stay */
  tile = find_tile (self, pid, TRUE);
  if (tile) {
    remove_tile (self, tile);
    relayout (self);
  }
}

void
hc_composite_set_video_muted (HcComposite *self, const gchar *pid,
                              gboolean muted)
{
  g_return_if_fail (HC_IS_COMPOSITE (self));
  if (muted)
    g_hash_table_add (self->muted, g_strdup (pid));
  else
    g_hash_table_remove (self->muted, pid);
  check_tiles (self);
}

void
hc_composite_set_display_name (HcComposite *self, const gchar *pid,
                               const gchar *name)
{
  g_return_if_fail (HC_IS_COMPOSITE (self));
  g_hash_table_insert (self->names, g_strdup (pid), g_strdup (name));
  for (guint i = 0; i < self->tiles->len; i++) {
    Tile *tile = g_ptr_array_index (self->tiles, i);

    if (!g_str_equal (tile->pid, pid))
      continue;
    if (tile->plate_label)
      g_object_set (tile->plate_label, "text", display_name (self, pid), NULL);
    if (tile->picture && tile->picture->label)
      g_object_set (tile->picture->label, "text", display_name (self, pid),
                    NULL);
  }
}

void
hc_composite_set_layout (HcComposite *self, HcLayoutKind layout)
{
  g_return_if_fail (HC_IS_COMPOSITE (self));
  self->settings.layout = layout;
  relayout (self);
}

void
hc_composite_set_active_speaker (HcComposite *self, const gchar *pid)
{
  g_return_if_fail (HC_IS_COMPOSITE (self));
  if (g_strcmp0 (pid, self->active_speaker) == 0)
    return;
  g_free (self->active_speaker);
  self->active_speaker = g_strdup (pid);
  if (self->settings.layout == HC_LAYOUT_SPEAKER && pid)
    relayout (self);
}

GVariant *
hc_composite_get_layout (HcComposite *self)
{
  g_return_val_if_fail (HC_IS_COMPOSITE (self), NULL);
  return g_variant_ref (self->layout);
}

const gchar *
hc_composite_find_element (HcComposite *self, GstElement *element,
                           gboolean *shared)
{
  g_return_val_if_fail (HC_IS_COMPOSITE (self), NULL);
  *shared = element == self->video
            || element == hc_track_head_get_element (self->head);
  for (guint i = 0; !*shared && i < self->tiles->len; i++) {
    Tile *tile = g_ptr_array_index (self->tiles, i);

    if (tile->picture && tile->picture->graph == element)
      return tile->pid;
    *shared = tile->plate == element;
  }
  return NULL;
}

gboolean
hc_composite_shows_video (HcComposite *self, const gchar *pid)
{
  Tile *tile;

  g_return_val_if_fail (HC_IS_COMPOSITE (self), FALSE);
  tile = find_tile (self, pid, FALSE);
  return tile && tile->visible && tile->shows_video;
}

HcTrackHead *
hc_composite_get_head (HcComposite *self)
{
  g_return_val_if_fail (HC_IS_COMPOSITE (self), NULL);
  return self->head;
}

GstCaps *
hc_composite_get_codec_caps (HcComposite *self)
{
  g_return_val_if_fail (HC_IS_COMPOSITE (self), NULL);
  return self->codec_caps;
}

/* What the encoder makes, and how a receiver's transceiver offers it (as
 * subscriber_codec_caps() offers a publisher's track). */
static const struct {
  const gchar *graph;
  const gchar *bitrate; /* the encoder's property, bit/s */
  const gchar *caps;
} codecs[] = {
  [HC_VIDEO_CODEC_VP8] = { "mcu-video", "target-bitrate",
                           "application/x-rtp,media=video,encoding-name=VP8,"
                           "clock-rate=90000,payload=96,rtcp-fb-nack-pli=true,"
                           "rtcp-fb-ccm-fir=true" },
  /* RFC 6184 packetization-mode 1 (FU-A, STAP-A) and constrained baseline
   * level 3.1: what every WebRTC browser decodes */
  [HC_VIDEO_CODEC_H264]
  = { "mcu-video-h264", "bitrate",
      "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
      "payload=96,packetization-mode=(string)1,"
      "profile-level-id=(string)42e01f,level-asymmetry-allowed=(string)1,"
      "rtcp-fb-nack-pli=true,rtcp-fb-ccm-fir=true" },
};

HcComposite *
hc_composite_new (GstBin *bin, const HcMcuSettings *settings, GError **error)
{
  g_autoptr (HcComposite) self = g_object_new (HC_TYPE_COMPOSITE, NULL);
  g_autoptr (GstCaps) size = NULL;
  g_autoptr (GstPad) src = NULL;
  guint codec = settings->video_codec < G_N_ELEMENTS (codecs)
                    ? settings->video_codec
                    : HC_VIDEO_CODEC_VP8;

  self->bin = gst_object_ref (bin);
  self->settings = *settings;
  self->video
      = hc_pipeline_add (bin, codecs[codec].graph, self->serial++, error);
  if (self->video == NULL)
    return NULL;
  self->compositor = gst_bin_get_by_name (GST_BIN (self->video), "mix");
  src = gst_element_get_static_pad (self->compositor, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                     drop_sender_clock, NULL, NULL);
  gst_clear_object (&src);
  size = gst_caps_new_simple (
      "video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
      (gint)settings->width, "height", G_TYPE_INT, (gint)settings->height,
      "framerate", GST_TYPE_FRACTION, (gint)settings->framerate, 1,
      "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  hc_pipeline_set (self->video, "size", "caps", size, NULL);
  /* GstVideoEncoder coalesces the keyframe requests of every receiver */
  hc_pipeline_set (self->video, "encoder", codecs[codec].bitrate,
                   settings->video_bitrate, "min-force-key-unit-interval",
                   (guint64)settings->keyframe_min_interval_ms * GST_MSECOND,
                   NULL);
  hc_pipeline_set (self->video, "pay", "pt", VIDEO_PT, NULL);
  self->codec_caps = gst_caps_from_string (codecs[codec].caps);
  /* Linked downstream first: a live compositor started before its head
   * exists pushes into an unlinked pad, and its encoder's queue stops for
   * good on that NOT_LINKED (as the audio outputs did). */
  src = gst_element_get_static_pad (self->video, "src");
  self->head = hc_track_head_new (bin, src, "mix-video");
  gst_element_sync_state_with_parent (self->video);

  self->check = g_timeout_source_new (CHECK_MS);
  g_source_set_callback (self->check, check_tiles, self, NULL);
  g_source_attach (self->check, g_main_context_get_thread_default ());
  relayout (self);
  return g_steal_pointer (&self);
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                 */
/* ---------------------------------------------------------------------- */

static void
hc_composite_dispose (GObject *object)
{
  HcComposite *self = HC_COMPOSITE (object);

  if (self->check) {
    g_source_destroy (self->check);
    g_clear_pointer (&self->check, g_source_unref);
  }
  while (self->tiles->len > 0) {
    Tile *tile = g_ptr_array_steal_index (self->tiles, self->tiles->len - 1);

    tile_free (self, tile);
  }
  /* The compositor stops first: one renegotiating (a RECONFIGURE from the
   * head's unlink, pads going) with an encoder on its way down fails its
   * buffer pool, an error on the room's bus. */
  if (self->compositor)
    gst_element_set_state (self->compositor, GST_STATE_NULL);
  if (self->video)
    gst_element_set_state (self->video, GST_STATE_NULL);
  g_clear_pointer (&self->head, hc_track_head_free);
  gst_clear_object (&self->compositor);
  if (self->video) {
    hc_pipeline_remove (self->bin, self->video);
    self->video = NULL;
  }
  gst_clear_object (&self->bin);
  G_OBJECT_CLASS (hc_composite_parent_class)->dispose (object);
}

static void
hc_composite_finalize (GObject *object)
{
  HcComposite *self = HC_COMPOSITE (object);

  g_ptr_array_unref (self->tiles);
  g_hash_table_unref (self->holds);
  g_hash_table_unref (self->names);
  g_hash_table_unref (self->muted);
  gst_clear_caps (&self->codec_caps);
  g_clear_pointer (&self->layout, g_variant_unref);
  g_free (self->active_speaker);
  g_mutex_clear (&self->frame_lock);
  G_OBJECT_CLASS (hc_composite_parent_class)->finalize (object);
}

static void
hc_composite_init (HcComposite *self)
{
  self->tiles = g_ptr_array_new ();
  self->holds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->muted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->frame_lock);
}

static void
hc_composite_class_init (HcCompositeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hc_composite_dispose;
  object_class->finalize = hc_composite_finalize;
  GST_DEBUG_CATEGORY_INIT (hc_composite_debug, "hc-composite", 0,
                           "hyperconf MCU composite");

  signals[SIGNAL_LAYOUT] = g_signal_new (
      "layout-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 1, G_TYPE_VARIANT);
}
