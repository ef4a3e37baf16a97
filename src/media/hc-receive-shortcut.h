/* hyperconf — received RTP around the elements of webrtcbin's rtpbin that
 * pass it on unchanged (private to src/media; the load generator uses it
 * too).
 *
 * What webrtcbin 1.22 does with a received RTP packet after its session,
 * and the two shortcuts (─ ─▶) taken once a stream is through:
 *
 *   rtpsession ─▶ rtpstorage ─▶ rtprtxreceive ─▶ rtpssrcdemux ─▶ ...
 *       │  (aux bin, ghost pads)                   src_<ssrc>
 *       ╰─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─▶│  (1)
 *                                                   ▼
 *   ... hcrtppassthrough ─▶ ulpfecdec ─▶ rtpptdemux ─▶ rtpbin ─▶ webrtcbin
 *            │                (bin)                   ghost     ghost src
 *            ╰─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─▶ (2)
 *
 * (1) a probe on rtpsession's recv_rtp_src pushes a packet straight on
 *     rtpssrcdemux's pad for its SSRC, once that pad exists and is linked,
 *     if its payload type is the one the stream started with (so RTX,
 *     which rtprtxreceive must rewrite, and anything new keep the long
 *     way);
 * (2) hcrtppassthrough pushes the packets of that payload type on
 *     webrtcbin's src pad for the stream, once that pad has passed a
 *     packet (hc_rtp_passthrough_set_shortcut()).
 *
 * For those packets the elements skipped do nothing: rtpstorage keeps
 * packets only for FEC (not negotiated by hyperconf), rtprtxreceive only
 * rewrites RTX, the FEC decoder and rtpptdemux pass a packet of a known
 * payload type on unchanged.  Events still take the long way, and so do
 * the first packets of a stream (they make the pads).  Everything runs on
 * the thread that pushed the packet into the session, as before.  See
 * docs/performance.md ("The receive path's tail") for what it saves.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* From now on, the sessions and src pads @webrtcbin makes take the
 * shortcuts (those that exist already too).  Call once, before the first
 * description, after hc_rtp_passthrough_install(). */
void hc_receive_shortcut_enable (GstElement *webrtcbin);

/* Packets that took shortcut (1) in @webrtcbin, and in @past_demuxer (if
 * not NULL) those that took shortcut (2). */
guint64 hc_receive_shortcut_get_packets (GstElement *webrtcbin,
                                         guint64 *past_demuxer);

G_END_DECLS
