/* hyperconf — track heads and subscriber branches (see hc-branch.h). */
#define G_LOG_DOMAIN "hc-room"

#include "hc-branch.h"

#include <gst/video/video.h>

GST_DEBUG_CATEGORY_EXTERN (hc_room_debug);
#define GST_CAT_DEFAULT hc_room_debug

/* An idle probe waits for at most one push into a leaky queue; anything
 * near this long means a stuck streaming thread, worth a warning. */
#define IDLE_WAIT_US (2 * G_TIME_SPAN_SECOND)

struct _HcTrackHead {
  GstBin *bin;
  GstElement *element;
  GstPad *src;  /* publisher's webrtcbin src pad */
  GstPad *sink; /* head's sink pad */
  gboolean rewrites;
};

struct _HcBranch {
  HcTrackHead *head;
  GstElement *webrtcbin;
  GstPad *head_src; /* request pad on the head */
  GstElement *queue;
  GstElement *setter;
  GstPad *webrtc_sink; /* request pad on the subscriber's webrtcbin */
  GstWebRTCRTPTransceiver *transceiver;
  GstCaps *caps; /* codec caps + ssrc: what the branch carries */
  guint32 ssrc;
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

/* The one place that picks the fan-out element. */
static GstElement *
make_head (const gchar *name, gboolean *rewrites)
{
  GstElement *head = gst_element_factory_make ("hcforwarder", name);

  *rewrites = head != NULL;
  if (head == NULL) {
    head = gst_element_factory_make ("tee", name);
    /* A track nobody receives yet must not stop its publisher. */
    g_object_set (head, "allow-not-linked", TRUE, NULL);
  }
  return head;
}

HcTrackHead *
hc_track_head_new (GstBin *bin, GstPad *src, const gchar *name)
{
  HcTrackHead *head = g_new0 (HcTrackHead, 1);

  head->bin = gst_object_ref (bin);
  head->element = gst_object_ref (make_head (name, &head->rewrites));
  /* Not when a branch is made: the subscriber cannot take media before its
   * negotiation completes, and the publisher's session would spend its one
   * early RTCP slot on a request nobody can use, delaying the one that
   * matters by a whole RTCP interval.  hc_branch_request_keyframe() asks
   * at the right time. */
  if (head->rewrites)
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

gboolean
hc_track_head_rewrites (HcTrackHead *head)
{
  return head->rewrites;
}

/* ---------------------------------------------------------------------- */
/* Branches                                                                */
/* ---------------------------------------------------------------------- */

/* webrtcbin's create-offer asks the sink pad's peer for caps; answering
 * with the branch's fixed caps (ssrc as uint included) lets it write the
 * m-line and its a=ssrc lines before any packet went through. */
static GstPadProbeReturn
on_caps_query (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstCaps *caps = user_data;
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  GstCaps *filter = NULL;
  g_autoptr (GstCaps) result = NULL;

  if (GST_QUERY_TYPE (query) != GST_QUERY_CAPS)
    return GST_PAD_PROBE_OK;
  gst_query_parse_caps (query, &filter);
  result = filter ? gst_caps_intersect_full (filter, caps,
                                             GST_CAPS_INTERSECT_FIRST)
                  : gst_caps_ref (caps);
  gst_query_set_caps_result (query, result);
  return GST_PAD_PROBE_HANDLED;
}

static gboolean
branch_link_webrtcbin (HcBranch *branch, const GstCaps *codec_caps,
                       const gchar *msid)
{
  g_autoptr (GstPad) setter_src = NULL;

  /* Each request creates a new transceiver (TESTING.md), which offers
   * exactly the branch's codec. */
  branch->webrtc_sink
      = gst_element_request_pad_simple (branch->webrtcbin, "sink_%u");
  if (branch->webrtc_sink == NULL)
    return FALSE;
  g_object_get (branch->webrtc_sink, "transceiver", &branch->transceiver, NULL);
  g_object_set (branch->transceiver, "direction",
                GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                "codec-preferences", codec_caps, NULL);
  g_object_set (branch->webrtc_sink, "msid", msid, NULL);

  setter_src = gst_element_get_static_pad (branch->setter, "src");
  /* The probe owns a ref on the caps: webrtcbin may query from its :pc
   * thread while the main context frees the branch. */
  gst_pad_add_probe (setter_src, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM,
                     on_caps_query, gst_caps_ref (branch->caps),
                     (GDestroyNotify)gst_caps_unref);
  /* Plain links are fine here: no data can reach these pads before the
   * head is linked, which happens last, from an idle probe. */
  return gst_element_link (branch->queue, branch->setter)
         && gst_pad_link (setter_src, branch->webrtc_sink) == GST_PAD_LINK_OK;
}

HcBranch *
hc_branch_new (HcTrackHead *head, GstElement *webrtcbin,
               const GstCaps *codec_caps, guint32 ssrc, const gchar *msid,
               const gchar *name)
{
  HcBranch *branch = g_new0 (HcBranch, 1);
  g_autofree gchar *queue_name = g_strdup_printf ("%s-queue", name);
  g_autofree gchar *setter_name = g_strdup_printf ("%s-caps", name);
  g_autoptr (GstPad) queue_sink = NULL;
  const GstStructure *s = gst_caps_get_structure (codec_caps, 0);
  gint pt = -1;

  branch->head = head;
  branch->webrtcbin = gst_object_ref (webrtcbin);
  branch->ssrc = ssrc;
  branch->caps = gst_caps_copy (codec_caps);
  gst_caps_set_simple (branch->caps, "ssrc", G_TYPE_UINT, ssrc, NULL);
  gst_structure_get_int (s, "payload", &pt);

  /* Leaky: until the subscriber's negotiation completes webrtcbin blocks
   * the sink pad, and a slow subscriber must never stall the head (a tee
   * stops feeding everyone on the first error or block). */
  branch->queue = gst_element_factory_make ("queue", queue_name);
  g_object_set (branch->queue, "leaky", 2 /* downstream */, NULL);
  branch->setter = gst_element_factory_make ("capssetter", setter_name);
  g_object_set (branch->setter, "caps", branch->caps, "replace", TRUE, NULL);
  gst_bin_add_many (head->bin, gst_object_ref (branch->queue),
                    gst_object_ref (branch->setter), NULL);

  if (!branch_link_webrtcbin (branch, codec_caps, msid))
    GST_WARNING_OBJECT (webrtcbin, "could not link branch %s", name);
  gst_element_sync_state_with_parent (branch->setter);
  gst_element_sync_state_with_parent (branch->queue);

  branch->head_src = gst_element_request_pad_simple (head->element, "src_%u");
  if (head->rewrites)
    g_object_set (branch->head_src, "ssrc", ssrc, "pt", pt, NULL);
  queue_sink = gst_element_get_static_pad (branch->queue, "sink");
  relink_when_idle (branch->head_src, queue_sink, TRUE);
  GST_DEBUG_OBJECT (webrtcbin, "branch %s: %" GST_PTR_FORMAT, name,
                    branch->caps);
  return branch;
}

void
hc_branch_free (HcBranch *branch)
{
  g_autoptr (GstPad) queue_sink
      = gst_element_get_static_pad (branch->queue, "sink");
  GstBin *bin = branch->head->bin;

  if (branch->transceiver)
    g_object_set (branch->transceiver, "direction",
                  GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_INACTIVE, NULL);
  /* Head side first, so that nothing the branch does while it goes can
   * flow back into the head. */
  relink_when_idle (branch->head_src, queue_sink, FALSE);
  /* webrtcbin blocks each sink pad until a negotiation connects it, and
   * releasing the pad does not lift that block: the queue's thread may
   * wait in it for ever, holding the stream lock that stopping the
   * capssetter needs.  Deactivating the pad flushes it, which wakes that
   * thread with FLUSHING; only then is the pad released. */
  if (branch->webrtc_sink) {
    gst_pad_set_active (branch->webrtc_sink, FALSE);
    gst_element_release_request_pad (branch->webrtcbin, branch->webrtc_sink);
  }
  gst_element_set_state (branch->setter, GST_STATE_NULL);
  gst_element_set_state (branch->queue, GST_STATE_NULL);
  gst_bin_remove_many (bin, branch->queue, branch->setter, NULL);
  gst_element_release_request_pad (branch->head->element, branch->head_src);

  gst_clear_object (&branch->head_src);
  gst_clear_object (&branch->webrtc_sink);
  gst_clear_object (&branch->transceiver);
  gst_clear_object (&branch->queue);
  gst_clear_object (&branch->setter);
  gst_clear_object (&branch->webrtcbin);
  gst_clear_caps (&branch->caps);
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

void
hc_branch_request_keyframe (HcBranch *branch)
{
  /* Sent on the head's src pad, the request travels upstream like a
   * subscriber's own PLI: to the publisher's webrtcbin, as a PLI/FIR. */
  if (!gst_pad_send_event (branch->head_src,
                           gst_video_event_new_upstream_force_key_unit (
                               GST_CLOCK_TIME_NONE, TRUE, 0)))
    GST_DEBUG_OBJECT (branch->webrtcbin, "keyframe request not handled");
}
