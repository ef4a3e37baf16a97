/* hyperconf — HcPeer: one webrtcbin behind a main-context API.
 *
 *   hc_peer_create_offer_async ─▶ GTask ─┐
 *                                        ▼ owned by the promise
 *                                  PromiseOp ── "create-offer" ──▶ webrtcbin
 *                                        │                         (:pc)
 *   reply / interrupt / expire ─▶ on_promise_changed ─┐
 *   freed without any of these ─▶ promise_op_free ────┤ (any thread)
 *                                                     ▼ hop (idle source)
 *                                   complete_in_main: g_task_return_*
 *
 * webrtcbin's signal handlers get a PeerLink (a GWeakRef to the peer,
 * shared and refcounted) instead of the peer itself: a handler may run on
 * another thread while the main context is dropping the peer, and the
 * weak ref turns that race into "peer gone, nothing to do".
 */
#define G_LOG_DOMAIN "hc-peer"

#include "hc-peer.h"

#include <hyperconf/hc-media-room.h>
#include <hyperconf/hc-rtp-passthrough.h>

#include <gst/rtp/gstrtpbuffer.h>

GST_DEBUG_CATEGORY_STATIC (hc_peer_debug);
#define GST_CAT_DEFAULT hc_peer_debug

/* RTCP budget of each participant's session; see on_element_added(). */
#define RTCP_BYTES_PER_SECOND 40000

struct _HcPeer {
  GObject parent_instance;

  GstElement *webrtcbin;
  GMainContext *context; /* where signals and tasks complete */
  struct PeerLink *link;
  gboolean closed;

  GMutex lock; /* guards answer_codecs (read on the :pc thread) */
  GPtrArray *answer_codecs;
  GPtrArray *pending; /* GstPromise not completed yet (main context) */
};

enum {
  SIGNAL_ICE_CANDIDATE,
  SIGNAL_ICE_GATHERING_DONE,
  SIGNAL_CONNECTION_STATE,
  SIGNAL_RTP_SRC_PAD,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HcPeer, hc_peer, G_TYPE_OBJECT)

/* ---------------------------------------------------------------------- */
/* Hops                                                                    */
/* ---------------------------------------------------------------------- */

typedef struct PeerLink {
  GWeakRef peer;
} PeerLink;

static void
peer_link_clear (PeerLink *link)
{
  g_weak_ref_clear (&link->peer);
}

static gpointer
peer_link_acquire (PeerLink *link)
{
  return g_atomic_rc_box_acquire (link);
}

static void
peer_link_release (gpointer link, GClosure *closure)
{
  g_atomic_rc_box_release_full (link, (GDestroyNotify)peer_link_clear);
}

/* What a webrtcbin thread hands to the main context. */
typedef struct {
  HcPeer *peer; /* strong ref, dropped on the main context */
  guint signal_id;
  guint mline_index;
  gchar *candidate;
  GstWebRTCPeerConnectionState state;
  GstPad *pad;
  GstCaps *caps;
  guint32 ssrc;
  gulong probe_id;
} PeerEvent;

static void
peer_event_free (gpointer data)
{
  PeerEvent *event = data;

  g_clear_object (&event->peer);
  g_free (event->candidate);
  gst_clear_object (&event->pad);
  gst_clear_caps (&event->caps);
  g_free (event);
}

static gboolean
peer_event_dispatch (gpointer data)
{
  PeerEvent *event = data;
  HcPeer *self = event->peer;

  if (!self->closed) {
    switch (event->signal_id) {
      case SIGNAL_ICE_CANDIDATE:
        g_signal_emit (self, signals[SIGNAL_ICE_CANDIDATE], 0,
                       event->mline_index, event->candidate);
        break;
      case SIGNAL_ICE_GATHERING_DONE:
        g_signal_emit (self, signals[SIGNAL_ICE_GATHERING_DONE], 0);
        break;
      case SIGNAL_CONNECTION_STATE:
        g_signal_emit (self, signals[SIGNAL_CONNECTION_STATE], 0, event->state);
        break;
      case SIGNAL_RTP_SRC_PAD:
        g_signal_emit (self, signals[SIGNAL_RTP_SRC_PAD], 0, event->pad,
                       event->caps, event->ssrc);
        break;
    }
  }
  /* The src pad stays blocked until here, so that the handlers could link
   * it before its first buffer goes anywhere. */
  if (event->probe_id)
    gst_pad_remove_probe (event->pad, event->probe_id);
  return G_SOURCE_REMOVE;
}

