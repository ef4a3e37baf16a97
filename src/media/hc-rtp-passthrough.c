/* hyperconf — hcrtppassthrough: no jitter buffer where nothing is played.
 *
 *                 hcrtppassthrough
 *            +---------------------------+
 *   RTP ───▶ | sink ─ watch seq ─▶ src   | ───▶ RTP, at once, same thread
 *            |  ▲                ▲  │    |      (+ "hc-sender-clock" event
 *   RTCP ──▶ | sink_rtcp ─ SR ───┘  │    |       before the next packet)
 *            +--+-------------------+----+
 *               └── upstream events ◀── NACK/PLI from the forwarder, and
 *                   (+ our own NACK requests on a gap)
 *
 * Usage example (verified with GST_PLUGIN_PATH=<build>/src/media):
 *
 *   gst-launch-1.0 audiotestsrc num-buffers=50 ! opusenc ! rtpopuspay !
 *     hcrtppassthrough ! rtpopusdepay ! opusdec ! fakesink
 *
 * Why: webrtcbin 1.22's rtpbin puts an rtpjitterbuffer on every received
 * stream, with a streaming thread and a timer thread each (4 of a
 * participant's 10 threads for one audio and one video track) and a thread
 * hand-off per packet.  An SFU plays nothing: it forwards packets as they
 * come, and each subscriber's own jitter buffer reorders and times them.
 * rtpbin lets the application supply the element ("request-jitterbuffer",
 * gst-plugins-good gst/rtpmanager/gstrtpbin.c, create_stream()); this is it.
 *
 * What rtpbin and webrtcbin 1.22 expect of that element (read in
 * gstrtpbin.c and gst-plugins-bad ext/webrtc/gstwebrtcbin.c,
 * gstwebrtcstats.c):
 *  - "sink" and "src" pads (rtpbin links them; "handle-sync",
 *    "request-pt-map", "on-npt-stop", "clear-pt-map" and "set-active" are
 *    looked up first and used only if present: without them rtpbin does no
 *    lip-sync offsets, which only matter where media is played);
 *  - a "sink_rtcp" request pad: rtpbin's new_ssrc_pad_found() requests it
 *    if the template exists and links rtpssrcdemux's rtcp_src_<ssrc> to it,
 *    so only this stream's RTCP arrives (rtpsession passes on the compound
 *    packets that carry an SR).  The SR's NTP/RTP pair is what a
 *    subscriber needs for lip sync: it travels on, in order with the
 *    packets, as the "hc-sender-clock" event (hc-sender-clock.h) pushed
 *    on "src" by the RTP streaming thread before its next packet;
 *  - "latency" (set unconditionally); "do-lost", "drop-on-latency", "mode",
 *    "do-retransmission" and a few more are set only if the property
 *    exists;
 *  - "percent", read only while rtpbin is buffering (it never is here:
 *    nothing posts buffering messages);
 *  - "stats" (webrtcbin's get-stats reads it for every inbound stream and
 *    requires the uint64 fields num-lost, num-duplicates, num-late and
 *    rtx-success-count: they become packets-lost, packets-duplicated,
 *    packets-discarded and packets-repaired of the inbound-rtp report);
 *  - "do-retransmission" set by webrtcbin per transceiver when NACK was
 *    negotiated: here a gap of at most MAX_REQUESTS packets is asked for
 *    once, at once, by an upstream GstRTPRetransmissionRequest, which the
 *    session turns into an RTCP NACK to the sender.
 * Upstream events (a subscriber's PLI as force-key-unit, a subscriber's
 * NACK mapped by hcforwarder) go to the sink pad's peer as they were.
 *
 * Threads: none of its own.  The sequence state belongs to the streaming
 * thread; the counters, the settings and the last SR not yet sent on are
 * under the object lock, which is never held while pushing.  RTCP comes in
 * rtpssrcdemux's RTCP thread; only the RTP thread pushes on "src".
 */
#define G_LOG_DOMAIN "hc-rtp-passthrough"

#include <hyperconf/hc-rtp-passthrough.h>
#include <hyperconf/hc-sender-clock.h>

#include "hc-element-pad.h"

#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <stdatomic.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (hc_rtp_passthrough_debug);
#define GST_CAT_DEFAULT hc_rtp_passthrough_debug

/* RFC 3550 A.1: a forward jump beyond MAX_DROPOUT or a backward one beyond
 * MAX_MISORDER (here: the window) is a new sequence, not loss. */
