/* hyperconf-bench — HcBenchEndpoint: pipeline, HcPeer, senders, counters.
 * Main context only. */
#include "hc-bench-endpoint.h"
#include "hc-bench-sender.h"

#include "../media/hc-lean-send.h"
#include "../media/hc-receive-direct.h"
#include "../media/hc-receive-shortcut.h"

/* How long a non-trickle offer waits for ICE gathering (host candidates
 * only here: it is normally done in milliseconds). */
#define GATHER_TIMEOUT_MS 5000

struct _HcBenchEndpoint {
  GObject parent_instance;

  GstElement *pipeline;
  HcPeer *peer;
  HcBenchSender *video;
  HcBenchSender *audio;
  HcBenchRecv *recv;
  /* The server's lean send path for what this participant publishes
   * (issue 10 step 4), or NULL: webrtcbin's own. */
  HcLeanSend *lean;
  guint bus_watch;
  GstWebRTCPeerConnectionState state;
  gint64 connected_time;
  gboolean gathered;
  gboolean stopped;
  GList *gather_waiters; /* GTask waiting for gathering */
};

G_DEFINE_FINAL_TYPE (HcBenchEndpoint, hc_bench_endpoint, G_TYPE_OBJECT)

static void
hc_bench_endpoint_dispose (GObject *object)
{
  HcBenchEndpoint *self = HC_BENCH_ENDPOINT (object);

  hc_bench_endpoint_stop (self);
  g_clear_object (&self->peer);
  G_OBJECT_CLASS (hc_bench_endpoint_parent_class)->dispose (object);
}

static void
hc_bench_endpoint_finalize (GObject *object)
{
  HcBenchEndpoint *self = HC_BENCH_ENDPOINT (object);

  hc_bench_recv_free (self->recv);
  G_OBJECT_CLASS (hc_bench_endpoint_parent_class)->finalize (object);
}

static void
hc_bench_endpoint_class_init (HcBenchEndpointClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hc_bench_endpoint_dispose;
  G_OBJECT_CLASS (klass)->finalize = hc_bench_endpoint_finalize;
}

static void
hc_bench_endpoint_init (HcBenchEndpoint *self)
{
  self->recv = hc_bench_recv_new ();
}

/* ---- media ------------------------------------------------------------ */

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  HcBenchEndpoint *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) error = NULL;
    g_autofree gchar *debug = NULL;

    gst_message_parse_error (message, &error, &debug);
    g_warning ("%s: %s (%s)", GST_OBJECT_NAME (self->pipeline), error->message,
               debug ? debug : "");
  }
  return G_SOURCE_CONTINUE;
}

static void
on_rtp_src_pad (HcPeer *peer, GstPad *pad, GstCaps *caps, guint ssrc,
                gpointer user_data)
{
  HcBenchEndpoint *self = user_data;
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (sink, "sink");
  const gchar *media
      = gst_structure_get_string (gst_caps_get_structure (caps, 0), "media");

  /* No clock sync, no preroll, no last-sample copy: a sink that costs
   * nothing, so that what we measure is the server. */
  g_object_set (sink, "sync", FALSE, "async", FALSE, "enable-last-sample",
                FALSE, NULL);
  gst_bin_add (GST_BIN (self->pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    g_warning ("%s: cannot link %s", GST_OBJECT_NAME (self->pipeline),
               GST_PAD_NAME (pad));
  hc_bench_recv_watch (self->recv, pad, media);
}

static void
on_connection_state (HcPeer *peer, GstWebRTCPeerConnectionState state,
                     gpointer user_data)
{
  HcBenchEndpoint *self = user_data;

  self->state = state;
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && self->lean)
    hc_lean_send_update (self->lean, NULL);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED
      && self->connected_time == 0) {
    self->connected_time = g_get_monotonic_time ();
    /* What went out before DTLS was up was dropped: start the clip again,
     * keyframe first, as a browser's encoder starts when it connects. */
    if (self->video)
      hc_bench_sender_start (self->video);
    if (self->audio)
      hc_bench_sender_start (self->audio);
  }
}