/* Queues @func on @context, from any thread.  Not
 * g_main_context_invoke_full(): when no thread owns the context at that
 * moment (a test iterating by hand, a main thread between iterations) it
 * acquires it and runs @func right here, on webrtcbin's thread. */
static void
hop (GMainContext *context, GSourceFunc func, gpointer data,
     GDestroyNotify notify)
{
  g_autoptr (GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, context);
}

/* Takes @event; may run on any thread. */
static void
peer_event_post (HcPeer *self, PeerEvent *event)
{
  event->peer = self;
  hop (self->context, peer_event_dispatch, event, peer_event_free);
}

static HcPeer *
peer_link_get (PeerLink *link)
{
  return g_weak_ref_get (&link->peer);
}

/* :pc thread */
static void
on_ice_candidate (GstElement *webrtcbin, guint mline_index,
                  const gchar *candidate, PeerLink *link)
{
  HcPeer *self = peer_link_get (link);
  PeerEvent *event;

  if (self == NULL)
    return;
  event = g_new0 (PeerEvent, 1);
  event->signal_id = SIGNAL_ICE_CANDIDATE;
  event->mline_index = mline_index;
  event->candidate = g_strdup (candidate);
  peer_event_post (self, event);
}

/* any thread */
static void
on_notify_gathering_state (GstElement *webrtcbin, GParamSpec *pspec,
                           PeerLink *link)
{
  GstWebRTCICEGatheringState state;
  HcPeer *self;
  PeerEvent *event;

  g_object_get (webrtcbin, "ice-gathering-state", &state, NULL);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    return;
  self = peer_link_get (link);
  if (self == NULL)
    return;
  event = g_new0 (PeerEvent, 1);
  event->signal_id = SIGNAL_ICE_GATHERING_DONE;
  peer_event_post (self, event);
}

/* any thread */
static void
on_notify_connection_state (GstElement *webrtcbin, GParamSpec *pspec,
                            PeerLink *link)
{
  HcPeer *self = peer_link_get (link);
  PeerEvent *event;

  if (self == NULL)
    return;
  event = g_new0 (PeerEvent, 1);
  event->signal_id = SIGNAL_CONNECTION_STATE;
  g_object_get (webrtcbin, "connection-state", &event->state, NULL);
  peer_event_post (self, event);
}

static guint32
buffer_ssrc (GstBuffer *buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint32 ssrc = 0;

  if (buffer && gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp)) {
    ssrc = gst_rtp_buffer_get_ssrc (&rtp);
    gst_rtp_buffer_unmap (&rtp);
  }
  return ssrc;
}

/* Streaming thread: the first buffer of a src pad.  Returning OK from a
 * BLOCK probe keeps the pad blocked; the main context removes the probe
 * once the pad is linked. */
static GstPadProbeReturn
on_first_rtp_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  HcPeer *self = peer_link_get (user_data);
  GstBuffer *buffer = NULL;
  PeerEvent *event;

  if (self == NULL)
    return GST_PAD_PROBE_REMOVE;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    buffer = gst_buffer_list_get (GST_PAD_PROBE_INFO_BUFFER_LIST (info), 0);

  event = g_new0 (PeerEvent, 1);
  event->signal_id = SIGNAL_RTP_SRC_PAD;
  event->pad = gst_object_ref (pad);
  event->caps = gst_pad_get_current_caps (pad);
  event->ssrc = buffer_ssrc (buffer);
  event->probe_id = info->id;
  GST_DEBUG_OBJECT (pad, "first RTP buffer, ssrc %u, caps %" GST_PTR_FORMAT,
                    event->ssrc, event->caps);
  if (event->caps == NULL)
    event->caps = gst_caps_new_empty_simple ("application/x-rtp");
  peer_event_post (self, event);
  return GST_PAD_PROBE_OK;
}

static void
peer_link_release_notify (gpointer link)
{
  peer_link_release (link, NULL);
}

