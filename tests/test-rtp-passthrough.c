/* hyperconf — hcrtppassthrough element tests (GstHarness).
 *
 *   harness (upstream: rtpssrcdemux's place) ──▶ sink ─▶ src ──▶ harness
 *
 * What rtpbin's jitter buffer place asks of it: every packet out at once,
 * in the pushing thread, in arrival order; duplicates dropped; loss counted
 * as webrtcbin's get-stats reads it; with do-retransmission a gap asked for
 * once, upstream; a subscriber's NACK or keyframe request passed upstream
 * untouched; the latency unchanged.
 */
#include "hc-test-rtp.h"
#include <hyperconf/hc-forwarder.h>
#include <hyperconf/hc-rtp-passthrough.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>

#define SSRC 0x11223344u
#define CAPS                                                                   \
  "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,"          \
  "payload=96"

static GstBuffer *
packet (guint32 ssrc, guint16 seq)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GstBuffer *buf = gst_rtp_buffer_new_allocate (8, 0, 0);

  g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_ssrc (&rtp, ssrc);
  gst_rtp_buffer_set_payload_type (&rtp, 96);
  gst_rtp_buffer_set_seq (&rtp, seq);
  gst_rtp_buffer_set_timestamp (&rtp, 3000u * seq);
  gst_rtp_buffer_unmap (&rtp);
  return buf;
}

