/* hyperconf — webrtcbin's received packets without its receive queue's
 * thread hop.  See hc-receive-direct.h for the why. */
#include "hc-receive-direct.h"

#include "hc-receive-srtp.h"

#include <stdatomic.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (hc_receive_direct_debug);
#define GST_CAT_DEFAULT hc_receive_direct_debug

#define DIRECT_KEY "hc-receive-direct"
/* The queue may have dropped packets (it is leaky while webrtcbin blocks
 * its output): after this many packets that found it empty with counts
 * that do not add up, the difference is taken to be such drops. */
#define EMPTY_CHECKS_FOR_DROPS 50

/* hc_receive_direct_hold() */
static atomic_bool held;

/* One per TransportReceiveBin; shared by its two probes and the bin's
 * qdata (for the statistics). */
typedef struct {
  /* nicesrc's thread only */
  GstPad *decoder_sink; /* dtlssrtpdec's "sink" */
  /* on it, until direct; holds no reference: the pad would keep @direct
   * and @direct the pad */
  gulong counting_probe;
  guint empty_checks;
  gboolean direct;
  /* decrypts RTP once direct (NULL: dtlssrtpdec does) */
  HcReceiveSrtp *srtp;
  /* both threads */
  atomic_uint_fast64_t entered; /* into the queue, before going direct */
  atomic_uint_fast64_t arrived; /* at dtlssrtpdec, through the queue */
  atomic_uint_fast64_t packets; /* handed on directly */
} Direct;

static void
direct_release (gpointer data)
{
  Direct *direct = data;

  /* Not before the transport's output and the receive bin let go of
   * @direct: nothing flows into the decoder any more. */
  if (direct->counting_probe != 0)
    gst_pad_remove_probe (direct->decoder_sink, direct->counting_probe);
  direct->counting_probe = 0;
  gst_clear_object (&direct->decoder_sink);
  g_clear_pointer (&direct->srtp, hc_receive_srtp_free);
}

static void
direct_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, direct_release);
}

static guint64
data_count (GstPadProbeInfo *info)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    return gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  return 1;
}

/* On dtlssrtpdec's sink: what the queue delivered (until direct). */
static GstPadProbeReturn
on_decoder_input (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Direct *direct = data;

  atomic_fetch_add (&direct->arrived, data_count (info));
  return GST_PAD_PROBE_OK;
}

/* Whether nothing the queue took is still in it or on its way out.  Its
 * counts say so exactly unless it dropped packets (leaky, see
 * EMPTY_CHECKS_FOR_DROPS). */
static gboolean
queue_drained (Direct *direct, GstElement *queue)
{
  guint64 arrived = atomic_load (&direct->arrived);
  guint level = 0;

  if (arrived == 0)
    return FALSE; /* still blocked: nothing has passed */
  g_object_get (queue, "current-level-buffers", &level, NULL);
  if (level > 0)
    return FALSE;
  if (arrived == atomic_load (&direct->entered))
    return TRUE;
  return ++direct->empty_checks >= EMPTY_CHECKS_FOR_DROPS;
}

static gboolean
go_direct (Direct *direct, GstPad *transport_src)
{
  g_autoptr (GstPad) queue_sink = gst_pad_get_peer (transport_src);
  GstElement *queue = queue_sink ? GST_PAD_PARENT (queue_sink) : NULL;

  if (queue == NULL || atomic_load (&held) || !queue_drained (direct, queue))
    return FALSE;
  gst_pad_remove_probe (direct->decoder_sink, direct->counting_probe);
  direct->counting_probe = 0;
  GST_INFO_OBJECT (queue,
                   "receiving directly after %" G_GUINT64_FORMAT " packets",
                   (guint64)atomic_load (&direct->arrived));
  direct->direct = TRUE;
  return TRUE;
}

/* RTP, by RFC 7983's first octet (128-191: RTP or RTCP) and RFC 5761's
 * payload types (RTCP: 192-223). */
static gboolean
is_rtp (GstBuffer *buffer)
{
  guint8 head[2];

  return gst_buffer_extract (buffer, 0, head, 2) == 2 && (head[0] >> 6) == 2
         && (head[1] < 192 || head[1] > 223);
}

/* On the transport's output (capsfilter's src, which feeds the queue),
 * nicesrc's thread.  Once direct, RTP is chained into the decoder here;
 * RTCP and DTLS still take the queue (OK: on as before).  The subscribers'
 * RTCP (PLIs, NACKs) makes the room push keyframe requests into other
 * participants' elements, and DTLS runs handshakes: with those on
 * nicesrc's thread too, e2e-mixed saw a Firefox subscriber's PLIs for a
 * publisher's video (104 in 20 s, all relayed upstream) never become a
 * keyframe it received, after another participant closed her tab, in
 * about 1 run of 3; never with RTCP and DTLS through the queue (0 of 30).
 * Why is not understood.  They are a few packets a second; RTP is what
 * costs. */