/* :pc thread inside create-answer, or the caller's thread for a sink pad
 * request (no m-line yet: nothing to do). */
static void
on_new_transceiver (GstElement *webrtcbin, GstWebRTCRTPTransceiver *trans,
                    PeerLink *link)
{
  g_autoptr (HcPeer) self = NULL;
  guint mline = G_MAXUINT;

  g_object_get (trans, "mlineindex", &mline, NULL);
  if (mline == G_MAXUINT || (self = peer_link_get (link)) == NULL)
    return;
  g_mutex_lock (&self->lock);
  if (self->answer_codecs && mline < self->answer_codecs->len) {
    GstCaps *caps = g_ptr_array_index (self->answer_codecs, mline);

    GST_DEBUG_OBJECT (trans, "m-line %u: %" GST_PTR_FORMAT, mline, caps);
    g_object_set (trans, "codec-preferences", caps, NULL);
  }
  g_mutex_unlock (&self->lock);
}

void
hc_peer_set_answer_codecs (HcPeer *self, GPtrArray *caps_by_mline)
{
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->answer_codecs, g_ptr_array_unref);
  self->answer_codecs = g_ptr_array_ref (caps_by_mline);
  g_mutex_unlock (&self->lock);
}

/* Streaming thread (webrtcbin adds src pads when RTP of a new stream
 * arrives); our own sink pad requests land here too and are skipped. */
static void
on_pad_added (GstElement *webrtcbin, GstPad *pad, PeerLink *link)
{
  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  gst_pad_add_probe (pad,
                     GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_BUFFER
                         | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_first_rtp_buffer, peer_link_acquire (link),
                     peer_link_release_notify);
}

/* ---------------------------------------------------------------------- */
/* Promises                                                                */
/* ---------------------------------------------------------------------- */

typedef struct {
  GTask *task;
  GMainContext *context;
  gint replied; /* atomic */
} PromiseOp;

typedef struct {
  GTask *task;
  GstPromise *promise;
  GstPromiseResult result;
  GstStructure *reply;
  gboolean lost; /* freed without a reply */
} PromiseCompletion;

static void
promise_completion_free (gpointer data)
{
  PromiseCompletion *done = data;

  g_clear_object (&done->task);
  g_clear_pointer (&done->promise, gst_promise_unref);
  g_clear_pointer (&done->reply, gst_structure_free);
  g_free (done);
}

/* The error webrtcbin put into the reply, as an HC_MEDIA_ERROR. */
static GError *
reply_error (const GstStructure *reply)
{
  g_autoptr (GError) webrtc_error = NULL;
  gint code = HC_MEDIA_ERROR_WEBRTC;

  if (reply == NULL || !gst_structure_has_field (reply, "error"))
    return NULL;
  gst_structure_get (reply, "error", G_TYPE_ERROR, &webrtc_error, NULL);
  if (webrtc_error == NULL)
    return g_error_new (HC_MEDIA_ERROR, code, "webrtcbin failed");
  if (webrtc_error->domain == GST_WEBRTC_ERROR
      && webrtc_error->code == GST_WEBRTC_ERROR_SDP_SYNTAX_ERROR)
    code = HC_MEDIA_ERROR_BAD_SDP;
  return g_error_new (HC_MEDIA_ERROR, code, "webrtcbin: %s",
                      webrtc_error->message);
}

