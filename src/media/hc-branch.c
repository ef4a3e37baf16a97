/* hyperconf — track heads and subscriber branches (see hc-branch.h). */
#define G_LOG_DOMAIN "hc-room"

#include "hc-branch.h"
#include "hc-lean-send.h"

#include <hyperconf/hc-forwarder.h>

GST_DEBUG_CATEGORY_EXTERN (hc_room_debug);
#define GST_CAT_DEFAULT hc_room_debug

/* An idle probe waits for at most one packet's way through the
 * subscribers' send paths; anything near this long means a stuck streaming
 * thread, worth a warning. */
#define IDLE_WAIT_US (2 * G_TIME_SPAN_SECOND)

struct _HcTrackHead {
  GstBin *bin;
  GstElement *element; /* hcforwarder */
  GstPad *src;         /* publisher's webrtcbin src pad */
  GstPad *sink;        /* head's sink pad */
};

struct _HcBranch {
  HcTrackHead *head;
  GstElement *webrtcbin;
  GstPad *head_src;    /* request pad on the head */
  GstPad *webrtc_sink; /* request pad on the subscriber's webrtcbin */
  GstElement *lean;    /* the subscriber's hcsrtpsend, or NULL */
  GstPad *lean_sink;   /* its request pad, and the src pad that came */
  GstPad *lean_src;    /* with it */
  GstWebRTCRTPTransceiver *transceiver;
  guint32 ssrc;
  gboolean forwarding; /* hc_branch_start() succeeded */
};

/* ---------------------------------------------------------------------- */
/* Idle probes                                                             */
/* ---------------------------------------------------------------------- */

typedef struct {
  GMutex lock;
  GCond cond;
  gboolean done;
  gboolean link; /* else unlink */
  GstPad *src;
  GstPad *sink;
} IdleOp;

static void
idle_op_clear (IdleOp *op)
{
  gst_object_unref (op->src);
  gst_object_unref (op->sink);
  g_mutex_clear (&op->lock);
  g_cond_clear (&op->cond);
}

static void
idle_op_release (gpointer op)
{
  g_atomic_rc_box_release_full (op, (GDestroyNotify)idle_op_clear);
}

/* Runs where the pad is idle: at once in the caller's thread, or in the
 * streaming thread right after its current push. */
static GstPadProbeReturn
on_pad_idle (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  IdleOp *op = user_data;

  if (op->link) {
    GstPadLinkReturn ret = gst_pad_link (op->src, op->sink);

    if (ret != GST_PAD_LINK_OK)
      GST_WARNING_OBJECT (op->src, "link to %" GST_PTR_FORMAT " failed: %s",
                          op->sink, gst_pad_link_get_name (ret));
  } else {
    gst_pad_unlink (op->src, op->sink);
  }
  g_mutex_lock (&op->lock);
  op->done = TRUE;
  g_cond_signal (&op->cond);
  g_mutex_unlock (&op->lock);
  return GST_PAD_PROBE_REMOVE;
}

/* Links or unlinks @src -> @sink from an idle probe on @src, and waits. */
static void
relink_when_idle (GstPad *src, GstPad *sink, gboolean link)
{
  IdleOp *op = g_atomic_rc_box_new0 (IdleOp);
  gint64 deadline = g_get_monotonic_time () + IDLE_WAIT_US;

  g_mutex_init (&op->lock);
  g_cond_init (&op->cond);
  op->link = link;
  op->src = gst_object_ref (src);
  op->sink = gst_object_ref (sink);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_IDLE, on_pad_idle,
                     g_atomic_rc_box_acquire (op), idle_op_release);
  g_mutex_lock (&op->lock);
  while (!op->done) {
    if (!g_cond_wait_until (&op->cond, &op->lock, deadline)) {
      GST_WARNING_OBJECT (src, "pad not idle after %d s, %s later",
                          (gint)(IDLE_WAIT_US / G_TIME_SPAN_SECOND),
                          link ? "linking" : "unlinking");
      break;
    }
  }
  g_mutex_unlock (&op->lock);
  idle_op_release (op);
}

/* ---------------------------------------------------------------------- */
/* Heads                                                                   */
/* ---------------------------------------------------------------------- */

