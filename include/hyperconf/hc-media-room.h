/* hyperconf — one conference room's media: one GstPipeline holding one
 * webrtcbin per participant, and a selective forwarder per published track
 * (SFU: RTP fanned out, never decoded).
 *
 *   participant A webrtcbin ──src──▶ hcforwarder ──┬─▶ queue ─▶ B webrtcbin
 *   (publishes)                                    └─▶ queue ─▶ C webrtcbin
 *
 * A participant in MCU mode (hc_media_room_set_mode) receives instead one
 * composite video and one mix-minus audio, decoded, mixed and encoded in
 * the same pipeline.
 *
 * The media layer knows no JSON and no URL: participants are named by
 * their participant id (pid), SDP travels as text.
 *
 * Threading: the API and every signal run on the main context the room was
 * created on.  webrtcbin's callbacks (its :pc thread, streaming threads)
 * copy what they need and hop there; they never touch room state.
 *
 * Negotiation (PROTOCOL.md §9.3): the client's join offer is answered by
 * hc_media_room_join_async.  After that the server offers: "offer-needed"
 * is emitted for a participant when the set of tracks it should receive
 * changed AND its connection is established AND no server offer is in
 * flight.  The owner then calls hc_media_room_create_offer_async and
 * delivers the SDP; the client's answer goes to
 * hc_media_room_set_answer_async, which completes the negotiation (and
 * re-emits "offer-needed" if more changes were folded in meanwhile).
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <hyperconf/hc-layout.h> /* HcLayoutKind */

G_BEGIN_DECLS

#define HC_MEDIA_ERROR (hc_media_error_quark ())
typedef enum {
  HC_MEDIA_ERROR_BAD_SDP,      /* SDP that cannot be parsed */
  HC_MEDIA_ERROR_NO_MEDIA,     /* no m-line with a codec we accept */
  HC_MEDIA_ERROR_UNKNOWN_PEER, /* no participant with that pid */
  HC_MEDIA_ERROR_STATE,        /* wrong negotiation state (no offer out...) */
  HC_MEDIA_ERROR_WEBRTC,       /* webrtcbin refused (its message inside) */
} HcMediaError;
GQuark hc_media_error_quark (void);

#define HC_TYPE_MEDIA_ROOM (hc_media_room_get_type ())
G_DECLARE_FINAL_TYPE (HcMediaRoom, hc_media_room, HC, MEDIA_ROOM, GObject)

/**
 * hc_media_room_new:
 * @name: for logs and the pipeline's name
 * Returns: (transfer full): a room whose pipeline is PLAYING
 */
HcMediaRoom *hc_media_room_new (const gchar *name);

/**
 * hc_media_room_join_async:
 * Adds a participant: a webrtcbin in the pipeline, the client's offer set
 * as remote description, and an answer created and set locally.  Only
 * Opus audio and VP8 video are accepted; other codecs are declined in the
 * answer.  The tracks the client sends are published to every other
 * participant once they arrive.
 */