#define MAX_DROPOUT  3000
#define WINDOW       HC_RTP_PASSTHROUGH_WINDOW
#define WINDOW_WORDS (WINDOW / 64)
/* A larger gap is counted as lost but not asked for: the receivers'
 * keyframe requests repair a burst that long better than NACKs. */
#define MAX_REQUESTS 64

#define DEFAULT_LATENCY_MS        200
#define DEFAULT_DO_RETRANSMISSION FALSE
#define DEFAULT_DO_LOST           FALSE
#define DEFAULT_DROP_ON_LATENCY   FALSE

struct _HcRtpPassthrough {
  GstElement parent_instance;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* Under the object lock. */
  GstPad *rtcp_sinkpad; /* requested by rtpbin, or NULL */
  gboolean have_rtp_ssrc;
  guint32 rtp_ssrc;    /* of the last RTP packet, for the RTCP thread */
  gboolean sr_pending; /* an SR not sent on yet; the last one wins */
  guint32 sr_ssrc;
  guint64 sr_ntp_time;
  guint32 sr_rtp_time;
  gint64 sr_arrival_us;
  guint latency_ms;
  gboolean flags[4]; /* by property id: do-retransmission, do-lost, ... */
  guint64 pushed;
  guint64 lost; /* missing now: gaps minus what came late */
  guint64 duplicates;
  guint64 late; /* pushed after a later packet */
  guint64 rtx_requests;
  guint64 rtx_success; /* asked for, and came */

  /* hc_rtp_passthrough_set_shortcut(): set once (the pointer last, then
   * read without the lock), released in finalize. */
  GstPad *shortcut;
  guint8 shortcut_pt;
  atomic_uint_fast64_t shortcut_packets;

  /* Streaming thread only. */
  gboolean have_seq;
  guint32 ssrc;
  guint64 ext_first; /* extended sequence numbers */
  guint64 ext_highest;
  guint64 missing[WINDOW_WORDS];   /* one bit per sequence number ... */
  guint64 requested[WINDOW_WORDS]; /* ... of the last WINDOW */
};

G_DEFINE_FINAL_TYPE (HcRtpPassthrough, hc_rtp_passthrough, GST_TYPE_ELEMENT)

/* The boolean properties first: they index HcRtpPassthrough.flags. */
enum {
  PROP_0,
  PROP_DO_RETRANSMISSION,
  PROP_DO_LOST,
  PROP_DROP_ON_LATENCY,
  N_FLAGS,
  PROP_LATENCY = N_FLAGS,
  PROP_PERCENT,
  PROP_STATS,
  N_PROPS
};

G_STATIC_ASSERT (N_FLAGS <= G_N_ELEMENTS (((HcRtpPassthrough *)0)->flags));

static GParamSpec *props[N_PROPS];

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                               GST_STATIC_CAPS ("application/x-rtp"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-rtp"));

static GstStaticPadTemplate rtcp_sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink_rtcp", GST_PAD_SINK, GST_PAD_REQUEST,
                               GST_STATIC_CAPS ("application/x-rtcp"));

/* ---------------------------------------------------------------------- */
/* Sequence numbers                                                        */
/* ---------------------------------------------------------------------- */

static gboolean
bit_get (const guint64 *map, guint64 ext)
{
  guint i = ext % WINDOW;

  return (map[i / 64] >> (i % 64)) & 1;
}

static void
bit_put (guint64 *map, guint64 ext, gboolean on)
{
  guint i = ext % WINDOW;

  if (on)
    map[i / 64] |= G_GUINT64_CONSTANT (1) << (i % 64);
  else
    map[i / 64] &= ~(G_GUINT64_CONSTANT (1) << (i % 64));
}

typedef struct {
  gboolean drop;
  guint32 ssrc;
  guint n_requests;
  guint16 requests[MAX_REQUESTS];
  /* counter changes, applied under the lock */
  guint64 lost_added, lost_recovered, duplicates, late, rtx_success;
} Verdict;

static void
restart_sequence (HcRtpPassthrough *self, guint32 ssrc, guint16 seq)
{
  self->have_seq = TRUE;
  self->ssrc = ssrc;
  /* Extended numbers start one cycle up, so that a late packet from
   * before the first one still has a number. */
  self->ext_first = self->ext_highest = G_GUINT64_CONSTANT (65536) + seq;
  memset (self->missing, 0, sizeof self->missing);
  memset (self->requested, 0, sizeof self->requested);
}

