/* hyperconf — the forwarding graph of one published track (private to
 * src/media).
 *
 *   publisher webrtcbin                         subscriber webrtcbin
 *   src_%u ──▶ head (hcforwarder | tee) ──▶ queue ──▶ capssetter ──▶ sink_%u
 *                                      └──▶ queue ──▶ capssetter ──▶ ...
 *              \____ HcTrackHead ____/     \_________ HcBranch _________/
 *
 * Every link and unlink between pads that may carry data happens in an
 * IDLE pad probe; the caller (main context) waits for the probe, which
 * at most waits for one push into a leaky queue, so that building and
 * tearing down are synchronous and element counts exact on return.
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
/* TRUE when the head is an hcforwarder (per-branch SSRC rewriting). */
gboolean hc_track_head_rewrites (HcTrackHead *head);

/**
 * hc_branch_new:
 * @codec_caps: the codec as the subscriber's transceiver should offer it
 *   (codec-preferences; no "ssrc")
 * @ssrc: the SSRC the branch's packets carry
 * @msid: the MediaStream id for the subscriber's sink pad
 *
 * Requests a sink pad (a new sendonly transceiver) on @webrtcbin and links
 * the head to it through a leaky queue and a capssetter that fixes the
 * caps, so that create-offer works before any packet arrived.
 */
HcBranch *hc_branch_new (HcTrackHead *head, GstElement *webrtcbin,
                         const GstCaps *codec_caps, guint32 ssrc,
                         const gchar *msid, const gchar *name);
/* The transceiver goes inactive, the head's pad and the webrtcbin sink pad
 * are released, the branch elements stopped and removed. */
void hc_branch_free (HcBranch *branch);

/* Returns: (transfer none) */
GstWebRTCRTPTransceiver *hc_branch_get_transceiver (HcBranch *branch);
guint32 hc_branch_get_ssrc (HcBranch *branch);

/* Counts @element and, recursively, every element inside it; a webrtcbin
 * counts as one unless @into_webrtcbin. */
guint hc_count_elements (GstElement *element, gboolean into_webrtcbin);

/* Asks the track's publisher for a keyframe for this subscriber. */
void hc_branch_request_keyframe (HcBranch *branch);

G_END_DECLS
