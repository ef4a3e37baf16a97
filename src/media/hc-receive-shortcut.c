/* hyperconf — received RTP around rtpbin's pass-through elements.  See
 * hc-receive-shortcut.h for the picture and the why. */
#include "hc-receive-shortcut.h"

#include <hyperconf/hc-rtp-passthrough.h>

#include <stdatomic.h>
#include <stdio.h>

GST_DEBUG_CATEGORY_STATIC (hc_receive_shortcut_debug);
#define GST_CAT_DEFAULT hc_receive_shortcut_debug

#define SHORTCUT_KEY "hc-receive-shortcut"
/* A stream not through yet is looked for again after this many of its
 * packets (looking takes the demuxer's lock and walks its pads). */
#define LOOK_EVERY 8
/* Streams looked for at once per session: a publisher sends two or three
 * (audio, video, and their RTX); past this, the rest take the long way. */
#define MAX_ROUTES 16
/* webrtcbin src pads whose first packets found no stream to shortcut (an
 * RTX-only or FEC pad, say) stop being watched after this many. */
#define MAX_EXPOSED_TRIES 64

typedef struct {
  guint32 ssrc;
  guint8 pt;
  guint misses;
  GstPad *demux_src; /* rtpssrcdemux's src_<ssrc>, or NULL: not yet */
} Route;

/* One per rtpsession element: the probe's state (one streaming thread at a
 * time: the session's RTP input) and, for the statistics, its count. */
typedef struct {
  GstElement *demux; /* the session's rtpssrcdemux, once found */
  Route routes[MAX_ROUTES];
  guint n_routes;
  atomic_uint_fast64_t packets;
} Session;

static void
session_free (gpointer data)
{
  Session *session = data;

  for (guint i = 0; i < session->n_routes; i++)
    gst_clear_object (&session->routes[i].demux_src);
  gst_clear_object (&session->demux);
  g_free (session);
}

static gboolean
is_factory (GstElement *element, const gchar *name)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  return factory != NULL && g_str_equal (GST_OBJECT_NAME (factory), name);
}

/* Its SSRC and payload type, if @buffer is an RTP packet. */
static gboolean
rtp_ids (GstBuffer *buffer, guint32 *ssrc, guint8 *pt)
{
  guint8 head[12];

  if (gst_buffer_extract (buffer, 0, head, sizeof head) != sizeof head
      || (head[0] >> 6) != 2)
    return FALSE;
  *pt = head[1] & 0x7f;
  *ssrc = GST_READ_UINT32_BE (head + 8);
  return TRUE;
}

/* @demux's pad for @ssrc, if it is linked to an hcrtppassthrough that
 * has had a packet (its sticky events went downstream before it); the
 * passthrough in @passthrough (borrowed from the pad's peer) if not NULL. */
static GstPad *
stream_pad_of (GstElement *demux, guint32 ssrc, HcRtpPassthrough **passthrough)
{
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstPad) peer = NULL;
  GstObject *parent;
  gchar name[32];

  snprintf (name, sizeof name, "src_%u", ssrc);
  pad = gst_element_get_static_pad (demux, name);
  peer = pad ? gst_pad_get_peer (pad) : NULL;
  parent = peer ? GST_OBJECT_PARENT (peer) : NULL;
  if (parent == NULL || !HC_IS_RTP_PASSTHROUGH (parent)
      || !gst_pad_has_current_caps (peer))
    return NULL;
  if (passthrough)
    *passthrough = HC_RTP_PASSTHROUGH (parent);
  return g_steal_pointer (&pad);
}

/* The pad for @ssrc (as stream_pad_of()) of @rtpbin's rtpssrcdemux that
 * has one, and that demuxer in @demux.  (rtpbin names its elements by a
 * process-wide count, not by session: they are found by the SSRC.) */
static GstPad *
find_stream_pad (GstElement *rtpbin, guint32 ssrc, GstElement **demux,
                 HcRtpPassthrough **passthrough)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_elements (GST_BIN (rtpbin));
  GValue item = G_VALUE_INIT;
  GstPad *pad = NULL;

  while (pad == NULL && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *element = g_value_get_object (&item);

    if (is_factory (element, "rtpssrcdemux")
        && (pad = stream_pad_of (element, ssrc, passthrough)) != NULL)
      *demux = gst_object_ref (element);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  return pad;
}