/* Streaming thread: what to do with the packet @seq of @ssrc. */
static void
judge (HcRtpPassthrough *self, guint32 ssrc, guint16 seq, gboolean ask,
       Verdict *v)
{
  gint delta;

  v->ssrc = ssrc;
  if (!self->have_seq || ssrc != self->ssrc) {
    restart_sequence (self, ssrc, seq);
    return;
  }
  delta = (gint16)(seq - (guint16)self->ext_highest);
  if (delta > 0 && delta <= MAX_DROPOUT) {
    guint gap = delta - 1;
    guint first = delta > WINDOW ? delta - WINDOW + 1 : 1;

    for (guint i = first; i <= (guint)delta; i++) {
      guint64 ext = self->ext_highest + i;

      bit_put (self->missing, ext, i < (guint)delta);
      bit_put (self->requested, ext, FALSE);
    }
    v->lost_added = gap;
    if (ask && gap > 0 && gap <= MAX_REQUESTS) {
      for (guint i = 1; i < (guint)delta; i++) {
        bit_put (self->requested, self->ext_highest + i, TRUE);
        v->requests[v->n_requests++] = (guint16)(self->ext_highest + i);
      }
    }
    self->ext_highest += delta;
  } else if (delta == 0) {
    v->drop = TRUE;
    v->duplicates = 1;
  } else if (delta < 0 && -delta < WINDOW) {
    guint64 ext = self->ext_highest + delta;

    if (ext < self->ext_first) {
      v->late = 1; /* from before our first packet: unknown, pass it */
    } else if (bit_get (self->missing, ext)) {
      bit_put (self->missing, ext, FALSE);
      v->late = 1;
      v->lost_recovered = 1;
      if (bit_get (self->requested, ext)) {
        bit_put (self->requested, ext, FALSE);
        v->rtx_success = 1;
      }
    } else {
      v->drop = TRUE;
      v->duplicates = 1;
    }
  } else if (delta < 0 && -delta <= MAX_DROPOUT) {
    v->late = 1; /* older than the window: pass it */
  } else {
    GST_DEBUG_OBJECT (self, "ssrc %08x: jump of %d, new sequence", ssrc, delta);
    restart_sequence (self, ssrc, seq);
  }
}

/* rtpsession (its recv_rtp_src event handler) turns this into a NACK:
 * "seqnum" and "ssrc" name the packet, the NACK must go out within
 * "deadline" - "delay" - "avg-rtt" ms. */
static void
request_retransmission (HcRtpPassthrough *self, guint32 ssrc, guint16 seq,
                        guint deadline_ms)
{
  GstStructure *s = gst_structure_new (
      "GstRTPRetransmissionRequest", "seqnum", G_TYPE_UINT, (guint)seq, "ssrc",
      G_TYPE_UINT, ssrc, "retry", G_TYPE_UINT, 0, "delay", G_TYPE_UINT, 0,
      "deadline", G_TYPE_UINT, deadline_ms, "avg-rtt", G_TYPE_UINT, 0, NULL);

  GST_LOG_OBJECT (self, "ssrc %08x: asking for #%u", ssrc, seq);
  gst_pad_push_event (self->sinkpad,
                      gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM, s));
}

/* Streaming thread.  Returns FALSE for a packet to drop; @pt is its
 * payload type, -1 if it is no RTP packet. */
static gboolean
process (HcRtpPassthrough *self, GstBuffer *buffer, gint *pt)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  Verdict v = { 0 };
  guint32 ssrc;
  guint16 seq;
  gboolean ask;
  guint deadline_ms;

  *pt = -1;
  if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp)) {
    /* not ours to judge: rtpsession validated it already */
    GST_OBJECT_LOCK (self);
    self->pushed++;
    GST_OBJECT_UNLOCK (self);
    return TRUE;
  }
  ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  seq = gst_rtp_buffer_get_seq (&rtp);
  *pt = gst_rtp_buffer_get_payload_type (&rtp);
  gst_rtp_buffer_unmap (&rtp);

  GST_OBJECT_LOCK (self);
  ask = self->flags[PROP_DO_RETRANSMISSION];
  deadline_ms = self->latency_ms;
  GST_OBJECT_UNLOCK (self);

  judge (self, ssrc, seq, ask, &v);

  GST_OBJECT_LOCK (self);
  self->have_rtp_ssrc = TRUE;
  self->rtp_ssrc = ssrc;
  self->lost += v.lost_added;
  self->lost -= MIN (self->lost, v.lost_recovered);
  self->duplicates += v.duplicates;
  self->late += v.late;
  self->rtx_success += v.rtx_success;
  self->rtx_requests += v.n_requests;
  if (!v.drop)
    self->pushed++;
  GST_OBJECT_UNLOCK (self);

  for (guint i = 0; i < v.n_requests; i++)
    request_retransmission (self, v.ssrc, v.requests[i], deadline_ms);
  if (v.drop)
    GST_LOG_OBJECT (self, "ssrc %08x: #%u again, dropped", ssrc, seq);
  return !v.drop;
}

