/* hyperconf — hcforwarder: the selective forwarder element.
 *
 *   sink (application/x-rtp, one publisher's track)
 *     └─▶ src_%u (request; one per subscriber)
 *
 * Every buffer on the sink pad is pushed to each src pad unchanged but for
 * what that subscriber negotiated, set as pad properties:
 *   "ssrc"  (guint, 0 = keep the publisher's)    rewritten in each packet
 *   "pt"    (gint, -1 = keep)                     payload type rewritten
 *   "strip-extensions" (gboolean, default TRUE)   RTP header extensions
 *           removed (webrtcbin 1.22 negotiates none toward subscribers)
 *   "forward" (gboolean, default TRUE)            FALSE drops this pad's
 *           buffers (events still flow): link first, forward when ready
 *   "caps"  (GstCaps, default NULL)               announced on the pad, and
 *           in answer to caps queries, instead of the derived caps
 * Sequence numbers are shifted per src pad by an offset chosen at random
 * at the pad's first packet: gaps in the input stay gaps, so a NACK still
 * maps back.  Caps on each src pad are the sink caps with "ssrc" and
 * "payload" replaced (and extmap-N dropped when stripping), so a
 * webrtcbin downstream can write a=ssrc lines.
 *
 * A new src pad sends a GstForceKeyUnit event upstream (a PLI), so
 * the publisher is asked for a keyframe (PLI) at once, unless the element
 * property "keyframe-on-request" is FALSE; upstream events
 * from any src pad (force-key-unit from a subscriber's PLI, ...) travel on
 * to the sink pad.  Buffers are never decoded.
 *
 * The publisher's sender clock (the "hc-sender-clock" event,
 * hc-sender-clock.h) goes to every src pad under that pad's SSRC, in order
 * with the packets, and the last one to a new pad before its first packet;
 * not to "mix-voice" pads, whose packets are a mixer's.
 *
 * Threading: the streaming thread reads per-pad state under the object
 * lock; properties may be changed from any thread.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define HC_TYPE_FORWARDER (hc_forwarder_get_type ())
G_DECLARE_FINAL_TYPE (HcForwarder, hc_forwarder, HC, FORWARDER, GstElement)

#define HC_TYPE_FORWARDER_PAD (hc_forwarder_pad_get_type ())
G_DECLARE_FINAL_TYPE (HcForwarderPad, hc_forwarder_pad, HC, FORWARDER_PAD,
                      GstPad)

/* Registers "hcforwarder" (and the project's other elements) with
 * GStreamer; the daemon and tests call it once, the plugin does it on
 * load. */
gboolean hc_media_register_elements (GstPlugin *plugin);

/* The upstream event that asks a publisher for a keyframe, as the
 * forwarder sends it: force-key-unit without all-headers, which the
 * publisher's rtpsession (webrtcbin) sends as a PLI. */
GstEvent *hc_forwarder_new_keyframe_request (void);

G_END_DECLS