static GstPadProbeReturn
on_transport_output (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Direct *direct = data;
  GstBuffer *buffer;
  GstFlowReturn ret;

  if (!direct->direct && !go_direct (direct, pad)) {
    atomic_fetch_add (&direct->entered, data_count (info));
    return GST_PAD_PROBE_OK;
  }
  if (!(info->type & GST_PAD_PROBE_TYPE_BUFFER))
    return GST_PAD_PROBE_OK; /* (nicesrc pushes no lists) */
  buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  if (!is_rtp (buffer))
    return GST_PAD_PROBE_OK;
  atomic_fetch_add (&direct->packets, 1);
  /* (the probe owns @buffer when it returns HANDLED) */
  if (direct->srtp == NULL
      || !hc_receive_srtp_process (direct->srtp, &buffer, &ret))
    ret = gst_pad_chain (direct->decoder_sink, buffer);
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = ret;
  return GST_PAD_PROBE_HANDLED;
}

static void
install (GstElement *queue)
{
  g_autoptr (GstPad) sink = gst_element_get_static_pad (queue, "sink");
  g_autoptr (GstPad) src = gst_element_get_static_pad (queue, "src");
  g_autoptr (GstPad) transport_src = sink ? gst_pad_get_peer (sink) : NULL;
  g_autoptr (GstPad) decoder_sink = src ? gst_pad_get_peer (src) : NULL;
  GstObject *receive_bin = GST_OBJECT_PARENT (queue);
  Direct *direct;

  /* (on the bin: the queue leaves it) */
  if (g_object_get_data (G_OBJECT (receive_bin), DIRECT_KEY) != NULL)
    return;
  if (transport_src == NULL || decoder_sink == NULL) {
    GST_WARNING_OBJECT (queue, "not linked as expected: keeping the hop");
    return;
  }
  direct = g_atomic_rc_box_new0 (Direct);
  /* webrtcbin never relinks the two */
  direct->decoder_sink = gst_object_ref (decoder_sink);
  /* (HC_RECEIVE_SRTP=off: srtpdec decrypts, for A/B benchmarks) */
  if (g_strcmp0 (g_getenv ("HC_RECEIVE_SRTP"), "off") != 0)
    direct->srtp = hc_receive_srtp_new (GST_PAD_PARENT (decoder_sink));
  g_object_set_data_full (G_OBJECT (receive_bin), DIRECT_KEY,
                          g_atomic_rc_box_acquire (direct), direct_unref);
  direct->counting_probe = gst_pad_add_probe (
      decoder_sink, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
      on_decoder_input, direct, NULL);
  gst_pad_add_probe (transport_src,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_transport_output, direct, direct_unref);
  GST_DEBUG_OBJECT (queue, "will receive directly once through");
}

static gboolean
is_receive_queue (GstElement *element)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  GstObject *parent = GST_OBJECT_PARENT (element);

  return factory != NULL && g_str_equal (GST_OBJECT_NAME (factory), "queue")
         && parent != NULL
         && g_str_equal (G_OBJECT_TYPE_NAME (parent), "TransportReceiveBin");
}

static void
install_in (GstBin *bin)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (bin);
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *element = g_value_get_object (&item);

    if (is_receive_queue (element))
      install (element);
    g_value_reset (&item);
  }
  g_value_unset (&item);
}

/* TransportReceiveBin links its queue to dtlssrtpdec before webrtcbin
 * adds it, so a queue seen here (alone or inside the bin) is linked. */
static void
on_element_added (GstBin *webrtcbin, GstBin *sub_bin, GstElement *element,
                  gpointer data)
{
  if (is_receive_queue (element))
    install (element);
  else if (GST_IS_BIN (element)
           && g_str_equal (G_OBJECT_TYPE_NAME (element), "TransportReceiveBin"))
    install_in (GST_BIN (element));
}

void
hc_receive_direct_enable (GstElement *webrtcbin)
{
  static gsize once;

  g_return_if_fail (GST_IS_BIN (webrtcbin));

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (hc_receive_direct_debug, "hcreceivedirect", 0,
                             "hyperconf: received packets without webrtcbin's "
                             "receive queue hop");
    g_once_init_leave (&once, 1);
  }
  g_signal_connect (webrtcbin, "deep-element-added",
                    G_CALLBACK (on_element_added), NULL);
  install_in (GST_BIN (webrtcbin));
}

void
hc_receive_direct_get_stats (GstElement *webrtcbin, HcReceiveDirectStats *stats)
{
  g_autoptr (GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;

  memset (stats, 0, sizeof *stats);
  g_return_if_fail (GST_IS_BIN (webrtcbin));
  it = gst_bin_iterate_recurse (GST_BIN (webrtcbin));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    Direct *direct = g_object_get_data (g_value_get_object (&item), DIRECT_KEY);

    if (direct) {
      stats->packets += atomic_load (&direct->packets);
      /* (set before the probes: no race with the packets) */
      if (direct->srtp)
        hc_receive_srtp_add_stats (direct->srtp, &stats->srtp);
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
}

guint64
hc_receive_direct_get_packets (GstElement *webrtcbin)
{
  HcReceiveDirectStats stats;

  hc_receive_direct_get_stats (webrtcbin, &stats);
  return stats.packets;
}

void
hc_receive_direct_hold (gboolean hold)
{
  atomic_store (&held, hold);
}
