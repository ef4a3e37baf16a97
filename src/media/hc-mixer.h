/* hyperconf — HcMixer: the MCU side of one room (private to src/media).
 *
 *  published track heads (hc-branch.h)           the mixer's own heads
 *  ──────────────────────────────────           ─────────────────────────
 *  A-video0 ─src_n─▶ mcu-video-input ─▶ ┐ HcComposite (hc-composite.h):
 *  B-video0 ─src_n─▶ mcu-video-input ─▶ ┴ mcu-video (compositor ... vp8enc
 *        name plates (mcu-name-plate) ─▶    ... rtpvp8pay) ─▶ mix-video ─▶
 *                                          one HcBranch per MCU receiver
 *  A-audio0 ─src_n─▶ mcu-audio-input ─▶ ┐            ┌ src ─▶ mcu-audio-output
 *  B-audio0 ─src_n─▶ mcu-audio-input ─▶ ┴ hcmixminus ┤        ─▶ mix-audio
 *                                                    └ minus_N ─▶ mcu-audio-
 *                                                      output ─▶ mix-audio-N
 *
 * Each published track is decoded once (one more src pad on its head, a
 * leaky queue first in the input bin, so decoding never slows the SFU
 * forwarding), however many MCU receivers there are.  The composite is
 * encoded once; its RTP enters the forwarding path through a head like any
 * published track.  Audio: the plain sum ("src") is encoded once for every
 * receiver that publishes no audio; a receiver that does gets the sum minus
 * its own voice ("minus_N", N being its slot), encoded for it alone.
 *
 * The graphs are pipelines/mcu-*.pipeline.  Every element the mixer adds is
 * removed again by hc_mixer_free (or the last unref): the room's element
 * count returns to its SFU-only figure.  Main context only.
 */
#pragma once

#include <hyperconf/hc-media-room.h>

#include "hc-branch.h"

G_BEGIN_DECLS

#define HC_TYPE_MIXER (hc_mixer_get_type ())
G_DECLARE_FINAL_TYPE (HcMixer, hc_mixer, HC, MIXER, GObject)

/* Adds the composite and the plain-sum audio output to @bin (PLAYING).
 * Returns: (transfer full) (nullable): NULL with an error when a pipeline
 *   description or an element is missing */
HcMixer *hc_mixer_new (GstBin *bin, const HcMcuSettings *settings,
                       GError **error);

/* A published track (@kind "audio" / "video") of @pid, decoded from one
 * more src pad of @head; @ssrc names it in the mixed audio's CSRCs. */
void hc_mixer_add_input (HcMixer *self, HcTrackHead *head, const gchar *pid,
                         const gchar *kind, guint32 ssrc);
/* Before @head goes. */
void hc_mixer_remove_input (HcMixer *self, HcTrackHead *head);

/* The composite's head.  Returns: (transfer none) */
HcTrackHead *hc_mixer_get_video_head (HcMixer *self);
/* What a receiver's transceiver offers for @kind.  Returns: (transfer
 * none) */
GstCaps *hc_mixer_get_codec_caps (HcMixer *self, const gchar *kind);
/* The mixed audio for @pid: the sum without @pid's voice when
 * @own_voice_mixed, else the shared plain sum.  Counted: one release per
 * acquire.  Returns: (transfer none) */
HcTrackHead *hc_mixer_acquire_audio (HcMixer *self, const gchar *pid,
                                     gboolean own_voice_mixed);
void hc_mixer_release_audio (HcMixer *self, const gchar *pid,
                             gboolean own_voice_mixed);

void hc_mixer_set_display_name (HcMixer *self, const gchar *pid,
                                const gchar *name);
/* @pid's tile shows its name plate while muted (hc-composite.h). */
void hc_mixer_set_video_muted (HcMixer *self, const gchar *pid, gboolean muted);
void hc_mixer_set_layout (HcMixer *self, HcLayoutKind layout);
/* Returns: (transfer full): the current layout, as "layout-changed" */
GVariant *hc_mixer_get_layout (HcMixer *self);

/* Whose part of the mixer @element (a child of the room's bin) is: the
 * publisher's pid for one of its decoding inputs; %NULL otherwise, with
 * @shared TRUE when it is one of the mixer's own elements (composite,
 * mix-minus, encoders, their heads).  Returns: (transfer none) */
const gchar *hc_mixer_find_element (HcMixer *self, GstElement *element,
                                    gboolean *shared);

/* The room's bus watch passes every element message; TRUE when it was the
 * mixer's (hcmixminus levels). */
gboolean hc_mixer_handle_message (HcMixer *self, GstMessage *message);

/* Signals (main context), as HcMediaRoom's MCU signals (hc-media-room.h):
 *  "layout-changed" (GVariant *tiles)
 *  "speaking-changed" (const gchar *pid, gboolean speaking)
 *  "active-speaker" (const gchar *pid, nullable)
 */

G_END_DECLS