void hc_media_room_join_async (HcMediaRoom *self, const gchar *pid,
                               const gchar *offer_sdp,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
/**
 * hc_media_room_join_finish:
 * Returns: (transfer full): the answer SDP, or %NULL with HC_MEDIA_ERROR
 *   (BAD_SDP, NO_MEDIA: the participant is removed again)
 */
gchar *hc_media_room_join_finish (HcMediaRoom *self, GAsyncResult *result,
                                  GError **error);

/**
 * hc_media_room_add_remote_candidate:
 * A candidate from the client.  A candidate for an unknown mid or m-line
 * is ignored with a log line; an empty @candidate ends the candidates.
 * @mid: (nullable)
 */
void hc_media_room_add_remote_candidate (HcMediaRoom *self, const gchar *pid,
                                         const gchar *mid, gint mline_index,
                                         const gchar *candidate);

/**
 * hc_media_room_create_offer_async:
 * The server's offer to @pid: one m-line (sendonly) per track of every
 * other participant, inactive for tracks that ended.  Every sending m-line
 * carries `a=msid:<publisher pid> <track id>` and `a=ssrc` lines.
 */
void hc_media_room_create_offer_async (HcMediaRoom *self, const gchar *pid,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
/* Returns: (transfer full): the offer SDP, or %NULL with HC_MEDIA_ERROR */
gchar *hc_media_room_create_offer_finish (HcMediaRoom *self,
                                          GAsyncResult *result, GError **error);

/* The client's answer to the server's offer in flight. */
void hc_media_room_set_answer_async (HcMediaRoom *self, const gchar *pid,
                                     const gchar *answer_sdp,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean hc_media_room_set_answer_finish (HcMediaRoom *self,
                                          GAsyncResult *result, GError **error);

/* TRUE while a server offer to @pid awaits its answer (glare: the
 * server's offer wins, a client offer meanwhile is ignored). */
gboolean hc_media_room_is_negotiating (HcMediaRoom *self, const gchar *pid);

/**
 * hc_media_room_leave:
 * Removes the participant: its webrtcbin, its forwarders and every branch
 * feeding others from it (their m-lines become inactive, and they get
 * "offer-needed").  The pipeline returns to exactly the element count it
 * had before the participant joined.
 */
void hc_media_room_leave (HcMediaRoom *self, const gchar *pid);

guint hc_media_room_get_n_participants (HcMediaRoom *self);
/* Elements in the pipeline, recursively (leave tests compare it), each
 * webrtcbin counting as one: webrtcbin 1.22 keeps 4 internal elements of
 * every sink pad released from it (a participant left) until the webrtcbin
 * itself goes, so a count through webrtcbin cannot return to its earlier
 * value while the other participants stay. */
guint hc_media_room_get_n_elements (HcMediaRoom *self);
/* The same, through webrtcbin's insides too (memory, leak hunting). */
guint hc_media_room_get_n_elements_deep (HcMediaRoom *self);
/* Returns: (transfer full): the pipeline as a Graphviz DOT graph */
gchar *hc_media_room_dump_dot (HcMediaRoom *self);
/* Returns: (transfer none): the room's pipeline (tests, admin) */
GstPipeline *hc_media_room_get_pipeline (HcMediaRoom *self);

/**
 * HcMediaStats:
 * One participant's connection, from webrtcbin's get-stats.  "In" is what
 * the server receives from the participant, "out" what it sends it.
 * @bitrate_in, @bitrate_out: bits per second over the last interval (since
 *   the previous call when it is recent, else measured over one second)
 * @packets_lost_in: packets the server missed from the participant
 * @packets_lost_out, @fraction_lost_out: what the participant reported
 *   missing of the server's streams (RTCP receiver reports; fraction the
 *   worst stream's, 0..1)
 * @rtt_s: round-trip time in seconds from those reports, -1 before any
 */
typedef struct {
  gdouble bitrate_in, bitrate_out;
  guint64 bytes_received, bytes_sent;
  guint64 packets_received, packets_sent;
  gint64 packets_lost_in, packets_lost_out;
  gdouble fraction_lost_out;
  gdouble rtt_s;
} HcMediaStats;

/* Asks @pid's webrtcbin for its statistics (async, main context). */
void hc_media_room_get_stats_async (HcMediaRoom *self, const gchar *pid,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
/* @stats: (out caller-allocates). Returns: FALSE with HC_MEDIA_ERROR
 * (UNKNOWN_PEER, STATE when it left meanwhile, WEBRTC) */
gboolean hc_media_room_get_stats_finish (HcMediaRoom *self,
                                         GAsyncResult *result,
                                         HcMediaStats *stats, GError **error);

/* Signals, all emitted on the room's main context:
 *  "ice-candidate" (const gchar *pid, guint mline_index,
 *                   const gchar *mid, const gchar *candidate): a local
 *      candidate for the client (@mid from the local description, may be
 *      NULL); candidate "" once gathering is complete.
 *  "connection-state" (const gchar *pid, const gchar *state): "new",
 *      "connecting", "connected", "failed", "closed".
 *  "offer-needed" (const gchar *pid): see the top of this file.
 *  "track-published" (const gchar *pid, const gchar *kind): a track of
 *      this participant ("audio"/"video") started flowing.
 */

/* ---- Faults ------------------------------------------------------------ */

/**
 * hc_media_room_set_media_timeout:
 * @timeout_ms: 0 (the default) watches nothing
 *
 * A participant from whom no packet (RTP, RTCP, DTLS) arrived for
 * @timeout_ms is removed (and, before its first packet after its join
 * answer, after max(@timeout_ms, 10 s)).  Whatever the timeout, a
 * participant is also removed when its connection fails (ICE or DTLS) or
 * when an element of its own (its webrtcbin, its tracks' forwarders, the
 * mixer's decoders of its tracks) posts an error on the room's bus.  An
 * error of the mixer's own elements restarts the mixer (its receivers
 * are renegotiated); nothing stops the room's pipeline.
 */
void hc_media_room_set_media_timeout (HcMediaRoom *self, guint timeout_ms);

/* ---- Send path --------------------------------------------------------- */

/**
 * hc_media_room_set_lean_send:
 * @lean: TRUE (the default): each participant who joins from now on gets an
 *   hcsrtpsend (hc-srtp-send.h) beside its webrtcbin, through which every
 *   stream it receives passes; once its DTLS keys exist and its selected
 *   ICE pair is UDP and not relayed, that element protects and sends the
 *   packets itself on webrtcbin's ICE agent, answers the participant's
 *   NACKs and writes the sender reports.  FALSE: webrtcbin's own send path
 *   ([media] lean-send in data/hyperconf.conf).
 */
void hc_media_room_set_lean_send (HcMediaRoom *self, gboolean lean);

/* ---- Receive path ------------------------------------------------------ */

/**
 * hc_media_room_set_lean_receive:
 * @lean: TRUE (the default): the webrtcbin of each participant who joins
 *   from now on hands each received packet from its transport's thread
 *   straight on to its DTLS/SRTP decoder once the transport is through,
 *   without the hand-off to webrtcbin's receive queue's thread (one
 *   thread wake-up per received packet; src/media/hc-receive-direct.h).
 *   FALSE: every packet goes through that queue ([media] lean-receive in
 *   data/hyperconf.conf).
 */
void hc_media_room_set_lean_receive (HcMediaRoom *self, gboolean lean);

/* Signal (main context):
 *  "participant-failed" (const gchar *pid, const gchar *reason): the
 *      participant was removed, as by hc_media_room_leave(), because of
 *      one of the faults above; @reason is for logs.
 */

/* ---- MCU mode (MCU-CONTRACT.md §4) ------------------------------------ */

typedef enum { HC_MEDIA_MODE_SFU, HC_MEDIA_MODE_MCU } HcMediaMode;
/* The composite's codec: VP8 (vp8enc), or H.264 constrained baseline
 * (openh264enc; the mixer fails to start without it). */
typedef enum { HC_VIDEO_CODEC_VP8, HC_VIDEO_CODEC_H264 } HcVideoCodec;
typedef struct {
  guint width, height, framerate, video_bitrate /* bit/s */,
      audio_bitrate /* bit/s */, max_tiles, max_mixed, keyframe_min_interval_ms;
  HcLayoutKind layout;
  HcVideoCodec video_codec;
} HcMcuSettings;

/* The [mcu] defaults: 640x360, 15 fps, 300 kbit/s VP8, 32 kbit/s Opus,
 * 9 tiles, 3 mixed voices, a forced keyframe at most every 500 ms, grid. */
#define HC_MCU_SETTINGS_DEFAULT                                                \
  {                                                                            \
    640, 360, 15, 300000, 32000, 9, 3, 500, HC_LAYOUT_GRID, HC_VIDEO_CODEC_VP8 \
  }

/* Settings of the mixer (copied); they apply from the next mixer on, so
 * set them before the first MCU receiver joins.  Without this call: the
 * defaults above. */
void hc_media_room_set_mcu_settings (HcMediaRoom *self, const HcMcuSettings *s);
/* Mode of @pid as a receiver; may be called before the join (remembered for
 * the join) or any time after: renegotiates ("offer-needed") so an MCU
 * receiver gets exactly one video and one audio m-line with msid "mix"
 * (`a=msid:mix video` / `a=msid:mix audio`), an SFU one a pair per other
 * publisher.  The m-lines of the old mode go inactive (webrtcbin 1.22 cannot
 * remove m-lines).  An MCU participant still publishes to SFU ones.  The
 * mixer (decoders, composite, mix-minus, encoders) exists while at least
 * one answered participant is in MCU mode. */
void hc_media_room_set_mode (HcMediaRoom *self, const gchar *pid,
                             HcMediaMode mode);
HcMediaMode hc_media_room_get_mode (HcMediaRoom *self, const gchar *pid);
/* Whether @pid's video is on (PROTOCOL.md §9.4 publishing.video; may be
 * set before the join): while off, its tile in the composite shows its name
 * plate instead of its (black or frozen) picture. */
void hc_media_room_set_video_muted (HcMediaRoom *self, const gchar *pid,
                                    gboolean muted);
/* Tile labels (may be set before the join). */
void hc_media_room_set_display_name (HcMediaRoom *self, const gchar *pid,
                                     const gchar *name);
void hc_media_room_set_layout (HcMediaRoom *self, HcLayoutKind layout);
gboolean hc_media_room_has_mixer (HcMediaRoom *self);

/* MCU signals (main context), while a mixer runs:
 *  "layout-changed" (GVariant *tiles): type `a(sdddd)`, one entry per tile
 *      in drawing order: (pid, x, y, width, height), relative to the mixed
 *      frame (0..1).  Emitted when the mixer starts and whenever a video
 *      publisher joins or leaves, the layout is changed, or (SPEAKER) the
 *      active speaker changes; empty when the mixer stops.
 *  "speaking-changed" (const gchar *pid, gboolean speaking): from the
 *      mix-minus levels (with the element's hysteresis).
 *  "active-speaker" (const gchar *pid): the loudest speaking publisher,
 *      kept while it still speaks; %NULL when nobody speaks.
 */

G_END_DECLS