/* ---------------------------------------------------------------------- */
/* Pads                                                                    */
/* ---------------------------------------------------------------------- */

/* RTP streaming thread, before a packet pushed on @out: the SR that came
 * since the last one, as the "hc-sender-clock" event, so that it is
 * serialized with the packets downstream (RTCP's own thread must not push
 * on "src"). */
static void
push_pending_sender_clock (HcRtpPassthrough *self, GstPad *out)
{
  GstEvent *event = NULL;

  GST_OBJECT_LOCK (self);
  if (self->sr_pending) {
    event = hc_sender_clock_event_new (self->sr_ssrc, self->sr_ntp_time,
                                       self->sr_rtp_time, self->sr_arrival_us);
    self->sr_pending = FALSE;
  }
  GST_OBJECT_UNLOCK (self);
  if (event)
    gst_pad_push_event (out, event);
}

/* Where a packet of payload type @pt goes: the shortcut for its payload
 * type, else "src". */
static GstPad *
output_for (HcRtpPassthrough *self, gint pt)
{
  GstPad *shortcut = g_atomic_pointer_get (&self->shortcut);

  if (shortcut != NULL && pt == self->shortcut_pt) {
    atomic_fetch_add (&self->shortcut_packets, 1);
    return shortcut;
  }
  return self->srcpad;
}

static GstFlowReturn
hc_rtp_passthrough_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  HcRtpPassthrough *self = HC_RTP_PASSTHROUGH (parent);
  GstPad *out;
  gint pt;

  if (!process (self, buffer, &pt)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  out = output_for (self, pt);
  push_pending_sender_clock (self, out);
  return gst_pad_push (out, buffer);
}

static gboolean
keep_unless_dropped (GstBuffer **buffer, guint idx, gpointer user_data)
{
  gint pt;

  if (!process (user_data, *buffer, &pt))
    gst_clear_buffer (buffer); /* removes it from the list */
  return TRUE;
}

static GstFlowReturn
hc_rtp_passthrough_chain_list (GstPad *pad, GstObject *parent,
                               GstBufferList *list)
{
  HcRtpPassthrough *self = HC_RTP_PASSTHROUGH (parent);

  /* (lists never take the shortcut: rtpssrcdemux pushes none) */
  push_pending_sender_clock (self, self->srcpad);
  list = gst_buffer_list_make_writable (list);
  gst_buffer_list_foreach (list, keep_unless_dropped, self);
  if (gst_buffer_list_length (list) == 0) {
    gst_buffer_list_unref (list);
    return GST_FLOW_OK;
  }
  return gst_pad_push_list (self->srcpad, list);
}

static gboolean
hc_rtp_passthrough_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  HcRtpPassthrough *self = HC_RTP_PASSTHROUGH (parent);

  /* After a flush the sender's numbering starts afresh for us. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    self->have_seq = FALSE;
  return gst_pad_push_event (self->srcpad, event);
}

/* RTCP thread: the sender info of @buffer's SR from the stream's SSRC, or
 * else of its first SR, kept for the RTP thread.  Anything else (RRs,
 * SDES, BYE, feedback: rtpsession has handled them already; garbage)
 * changes nothing. */