HcTrackHead *
hc_track_head_new (GstBin *bin, GstPad *src, const gchar *name)
{
  HcTrackHead *head = g_new0 (HcTrackHead, 1);

  head->bin = gst_object_ref (bin);
  head->element
      = gst_object_ref (gst_element_factory_make ("hcforwarder", name));
  /* Not when a branch is made: the subscriber cannot take media before its
   * negotiation completes, and the publisher's session would spend its one
   * early RTCP slot on a request nobody can use, delaying the one that
   * matters by a whole RTCP interval.  hc_branch_start() asks at the
   * right time. */
  g_object_set (head->element, "keyframe-on-request", FALSE, NULL);
  head->src = gst_object_ref (src);
  head->sink = gst_element_get_static_pad (head->element, "sink");
  gst_bin_add (bin, head->element);
  gst_element_sync_state_with_parent (head->element);
  relink_when_idle (head->src, head->sink, TRUE);
  return head;
}

void
hc_track_head_free (HcTrackHead *head)
{
  if (gst_pad_is_linked (head->sink))
    relink_when_idle (head->src, head->sink, FALSE);
  gst_element_set_state (head->element, GST_STATE_NULL);
  gst_bin_remove (head->bin, head->element);
  gst_object_unref (head->sink);
  gst_object_unref (head->src);
  gst_object_unref (head->element);
  gst_object_unref (head->bin);
  g_free (head);
}

GstElement *
hc_track_head_get_element (HcTrackHead *head)
{
  return head->element;
}

/* ---------------------------------------------------------------------- */
/* Branches                                                                */
/* ---------------------------------------------------------------------- */

HcBranch *
hc_branch_new (HcTrackHead *head, GstElement *webrtcbin,
               const GstCaps *codec_caps, guint32 ssrc, const gchar *msid,
               GstElement *lean)
{
  HcBranch *branch = g_new0 (HcBranch, 1);
  g_autoptr (GstCaps) caps = gst_caps_copy (codec_caps);
  gint pt = -1;

  branch->head = head;
  branch->webrtcbin = gst_object_ref (webrtcbin);
  branch->ssrc = ssrc;
  /* With the ssrc (as a uint): webrtcbin's create-offer asks its sink
   * pad's peer for caps and writes the m-line's a=ssrc lines from them,
   * before any packet went through. */
  gst_caps_set_simple (caps, "ssrc", G_TYPE_UINT, ssrc, NULL);
  gst_structure_get_int (gst_caps_get_structure (caps, 0), "payload", &pt);

  /* Dropping until hc_branch_start(): nothing may reach the subscriber's
   * webrtcbin before it can take it, since the head's thread pushes
   * straight into it. */
  branch->head_src = gst_element_request_pad_simple (head->element, "src_%u");
  g_object_set (branch->head_src, "forward", FALSE, "ssrc", ssrc, "pt", pt,
                "caps", caps, NULL);

  /* Each request creates a new transceiver (TESTING.md), which offers
   * exactly the branch's codec. */
  branch->webrtc_sink = gst_element_request_pad_simple (webrtcbin, "sink_%u");
  if (branch->webrtc_sink == NULL) {
    GST_WARNING_OBJECT (webrtcbin, "no sink pad for %s", msid);
    return branch;
  }
  g_object_get (branch->webrtc_sink, "transceiver", &branch->transceiver, NULL);
  /* Video: generic NACK and RTX (RFC 4588) in the offers, so that
   * webrtcbin's rtprtxsend keeps what it sent on this m-line and answers
   * the subscriber's NACKs itself, on the RTX stream.  (Without it a NACK
   * would travel upstream to the publisher, whose retransmission the
   * publisher's hcrtppassthrough drops as a duplicate: only loss between
   * the server and this subscriber is repaired here.) */
  g_object_set (branch->transceiver, "direction",
                GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                "codec-preferences", codec_caps, "do-nack",
                g_strcmp0 (gst_structure_get_string (
                               gst_caps_get_structure (codec_caps, 0), "media"),
                           "video")
                    == 0,
                NULL);
  g_object_set (branch->webrtc_sink, "msid", msid, NULL);
  /* Plain links: the pads carry no buffer yet, only events. */
  branch->lean = lean ? gst_object_ref (lean) : NULL;
  if (lean ? !hc_lean_send_link (lean, branch->head_src, branch->webrtc_sink,
                                 &branch->lean_sink, &branch->lean_src)
           : gst_pad_link (branch->head_src, branch->webrtc_sink)
                 != GST_PAD_LINK_OK)
    GST_WARNING_OBJECT (webrtcbin, "could not link the branch for %s", msid);
  GST_DEBUG_OBJECT (webrtcbin, "branch %" GST_PTR_FORMAT, caps);
  return branch;
}

