/* hyperconf — HcMixerAudio: the MCU's audio, K+1 Opus encodes per room
 * however many listen (private to src/media; part of HcMixer).
 *
 *  A-audio0 ─▶ mcu-audio-input ─▶ sink_0 ┐ hcmixminus
 *  B-audio0 ─▶ mcu-audio-input ─▶ sink_1 ┤ "mcu-audio"
 *  C-audio0 ─▶ mcu-audio-input ─▶ sink_2 ┘
 *    src        ─▶ mcu-audio-output ─▶ sink   ┐ head "mix-audio"
 *    pool_0     ─▶ mcu-audio-output ─▶ sink_0 ┤ (hcforwarder): one src pad
 *    pool_<K-1> ─▶ mcu-audio-output ─▶ sink_… ┘ per listener, its
 *                                               "mix-voice" = its sink_N
 *
 * Only the K loudest voices ("max-mixed") are mixed, so only they need a mix
 * without themselves: the mixer keeps min (K, listeners who publish a
 * voice) pool outputs, which hcmixminus lends to the mixed voices of
 * listeners block by block; everybody else shares the plain sum.  All the
 * encodes enter one head; each buffer's HcMixMinusMeta tells the head's
 * pads which of the K+1 packets of a 20 ms block is for whom, so a listener
 * moves between the sum and a mix of its own at a block boundary: no gap,
 * never its own voice, and the same SSRC, sequence and timestamps (every
 * payloader has the same timestamp-offset; the forwarder numbers on across
 * its inputs).  One thread (the mixer's) mixes, encodes and forwards each
 * block, in order: no queue between the outputs and the head.
 *
 * Elements are linked downstream first: an output is complete up to the
 * head before the mixer's pad feeding it exists, so no encoder ever pushes
 * into an unlinked pad (whose NOT_LINKED used to stop a queue for good).
 * Main context only, but for the payloaders' CSRC probes.
 */
#pragma once

#include <hyperconf/hc-media-room.h>

#include "hc-branch.h"

G_BEGIN_DECLS

typedef struct _HcMixerAudio HcMixerAudio;

/* Returns: (transfer full) (nullable) */
HcMixerAudio *hc_mixer_audio_new (GstBin *bin, const HcMcuSettings *settings,
                                  GError **error);
void hc_mixer_audio_free (HcMixerAudio *self);

/* A published audio track of @pid, decoded once from one more src pad of
 * @head; @ssrc names it in the mix's CSRC lists. */
void hc_mixer_audio_add_input (HcMixerAudio *self, HcTrackHead *head,
                               const gchar *pid, guint32 ssrc);
/* Before @head goes.  Returns: (transfer full) (nullable): the pid whose
 * input it was */
gchar *hc_mixer_audio_remove_input (HcMixerAudio *self, HcTrackHead *head);

/* The head every listener's branch starts from.  Returns: (transfer none) */
HcTrackHead *hc_mixer_audio_get_head (HcMixerAudio *self);
/* Returns: (transfer none): the caps a listener's transceiver offers */
GstCaps *hc_mixer_audio_get_codec_caps (HcMixerAudio *self);

/* @pid listens to the mix (counted: one remove per add); @has_voice when it
 * publishes audio, which it must then never hear.  Returns: the
 * "mix-voice" for its branch's head pad (hc_branch_set_mix_voice). */
gint hc_mixer_audio_add_listener (HcMixerAudio *self, const gchar *pid,
                                  gboolean has_voice);
void hc_mixer_audio_remove_listener (HcMixerAudio *self, const gchar *pid);

/* The hcmixminus element (its messages).  Returns: (transfer none) */
GstElement *hc_mixer_audio_get_element (HcMixerAudio *self);
/* The publisher of hcmixminus' @pad_name ("sink_N").  Returns: (transfer
 * none) (nullable) */
const gchar *hc_mixer_audio_pid_of_pad (HcMixerAudio *self,
                                        const gchar *pad_name);
/* Whose @element is (an input's bin: its publisher's pid), or *@shared
 * when it is part of the mix all listeners share (the mixer, an encode,
 * the head).  Returns: (transfer none) (nullable) */
const gchar *hc_mixer_audio_find_element (HcMixerAudio *self,
                                          GstElement *element,
                                          gboolean *shared);
/* Encodes now running: 1 + pool outputs. */
guint hc_mixer_audio_get_n_encodes (HcMixerAudio *self);

G_END_DECLS