static gboolean
complete_in_main (gpointer data)
{
  PromiseCompletion *done = data;
  HcPeer *self = g_task_get_source_object (done->task);
  const gchar *field = g_task_get_task_data (done->task);
  GstWebRTCSessionDescription *desc = NULL;
  GError *error = NULL;

  if (done->promise)
    g_ptr_array_remove_fast (self->pending, done->promise);
  if (g_task_return_error_if_cancelled (done->task))
    return G_SOURCE_REMOVE;
  if (self->closed) {
    g_task_return_new_error (done->task, HC_MEDIA_ERROR, HC_MEDIA_ERROR_STATE,
                             "peer closed during %s",
                             g_task_get_name (done->task));
  } else if (done->lost || done->result != GST_PROMISE_RESULT_REPLIED) {
    g_task_return_new_error (done->task, HC_MEDIA_ERROR, HC_MEDIA_ERROR_WEBRTC,
                             "webrtcbin gave no reply to %s (%s)",
                             g_task_get_name (done->task),
                             done->lost ? "promise freed" : "interrupted");
  } else if ((error = reply_error (done->reply))) {
    GST_INFO_OBJECT (self->webrtcbin, "%s failed: %s",
                     g_task_get_name (done->task), error->message);
    g_task_return_error (done->task, error);
  } else if (field == NULL) {
    g_task_return_boolean (done->task, TRUE);
  } else if (*field == '\0') {
    /* get-stats: the reply is the result */
    g_task_return_pointer (done->task,
                           done->reply ? g_steal_pointer (&done->reply)
                                       : gst_structure_new_empty ("stats"),
                           (GDestroyNotify)gst_structure_free);
  } else if (done->reply
             && gst_structure_get (done->reply, field,
                                   GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc,
                                   NULL)
             && desc) {
    g_task_return_pointer (done->task, desc,
                           (GDestroyNotify)gst_webrtc_session_description_free);
  } else {
    g_task_return_new_error (done->task, HC_MEDIA_ERROR, HC_MEDIA_ERROR_WEBRTC,
                             "webrtcbin replied to %s without an %s",
                             g_task_get_name (done->task), field);
  }
  return G_SOURCE_REMOVE;
}

static void
promise_op_post (PromiseOp *op, GstPromise *promise, GstPromiseResult result,
                 const GstStructure *reply, gboolean lost)
{
  PromiseCompletion *done = g_new0 (PromiseCompletion, 1);

  done->task = g_object_ref (op->task);
  done->promise = promise ? gst_promise_ref (promise) : NULL;
  done->result = result;
  done->reply = reply ? gst_structure_copy (reply) : NULL;
  done->lost = lost;
  /* Never synchronously, even on the main thread: a promise interrupted
   * or freed inside hc_peer_close() must not re-enter its caller. */
  hop (op->context, complete_in_main, done, promise_completion_free);
}

/* Any thread: webrtcbin replied, or the promise was interrupted/expired. */
static void
on_promise_changed (GstPromise *promise, gpointer user_data)
{
  PromiseOp *op = user_data;
  GstPromiseResult result = gst_promise_wait (promise);

  g_atomic_int_set (&op->replied, TRUE);
  promise_op_post (op, promise, result,
                   result == GST_PROMISE_RESULT_REPLIED
                       ? gst_promise_get_reply (promise)
                       : NULL,
                   FALSE);
}

/* Any thread: the promise's last ref went.  Without a reply before, the
 * operation was dropped (webrtcbin closed with it queued): say so. */
static void
promise_op_free (gpointer user_data)
{
  PromiseOp *op = user_data;

  if (!g_atomic_int_get (&op->replied))
    promise_op_post (op, NULL, GST_PROMISE_RESULT_EXPIRED, NULL, TRUE);
  g_object_unref (op->task);
  g_main_context_unref (op->context);
  g_free (op);
}

/* @field: the reply's field holding the result, or NULL */
static GstPromise *
promise_for_task (HcPeer *self, GTask *task, const gchar *field)
{
  PromiseOp *op = g_new0 (PromiseOp, 1);
  GstPromise *promise;

  g_task_set_task_data (task, (gpointer)field, NULL);
  op->task = g_object_ref (task);
  op->context = g_main_context_ref (self->context);
  promise = gst_promise_new_with_change_func (on_promise_changed, op,
                                              promise_op_free);
  /* kept until completed, so that closing can interrupt it: webrtcbin
   * 1.22 drops queued promises unanswered when it stops */
  g_ptr_array_add (self->pending, gst_promise_ref (promise));
  return promise;
}

static GTask *
peer_task_new (HcPeer *self, const gchar *name, gpointer source_tag,
               GCancellable *cancellable, GAsyncReadyCallback callback,
               gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, name);
  return task;
}

static gboolean
peer_task_check_open (HcPeer *self, GTask *task)
{
  if (!self->closed)
    return TRUE;
  g_task_return_new_error (task, HC_MEDIA_ERROR, HC_MEDIA_ERROR_STATE,
                           "peer closed");
  return FALSE;
}