static Route *
route_for (Session *session, guint32 ssrc, guint8 pt)
{
  Route *route;

  for (guint i = 0; i < session->n_routes; i++)
    if (session->routes[i].ssrc == ssrc)
      return &session->routes[i];
  if (session->n_routes == MAX_ROUTES)
    return NULL;
  route = &session->routes[session->n_routes++];
  route->ssrc = ssrc;
  route->pt = pt;
  route->misses = 0;
  route->demux_src = NULL;
  return route;
}

/* (1), on rtpsession's recv_rtp_src, in the thread that pushed the packet
 * into the session. */
static GstPadProbeReturn
on_session_output (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Session *session = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  /* (rtpbin, while its session's pad carries data) */
  GstObject *rtpbin = GST_OBJECT_PARENT (GST_OBJECT_PARENT (pad));
  g_autoptr (GstElement) demux_of_pad = NULL;
  GstFlowReturn ret;
  Route *route;
  guint32 ssrc;
  guint8 pt;

  if (!rtp_ids (buffer, &ssrc, &pt)
      || (route = route_for (session, ssrc, pt)) == NULL || pt != route->pt)
    return GST_PAD_PROBE_OK;
  if (route->demux_src == NULL) {
    if (route->misses++ % LOOK_EVERY != 0)
      return GST_PAD_PROBE_OK;
    if (session->demux != NULL)
      route->demux_src = stream_pad_of (session->demux, ssrc, NULL);
    else
      route->demux_src
          = find_stream_pad (GST_ELEMENT (rtpbin), ssrc, &session->demux, NULL);
    if (route->demux_src == NULL)
      return GST_PAD_PROBE_OK; /* this packet makes or links it */
    GST_DEBUG_OBJECT (route->demux_src, "ssrc %08x, payload type %u: direct",
                      ssrc, pt);
  }
  atomic_fetch_add (&session->packets, 1);
  ret = gst_pad_push (route->demux_src, buffer);
  /* The demuxer drops a stream's pad on a BYE or a timeout (RTCP thread),
   * and makes a new one at the stream's next packet.  Pushed on a pad it
   * removed, the packet is lost, as rtpssrcdemux itself loses one it was
   * pushing while the pad went (and returns OK for it too); the next ones
   * take the long way until the new pad is linked. */
  if (ret != GST_FLOW_OK
      && (demux_of_pad = gst_pad_get_parent_element (route->demux_src))
             == NULL) {
    GST_DEBUG ("ssrc %08x: its pad went (%s), looking again", ssrc,
               gst_flow_get_name (ret));
    gst_clear_object (&route->demux_src);
    route->misses = 1;
    ret = GST_FLOW_OK;
  }
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = ret;
  return GST_PAD_PROBE_HANDLED;
}

static void
install_session (GstElement *session_element)
{
  GstObject *rtpbin = GST_OBJECT_PARENT (session_element);
  g_autoptr (GstPad) src = NULL;
  /* (no reference to rtpbin: the session element is its child) */
  Session *session;

  if (g_object_get_data (G_OBJECT (session_element), SHORTCUT_KEY) != NULL)
    return;
  if (rtpbin == NULL
      || (src = gst_element_get_static_pad (session_element, "recv_rtp_src"))
             == NULL) {
    GST_DEBUG_OBJECT (session_element, "no recv_rtp_src yet or not rtpbin's");
    return;
  }
  session = g_new0 (Session, 1);
  g_object_set_data_full (G_OBJECT (session_element), SHORTCUT_KEY, session,
                          session_free);
  /* (the session element frees @session: it goes after its pads' data) */
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, on_session_output, session,
                     NULL);
  GST_DEBUG_OBJECT (session_element, "receive shortcut (1) installed");
}