static void
on_gathering_done (HcPeer *peer, gpointer user_data)
{
  HcBenchEndpoint *self = user_data;
  GList *waiters = g_steal_pointer (&self->gather_waiters);

  self->gathered = TRUE;
  for (GList *l = waiters; l; l = l->next) {
    g_task_return_boolean (l->data, TRUE);
    g_object_unref (l->data);
  }
  g_list_free (waiters);
}

static HcBenchSender *
add_sender (HcBenchEndpoint *self, const HcBenchClip *clip)
{
  HcBenchSender *sender = hc_bench_sender_new (clip, g_random_int ());
  GstElement *src = hc_bench_sender_get_element (sender);
  GstElement *webrtc = hc_peer_get_webrtcbin (self->peer);
  g_autoptr (GstPad) srcpad = gst_element_get_static_pad (src, "src");
  g_autoptr (GstPad) sinkpad = NULL;
  g_autoptr (GstWebRTCRTPTransceiver) transceiver = NULL;

  /* The sender keeps its own reference; the bin takes another. */
  gst_bin_add (GST_BIN (self->pipeline), src);
  sinkpad = gst_element_request_pad_simple (webrtc, "sink_%u");
  if (sinkpad == NULL
      || !(self->lean
               ? hc_lean_send_link (hc_lean_send_get_element (self->lean),
                                    srcpad, sinkpad, NULL, NULL)
               : gst_pad_link (srcpad, sinkpad) == GST_PAD_LINK_OK)) {
    g_warning ("cannot link a sender to webrtcbin");
    return sender;
  }
  /* We only publish on these m-lines (everything we receive comes on
   * m-lines the other side adds), and the codec is known before any
   * buffer flows, so the offer never waits for caps. */
  g_object_get (sinkpad, "transceiver", &transceiver, NULL);
  g_object_set (transceiver, "direction",
                GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                "codec-preferences", clip->caps, NULL);
  return sender;
}

HcBenchEndpoint *
hc_bench_endpoint_new (const gchar *name, const HcBenchClip *video,
                       const HcBenchClip *audio, guint jitter_ms,
                       gboolean lean_send)
{
  HcBenchEndpoint *self = g_object_new (HC_BENCH_TYPE_ENDPOINT, NULL);
  g_autoptr (GstBus) bus = NULL;
  GstElement *webrtc;

  self->pipeline = gst_pipeline_new (name);
  self->peer = hc_peer_new ("webrtc");
  webrtc = hc_peer_get_webrtcbin (self->peer);
  /* Without a jitter buffer the receivers count packets as they arrive,
   * like the server's own receive path: no two threads per received
   * stream in the load generator, which then stops being what saturates
   * the machine first (issue 10 step 4).  Loopback does not reorder. */
  if (jitter_ms == 0 && !hc_peer_set_forward_only (self->peer))
    g_warning ("%s: keeping webrtcbin's jitter buffers", name);
  g_object_set (webrtc, "latency", jitter_ms, NULL);
  /* the lean generator takes the server's receive path too */
  if (lean_send) {
    hc_receive_direct_enable (webrtc);
    hc_receive_shortcut_enable (webrtc);
  }
  gst_bin_add (GST_BIN (self->pipeline), webrtc);
  if (lean_send && (video || audio))
    self->lean = hc_lean_send_new (GST_BIN (self->pipeline), webrtc, "lean");
  if (video)
    self->video = add_sender (self, video);
  if (audio)
    self->audio = add_sender (self, audio);
  g_signal_connect (self->peer, "rtp-src-pad", G_CALLBACK (on_rtp_src_pad),
                    self);
  g_signal_connect (self->peer, "connection-state",
                    G_CALLBACK (on_connection_state), self);
  g_signal_connect (self->peer, "ice-gathering-done",
                    G_CALLBACK (on_gathering_done), self);
  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE)
    g_warning ("%s: cannot start the pipeline", name);
  /* With webrtcbin's send path packets flow (and are dropped by webrtcbin)
   * until connected: the pipeline is live from the start, as a browser's
   * capture is.  On the lean path nothing may go webrtcbin's way first:
   * with streams that did, some joins saw their first frame only after
   * 9 s (likely the RTP session's BYE for an SSRC that stopped passing
   * it, which the server answers by dropping the stream).  The senders
   * start at connection, when the lean path is ready. */
  if (self->lean == NULL) {
    if (self->video)
      hc_bench_sender_start (self->video);
    if (self->audio)
      hc_bench_sender_start (self->audio);
  }
  return self;
}

