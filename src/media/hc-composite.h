/* hyperconf — HcComposite: the video half of the MCU mixer (private to
 * src/media; HcMixer owns one).
 *
 *  published video heads          one tile per publisher
 *  ─────────────────────          ──────────────────────────────────────
 *  A-video0 ─src_n─▶ mcu-video-input ─▶ ┐ (A's picture, alpha 1 or 0)
 *                 mcu-name-plate "A" ─▶ ┤ (A's name plate, alpha 0 or 1)
 *                 mcu-name-plate "B" ─▶ ┤ (B publishes audio only)
 *                                       ┴ mcu-video[-h264] (compositor
 *                                         ... encoder ... payloader)
 *                                         ─▶ head "mix-video" ─▶ one
 *                                         HcBranch per MCU receiver
 *
 * Every publisher (a track of either kind in the mix) has a tile; its
 * first video track, decoded once, is its picture.  The tile shows the
 * publisher's name plate (pipelines/mcu-name-plate.pipeline: a dark tile,
 * the name centred) instead of the picture while
 *   - it has no video track (audio only),
 *   - its video is muted (hc_composite_set_video_muted: publishing.video),
 *   - or no decoded frame arrived for STALL_MS (a stalled or just-joined
 *     stream; until then the compositor keeps its last frame),
 * and the picture again as soon as frames come back (checked every
 * CHECK_MS on the main context).  Plate and picture are two compositor
 * pads at the same place, one of them with alpha 0 (not drawn); the
 * compositor is live and waits for neither.
 *
 * Main context only, but for a buffer probe on each picture that notes
 * the time of its last frame (under a lock).
 */
#pragma once

#include <hyperconf/hc-media-room.h>

#include "hc-branch.h"

G_BEGIN_DECLS

#define HC_TYPE_COMPOSITE (hc_composite_get_type ())
G_DECLARE_FINAL_TYPE (HcComposite, hc_composite, HC, COMPOSITE, GObject)

/* Adds the composite (mcu-video for VP8, mcu-video-h264 for H.264) and its
 * head "mix-video" to @bin (PLAYING), with @settings' size, rate, bitrate,
 * codec, layout and tiles.
 * Returns: (transfer full) (nullable): NULL with an error when a pipeline
 *   description or an element (the H.264 encoder) is missing */
HcComposite *hc_composite_new (GstBin *bin, const HcMcuSettings *settings,
                               GError **error);

/* The encoded composite.  Returns: (transfer none) */
HcTrackHead *hc_composite_get_head (HcComposite *self);
/* What a receiver's transceiver offers for it.  Returns: (transfer none) */
GstCaps *hc_composite_get_codec_caps (HcComposite *self);

/* A published video track of @pid, decoded from one more src pad of @head
 * (a leaky queue first: the head's thread never waits on the decoder). */
void hc_composite_add_video (HcComposite *self, HcTrackHead *head,
                             const gchar *pid);
/* Before @head goes. */
void hc_composite_remove_video (HcComposite *self, HcTrackHead *head);
/* A track of @pid of another kind (audio) is in the mix: @pid has a tile
 * (its name plate without video) while one is held.  Counted. */
void hc_composite_hold_tile (HcComposite *self, const gchar *pid);
void hc_composite_release_tile (HcComposite *self, const gchar *pid);

void hc_composite_set_video_muted (HcComposite *self, const gchar *pid,
                                   gboolean muted);
void hc_composite_set_display_name (HcComposite *self, const gchar *pid,
                                    const gchar *name);
void hc_composite_set_layout (HcComposite *self, HcLayoutKind layout);
/* SPEAKER: @pid (nullable) gets the large tile. */
void hc_composite_set_active_speaker (HcComposite *self, const gchar *pid);
/* Returns: (transfer full): the current layout, as "layout-changed" */
GVariant *hc_composite_get_layout (HcComposite *self);
/* As hc_mixer_find_element() for the video side: the publisher's pid for
 * its picture's decoding graph; %NULL otherwise, with @shared TRUE for the
 * composite's own elements (compositor and encoder graph, its head, the
 * name plates).  Returns: (transfer none) */
const gchar *hc_composite_find_element (HcComposite *self, GstElement *element,
                                        gboolean *shared);
/* Whether @pid's tile shows its picture (FALSE: its name plate, or no
 * tile).  Tests and logs. */
gboolean hc_composite_shows_video (HcComposite *self, const gchar *pid);

/* Signal (main context): "layout-changed" (GVariant *tiles, `a(sdddd)`:
 * pid and rectangle relative to the frame, drawing order), when the tiles
 * or their places change. */

G_END_DECLS