/* (2), on a src pad of webrtcbin, until its first packet has passed it. */
static GstPadProbeReturn
on_exposed_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  guint *tries = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstObject *webrtcbin = GST_OBJECT_PARENT (pad);
  g_autoptr (GstElement) rtpbin = NULL;
  g_autoptr (GstElement) demux = NULL;
  g_autoptr (GstPad) stream_pad = NULL;
  HcRtpPassthrough *passthrough = NULL;
  guint32 ssrc;
  guint8 pt;

  if (!gst_pad_is_linked (pad)) /* hc-peer links it on the main context */
    return GST_PAD_PROBE_OK;
  if (++*tries > MAX_EXPOSED_TRIES)
    return GST_PAD_PROBE_REMOVE;
  if (webrtcbin == NULL || !rtp_ids (buffer, &ssrc, &pt))
    return GST_PAD_PROBE_OK;
  rtpbin = gst_bin_get_by_name (GST_BIN (webrtcbin), "rtpbin");
  if (rtpbin != NULL)
    stream_pad = find_stream_pad (rtpbin, ssrc, &demux, &passthrough);
  if (stream_pad == NULL)
    return GST_PAD_PROBE_OK;
  hc_rtp_passthrough_set_shortcut (passthrough, pad, pt);
  return GST_PAD_PROBE_REMOVE;
}

static void
on_pad_added (GstElement *webrtcbin, GstPad *pad, gpointer data)
{
  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_exposed_buffer,
                     g_new0 (guint, 1), g_free);
}

static void
on_element_added (GstBin *webrtcbin, GstBin *sub_bin, GstElement *element,
                  gpointer data)
{
  if (is_factory (element, "rtpsession"))
    install_session (element);
}

/* rtpbin adds a session's element before it makes its recv_rtp_src (at
 * the request of recv_rtp_sink_%u): installed when the pad appears. */
static void
on_rtpbin_pad_added (GstElement *rtpbin, GstPad *pad, gpointer data)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_elements (GST_BIN (rtpbin));
  GValue item = G_VALUE_INIT;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SINK)
    return;
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *element = g_value_get_object (&item);

    if (is_factory (element, "rtpsession"))
      install_session (element);
    g_value_reset (&item);
  }
  g_value_unset (&item);
}

void
hc_receive_shortcut_enable (GstElement *webrtcbin)
{
  static gsize once;
  g_autoptr (GstElement) rtpbin = NULL;

  g_return_if_fail (GST_IS_BIN (webrtcbin));

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (hc_receive_shortcut_debug, "hcreceiveshortcut", 0,
                             "hyperconf: received RTP around rtpbin's "
                             "pass-through elements");
    g_once_init_leave (&once, 1);
  }
  rtpbin = gst_bin_get_by_name (GST_BIN (webrtcbin), "rtpbin");
  if (rtpbin == NULL) {
    GST_WARNING_OBJECT (webrtcbin, "no rtpbin: no receive shortcut");
    return;
  }
  g_signal_connect (webrtcbin, "deep-element-added",
                    G_CALLBACK (on_element_added), NULL);
  g_signal_connect (rtpbin, "pad-added", G_CALLBACK (on_rtpbin_pad_added),
                    NULL);
  g_signal_connect (webrtcbin, "pad-added", G_CALLBACK (on_pad_added), NULL);
}

guint64
hc_receive_shortcut_get_packets (GstElement *webrtcbin, guint64 *past_demuxer)
{
  g_autoptr (GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;
  guint64 packets = 0;

  g_return_val_if_fail (GST_IS_BIN (webrtcbin), 0);
  if (past_demuxer)
    *past_demuxer = 0;
  it = gst_bin_iterate_recurse (GST_BIN (webrtcbin));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GObject *element = g_value_get_object (&item);
    Session *session = g_object_get_data (element, SHORTCUT_KEY);

    if (session)
      packets += atomic_load (&session->packets);
    if (past_demuxer && HC_IS_RTP_PASSTHROUGH (element))
      *past_demuxer += hc_rtp_passthrough_get_shortcut_packets (
          HC_RTP_PASSTHROUGH (element));
    g_value_reset (&item);
  }
  g_value_unset (&item);
  return packets;
}
