/* hyperconf — the forwarding graph of one published track (private to
 * src/media).
 *
 *   publisher webrtcbin                     subscriber webrtcbin
 *   src_%u ──▶ head (hcforwarder) src_0 ──▶ sink_%u
 *                                 src_1 ──▶ sink_%u of another subscriber
 *              \_ HcTrackHead _/  \___ HcBranch ___/
 *
 * With the subscriber's lean send path (hc-lean-send.h) the branch goes
 * through its hcsrtpsend: head src_N ─▶ sink_M hcsrtpsend src_M ─▶ sink_%u.
 *
 * No queue and no thread per branch: the publisher's streaming thread
 * pushes each packet into every subscriber's webrtcbin in turn, as far as
 * its socket.  So a branch drops everything ("forward" = FALSE on its
 * head pad) until hc_branch_start(), when the subscriber's webrtcbin takes
 * packets without blocking (m-line negotiated, DTLS up).
 *
 * The head is linked to its publisher in an IDLE pad probe, and the caller
 * (main context) waits for it, so that building and tearing down are
 * synchronous and element counts exact on return.
 */
#pragma once

#include <gst/gst.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

G_BEGIN_DECLS

typedef struct _HcTrackHead HcTrackHead;
typedef struct _HcBranch HcBranch;

/* Adds a head to @bin and links @src (a publisher's webrtcbin src pad)
 * to it.  @name names the head element. */
HcTrackHead *hc_track_head_new (GstBin *bin, GstPad *src, const gchar *name);
/* Unlinks, stops and removes the head; every branch must be freed first. */
void hc_track_head_free (HcTrackHead *head);
/* The head's hcforwarder, for a pad of one's own (the mixer's inputs).
 * Returns: (transfer none) */
GstElement *hc_track_head_get_element (HcTrackHead *head);

/**
 * hc_branch_new:
 * @codec_caps: the codec as the subscriber's transceiver should offer it
 *   (codec-preferences; no "ssrc")
 * @ssrc: the SSRC the branch's packets carry
 * @msid: the MediaStream id for the subscriber's sink pad
 * @lean: (nullable): the subscriber's hcsrtpsend, or NULL for webrtcbin's
 *   own send path
 *
 * Requests a sink pad (a new sendonly transceiver) on @webrtcbin and a src
 * pad on the head, with the branch's caps (so that create-offer works
 * before any packet arrived), and links them (through a pair of pads of
 * @lean, which passes the caps query on).  Nothing flows yet.
 */
HcBranch *hc_branch_new (HcTrackHead *head, GstElement *webrtcbin,
                         const GstCaps *codec_caps, guint32 ssrc,
                         const gchar *msid, GstElement *lean);
/* Call when the subscriber's negotiation including this branch completed,
 * on a connected webrtcbin, and only when the subscriber's answer took the
 * m-line (webrtcbin 1.22 does not tell): packets start to flow and the
 * publisher is asked for a keyframe.  Returns whether the branch forwards
 * (at once TRUE when it already did). */
gboolean hc_branch_start (HcBranch *branch);
/* For a branch of the mixed audio (the head hc-mixer-audio.h makes): the
 * voice of the receiver (hcforwarder's "mix-voice"), before it starts. */
void hc_branch_set_mix_voice (HcBranch *branch, gint voice);
/* The transceiver goes inactive; the head's pad, the hcsrtpsend pads and
 * the webrtcbin sink pad are released. */
void hc_branch_free (HcBranch *branch);

/* Returns: (transfer none) */
GstWebRTCRTPTransceiver *hc_branch_get_transceiver (HcBranch *branch);
guint32 hc_branch_get_ssrc (HcBranch *branch);

/* Counts @element and, recursively, every element inside it; a webrtcbin
 * counts as one unless @into_webrtcbin. */
guint hc_count_elements (GstElement *element, gboolean into_webrtcbin);

G_END_DECLS