static GstHarness *
harness_new (void)
{
  GstHarness *h = gst_harness_new ("hcrtppassthrough");

  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

/* Pushes @seq; asserts whether it came out, at once (no thread: it is in
 * the output queue when the push returns). */
static void
push_expect (GstHarness *h, guint16 seq, gboolean out)
{
  guint before = gst_harness_buffers_in_queue (h);

  g_assert_cmpint (gst_harness_push (h, packet (SSRC, seq)), ==, GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_in_queue (h), ==, before + !!out);
  if (out) {
    GstBuffer *buf = gst_harness_pull (h);

    g_assert_cmpuint (hc_test_rtp_seq (buf), ==, seq);
    gst_buffer_unref (buf);
  }
}

static guint64
stat (GstHarness *h, const gchar *field)
{
  g_autoptr (GstStructure) stats = NULL;
  guint64 value = G_MAXUINT64;

  g_object_get (h->element, "stats", &stats, NULL);
  g_assert_true (gst_structure_get_uint64 (stats, field, &value));
  return value;
}

/* The upstream retransmission requests that reached the harness's source,
 * as a string of seqnums, e.g. "11 12 13". */
static gchar *
requests (GstHarness *h, guint *deadline)
{
  GString *seqs = g_string_new (NULL);
  GstEvent *event;

  while ((event = gst_harness_try_pull_upstream_event (h))) {
    const GstStructure *s = gst_event_get_structure (event);
    guint seqnum = 0, ssrc = 0;

    if (GST_EVENT_TYPE (event) == GST_EVENT_CUSTOM_UPSTREAM && s
        && gst_structure_has_name (s, "GstRTPRetransmissionRequest")) {
      g_assert_true (gst_structure_get_uint (s, "seqnum", &seqnum));
      g_assert_true (gst_structure_get_uint (s, "ssrc", &ssrc));
      g_assert_cmphex (ssrc, ==, SSRC);
      if (deadline)
        g_assert_true (gst_structure_get_uint (s, "deadline", deadline));
      g_string_append_printf (seqs, "%s%u", seqs->len ? " " : "", seqnum);
    }
    gst_event_unref (event);
  }
  return g_string_free (seqs, FALSE);
}

static void
test_in_order (void)
{
  GstHarness *h = harness_new ();
  GstBuffer *in = packet (SSRC, 100), *out;

  /* the very buffer, not a copy */
  gst_buffer_ref (in);
  g_assert_cmpint (gst_harness_push (h, in), ==, GST_FLOW_OK);
  out = gst_harness_pull (h);
  g_assert_true (out == in);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  for (guint seq = 101; seq < 300; seq++)
    push_expect (h, seq, TRUE);
  g_assert_cmpuint (stat (h, "num-pushed"), ==, 200);
  g_assert_cmpuint (stat (h, "num-lost"), ==, 0);
  g_assert_cmpuint (stat (h, "num-duplicates"), ==, 0);
  g_assert_cmpuint (stat (h, "num-late"), ==, 0);
  g_assert_cmpuint (stat (h, "rtx-success-count"), ==, 0);
  gst_harness_teardown (h);
}

/* Across 65535 -> 0 nothing is lost or late. */
static void
test_wraparound (void)
{
  GstHarness *h = harness_new ();

  for (guint i = 0; i < 10; i++)
    push_expect (h, (guint16)(65530 + i), TRUE);
  g_assert_cmpuint (stat (h, "num-lost"), ==, 0);
  g_assert_cmpuint (stat (h, "num-out-of-order"), ==, 0);
  /* one lost across the wrap, then it comes late */
  push_expect (h, 5, TRUE);
  g_assert_cmpuint (stat (h, "num-lost"), ==, 1);
  push_expect (h, 4, TRUE);
  g_assert_cmpuint (stat (h, "num-lost"), ==, 0);
  gst_harness_teardown (h);
}

static void
test_gap_late_duplicate (void)
{
  GstHarness *h = harness_new ();
  g_autofree gchar *asked = NULL;

  push_expect (h, 1, TRUE);
  push_expect (h, 2, TRUE);
  push_expect (h, 6, TRUE); /* 3, 4, 5 missing */
  g_assert_cmpuint (stat (h, "num-lost"), ==, 3);
  push_expect (h, 4, TRUE); /* late: passed on as it comes */
  g_assert_cmpuint (stat (h, "num-lost"), ==, 2);
  g_assert_cmpuint (stat (h, "num-out-of-order"), ==, 1);
  push_expect (h, 4, FALSE); /* twice: dropped */
  push_expect (h, 6, FALSE);
  push_expect (h, 1, FALSE);
  g_assert_cmpuint (stat (h, "num-duplicates"), ==, 3);
  g_assert_cmpuint (stat (h, "num-pushed"), ==, 4);
  /* nothing asked for without do-retransmission */
  asked = requests (h, NULL);
  g_assert_cmpstr (asked, ==, "");
  /* older than the window: not known, passed on */
  for (guint seq = 7; seq < 7 + HC_RTP_PASSTHROUGH_WINDOW + 10; seq++)
    push_expect (h, seq, TRUE);
  push_expect (h, 3, TRUE);
  gst_harness_teardown (h);
}

/* A new SSRC, or a jump beyond RFC 3550's MAX_DROPOUT, starts afresh:
 * neither counts as loss. */
static void
test_new_sequence (void)
{
  GstHarness *h = harness_new ();

  push_expect (h, 10, TRUE);
  push_expect (h, 40000, TRUE);
  push_expect (h, 40001, TRUE);
  g_assert_cmpint (gst_harness_push (h, packet (SSRC + 1, 7)), ==, GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  g_assert_cmpuint (stat (h, "num-lost"), ==, 0);
  g_assert_cmpuint (stat (h, "num-pushed"), ==, 4);
  gst_harness_teardown (h);
}

static void
test_retransmission_requests (void)
{
  GstHarness *h = harness_new ();
  g_autofree gchar *first = NULL, *big = NULL;
  guint deadline = 0;

  g_object_set (h->element, "do-retransmission", TRUE, "latency", 150, NULL);
  push_expect (h, 10, TRUE);
  push_expect (h, 14, TRUE);
  first = requests (h, &deadline);
  g_assert_cmpstr (first, ==, "11 12 13");
  g_assert_cmpuint (deadline, ==, 150);
  g_assert_cmpuint (stat (h, "rtx-count"), ==, 3);
  /* asked once only: a later packet asks for nothing more */
  push_expect (h, 15, TRUE);
  g_free (first);
  first = requests (h, NULL);
  g_assert_cmpstr (first, ==, "");
  /* the answer comes: repaired */
  push_expect (h, 12, TRUE);
  g_assert_cmpuint (stat (h, "rtx-success-count"), ==, 1);
  g_assert_cmpuint (stat (h, "num-lost"), ==, 2);
  /* a burst longer than 64: counted, not asked for */
  push_expect (h, 15 + 100, TRUE);
  big = requests (h, NULL);
  g_assert_cmpstr (big, ==, "");
  g_assert_cmpuint (stat (h, "num-lost"), ==, 2 + 99);
  gst_harness_teardown (h);
}

/* Buffer lists: duplicates leave the list, the rest goes on in one push. */
static void
test_buffer_list (void)
{
  GstHarness *h = harness_new ();
  GstBufferList *list = gst_buffer_list_new ();
  guint16 seqs[] = { 1, 2, 2, 3, 1 };

  for (guint i = 0; i < G_N_ELEMENTS (seqs); i++)
    gst_buffer_list_add (list, packet (SSRC, seqs[i]));
  g_assert_cmpint (gst_pad_push_list (h->srcpad, list), ==, GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_in_queue (h), ==, 3);
  for (guint16 seq = 1; seq <= 3; seq++) {
    GstBuffer *buf = gst_harness_pull (h);

    g_assert_cmpuint (hc_test_rtp_seq (buf), ==, seq);
    gst_buffer_unref (buf);
  }
  g_assert_cmpuint (stat (h, "num-duplicates"), ==, 2);
  gst_harness_teardown (h);
}

/* What a subscriber sends upstream through hcforwarder (a NACK already
 * mapped to the publisher's numbers, a keyframe request) reaches the
 * session untouched. */
static void
test_upstream_events (void)
{
  GstHarness *h = harness_new ();
  GstEvent *nack = gst_event_new_custom (
      GST_EVENT_CUSTOM_UPSTREAM,
      gst_structure_new ("GstRTPRetransmissionRequest", "seqnum", G_TYPE_UINT,
                         4242, NULL));
  GstEvent *got;

  push_expect (h, 1, TRUE);
  while ((got = gst_harness_try_pull_upstream_event (h)))
    gst_event_unref (got);
  g_assert_true (gst_harness_push_upstream_event (h, gst_event_ref (nack)));
  got = gst_harness_pull_upstream_event (h);
  g_assert_true (got == nack);
  gst_event_unref (got);
  gst_event_unref (nack);
  g_assert_true (gst_harness_push_upstream_event (
      h, hc_forwarder_new_keyframe_request ()));
  got = gst_harness_pull_upstream_event (h);
  g_assert_true (gst_video_event_is_force_key_unit (got));
  gst_event_unref (got);
  gst_harness_teardown (h);
}

/* An RTCP compound from @ssrc with an SR (@sr) or an RR only, as the
 * sender's rtpsession passes it to rtpssrcdemux. */
static GstBuffer *
rtcp_packet (guint32 ssrc, gboolean sr, guint64 ntp_time, guint32 rtp_time)
{
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;
  GstBuffer *buf = gst_rtcp_buffer_new (1400);

  g_assert_true (gst_rtcp_buffer_map (buf, GST_MAP_READWRITE, &rtcp));
  if (sr) {
    g_assert_true (
        gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_SR, &packet));
    gst_rtcp_packet_sr_set_sender_info (&packet, ssrc, ntp_time, rtp_time, 10,
                                        1000);
  } else {
    g_assert_true (
        gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_RR, &packet));
    gst_rtcp_packet_rr_set_ssrc (&packet, ssrc);
  }
  g_assert_true (
      gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_SDES, &packet));
  g_assert_true (gst_rtcp_packet_sdes_add_item (&packet, ssrc));
  g_assert_true (gst_rtcp_packet_sdes_add_entry (&packet, GST_RTCP_SDES_CNAME,
                                                 4, (const guint8 *)"cnam"));
  gst_rtcp_buffer_unmap (&rtcp);
  return buf;
}

