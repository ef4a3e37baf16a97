/* hyperconf — in-process webrtcbin clients of an HcMediaRoom, for the
 * media tests (test-media-room, test-mcu-room).
 *
 *   client pipeline (one per participant)          room pipeline
 *   videotestsrc ! vp8enc ! rtpvp8pay ─┐
 *   audiotestsrc ! opusenc ! rtpopuspay ┴▶ webrtcbin ◀─ICE/DTLS─▶ peer-<pid>
 *   webrtcbin src_%u ──▶ fakesink (counted, mapped to publishers by the
 *                        a=msid of the server's offers), or with
 *                        decode_video: rtpvp8depay ! vp8dec ! fakesink
 *                        (H.264: rtph264depay ! h264parse ! openh264dec)
 *
 * Signalling goes through the room's API and signals only, as the
 * conference layer drives it.  Every wait is bounded.
 */
#pragma once

#include <hyperconf/hc-media-room.h>

#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

G_BEGIN_DECLS

/* HC_TEST_SLOW=<factor> stretches every wait (valgrind runs ~30x slower) */
#define WAIT_MS (15000 * slow_factor ())
/* per received stream before it counts as flowing */
#define MIN_BUFFERS (slow_factor () > 1 ? 5 : 20)

typedef gboolean (*Condition) (gpointer data);

typedef struct {
  GstPad *pad;
  gchar *mid;            /* of the transceiver, read on the main context */
  gint buffers;          /* atomic */
  gint64 first_us;       /* atomic, monotonic time of the first buffer */
  gint csrcs;            /* atomic: CSRC count of the last packet */
  gint frames;           /* atomic: video frames decoded (decode_video) */
  gint64 first_frame_us; /* atomic, monotonic time of the first frame */
  gint width;            /* atomic: of the last decoded frame */
  gint height;
} Receiver;

typedef struct {
  gchar *pid;
  HcMediaRoom *room;
  GstElement *pipeline;
  GstElement *webrtcbin;
  gboolean remote_set;
  GPtrArray *early_candidates; /* from the room before remote_set */
  GMutex lock;
  GPtrArray *receivers;      /* Receiver, guarded by lock */
  GstSDPMessage *last_offer; /* the room's last offer to us */
  guint n_offers;
  gint64 joined_us;
  gchar *answer; /* join answer */
  GAsyncResult *join_result;
  gboolean negotiating;
  gint64 answered_us;       /* when the room took its last answer */
  gboolean decline_video;   /* answers the room's video m-lines inactive */
  gboolean decode_video;    /* decodes what it receives (set before joining) */
  gboolean drop_candidates; /* no ICE candidate reaches it or the room */
} Client;

typedef struct {
  HcMediaRoom *room;
  GPtrArray *clients;
  GHashTable *states; /* pid -> last "connection-state" */
  guint published;    /* "track-published" count */
  guint n_offer_errors;
  gboolean hold_offers; /* clients do not answer renegotiations */
} Fixture;

/* g_test_init, gst_init and our elements, for the media test programs.
 * webrtcbin 1.22 hits g_warn_if_reached() in
 * jitter_buffer_set_retransmission when RTP of a new m-line reaches a
 * client webrtcbin while it applies the next offer (seen with every thread
 * on one CPU, under valgrind, and once in CI): a warning of the test's
 * client, harmless.  A fatal-log handler cannot excuse it (the TAP output
 * already says "Bail out!"), so warnings are not fatal; criticals are. */
void media_test_init (int *argc, char ***argv);
guint slow_factor (void);
gboolean in_time (gboolean ok, const gchar *what);
void run_for (guint ms);
gboolean wait_until (Condition cond, gpointer data, guint ms);
void store_result (GObject *source, GAsyncResult *result, gpointer data);
GAsyncResult *await_result (GAsyncResult **slot);
void disable_upnp (GstElement *webrtcbin);
Client *client_new (const gchar *pid);
void client_free (Client *c);
GstWebRTCSessionDescription *client_call (Client *c, const gchar *signal,
                                          GstWebRTCSessionDescription *desc,
                                          const gchar *field);
gchar *client_make_offer (Client *c);
void client_set_remote (Client *c, GstWebRTCSDPType type, const gchar *text);
Client *fixture_client (Fixture *f, const gchar *pid);
void fixture_init (Fixture *f);
void fixture_clear (Fixture *f);
void fixture_join (Fixture *f, Client *c);
gchar *publisher_of_mid (Client *c, const gchar *mid, gchar **kind);
gint received_from (Client *c, const gchar *publisher, const gchar *kind,
                    gint64 *first_us);
void dump_receivers (Client *c);
gboolean everyone_receives_everyone (gpointer data);
void dump_path (Fixture *f, const gchar *publisher, const gchar *subscriber);
void assert_still_flowing (Fixture *f, Client *c, const gchar *publisher);
/* A client publishing VP8 at @width x @height unless @width is 0, and Opus
 * if @audio; its video size can change later (client_set_video_size). */
Client *client_new_full (const gchar *pid, gint width, gint height,
                         gboolean audio);
void client_set_video_size (Client *c, gint width, gint height);

G_END_DECLS