gboolean
hc_branch_start (HcBranch *branch)
{
  GstWebRTCRTPTransceiverDirection current
      = GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_NONE;

  if (branch->forwarding || branch->transceiver == NULL)
    return branch->forwarding;
  /* Only a sending m-line has its pad unblocked by webrtcbin; a subscriber
   * that declined it would hold the head's thread for ever.  (1.22 reports
   * a declined m-line as sendonly all the same: the caller checks the
   * answer itself.) */
  g_object_get (branch->transceiver, "current-direction", &current, NULL);
  if (current != GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY
      && current != GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV) {
    GST_INFO_OBJECT (branch->webrtcbin, "%" GST_PTR_FORMAT " not sending",
                     branch->webrtc_sink);
    return FALSE;
  }
  branch->forwarding = TRUE;
  GST_INFO_OBJECT (branch->webrtcbin,
                   "forwarding %" GST_PTR_FORMAT " as ssrc %u",
                   branch->head->element, branch->ssrc);
  g_object_set (branch->head_src, "forward", TRUE, NULL);
  /* Sent on the head's src pad, the request travels upstream like a
   * subscriber's own: to the publisher's webrtcbin, as a PLI. */
  if (!gst_pad_send_event (branch->head_src,
                           hc_forwarder_new_keyframe_request ()))
    GST_DEBUG_OBJECT (branch->webrtcbin, "keyframe request not handled");
  return TRUE;
}

void
hc_branch_set_mix_voice (HcBranch *branch, gint voice)
{
  g_object_set (branch->head_src, "mix-voice", voice, NULL);
}

void
hc_branch_free (HcBranch *branch)
{
  /* No new push from the head's thread, then none at all: releasing the
   * head's pad unlinks it. */
  g_object_set (branch->head_src, "forward", FALSE, NULL);
  gst_element_release_request_pad (branch->head->element, branch->head_src);
  if (branch->transceiver)
    g_object_set (branch->transceiver, "direction",
                  GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_INACTIVE, NULL);
  /* webrtcbin blocks each sink pad until a negotiation connects it, and
   * releasing the pad does not lift that block.  Deactivating the pad
   * flushes it, which wakes any thread waiting in the block with
   * FLUSHING, and waits for a push still in progress; only then is the
   * pad released. */
  if (branch->webrtc_sink) {
    gst_pad_set_active (branch->webrtc_sink, FALSE);
    gst_element_release_request_pad (branch->webrtcbin, branch->webrtc_sink);
  }
  /* Nothing pushes through the hcsrtpsend pads any more: the head's pad
   * is gone, and a push that was on its way to webrtcbin returned with
   * FLUSHING. */
  if (branch->lean_sink)
    gst_element_release_request_pad (branch->lean, branch->lean_sink);

  gst_clear_object (&branch->lean_src);
  gst_clear_object (&branch->lean_sink);
  gst_clear_object (&branch->lean);
  gst_clear_object (&branch->head_src);
  gst_clear_object (&branch->webrtc_sink);
  gst_clear_object (&branch->transceiver);
  gst_clear_object (&branch->webrtcbin);
  g_free (branch);
}

GstWebRTCRTPTransceiver *
hc_branch_get_transceiver (HcBranch *branch)
{
  return branch->transceiver;
}

guint32
hc_branch_get_ssrc (HcBranch *branch)
{
  return branch->ssrc;
}

static gboolean
is_webrtcbin (GstElement *element)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  return factory && g_str_equal (GST_OBJECT_NAME (factory), "webrtcbin");
}

guint
hc_count_elements (GstElement *element, gboolean into_webrtcbin)
{
  g_autoptr (GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;
  guint n = 1;
  gboolean done = FALSE;

  if (!GST_IS_BIN (element) || (!into_webrtcbin && is_webrtcbin (element)))
    return 1;
  it = gst_bin_iterate_elements (GST_BIN (element));
  while (!done) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK:
        n += hc_count_elements (g_value_get_object (&item), into_webrtcbin);
        g_value_reset (&item);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        n = 1;
        break;
      default:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&item);
  return n;
}