/* The sender's SR, arriving on the "sink_rtcp" pad rtpbin requests, goes
 * on as one hc-sender-clock event with its values, right before the next
 * packet (the newest SR only; of a compound, the stream's own SR); RTCP
 * without an SR, and garbage, send nothing. */
static void
test_sender_report (void)
{
  GstHarness *h = harness_new ();
  GstHarness *rtcp
      = gst_harness_new_with_element (h->element, "sink_rtcp", NULL);
  g_autoptr (GstPad) src = gst_element_get_static_pad (h->element, "src");
  g_autoptr (GString) log = g_string_new (NULL);
  const guint64 ntp = G_GUINT64_CONSTANT (0xe8a1b2c3d4e5f607);
  const guint8 junk[] = { 0x80, 0xc8, 0x00, 0x40, 1, 2, 3 };

  gst_harness_set_src_caps_str (rtcp, "application/x-rtcp");
  hc_test_record_flow (src, log);
  push_expect (h, 1, TRUE);
  g_assert_cmpint (
      gst_harness_push (rtcp, rtcp_packet (SSRC, TRUE, ntp, 123456)), ==,
      GST_FLOW_OK);
  push_expect (h, 2, TRUE);
  push_expect (h, 3, TRUE);
  g_assert_cmpstr (log->str, ==,
                   "#1 clock(11223344,16762875842209904135,123456) #2 #3 ");

  /* RR only, garbage, an empty buffer: nothing */
  g_string_truncate (log, 0);
  g_assert_cmpint (gst_harness_push (rtcp, rtcp_packet (SSRC, FALSE, 0, 0)), ==,
                   GST_FLOW_OK);
  g_assert_cmpint (
      gst_harness_push (rtcp, gst_buffer_new_memdup (junk, sizeof junk)), ==,
      GST_FLOW_OK);
  g_assert_cmpint (gst_harness_push (rtcp, gst_buffer_new ()), ==, GST_FLOW_OK);
  push_expect (h, 4, TRUE);
  g_assert_cmpstr (log->str, ==, "#4 ");

  /* two SRs before a packet: the newer one only */
  g_string_truncate (log, 0);
  gst_harness_push (rtcp, rtcp_packet (SSRC, TRUE, ntp, 1));
  gst_harness_push (rtcp, rtcp_packet (SSRC, TRUE, ntp + 1, 2));
  push_expect (h, 5, TRUE);
  g_assert_cmpstr (log->str, ==, "clock(11223344,16762875842209904136,2) #5 ");

  /* a compound with another sender's SR first: the stream's own */
  g_string_truncate (log, 0);
  {
    GstBuffer *buf = rtcp_packet (0x55555555u, TRUE, 7, 7);
    GstRTCPBuffer both = GST_RTCP_BUFFER_INIT;
    GstRTCPPacket packet;

    g_assert_true (gst_rtcp_buffer_map (buf, GST_MAP_READWRITE, &both));
    g_assert_true (
        gst_rtcp_buffer_add_packet (&both, GST_RTCP_TYPE_SR, &packet));
    gst_rtcp_packet_sr_set_sender_info (&packet, SSRC, 8, 8, 1, 1);
    gst_rtcp_buffer_unmap (&both);
    gst_harness_push (rtcp, buf);
  }
  push_expect (h, 6, TRUE);
  g_assert_cmpstr (log->str, ==, "clock(11223344,8,8) #6 ");

  gst_harness_teardown (rtcp);
  gst_harness_teardown (h);
}