void
hc_bench_endpoint_stop (HcBenchEndpoint *self)
{
  if (self->stopped)
    return;
  self->stopped = TRUE;
  if (self->peer)
    hc_peer_close (self->peer);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->pipeline) {
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
    gst_clear_object (&self->pipeline);
  }
  g_clear_pointer (&self->lean, hc_lean_send_free);
  /* Only now: the appsrc probes could still run before NULL. */
  g_clear_pointer (&self->video, hc_bench_sender_free);
  g_clear_pointer (&self->audio, hc_bench_sender_free);
  for (GList *l = self->gather_waiters; l; l = l->next) {
    g_task_return_new_error (l->data, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "endpoint stopped");
    g_object_unref (l->data);
  }
  g_clear_pointer (&self->gather_waiters, g_list_free);
}

/* ---- negotiation ------------------------------------------------------ */

/* Ends @task (transfer full) with @error (transfer full): a step failed. */
static void
fail_task (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

static gboolean
gather_timed_out (gpointer user_data)
{
  GTask *task = user_data;
  HcBenchEndpoint *self = g_task_get_source_object (task);
  GList *l = g_list_find (self->gather_waiters, task);

  if (l) {
    self->gather_waiters = g_list_delete_link (self->gather_waiters, l);
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             "ICE gathering did not complete");
    g_object_unref (task);
  }
  return G_SOURCE_REMOVE;
}

/* Completes @task (transfer full) with the local SDP once gathered. */
static void
return_local_sdp (GTask *task)
{
  HcBenchEndpoint *self = g_task_get_source_object (task);
  g_autoptr (GstWebRTCSessionDescription) local
      = hc_peer_get_local_description (self->peer);

  if (local == NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                             "no local description");
  else
    g_task_return_pointer (task, gst_sdp_message_as_text (local->sdp), g_free);
  g_object_unref (task);
}

static void
gathered_then_return (GObject *source, GAsyncResult *result, gpointer data)
{
  GError *error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    return_local_sdp (data);
  else
    fail_task (data, error);
}

/* Waits for ICE gathering (unless done), then returns the local SDP. */
static void
return_local_sdp_when_gathered (GTask *task)
{
  HcBenchEndpoint *self = g_task_get_source_object (task);
  GTask *wait;
  g_autoptr (GSource) timeout = NULL;

  if (self->gathered) {
    return_local_sdp (task);
    return;
  }
  wait = g_task_new (self, NULL, gathered_then_return, task);
  self->gather_waiters = g_list_append (self->gather_waiters, wait);
  timeout = g_timeout_source_new (GATHER_TIMEOUT_MS);
  g_task_attach_source (wait, timeout, gather_timed_out);
}

static void
local_set (GObject *source, GAsyncResult *result, gpointer data)
{
  GError *error = NULL;

  if (hc_peer_set_local_description_finish (HC_PEER (source), result, &error)) {
    HcBenchEndpoint *self = g_task_get_source_object (data);

    /* The transport (keys, socket) exists from now on. */
    if (self->lean)
      hc_lean_send_update (self->lean, NULL);
    return_local_sdp_when_gathered (data);
  } else
    fail_task (data, error);
}

/* Our offer or answer, just created (NULL with @error), becomes the local
 * description; then @task (transfer full) gets its SDP. */