static GstFlowReturn
hc_rtp_passthrough_rtcp_chain (GstPad *pad, GstObject *parent,
                               GstBuffer *buffer)
{
  HcRtpPassthrough *self = HC_RTP_PASSTHROUGH (parent);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;
  gboolean have_stream_ssrc, found = FALSE, more;
  guint32 stream_ssrc, ssrc = 0, rtp_time = 0;
  guint64 ntp_time = 0;
  gint64 arrival_us = g_get_monotonic_time ();

  GST_OBJECT_LOCK (self);
  have_stream_ssrc = self->have_rtp_ssrc;
  stream_ssrc = self->rtp_ssrc;
  GST_OBJECT_UNLOCK (self);

  /* Reduced-size RTCP (RFC 5506) too: webrtcbin may negotiate it.  (The
   * validation asserts on an empty buffer: a header is 4 bytes.) */
  if (gst_buffer_get_size (buffer) < 4
      || !gst_rtcp_buffer_validate_reduced (buffer)
      || !gst_rtcp_buffer_map (buffer, GST_MAP_READ, &rtcp)) {
    GST_LOG_OBJECT (self, "invalid RTCP of %" G_GSIZE_FORMAT " bytes",
                    gst_buffer_get_size (buffer));
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  for (more = gst_rtcp_buffer_get_first_packet (&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next (&packet)) {
    guint32 sr_ssrc, sr_rtp, packets, octets;
    guint64 sr_ntp;

    if (gst_rtcp_packet_get_type (&packet) != GST_RTCP_TYPE_SR)
      continue;
    gst_rtcp_packet_sr_get_sender_info (&packet, &sr_ssrc, &sr_ntp, &sr_rtp,
                                        &packets, &octets);
    if (found && !(have_stream_ssrc && sr_ssrc == stream_ssrc))
      continue;
    ssrc = sr_ssrc;
    ntp_time = sr_ntp;
    rtp_time = sr_rtp;
    found = TRUE;
    if (have_stream_ssrc && sr_ssrc == stream_ssrc)
      break;
  }
  gst_rtcp_buffer_unmap (&rtcp);
  gst_buffer_unref (buffer);
  if (!found)
    return GST_FLOW_OK;

  GST_LOG_OBJECT (self, "SR of %08x: ntp %" G_GUINT64_FORMAT ", rtp %u", ssrc,
                  ntp_time, rtp_time);
  GST_OBJECT_LOCK (self);
  self->sr_pending = TRUE;
  self->sr_ssrc = ssrc;
  self->sr_ntp_time = ntp_time;
  self->sr_rtp_time = rtp_time;
  self->sr_arrival_us = arrival_us;
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;
}

/* rtpssrcdemux's sticky events (stream-start, caps, segment) and EOS on
 * the RTCP pad describe nothing downstream has: taken and dropped. */
static gboolean
hc_rtp_passthrough_rtcp_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  gst_event_unref (event);
  return TRUE;
}

/* Caps queries answer with the template (application/x-rtcp); nothing is
 * passed on to the RTP side. */
static gboolean
hc_rtp_passthrough_rtcp_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:
    case GST_QUERY_ACCEPT_CAPS:
      return gst_pad_query_default (pad, parent, query);
    default:
      return FALSE;
  }
}

static GstPad *
hc_rtp_passthrough_request_new_pad (GstElement *element, GstPadTemplate *templ,
                                    const gchar *name, const GstCaps *caps)
{
  HcRtpPassthrough *self = HC_RTP_PASSTHROUGH (element);
  GstPad *pad;

  GST_OBJECT_LOCK (self);
  if (self->rtcp_sinkpad != NULL) {
    GST_OBJECT_UNLOCK (self);
    GST_WARNING_OBJECT (self, "sink_rtcp exists already");
    return NULL;
  }
  GST_OBJECT_UNLOCK (self);

  pad = gst_pad_new_from_template (templ, "sink_rtcp");
  gst_pad_set_chain_function (pad, hc_rtp_passthrough_rtcp_chain);
  gst_pad_set_event_function (pad, hc_rtp_passthrough_rtcp_event);
  gst_pad_set_query_function (pad, hc_rtp_passthrough_rtcp_query);
  if (!hc_element_add_request_pad (element, pad))
    return NULL;
  GST_OBJECT_LOCK (self);
  self->rtcp_sinkpad = pad;
  GST_OBJECT_UNLOCK (self);
  return pad;
}

static void
hc_rtp_passthrough_release_pad (GstElement *element, GstPad *pad)
{
  HcRtpPassthrough *self = HC_RTP_PASSTHROUGH (element);

  GST_OBJECT_LOCK (self);
  if (pad != self->rtcp_sinkpad) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  self->rtcp_sinkpad = NULL;
  self->sr_pending = FALSE;
  GST_OBJECT_UNLOCK (self);
  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
}

/* Upstream events go to the RTP sink as they are (queries, through the
 * default handler, likewise: the latency is upstream's, nothing added). */