/* Where a jitter buffer adds its latency, this adds nothing. */
static void
test_latency (void)
{
  GstHarness *h = harness_new ();

  gst_harness_set_upstream_latency (h, 30 * GST_MSECOND);
  g_object_set (h->element, "latency", 200, NULL);
  g_assert_cmpuint (gst_harness_query_latency (h), ==, 30 * GST_MSECOND);
  gst_harness_teardown (h);
}

/* The properties rtpbin sets and reads, and what webrtcbin's stats read,
 * are there with the types they use. */
static void
test_jitterbuffer_interface (void)
{
  GstElement *e = gst_element_factory_make ("hcrtppassthrough", NULL);
  const gchar *needed[]
      = { "num-lost", "num-duplicates", "num-late", "rtx-success-count" };
  g_autoptr (GstStructure) stats = NULL;
  gint percent = 0;

  g_assert_nonnull (e);
  g_object_set (e, "latency", 200u, "do-lost", TRUE, "drop-on-latency", TRUE,
                "do-retransmission", FALSE, NULL);
  g_object_get (e, "percent", &percent, "stats", &stats, NULL);
  g_assert_cmpint (percent, ==, 100);
  for (guint i = 0; i < G_N_ELEMENTS (needed); i++)
    g_assert_true (
        gst_structure_has_field_typed (stats, needed[i], G_TYPE_UINT64));
  gst_object_unref (e);
}

/* hc_rtp_passthrough_install: webrtcbin's rtpbin answers its
 * "request-jitterbuffer" with one. */
static void
test_install (void)
{
  GstElement *webrtcbin = gst_element_factory_make ("webrtcbin", NULL);
  g_autoptr (GstElement) rtpbin = NULL;
  GstElement *made = NULL;
  GstElement *bin = gst_bin_new (NULL);

  g_assert_nonnull (webrtcbin);
  g_assert_false (hc_rtp_passthrough_install (bin));
  gst_object_unref (bin);
  g_assert_true (hc_rtp_passthrough_install (webrtcbin));
  rtpbin = gst_bin_get_by_name (GST_BIN (webrtcbin), "rtpbin");
  g_signal_emit_by_name (rtpbin, "request-jitterbuffer", 0u, &made);
  g_assert_nonnull (made);
  g_assert_true (HC_IS_RTP_PASSTHROUGH (made));
  gst_object_unref (gst_object_ref_sink (made));
  gst_object_unref (webrtcbin);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  g_assert_true (hc_media_register_elements (NULL));

  g_test_add_func ("/rtp-passthrough/in-order", test_in_order);
  g_test_add_func ("/rtp-passthrough/wraparound", test_wraparound);
  g_test_add_func ("/rtp-passthrough/gap-late-duplicate",
                   test_gap_late_duplicate);
  g_test_add_func ("/rtp-passthrough/new-sequence", test_new_sequence);
  g_test_add_func ("/rtp-passthrough/retransmission-requests",
                   test_retransmission_requests);
  g_test_add_func ("/rtp-passthrough/buffer-list", test_buffer_list);
  g_test_add_func ("/rtp-passthrough/upstream-events", test_upstream_events);
  g_test_add_func ("/rtp-passthrough/sender-report", test_sender_report);
  g_test_add_func ("/rtp-passthrough/latency", test_latency);
  g_test_add_func ("/rtp-passthrough/jitterbuffer-interface",
                   test_jitterbuffer_interface);
  g_test_add_func ("/rtp-passthrough/install", test_install);
  return g_test_run ();
}