static void
set_local (HcPeer *peer, GstWebRTCSessionDescription *description,
           GError *error, GTask *task)
{
  if (description == NULL)
    fail_task (task, error);
  else
    hc_peer_set_local_description_async (peer, description, NULL, local_set,
                                         task);
}

static void
offer_created (GObject *source, GAsyncResult *result, gpointer data)
{
  GError *error = NULL;
  g_autoptr (GstWebRTCSessionDescription) offer
      = hc_peer_create_offer_finish (HC_PEER (source), result, &error);

  set_local (HC_PEER (source), offer, error, data);
}

void
hc_bench_endpoint_offer_async (HcBenchEndpoint *self,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);

  hc_peer_create_offer_async (self->peer, NULL, offer_created, task);
}

gchar *
hc_bench_endpoint_offer_finish (HcBenchEndpoint *self, GAsyncResult *result,
                                GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
answer_created (GObject *source, GAsyncResult *result, gpointer data)
{
  GError *error = NULL;
  g_autoptr (GstWebRTCSessionDescription) answer
      = hc_peer_create_answer_finish (HC_PEER (source), result, &error);

  set_local (HC_PEER (source), answer, error, data);
}

static void
remote_offer_set (GObject *source, GAsyncResult *result, gpointer data)
{
  GError *error = NULL;

  if (hc_peer_set_remote_description_finish (HC_PEER (source), result, &error))
    hc_peer_create_answer_async (HC_PEER (source), NULL, answer_created, data);
  else
    fail_task (data, error);
}

/* Applies the remote @text of @type, then goes on in @next with @task
 * (transfer full), which fails here on an unparsable SDP. */
static void
set_remote (HcBenchEndpoint *self, GstWebRTCSDPType type, const gchar *text,
            GAsyncReadyCallback next, GTask *task)
{
  GstSDPMessage *sdp = NULL;

  if (text == NULL
      || gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK) {
    if (sdp)
      gst_sdp_message_free (sdp);
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             "unparsable SDP");
    g_object_unref (task);
    return;
  }
  hc_peer_set_remote_description_async (self->peer, type, sdp, NULL, next,
                                        task);
  gst_sdp_message_free (sdp);
}

void
hc_bench_endpoint_answer_async (HcBenchEndpoint *self, const gchar *sdp,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  set_remote (self, GST_WEBRTC_SDP_TYPE_OFFER, sdp, remote_offer_set,
              g_task_new (self, NULL, callback, user_data));
}

gchar *
hc_bench_endpoint_answer_finish (HcBenchEndpoint *self, GAsyncResult *result,
                                 GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
remote_answer_set (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  HcBenchEndpoint *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (self->lean)
    hc_lean_send_update (self->lean, NULL);
  if (hc_peer_set_remote_description_finish (HC_PEER (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

void
hc_bench_endpoint_set_answer_async (HcBenchEndpoint *self, const gchar *sdp,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  set_remote (self, GST_WEBRTC_SDP_TYPE_ANSWER, sdp, remote_answer_set,
              g_task_new (self, NULL, callback, user_data));
}

gboolean
hc_bench_endpoint_set_answer_finish (HcBenchEndpoint *self,
                                     GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
hc_bench_endpoint_add_candidate (HcBenchEndpoint *self, guint mline,
                                 const gchar *candidate)
{
  if (!self->stopped)
    hc_peer_add_ice_candidate (self->peer, mline, candidate);
}

GstWebRTCPeerConnectionState
hc_bench_endpoint_get_state (HcBenchEndpoint *self)
{
  return self->state;
}

gint64
hc_bench_endpoint_get_connected_time (HcBenchEndpoint *self)
{
  return self->connected_time;
}

HcBenchRecv *
hc_bench_endpoint_get_recv (HcBenchEndpoint *self)
{
  return self->recv;
}

guint
hc_bench_endpoint_get_keyframe_requests (HcBenchEndpoint *self)
{
  return self->video ? hc_bench_sender_get_keyframe_requests (self->video) : 0;
}