void
hc_peer_set_remote_description_async (HcPeer *self, GstWebRTCSDPType type,
                                      const GstSDPMessage *sdp,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_autoptr (GTask) task = peer_task_new (self, "set-remote-description",
                                          hc_peer_set_remote_description_async,
                                          cancellable, callback, user_data);
  g_autoptr (GstPromise) promise = NULL;
  GstSDPMessage *copy = NULL;
  GstWebRTCSessionDescription *desc;

  if (!peer_task_check_open (self, task))
    return;
  gst_sdp_message_copy (sdp, &copy);
  desc = gst_webrtc_session_description_new (type, copy);
  promise = promise_for_task (self, task, NULL);
  g_signal_emit_by_name (self->webrtcbin, "set-remote-description", desc,
                         promise);
  gst_webrtc_session_description_free (desc);
}

gboolean
hc_peer_set_remote_description_finish (HcPeer *self, GAsyncResult *result,
                                       GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
hc_peer_set_local_description_async (HcPeer *self,
                                     const GstWebRTCSessionDescription *desc,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_autoptr (GTask) task = peer_task_new (self, "set-local-description",
                                          hc_peer_set_local_description_async,
                                          cancellable, callback, user_data);
  g_autoptr (GstPromise) promise = NULL;

  if (!peer_task_check_open (self, task))
    return;
  promise = promise_for_task (self, task, NULL);
  g_signal_emit_by_name (self->webrtcbin, "set-local-description", desc,
                         promise);
}

gboolean
hc_peer_set_local_description_finish (HcPeer *self, GAsyncResult *result,
                                      GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
create_sdp (HcPeer *self, const gchar *what, gpointer source_tag,
            GCancellable *cancellable, GAsyncReadyCallback callback,
            gpointer user_data)
{
  g_autoptr (GTask) task = peer_task_new (self, what, source_tag, cancellable,
                                          callback, user_data);
  g_autoptr (GstPromise) promise = NULL;
  g_autofree gchar *signal = g_strdup_printf ("create-%s", what);

  if (!peer_task_check_open (self, task))
    return;
  /* the reply's field is named like the operation: "offer" / "answer" */
  promise = promise_for_task (self, task, what);
  g_signal_emit_by_name (self->webrtcbin, signal, NULL, promise);
}

void
hc_peer_create_answer_async (HcPeer *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  create_sdp (self, "answer", hc_peer_create_answer_async, cancellable,
              callback, user_data);
}

GstWebRTCSessionDescription *
hc_peer_create_answer_finish (HcPeer *self, GAsyncResult *result,
                              GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hc_peer_create_offer_async (HcPeer *self, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  create_sdp (self, "offer", hc_peer_create_offer_async, cancellable, callback,
              user_data);
}

GstWebRTCSessionDescription *
hc_peer_create_offer_finish (HcPeer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hc_peer_get_stats_async (HcPeer *self, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task
      = peer_task_new (self, "get-stats", hc_peer_get_stats_async, cancellable,
                       callback, user_data);
  g_autoptr (GstPromise) promise = NULL;

  if (!peer_task_check_open (self, task))
    return;
  /* "": the whole reply is the result (complete_in_main) */
  promise = promise_for_task (self, task, "");
  g_signal_emit_by_name (self->webrtcbin, "get-stats", NULL, promise);
}

GstStructure *
hc_peer_get_stats_finish (HcPeer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---------------------------------------------------------------------- */
/* Plain calls                                                             */
/* ---------------------------------------------------------------------- */

GstWebRTCSessionDescription *
hc_peer_get_local_description (HcPeer *self)
{
  GstWebRTCSessionDescription *desc = NULL;

  g_object_get (self->webrtcbin, "local-description", &desc, NULL);
  return desc;
}

GstWebRTCSessionDescription *
hc_peer_get_remote_description (HcPeer *self)
{
  GstWebRTCSessionDescription *desc = NULL;

  g_object_get (self->webrtcbin, "remote-description", &desc, NULL);
  return desc;
}

GPtrArray *
hc_peer_get_transceivers (HcPeer *self)
{
  GPtrArray *result = g_ptr_array_new_with_free_func (gst_object_unref);
  GArray *array = NULL;

  g_signal_emit_by_name (self->webrtcbin, "get-transceivers", &array);
  for (guint i = 0; array && i < array->len; i++)
    g_ptr_array_add (result, gst_object_ref (g_array_index (
                                 array, GstWebRTCRTPTransceiver *, i)));
  g_clear_pointer (&array, g_array_unref);
  return result;
}

void
hc_peer_add_ice_candidate (HcPeer *self, guint mline_index,
                           const gchar *candidate)
{
  if (!self->closed)
    g_signal_emit_by_name (self->webrtcbin, "add-ice-candidate", mline_index,
                           candidate);
}

gboolean
hc_peer_set_forward_only (HcPeer *self)
{
  gboolean done = hc_rtp_passthrough_install (self->webrtcbin);

  if (!done)
    GST_WARNING_OBJECT (self->webrtcbin, "no rtpbin: keeping jitter buffers");
  return done;
}

GstElement *
hc_peer_get_webrtcbin (HcPeer *self)
{
  return self->webrtcbin;
}

const gchar *
hc_peer_get_name (HcPeer *self)
{
  return GST_OBJECT_NAME (self->webrtcbin);
}

gboolean
hc_peer_is_closed (HcPeer *self)
{
  return self->closed;
}

void
hc_peer_close (HcPeer *self)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  /* Handlers already running on other threads find the weak ref empty or
   * the peer closed; both end in "nothing to do". */
  g_signal_handlers_disconnect_by_func (self->webrtcbin, on_ice_candidate,
                                        self->link);
  g_signal_handlers_disconnect_by_func (self->webrtcbin,
                                        on_notify_gathering_state, self->link);
  g_signal_handlers_disconnect_by_func (self->webrtcbin,
                                        on_notify_connection_state, self->link);
  g_signal_handlers_disconnect_by_func (self->webrtcbin, on_pad_added,
                                        self->link);
  g_signal_handlers_disconnect_by_func (self->webrtcbin, on_new_transceiver,
                                        self->link);
  /* Their tasks finish with an error from the main context. */
  for (guint i = 0; i < self->pending->len; i++)
    gst_promise_interrupt (g_ptr_array_index (self->pending, i));
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                 */
/* ---------------------------------------------------------------------- */

/* Two settings of webrtcbin's insides, made as the elements appear.
 *
 * clocksync: webrtcbin 1.22 puts one with sync=TRUE in front of every sink
 * pad, to pace whatever is linked to it.  Forwarded RTP is paced already
 * (it arrives from the network) and carries the publisher's jitter buffer
 * timestamps: a stalled or overloaded moment on one side, and the
 * clocksync holds a subscriber's packets back for whole seconds (seen
 * under valgrind).  Let it pass packets on as they come.
 *
 * rtpsession: a keyframe request (PLI) goes out in an early RTCP packet,
 * which RFC 4585 (as rtpsession implements it) delays by a random dither
 * of up to half the regular RTCP interval, allows once per interval unless
 * the session has at most "rtcp-immediate-feedback-threshold" members
 * (default 3), and the interval grows with the members and shrinks with
 * the RTCP bandwidth (by default 5% of an assumed 64 kB/s).  A
 * participant's session here counts one member per track it receives, so
 * in a room of 10 the interval was 1-5 s and a new subscriber's first
 * picture waited for seconds (join-to-first-keyframe p95: 9 s).  Each
 * webrtcbin is a point-to-point connection with one client, which is what
 * immediate feedback is for; and an RTCP budget of RTCP_BYTES_PER_SECOND
 * keeps the interval, hence the dither, to a few hundred ms in a room of
 * 10 (measured: about 0.35 s, one compound packet a second or so per
 * participant). */
static void
on_element_added (GstBin *webrtcbin, GstBin *sub_bin, GstElement *element,
                  gpointer data)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const gchar *name = factory ? GST_OBJECT_NAME (factory) : "";

  if (g_str_equal (name, "clocksync")) {
    g_object_set (element, "sync", FALSE, NULL);
  } else if (g_str_equal (name, "rtpsession")) {
    g_autoptr (GObject) session = NULL;

    g_object_get (element, "internal-session", &session, NULL);
    g_object_set (session, "rtcp-immediate-feedback-threshold", G_MAXUINT,
                  NULL);
    g_object_set (element, "rtcp-fraction", (gdouble)RTCP_BYTES_PER_SECOND,
                  NULL);
  }
}

/* libnice asks routers for UPnP port mappings by default: useless for a
 * server with its own addresses, slow, and noisy (every agent binds SSDP
 * sockets).  webrtcbin 1.22 only reaches the NiceAgent this way. */
static void
disable_upnp (GstElement *webrtcbin)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;

  g_object_get (webrtcbin, "ice-agent", &ice, NULL);
  if (ice && g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    g_object_get (ice, "agent", &agent, NULL);
  if (agent
      && g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "upnp"))
    g_object_set (agent, "upnp", FALSE, NULL);
}

HcPeer *
hc_peer_new (const gchar *name)
{
  HcPeer *self = g_object_new (HC_TYPE_PEER, NULL);
  GstElement *webrtcbin = gst_element_factory_make ("webrtcbin", name);

  g_return_val_if_fail (webrtcbin != NULL, self);
  self->webrtcbin = gst_object_ref_sink (webrtcbin);
  /* max-bundle: one ICE/DTLS transport per participant however many
   * tracks it receives.  No STUN server: a server has its own addresses
   * to offer, and loopback tests need none. */
  g_object_set (webrtcbin, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE,
                NULL);
  disable_upnp (webrtcbin);
  /* runs on whichever thread adds the element; touches only it */
  g_signal_connect (webrtcbin, "deep-element-added",
                    G_CALLBACK (on_element_added), NULL);

#define CONNECT(signal, func)                                                  \
  g_signal_connect_data (webrtcbin, signal, G_CALLBACK (func),                 \
                         peer_link_acquire (self->link), peer_link_release,    \
                         G_CONNECT_DEFAULT)
  CONNECT ("on-ice-candidate", on_ice_candidate);
  CONNECT ("notify::ice-gathering-state", on_notify_gathering_state);
  CONNECT ("notify::connection-state", on_notify_connection_state);
  CONNECT ("pad-added", on_pad_added);
  CONNECT ("on-new-transceiver", on_new_transceiver);
#undef CONNECT
  return self;
}

static void
hc_peer_dispose (GObject *object)
{
  HcPeer *self = HC_PEER (object);

  if (self->webrtcbin)
    hc_peer_close (self);
  gst_clear_object (&self->webrtcbin);
  G_OBJECT_CLASS (hc_peer_parent_class)->dispose (object);
}

static void
hc_peer_finalize (GObject *object)
{
  HcPeer *self = HC_PEER (object);

  g_atomic_rc_box_release_full (self->link, (GDestroyNotify)peer_link_clear);
  g_main_context_unref (self->context);
  g_clear_pointer (&self->answer_codecs, g_ptr_array_unref);
  g_ptr_array_unref (self->pending);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (hc_peer_parent_class)->finalize (object);
}

static void
hc_peer_init (HcPeer *self)
{
  self->context = g_main_context_ref_thread_default ();
  g_mutex_init (&self->lock);
  self->pending
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_promise_unref);
  self->link = g_atomic_rc_box_new0 (PeerLink);
  g_weak_ref_init (&self->link->peer, self);
}

static void
hc_peer_class_init (HcPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hc_peer_dispose;
  object_class->finalize = hc_peer_finalize;

  GST_DEBUG_CATEGORY_INIT (hc_peer_debug, "hc-peer", 0,
                           "hyperconf webrtcbin wrapper");

  signals[SIGNAL_ICE_CANDIDATE] = g_signal_new (
      "ice-candidate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  signals[SIGNAL_ICE_GATHERING_DONE]
      = g_signal_new ("ice-gathering-done", G_TYPE_FROM_CLASS (klass),
                      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_CONNECTION_STATE] = g_signal_new (
      "connection-state", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 1, GST_TYPE_WEBRTC_PEER_CONNECTION_STATE);
  signals[SIGNAL_RTP_SRC_PAD] = g_signal_new (
      "rtp-src-pad", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 3, GST_TYPE_PAD, GST_TYPE_CAPS, G_TYPE_UINT);
}