static gboolean
hc_rtp_passthrough_src_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  HcRtpPassthrough *self = HC_RTP_PASSTHROUGH (parent);

  return gst_pad_push_event (self->sinkpad, event);
}

/* ---------------------------------------------------------------------- */
/* Installing                                                              */
/* ---------------------------------------------------------------------- */

/* rtpbin's "request-jitterbuffer", on the streaming thread that found a new
 * SSRC.  A floating element, as rtpbin's own default handler returns. */
static GstElement *
on_request_jitterbuffer (GstElement *rtpbin, guint session_id,
                         gpointer user_data)
{
  GST_DEBUG_OBJECT (rtpbin, "session %u: hcrtppassthrough", session_id);
  return g_object_new (HC_TYPE_RTP_PASSTHROUGH, NULL);
}

gboolean
hc_rtp_passthrough_install (GstElement *webrtcbin)
{
  g_autoptr (GstElement) rtpbin = NULL;

  g_return_val_if_fail (GST_IS_BIN (webrtcbin), FALSE);
  /* webrtcbin 1.22 makes its rtpbin, named so, when it is created */
  rtpbin = gst_bin_get_by_name (GST_BIN (webrtcbin), "rtpbin");
  if (rtpbin == NULL
      || g_signal_lookup ("request-jitterbuffer", G_OBJECT_TYPE (rtpbin)) == 0)
    return FALSE;
  g_signal_connect (rtpbin, "request-jitterbuffer",
                    G_CALLBACK (on_request_jitterbuffer), NULL);
  return TRUE;
}

void
hc_rtp_passthrough_set_shortcut (HcRtpPassthrough *self, GstPad *pad, guint8 pt)
{
  g_return_if_fail (HC_IS_RTP_PASSTHROUGH (self));
  g_return_if_fail (GST_IS_PAD (pad) && GST_PAD_IS_SRC (pad));

  GST_OBJECT_LOCK (self);
  if (self->shortcut == NULL) {
    GST_DEBUG_OBJECT (self, "payload type %u: straight to %" GST_PTR_FORMAT, pt,
                      pad);
    self->shortcut_pt = pt;
    g_atomic_pointer_set (&self->shortcut, gst_object_ref (pad));
  }
  GST_OBJECT_UNLOCK (self);
}

