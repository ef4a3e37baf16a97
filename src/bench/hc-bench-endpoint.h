/* hyperconf-bench — one synthetic WebRTC endpoint: a pipeline with one
 * webrtcbin (an HcPeer, so every webrtcbin callback lands on the main
 * context), optional senders replaying the pre-encoded clips, and
 * everything received counted into fakesinks (HcBenchRecv).
 *
 *   HcBenchSender (appsrc, VP8) ──▶ sink_0 ┐
 *   HcBenchSender (appsrc, Opus) ─▶ sink_1 ┤ webrtcbin ├─ src_N ─▶ fakesink
 *                                                      └─ ...     (probe)
 *
 * Negotiation is non-trickle for our own offers (the offer is taken once
 * ICE gathering completed, candidates inside); the peer's candidates are
 * added as they come.  The signalling (reTHINK or Janus) is not here. */
#pragma once

#include "../media/hc-peer.h"
#include "hc-bench-clip.h"
#include "hc-bench-recv.h"

G_BEGIN_DECLS

#define HC_BENCH_TYPE_ENDPOINT (hc_bench_endpoint_get_type ())
G_DECLARE_FINAL_TYPE (HcBenchEndpoint, hc_bench_endpoint, HC_BENCH, ENDPOINT,
                      GObject)

/* @video, @audio: (nullable) (transfer none): clips to publish, which
 * must outlive the endpoint; none for a receive-only endpoint.
 * @jitter_ms: webrtcbin's receive jitter buffer ("latency"); 0: none,
 *   received packets are counted as they arrive (hcrtppassthrough).
 * @lean_send: what it publishes goes through the server's lean send path
 *   (hc-lean-send.h: hcsrtpsend on webrtcbin's own keys and socket). */
HcBenchEndpoint *hc_bench_endpoint_new (const gchar *name,
                                        const HcBenchClip *video,
                                        const HcBenchClip *audio,
                                        guint jitter_ms, gboolean lean_send);

/* Offer (after ICE gathering), set locally; finish gives its SDP text. */
void hc_bench_endpoint_offer_async (HcBenchEndpoint *self,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gchar *hc_bench_endpoint_offer_finish (HcBenchEndpoint *self,
                                       GAsyncResult *result, GError **error);

/* Applies the remote offer @sdp, answers and sets the answer locally;
 * finish gives the answer's SDP text (with candidates once gathered). */
void hc_bench_endpoint_answer_async (HcBenchEndpoint *self, const gchar *sdp,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gchar *hc_bench_endpoint_answer_finish (HcBenchEndpoint *self,
                                        GAsyncResult *result, GError **error);

/* Applies the remote answer @sdp to our offer. */
void hc_bench_endpoint_set_answer_async (HcBenchEndpoint *self,
                                         const gchar *sdp,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
gboolean hc_bench_endpoint_set_answer_finish (HcBenchEndpoint *self,
                                              GAsyncResult *result,
                                              GError **error);

void hc_bench_endpoint_add_candidate (HcBenchEndpoint *self, guint mline,
                                      const gchar *candidate);

GstWebRTCPeerConnectionState
hc_bench_endpoint_get_state (HcBenchEndpoint *self);
/* Monotonic time (us) the connection first became connected, or 0. */
gint64 hc_bench_endpoint_get_connected_time (HcBenchEndpoint *self);

/* Returns: (transfer none) */
HcBenchRecv *hc_bench_endpoint_get_recv (HcBenchEndpoint *self);

/* Keyframe requests (PLI/FIR turned into force-key-unit) our video
 * sender got. */
guint hc_bench_endpoint_get_keyframe_requests (HcBenchEndpoint *self);

/* Stops sending and receiving and tears the pipeline down (the counters
 * stay readable).  Idempotent. */
void hc_bench_endpoint_stop (HcBenchEndpoint *self);

G_END_DECLS