guint64
hc_rtp_passthrough_get_shortcut_packets (HcRtpPassthrough *self)
{
  g_return_val_if_fail (HC_IS_RTP_PASSTHROUGH (self), 0);

  return atomic_load (&self->shortcut_packets);
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                 */
/* ---------------------------------------------------------------------- */

/* The fields webrtcbin's get-stats reads, under rtpjitterbuffer's names,
 * and the structure's name too. */
static GstStructure *
make_stats (HcRtpPassthrough *self)
{
  GstStructure *s;

  GST_OBJECT_LOCK (self);
  s = gst_structure_new (
      "application/x-rtp-jitterbuffer-stats", "num-pushed", G_TYPE_UINT64,
      self->pushed, "num-lost", G_TYPE_UINT64, self->lost, "num-late",
      G_TYPE_UINT64, G_GUINT64_CONSTANT (0), "num-duplicates", G_TYPE_UINT64,
      self->duplicates, "avg-jitter", G_TYPE_UINT64, G_GUINT64_CONSTANT (0),
      "rtx-count", G_TYPE_UINT64, self->rtx_requests, "rtx-success-count",
      G_TYPE_UINT64, self->rtx_success, "rtx-per-packet", G_TYPE_DOUBLE,
      self->rtx_requests ? 1.0 : 0.0, "rtx-rtt", G_TYPE_UINT64,
      G_GUINT64_CONSTANT (0), "num-out-of-order", G_TYPE_UINT64, self->late,
      NULL);
  GST_OBJECT_UNLOCK (self);
  return s;
}

static void
hc_rtp_passthrough_set_property (GObject *object, guint prop_id,
                                 const GValue *value, GParamSpec *pspec)
{
  HcRtpPassthrough *self = HC_RTP_PASSTHROUGH (object);

  GST_OBJECT_LOCK (self);
  if (prop_id == PROP_LATENCY)
    self->latency_ms = g_value_get_uint (value);
  else if (prop_id < N_FLAGS)
    self->flags[prop_id] = g_value_get_boolean (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

static void
hc_rtp_passthrough_get_property (GObject *object, guint prop_id, GValue *value,
                                 GParamSpec *pspec)
{
  HcRtpPassthrough *self = HC_RTP_PASSTHROUGH (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }
  GST_OBJECT_LOCK (self);
  if (prop_id == PROP_LATENCY)
    g_value_set_uint (value, self->latency_ms);
  else if (prop_id < N_FLAGS)
    g_value_set_boolean (value, self->flags[prop_id]);
  else if (prop_id == PROP_PERCENT)
    g_value_set_int (value, 100); /* never buffering */
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

static void
hc_rtp_passthrough_init (HcRtpPassthrough *self)
{
  self->latency_ms = DEFAULT_LATENCY_MS;
  self->flags[PROP_DO_RETRANSMISSION] = DEFAULT_DO_RETRANSMISSION;
  self->flags[PROP_DO_LOST] = DEFAULT_DO_LOST;
  self->flags[PROP_DROP_ON_LATENCY] = DEFAULT_DROP_ON_LATENCY;

  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, hc_rtp_passthrough_chain);
  gst_pad_set_chain_list_function (self->sinkpad,
                                   hc_rtp_passthrough_chain_list);
  gst_pad_set_event_function (self->sinkpad, hc_rtp_passthrough_sink_event);
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_event_function (self->srcpad, hc_rtp_passthrough_src_event);
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}

static void
hc_rtp_passthrough_finalize (GObject *object)
{
  HcRtpPassthrough *self = HC_RTP_PASSTHROUGH (object);

  gst_clear_object (&self->shortcut);
  G_OBJECT_CLASS (hc_rtp_passthrough_parent_class)->finalize (object);
}

static void
hc_rtp_passthrough_class_init (HcRtpPassthroughClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  object_class->finalize = hc_rtp_passthrough_finalize;
  object_class->set_property = hc_rtp_passthrough_set_property;
  object_class->get_property = hc_rtp_passthrough_get_property;

  props[PROP_LATENCY] = g_param_spec_uint (
      "latency", "Latency",
      "Set by rtpbin like a jitter buffer's latency (ms); nothing is held: "
      "only the deadline of the retransmission requests",
      0, G_MAXUINT, DEFAULT_LATENCY_MS,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_DO_RETRANSMISSION] = g_param_spec_boolean (
      "do-retransmission", "Do retransmission",
      "Ask upstream once for each packet of a sequence gap (up to 64), as "
      "soon as the gap shows (rtpsession sends the NACK)",
      DEFAULT_DO_RETRANSMISSION, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_DO_LOST] = g_param_spec_boolean (
      "do-lost", "Do lost",
      "Accepted for rtpbin; no packet-lost events are sent (nothing waits "
      "for a missing packet)",
      DEFAULT_DO_LOST, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_DROP_ON_LATENCY] = g_param_spec_boolean (
      "drop-on-latency", "Drop on latency",
      "Accepted for rtpbin; nothing is held, so nothing exceeds a latency",
      DEFAULT_DROP_ON_LATENCY, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_PERCENT] = g_param_spec_int (
      "percent", "Buffer percent", "Always 100: never buffering", 0, 100, 100,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_STATS] = g_param_spec_boxed (
      "stats", "Statistics",
      "As rtpjitterbuffer's, for webrtcbin's get-stats: num-pushed, num-lost "
      "(missing now), num-late (0: nothing is late), num-duplicates "
      "(dropped), rtx-count (packets asked for), rtx-success-count (asked "
      "for and came), num-out-of-order (pushed after a later packet); "
      "avg-jitter, rtx-rtt 0",
      GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class,
                                             &rtcp_sink_template);
  element_class->request_new_pad = hc_rtp_passthrough_request_new_pad;
  element_class->release_pad = hc_rtp_passthrough_release_pad;
  gst_element_class_set_static_metadata (
      element_class, "RTP pass-through (no jitter buffer)",
      "Filter/Network/RTP",
      "Takes a jitter buffer's place in rtpbin where received RTP is only "
      "forwarded: pushes every packet on at once in the same thread, drops "
      "duplicates, counts loss, asks for a gap's packets once; the sender's "
      "RTCP SRs (sink_rtcp) go on as hc-sender-clock events",
      "hyperconf");

  GST_DEBUG_CATEGORY_INIT (hc_rtp_passthrough_debug, "hc-rtp-passthrough", 0,
                           "hyperconf RTP pass-through for rtpbin");
}
