/* hyperconf — hcforwarder element tests (GstHarness).
 *
 *   harness "in" ──▶ sink ┐
 *                         ├─ src_0 ──▶ harness "a"
 *                         └─ src_1 ──▶ harness "b"   (each an output)
 *
 * Every packet coming out is checked field by field with GstRTPBuffer.
 */
#include "hc-test-rtp.h"
#include <hyperconf/hc-forwarder.h>
#include <hyperconf/hc-mixminus.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>

#include <string.h>

#define IN_SSRC 0x0a0b0c0du
#define IN_PT   96
#define IN_CSRC 0x01020304u
#define IN_CAPS                                                                \
  "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,"          \
  "payload=96,ssrc=(uint)168496141,seqnum-offset=(uint)1000,"                  \
  "extmap-3=http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"

#define PAYLOAD_LEN 20

/* A packet whose payload bytes are derived from @seq, so that a check can
 * tell which input packet an output came from. */
static GstBuffer *
make_packet_full (guint16 seq, gboolean with_extension, guint8 pad_len)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GstBuffer *buf = gst_rtp_buffer_new_allocate (PAYLOAD_LEN, pad_len, 1);
  guint8 *payload;

  g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_ssrc (&rtp, IN_SSRC);
  gst_rtp_buffer_set_payload_type (&rtp, IN_PT);
  gst_rtp_buffer_set_seq (&rtp, seq);
  gst_rtp_buffer_set_timestamp (&rtp, 90u * seq);
  gst_rtp_buffer_set_marker (&rtp, seq % 2);
  gst_rtp_buffer_set_csrc (&rtp, 0, IN_CSRC);
  payload = gst_rtp_buffer_get_payload (&rtp);
  for (guint i = 0; i < PAYLOAD_LEN; i++)
    payload[i] = (guint8)(seq + i);
  if (with_extension) {
    const guint8 level[] = { 0x80 | 42, 0xaa, 0xbb };

    g_assert_true (gst_rtp_buffer_add_extension_onebyte_header (&rtp, 1, level,
                                                                sizeof level));
  }
  gst_rtp_buffer_unmap (&rtp);
  GST_BUFFER_PTS (buf) = seq * GST_MSECOND;
  return buf;
}

static GstBuffer *
make_packet (guint16 seq)
{
  return make_packet_full (seq, FALSE, 0);
}

typedef struct {
  guint32 ssrc;
  guint8 pt;
  gboolean extension;
} Expect;

/* Checks every header field and the payload of @buf, forwarded from input
 * packet @in_seq; returns its sequence number. */
static guint16
check_packet (GstBuffer *buf, guint16 in_seq, const Expect *e, guint8 pad_len)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  const guint8 *payload;
  guint16 seq;

  g_assert_nonnull (buf);
  g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp));
  g_assert_cmpuint (gst_rtp_buffer_get_version (&rtp), ==, 2);
  g_assert_cmpint (gst_rtp_buffer_get_padding (&rtp), ==, pad_len > 0);
  g_assert_cmpint (gst_rtp_buffer_get_extension (&rtp), ==, e->extension);
  g_assert_cmpuint (gst_rtp_buffer_get_csrc_count (&rtp), ==, 1);
  g_assert_cmphex (gst_rtp_buffer_get_csrc (&rtp, 0), ==, IN_CSRC);
  g_assert_cmpint (gst_rtp_buffer_get_marker (&rtp), ==, in_seq % 2);
  g_assert_cmpuint (gst_rtp_buffer_get_payload_type (&rtp), ==, e->pt);
  g_assert_cmphex (gst_rtp_buffer_get_ssrc (&rtp), ==, e->ssrc);
  g_assert_cmpuint (gst_rtp_buffer_get_timestamp (&rtp), ==, 90u * in_seq);
  g_assert_cmpuint (gst_rtp_buffer_get_payload_len (&rtp), ==, PAYLOAD_LEN);
  payload = gst_rtp_buffer_get_payload (&rtp);
  for (guint i = 0; i < PAYLOAD_LEN; i++)
    g_assert_cmpuint (payload[i], ==, (guint8)(in_seq + i));
  if (pad_len) {
    gsize size = gst_buffer_get_size (buf);
    guint8 last;

    gst_buffer_extract (buf, size - 1, &last, 1);
    g_assert_cmpuint (last, ==, pad_len);
  }
  g_assert_cmpuint (GST_BUFFER_PTS (buf), ==, in_seq * GST_MSECOND);
  seq = gst_rtp_buffer_get_seq (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  return seq;
}

static GstHarness *
new_input (void)
{
  GstHarness *h = gst_harness_new_with_padnames ("hcforwarder", "sink", NULL);

  gst_harness_set_src_caps_str (h, IN_CAPS);
  return h;
}

static GstHarness *
new_output (GstHarness *in, GstPad **pad)
{
  GstHarness *h = gst_harness_new_with_element (in->element, NULL, "src_%u");

  if (pad)
    *pad = GST_PAD_PEER (h->sinkpad);
  return h;
}

static guint64
packets_of (GstPad *pad)
{
  guint64 n;

  g_object_get (pad, "packets", &n, NULL);
  return n;
}

/* --------------------------------------------------------------------- */

static void
test_defaults (void)
{
  g_autoptr (GstElement) f = gst_element_factory_make ("hcforwarder", NULL);
  GstPad *pad;
  guint ssrc;
  gint pt;
  gboolean strip;

  g_assert_nonnull (f);
  pad = gst_element_request_pad_simple (f, "src_%u");
  g_assert_true (HC_IS_FORWARDER_PAD (pad));
  g_assert_cmpstr (GST_PAD_NAME (pad), ==, "src_0");
  g_object_get (pad, "ssrc", &ssrc, "pt", &pt, "strip-extensions", &strip,
                NULL);
  g_assert_cmpuint (ssrc, ==, 0);
  g_assert_cmpint (pt, ==, -1);
  g_assert_true (strip);
  g_assert_cmpuint (packets_of (pad), ==, 0);

  /* Pad properties by name, as gst-launch-1.0 sets them. */
  g_assert_true (GST_IS_CHILD_PROXY (f));
  gst_child_proxy_set (GST_CHILD_PROXY (f), "src_0::pt", 100, NULL);
  g_object_get (pad, "pt", &pt, NULL);
  g_assert_cmpint (pt, ==, 100);

  gst_element_release_request_pad (f, pad);
  gst_object_unref (pad);
  g_assert_cmpuint (f->numsrcpads, ==, 0);
}

/* gst-launch-1.0 syntax for pad properties (the pad appears only when the
 * link requests it, so this goes through GstChildProxy's child-added). */
static void
test_parse_pad_properties (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) bin
      = gst_parse_launch ("hcforwarder name=f src_0::pt=100 src_0::ssrc=1234 "
                          "src_0::strip-extensions=false f.src_0 ! fakesink",
                          &error);
  g_autoptr (GstElement) f = NULL;
  g_autoptr (GstPad) pad = NULL;
  guint ssrc;
  gint pt;
  gboolean strip;

  g_assert_no_error (error);
  f = gst_bin_get_by_name (GST_BIN (bin), "f");
  pad = gst_element_get_static_pad (f, "src_0");
  g_assert_nonnull (pad);
  g_object_get (pad, "ssrc", &ssrc, "pt", &pt, "strip-extensions", &strip,
                NULL);
  g_assert_cmpuint (ssrc, ==, 1234);
  g_assert_cmpint (pt, ==, 100);
  g_assert_false (strip);
}

/* Two outputs configured differently; every field of every packet. */
static void
test_rewrite_two_outputs (void)
{
  GstHarness *in = new_input ();
  GstPad *pa, *pb;
  GstHarness *a = new_output (in, &pa);
  GstHarness *b = new_output (in, &pb);
  const Expect ea = { 0x11111111u, 100, FALSE };
  const Expect eb = { IN_SSRC, IN_PT, FALSE };
  guint16 first_a = 0, first_b = 0;

  g_object_set (pa, "ssrc", ea.ssrc, "pt", (gint)ea.pt, NULL);

  for (guint16 seq = 1000; seq < 1010; seq++) {
    g_autoptr (GstBuffer) in_buf = make_packet (seq);
    g_autoptr (GstBuffer) out_a = NULL;
    g_autoptr (GstBuffer) out_b = NULL;
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    guint16 sa, sb;

    g_assert_cmpint (gst_harness_push (in, gst_buffer_ref (in_buf)), ==,
                     GST_FLOW_OK);
    out_a = gst_harness_pull (a);
    out_b = gst_harness_pull (b);
    sa = check_packet (out_a, seq, &ea, 0);
    sb = check_packet (out_b, seq, &eb, 0);
    if (seq == 1000) {
      first_a = sa;
      first_b = sb;
    }
    /* Per-pad offset: continuous, each from its own start. */
    g_assert_cmpuint (sa, ==, (guint16)(first_a + seq - 1000));
    g_assert_cmpuint (sb, ==, (guint16)(first_b + seq - 1000));

    /* The input buffer (still ours) was not written to. */
    g_assert_true (gst_rtp_buffer_map (in_buf, GST_MAP_READ, &rtp));
    g_assert_cmphex (gst_rtp_buffer_get_ssrc (&rtp), ==, IN_SSRC);
    g_assert_cmpuint (gst_rtp_buffer_get_seq (&rtp), ==, seq);
    gst_rtp_buffer_unmap (&rtp);
  }
  g_assert_cmpuint (packets_of (pa), ==, 10);
  g_assert_cmpuint (packets_of (pb), ==, 10);
  g_assert_cmpuint (gst_harness_buffers_in_queue (a), ==, 0);

  gst_harness_teardown (b);
  gst_harness_teardown (a);
  gst_harness_teardown (in);
}

/* Each output gets a header of its own and shares the payload with the
 * others (with or without an extension to strip): a subscriber costs a
 * header's copy, and the packets hcsrtpsend keeps for NACKs share their
 * payloads across subscribers. */
static void
test_payload_shared (void)
{
  GstHarness *in = new_input ();
  GstPad *pa, *pb;
  GstHarness *a = new_output (in, &pa);
  GstHarness *b = new_output (in, &pb);
  const Expect ea = { 0x11111111u, 100, FALSE };
  const Expect eb = { 0x22222222u, 101, FALSE };

  g_object_set (pa, "ssrc", ea.ssrc, "pt", (gint)ea.pt, NULL);
  g_object_set (pb, "ssrc", eb.ssrc, "pt", (gint)eb.pt, NULL);
  for (guint16 seq = 500; seq < 504; seq++) {
    g_autoptr (GstBuffer) out_a = NULL;
    g_autoptr (GstBuffer) out_b = NULL;
    GstRTPBuffer ra = GST_RTP_BUFFER_INIT, rb = GST_RTP_BUFFER_INIT;

    g_assert_cmpint (
        gst_harness_push (in, make_packet_full (seq, seq % 2 == 1, 0)), ==,
        GST_FLOW_OK);
    out_a = gst_harness_pull (a);
    out_b = gst_harness_pull (b);
    check_packet (out_a, seq, &ea, 0);
    check_packet (out_b, seq, &eb, 0);
    g_assert_true (gst_rtp_buffer_map (out_a, GST_MAP_READ, &ra));
    g_assert_true (gst_rtp_buffer_map (out_b, GST_MAP_READ, &rb));
    g_assert_true (gst_rtp_buffer_get_payload (&ra)
                   == gst_rtp_buffer_get_payload (&rb));
    g_assert_true (ra.data[0] != rb.data[0]);
    gst_rtp_buffer_unmap (&rb);
    gst_rtp_buffer_unmap (&ra);
  }
  gst_harness_teardown (b);
  gst_harness_teardown (a);
  gst_harness_teardown (in);
}

/* A packet with no payload at all (header only, as a probe or keep-alive
 * may be), with or without an extension to strip, still comes out whole
 * with its header rewritten. */
static void
test_empty_payload (void)
{
  GstHarness *in = new_input ();
  GstPad *pa;
  GstHarness *a = new_output (in, &pa);

  g_object_set (pa, "ssrc", 0x11111111u, "pt", 100, NULL);
  for (guint i = 0; i < 2; i++) {
    GstBuffer *buf = gst_rtp_buffer_new_allocate (0, 0, 0);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    g_autoptr (GstBuffer) out = NULL;

    g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp));
    gst_rtp_buffer_set_ssrc (&rtp, IN_SSRC);
    gst_rtp_buffer_set_payload_type (&rtp, IN_PT);
    gst_rtp_buffer_set_seq (&rtp, 7 + i);
    if (i == 1) {
      const guint8 level[] = { 0x80 | 42 };

      g_assert_true (gst_rtp_buffer_add_extension_onebyte_header (
          &rtp, 1, level, sizeof level));
    }
    gst_rtp_buffer_unmap (&rtp);
    g_assert_cmpint (gst_harness_push (in, buf), ==, GST_FLOW_OK);
    out = gst_harness_pull (a);
    g_assert_nonnull (out);
    g_assert_cmpuint (gst_buffer_get_size (out), ==, 12);
    g_assert_true (gst_rtp_buffer_map (out, GST_MAP_READ, &rtp));
    g_assert_cmphex (gst_rtp_buffer_get_ssrc (&rtp), ==, 0x11111111u);
    g_assert_cmpuint (gst_rtp_buffer_get_payload_type (&rtp), ==, 100);
    g_assert_false (gst_rtp_buffer_get_extension (&rtp));
    g_assert_cmpuint (gst_rtp_buffer_get_payload_len (&rtp), ==, 0);
    gst_rtp_buffer_unmap (&rtp);
  }
  gst_harness_teardown (a);
  gst_harness_teardown (in);
}

/* A hole in the input stays a hole of the same size in each output, across
 * the 16-bit wrap. */
static void
test_gaps_preserved (void)
{
  GstHarness *in = new_input ();
  GstHarness *a = new_output (in, NULL);
  const guint16 seqs[] = { 65530, 65531, 65534, 2, 3, 10 };
  guint16 first = 0;

  for (guint i = 0; i < G_N_ELEMENTS (seqs); i++) {
    g_autoptr (GstBuffer) out = NULL;
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    guint16 s;

    gst_harness_push (in, make_packet (seqs[i]));
    out = gst_harness_pull (a);
    g_assert_true (gst_rtp_buffer_map (out, GST_MAP_READ, &rtp));
    s = gst_rtp_buffer_get_seq (&rtp);
    gst_rtp_buffer_unmap (&rtp);
    if (i == 0)
      first = s;
    g_assert_cmpuint ((guint16)(s - first), ==, (guint16)(seqs[i] - seqs[0]));
  }
  gst_harness_teardown (a);
  gst_harness_teardown (in);
}

/* A packet of one encode of a mix: @ssrc, @seq, for @listener, block
 * @block, holding @voice. */
static GstBuffer *
mix_packet (guint32 ssrc, guint16 seq, guint64 block, gint listener,
            const guint *except, guint n_except)
{
  GstBuffer *buf = make_packet (seq);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_ssrc (&rtp, ssrc);
  gst_rtp_buffer_unmap (&rtp);
  hc_buffer_add_mix_minus_meta (buf, block, listener, except, n_except, NULL,
                                0);
  return buf;
}

/* The encodes of one mix on "sink" (the plain sum) and "sink_0" (a mix
 * without voice 2): a pad with mix-voice 2 takes, per block, the one
 * packet meant for it, numbered on without a jump when it moves; a pad of
 * a listener without a voice takes the sum only; a pad without mix-voice
 * everything. */
static void
test_mix_voice (void)
{
  GstHarness *sum = new_input ();
  GstHarness *own
      = gst_harness_new_with_element (sum->element, "sink_%u", NULL);
  GstHarness *two = new_output (sum, NULL);
  GstHarness *none = new_output (sum, NULL);
  GstHarness *all = new_output (sum, NULL);
  const guint voice2[] = { 2 };
  guint16 last = 0;

  gst_harness_set_src_caps_str (own, IN_CAPS);
  g_object_set (GST_PAD_PEER (two->sinkpad), "mix-voice", 2, NULL);
  g_object_set (GST_PAD_PEER (none->sinkpad), "mix-voice", -1, NULL);
  for (guint64 block = 0; block < 6; block++) {
    /* voice 2 is mixed in blocks 2 and 3 (its own mix held for 4) */
    gboolean mixed = block >= 2 && block <= 4;
    g_autoptr (GstBuffer) out = NULL;

    gst_harness_push (sum, mix_packet (0x5555, 100 + block, block,
                                       HC_MIX_MINUS_EVERYONE, voice2, mixed));
    gst_harness_push (own,
                      mix_packet (0x6666, 7000 + block, block,
                                  mixed ? 2 : HC_MIX_MINUS_NOBODY, NULL, 0));
    g_assert_cmpuint (gst_harness_buffers_in_queue (two), ==, 1);
    out = gst_harness_pull (two);
    g_assert_cmpuint (hc_buffer_get_mix_minus_meta (out)->listener, ==,
                      mixed ? 2 : HC_MIX_MINUS_EVERYONE);
    if (block > 0)
      g_assert_cmpuint (hc_test_rtp_seq (out), ==, (guint16)(last + 1));
    last = hc_test_rtp_seq (out);
    g_assert_cmpuint (gst_harness_buffers_in_queue (none), ==, 1);
    gst_buffer_unref (gst_harness_pull (none));
    g_assert_cmpuint (gst_harness_buffers_in_queue (all), ==, 2);
    gst_buffer_unref (gst_harness_pull (all));
    gst_buffer_unref (gst_harness_pull (all));
  }
  /* the newest block decides: an Opus packet holds the end of the block
   * before too */
  {
    GstBuffer *buf = mix_packet (0x6666, 7006, 6, 2, NULL, 0);

    hc_buffer_add_mix_minus_meta (buf, 5, HC_MIX_MINUS_NOBODY, NULL, 0, NULL,
                                  0);
    g_assert_true (hc_mix_minus_buffer_is_for (buf, 2));
    g_assert_false (hc_mix_minus_buffer_is_for (buf, 1));
    gst_buffer_unref (buf);
  }
  gst_harness_teardown (all);
  gst_harness_teardown (none);
  gst_harness_teardown (two);
  gst_harness_teardown (own);
  gst_harness_teardown (sum);
}

/* What @h's element src pad sent, recorded by hc_test_record_flow(), with
 * the output's sequence numbers replaced by the input's (@offset: out - in)
 * so that it reads the same for every output. */
static gchar *
flow_in_input_numbers (const GString *log, guint16 offset)
{
  g_auto (GStrv) words = g_strsplit (log->str, " ", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; words[i] && *words[i]; i++) {
    if (words[i][0] == '#')
      g_string_append_printf (
          out, "#%u ",
          (guint16)(g_ascii_strtoull (words[i] + 1, NULL, 10) - offset));
    else
      g_string_append_printf (out, "%s ", words[i]);
  }
  return g_string_free (out, FALSE);
}

static GstPadProbeReturn hold (GstPad *pad, GstPadProbeInfo *info,
                               gpointer data);

/* The publisher's sender clock (its SR's NTP/RTP pair, an hc-sender-clock
 * event from hcrtppassthrough) goes to every output in order with the
 * packets, under that output's SSRC; a pad requested later, or one whose
 * peer was blocked, gets the last one before its first packet; a
 * "mix-voice" pad, whose packets are a mixer's, gets none. */
static void
test_sender_clock (void)
{
  GstHarness *in = new_input ();
  GstPad *pads[4];
  GstHarness *out[4];
  GString *logs[4];
  const guint32 ssrcs[] = { 0x11111111u, 0x22222222u, 0, 0x44444444u };
  const guint64 ntp = G_GUINT64_CONSTANT (0xe8a1b2c3d4e5f607);
  guint16 offsets[4];
  GstEvent *ev;
  guint32 ssrc, rtp_time;
  gint64 arrival = 0;

  for (guint i = 0; i < 3; i++) {
    out[i] = new_output (in, &pads[i]);
    logs[i] = g_string_new (NULL);
    hc_test_record_flow (pads[i], logs[i]);
    g_object_set (pads[i], "ssrc", ssrcs[i], NULL);
  }
  g_object_set (pads[2], "mix-voice", -1, NULL);

  gst_harness_push (in, make_packet (1));
  g_assert_true (gst_harness_push_event (
      in, hc_sender_clock_event_new (IN_SSRC, ntp, 4242, 123456789)));
  gst_harness_push (in, make_packet (2));

  /* a late subscriber */
  out[3] = new_output (in, &pads[3]);
  logs[3] = g_string_new (NULL);
  hc_test_record_flow (pads[3], logs[3]);
  g_object_set (pads[3], "ssrc", ssrcs[3], NULL);
  gst_harness_push (in, make_packet (3));

  for (guint i = 0; i < 4; i++) {
    g_autoptr (GstBuffer) first = gst_harness_pull (out[i]);

    offsets[i] = (guint16)(hc_test_rtp_seq (first) - (i == 3 ? 3 : 1));
  }
  {
    g_autofree gchar *a = flow_in_input_numbers (logs[0], offsets[0]);
    g_autofree gchar *b = flow_in_input_numbers (logs[1], offsets[1]);
    g_autofree gchar *mix = flow_in_input_numbers (logs[2], offsets[2]);
    g_autofree gchar *late = flow_in_input_numbers (logs[3], offsets[3]);

    g_assert_cmpstr (a, ==,
                     "#1 clock(11111111,16762875842209904135,4242) #2 #3 ");
    g_assert_cmpstr (b, ==,
                     "#1 clock(22222222,16762875842209904135,4242) #2 #3 ");
    g_assert_null (strstr (mix, "clock"));
    g_assert_cmpstr (late, ==, "clock(44444444,16762875842209904135,4242) #3 ");
  }
  /* an output whose peer is blocked (webrtcbin before its m-line is
   * connected) gets the newest clock before its first packet after */
  {
    gulong id = gst_pad_add_probe (out[0]->sinkpad,
                                   GST_PAD_PROBE_TYPE_BLOCK
                                       | GST_PAD_PROBE_TYPE_BUFFER
                                       | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                                   hold, NULL, NULL);
    g_autofree gchar *a = NULL;

    g_string_truncate (logs[0], 0);
    g_assert_true (gst_harness_push_event (
        in, hc_sender_clock_event_new (IN_SSRC, ntp + 1, 4343, 123456790)));
    gst_harness_push (in, make_packet (4));
    gst_pad_remove_probe (out[0]->sinkpad, id);
    gst_harness_push (in, make_packet (5));
    a = flow_in_input_numbers (logs[0], offsets[0]);
    g_assert_cmpstr (a, ==, "clock(11111111,16762875842209904136,4343) #5 ");
  }

  /* the arrival time travels unchanged */
  while ((ev = gst_harness_try_pull_event (out[1]))) {
    if (hc_sender_clock_event_parse (ev, &ssrc, NULL, &rtp_time, &arrival))
      g_assert_cmphex (ssrc, ==, ssrcs[1]);
    gst_event_unref (ev);
  }
  g_assert_cmpint (arrival, ==, 123456790);

  for (guint i = 0; i < 4; i++) {
    gst_harness_teardown (out[i]);
    g_string_free (logs[i], TRUE);
  }
  gst_harness_teardown (in);
}

/* One-byte header extension removed (X bit, length, payload and padding
 * intact) on a stripping pad, kept byte for byte on the other. */
static void
test_extensions (void)
{
  GstHarness *in = new_input ();
  GstPad *pa, *pb;
  GstHarness *a = new_output (in, &pa);
  GstHarness *b = new_output (in, &pb);
  const Expect ea = { IN_SSRC, IN_PT, FALSE };
  const Expect eb = { IN_SSRC, IN_PT, TRUE };
  g_autoptr (GstBuffer) in_buf = make_packet_full (500, TRUE, 4);
  g_autoptr (GstBuffer) out_a = NULL;
  g_autoptr (GstBuffer) out_b = NULL;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gpointer data;
  guint size;
  gsize in_size = gst_buffer_get_size (in_buf);

  g_object_set (pb, "strip-extensions", FALSE, NULL);
  gst_harness_push (in, gst_buffer_ref (in_buf));
  out_a = gst_harness_pull (a);
  out_b = gst_harness_pull (b);

  check_packet (out_a, 500, &ea, 4);
  /* 4 bytes of extension header + 4 of data (3, padded) are gone. */
  g_assert_cmpuint (gst_buffer_get_size (out_a), ==, in_size - 8);
  g_assert_true (gst_rtp_buffer_map (out_a, GST_MAP_READ, &rtp));
  g_assert_cmpuint (gst_rtp_buffer_get_header_len (&rtp), ==, 12 + 4);
  gst_rtp_buffer_unmap (&rtp);

  check_packet (out_b, 500, &eb, 4);
  g_assert_cmpuint (gst_buffer_get_size (out_b), ==, in_size);
  g_assert_true (gst_rtp_buffer_map (out_b, GST_MAP_READ, &rtp));
  g_assert_true (
      gst_rtp_buffer_get_extension_onebyte_header (&rtp, 1, 0, &data, &size));
  g_assert_cmpuint (size, ==, 3);
  g_assert_cmpmem (data, size, ((const guint8[]){ 0x80 | 42, 0xaa, 0xbb }), 3);
  gst_rtp_buffer_unmap (&rtp);

  gst_harness_teardown (b);
  gst_harness_teardown (a);
  gst_harness_teardown (in);
}

static void
check_caps (GstCaps *caps, guint ssrc, gint pt, gboolean has_extmap)
{
  const GstStructure *s;
  guint got_ssrc;
  gint got_pt;

  g_assert_nonnull (caps);
  g_assert_true (gst_caps_is_fixed (caps));
  s = gst_caps_get_structure (caps, 0);
  g_assert_true (gst_structure_has_name (s, "application/x-rtp"));
  g_assert_cmpstr (gst_structure_get_string (s, "encoding-name"), ==, "VP8");
  g_assert_true (gst_structure_get_uint (s, "ssrc", &got_ssrc));
  g_assert_true (gst_structure_get_int (s, "payload", &got_pt));
  g_assert_cmpuint (got_ssrc, ==, ssrc);
  g_assert_cmpint (got_pt, ==, pt);
  g_assert_cmpint (gst_structure_has_field (s, "extmap-3"), ==, has_extmap);
  /* Describes the input's numbering, not the renumbered output's. */
  g_assert_false (gst_structure_has_field (s, "seqnum-offset"));
}

/* Caps of each src pad carry its ssrc/payload, by event and by query, and
 * follow a settings change. */
static void
test_caps_per_pad (void)
{
  GstHarness *in = new_input ();
  GstPad *pa, *pb;
  GstHarness *a = new_output (in, &pa);
  GstHarness *b = new_output (in, &pb);
  g_autoptr (GstCaps) qa = NULL;
  g_autoptr (GstCaps) qb = NULL;
  g_autoptr (GstCaps) cur = NULL;
  g_autoptr (GstBuffer) out = NULL;

  g_object_set (pa, "ssrc", 5555u, "pt", 100, NULL);
  g_object_set (pb, "strip-extensions", FALSE, NULL);

  /* Known before any buffer: answered from the upstream caps. */
  qa = gst_pad_query_caps (pa, NULL);
  qb = gst_pad_query_caps (pb, NULL);
  check_caps (qa, 5555, 100, FALSE);
  check_caps (qb, IN_SSRC, IN_PT, TRUE);

  gst_harness_push (in, make_packet (1));
  gst_harness_push (in, make_packet (2));
  cur = gst_pad_get_current_caps (a->sinkpad);
  check_caps (cur, 5555, 100, FALSE);
  gst_clear_caps (&cur);
  cur = gst_pad_get_current_caps (b->sinkpad);
  check_caps (cur, IN_SSRC, IN_PT, TRUE);
  gst_clear_caps (&cur);

  /* A new pt mid-stream: new caps before the next packet. */
  g_object_set (pb, "pt", 101, NULL);
  gst_harness_push (in, make_packet (3));
  cur = gst_pad_get_current_caps (b->sinkpad);
  check_caps (cur, IN_SSRC, 101, TRUE);
  gst_buffer_unref (gst_harness_pull (b));
  gst_buffer_unref (gst_harness_pull (b));
  out = gst_harness_pull (b);
  check_packet (out, 3, &(Expect){ IN_SSRC, 101, FALSE }, 0);

  gst_harness_teardown (b);
  gst_harness_teardown (a);
  gst_harness_teardown (in);
}

/* A pad with "forward" FALSE gets no buffer, and does not stop the others;
 * set TRUE, it gets the sticky events, then buffers renumbered from its
 * first forwarded packet on. */
static void
test_forward_gate (void)
{
  GstHarness *in = new_input ();
  GstPad *pa, *pb;
  GstHarness *a = new_output (in, &pa);
  GstHarness *b = new_output (in, &pb);
  GstEvent *ev;
  GstBuffer *out;
  guint16 first, second;

  g_object_set (pb, "forward", FALSE, "ssrc", 4242u, NULL);
  for (guint16 seq = 1; seq <= 4; seq++)
    g_assert_cmpint (gst_harness_push (in, make_packet (seq)), ==, GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (a), ==, 4);
  g_assert_cmpuint (gst_harness_buffers_received (b), ==, 0);
  g_assert_cmpuint (packets_of (pb), ==, 0);

  g_object_set (pb, "forward", TRUE, NULL);
  gst_harness_push (in, make_packet (5));
  gst_harness_push (in, make_packet (6));
  ev = gst_harness_pull_event (b);
  g_assert_cmpint (GST_EVENT_TYPE (ev), ==, GST_EVENT_STREAM_START);
  gst_event_unref (ev);
  ev = gst_harness_pull_event (b);
  g_assert_cmpint (GST_EVENT_TYPE (ev), ==, GST_EVENT_CAPS);
  gst_event_unref (ev);
  g_assert_cmpuint (gst_harness_buffers_received (b), ==, 2);
  out = gst_harness_pull (b);
  first = check_packet (out, 5, &(Expect){ 4242, IN_PT, FALSE }, 0);
  gst_buffer_unref (out);
  out = gst_harness_pull (b);
  second = check_packet (out, 6, &(Expect){ 4242, IN_PT, FALSE }, 0);
  gst_buffer_unref (out);
  g_assert_cmpuint ((guint16)(second - first), ==, 1);
  g_assert_cmpuint (packets_of (pb), ==, 2);

  /* and off again: nothing more */
  g_object_set (pb, "forward", FALSE, NULL);
  gst_harness_push (in, make_packet (7));
  g_assert_cmpuint (gst_harness_buffers_received (b), ==, 2);
  g_assert_cmpuint (gst_harness_buffers_received (a), ==, 7);

  gst_harness_teardown (b);
  gst_harness_teardown (a);
  gst_harness_teardown (in);
}

/* A pad's "caps" win over the derived ones: in queries before any input
 * (webrtcbin's create-offer), in the caps event, and after a change. */
static void
test_caps_property (void)
{
  GstElement *f = gst_element_factory_make ("hcforwarder", NULL);
  GstHarness *in, *a;
  GstPad *pa;
  g_autoptr (GstCaps) set = gst_caps_from_string (
      "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,"
      "payload=100,ssrc=(uint)5555,rtcp-fb-nack-pli=(boolean)true");
  g_autoptr (GstCaps) query = NULL;
  g_autoptr (GstCaps) cur = NULL;
  g_autoptr (GstCaps) got = NULL;
  g_autoptr (GstBuffer) out = NULL;

  pa = gst_element_request_pad_simple (f, "src_0");
  g_object_set (pa, "caps", set, "ssrc", 5555u, "pt", 100, NULL);
  query = gst_pad_query_caps (pa, NULL);
  g_assert_true (gst_caps_is_equal (query, set));
  g_object_get (pa, "caps", &got, NULL);
  g_assert_true (gst_caps_is_equal (got, set));
  gst_object_unref (pa);

  in = gst_harness_new_with_element (f, "sink", NULL);
  gst_harness_set_src_caps_str (in, IN_CAPS);
  a = gst_harness_new_with_element (f, NULL, "src_0");
  gst_harness_push (in, make_packet (1));
  cur = gst_pad_get_current_caps (a->sinkpad);
  g_assert_true (gst_caps_is_equal (cur, set));
  out = gst_harness_pull (a);
  check_packet (out, 1, &(Expect){ 5555, 100, FALSE }, 0);

  /* back to the derived caps */
  g_object_set (GST_PAD_PEER (a->sinkpad), "caps", NULL, NULL);
  gst_harness_push (in, make_packet (2));
  gst_clear_caps (&cur);
  cur = gst_pad_get_current_caps (a->sinkpad);
  check_caps (cur, 5555, 100, FALSE);

  gst_harness_teardown (a);
  gst_harness_teardown (in);
  gst_object_unref (f);
}

/* Two forwarders (two publishers) send the very same segment object for
 * equal segments: a funnel downstream (webrtcbin bundles a subscriber's
 * streams through one) then has nothing to re-send when it switches
 * between them. */
static void
test_shared_segment (void)
{
  GstHarness *in1 = new_input ();
  GstHarness *in2 = new_input ();
  GstHarness *a = new_output (in1, NULL);
  GstHarness *b = new_output (in2, NULL);
  g_autoptr (GstEvent) seg_a = NULL;
  g_autoptr (GstEvent) seg_b = NULL;

  gst_harness_push (in1, make_packet (1));
  gst_harness_push (in2, make_packet (1));
  seg_a = gst_pad_get_sticky_event (a->sinkpad, GST_EVENT_SEGMENT, 0);
  seg_b = gst_pad_get_sticky_event (b->sinkpad, GST_EVENT_SEGMENT, 0);
  g_assert_nonnull (seg_a);
  g_assert_true (seg_a == seg_b);

  gst_harness_teardown (b);
  gst_harness_teardown (a);
  gst_harness_teardown (in2);
  gst_harness_teardown (in1);
}

static GstPadProbeReturn
hold (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  return GST_PAD_PROBE_OK;
}

/* An output whose peer is blocked (webrtcbin blocks a sink pad until its
 * m-line is connected) gets its sticky events, but its buffers are
 * dropped: the push never waits, the other outputs get everything. */
static void
test_blocked_peer_skipped (void)
{
  GstHarness *in = new_input ();
  GstPad *pa;
  GstHarness *a = new_output (in, &pa);
  GstHarness *b = new_output (in, NULL);
  GstEvent *ev;
  gulong id;

  id = gst_pad_add_probe (a->sinkpad,
                          GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_BUFFER
                              | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                          hold, NULL, NULL);
  for (guint16 seq = 1; seq <= 3; seq++)
    g_assert_cmpint (gst_harness_push (in, make_packet (seq)), ==, GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (b), ==, 3);
  g_assert_cmpuint (gst_harness_buffers_received (a), ==, 0);
  ev = gst_harness_pull_event (a);
  g_assert_cmpint (GST_EVENT_TYPE (ev), ==, GST_EVENT_STREAM_START);
  gst_event_unref (ev);
  g_assert_cmpuint (packets_of (pa), ==, 0);

  gst_pad_remove_probe (a->sinkpad, id);
  gst_harness_push (in, make_packet (4));
  g_assert_cmpuint (gst_harness_buffers_received (a), ==, 1);
  g_assert_cmpuint (packets_of (pa), ==, 1);

  gst_harness_teardown (b);
  gst_harness_teardown (a);
  gst_harness_teardown (in);
}

/* A pad requested after data flowed gets stream-start, caps (its own) and
 * segment, in that order, before its first buffer. */
static void
test_late_pad_sticky_events (void)
{
  GstHarness *in = new_input ();
  GstHarness *early = new_output (in, NULL);
  GstHarness *late;
  GstPad *pl;
  GstEvent *ev;
  GstCaps *caps;
  g_autoptr (GstBuffer) out = NULL;

  for (guint16 seq = 1; seq <= 5; seq++)
    gst_harness_push (in, make_packet (seq));
  g_assert_cmpuint (gst_harness_buffers_received (early), ==, 5);

  late = new_output (in, &pl);
  g_object_set (pl, "ssrc", 777u, NULL);
  g_assert_null (gst_harness_try_pull_event (late));

  gst_harness_push (in, make_packet (6));

  ev = gst_harness_pull_event (late);
  g_assert_cmpint (GST_EVENT_TYPE (ev), ==, GST_EVENT_STREAM_START);
  gst_event_unref (ev);
  ev = gst_harness_pull_event (late);
  g_assert_cmpint (GST_EVENT_TYPE (ev), ==, GST_EVENT_CAPS);
  gst_event_parse_caps (ev, &caps);
  check_caps (caps, 777, IN_PT, FALSE);
  gst_event_unref (ev);
  ev = gst_harness_pull_event (late);
  g_assert_cmpint (GST_EVENT_TYPE (ev), ==, GST_EVENT_SEGMENT);
  gst_event_unref (ev);
  g_assert_null (gst_harness_try_pull_event (late));

  g_assert_cmpuint (gst_harness_buffers_received (late), ==, 1);
  out = gst_harness_pull (late);
  check_packet (out, 6, &(Expect){ 777, IN_PT, FALSE }, 0);

  gst_harness_teardown (late);
  gst_harness_teardown (early);
  gst_harness_teardown (in);
}

static gboolean
is_force_key_unit (GstEvent *ev, gboolean *all_headers)
{
  GstClockTime running_time;
  guint count;

  if (!gst_video_event_is_force_key_unit (ev)
      || GST_EVENT_TYPE (ev) != GST_EVENT_CUSTOM_UPSTREAM)
    return FALSE;
  g_assert_true (gst_video_event_parse_upstream_force_key_unit (
      ev, &running_time, all_headers, &count));
  g_assert_cmpuint (running_time, ==, GST_CLOCK_TIME_NONE);
  g_assert_cmpuint (count, ==, 0);
  return TRUE;
}

/* Counts force-key-unit events seen upstream (others, such as reconfigure
 * from linking, are skipped), each with all-headers as @all_headers. */
static guint
drain_force_key_units_full (GstHarness *in, gboolean all_headers)
{
  GstEvent *ev;
  guint n = 0;

  while ((ev = gst_harness_try_pull_upstream_event (in))) {
    gboolean got = !all_headers;

    if (is_force_key_unit (ev, &got)) {
      g_assert_cmpint (got, ==, all_headers);
      n++;
    }
    gst_event_unref (ev);
  }
  return n;
}

/* The forwarder's own requests: all-headers FALSE, so that the publisher's
 * rtpsession sends a PLI, not a FIR with a repeated sequence number. */
static guint
drain_force_key_units (GstHarness *in)
{
  return drain_force_key_units_full (in, FALSE);
}

static void
test_force_key_unit_on_request (void)
{
  GstHarness *in = new_input ();
  GstHarness *a, *b;

  gst_harness_push (in, make_packet (1));
  g_assert_cmpuint (drain_force_key_units (in), ==, 0);

  a = new_output (in, NULL);
  g_assert_cmpuint (drain_force_key_units (in), ==, 1);
  b = new_output (in, NULL);
  g_assert_cmpuint (drain_force_key_units (in), ==, 1);

  gst_harness_teardown (b);
  gst_harness_teardown (a);
  gst_harness_teardown (in);
}

/* A subscriber's upstream event (its PLI as force-key-unit, or anything
 * else) reaches the publisher. */
static void
test_upstream_event_forwarded (void)
{
  GstHarness *in = new_input ();
  GstHarness *a = new_output (in, NULL);
  GstHarness *b = new_output (in, NULL);
  GstEvent *ev;
  gboolean seen = FALSE;

  gst_harness_push (in, make_packet (1));
  drain_force_key_units (in);

  g_assert_true (gst_harness_push_upstream_event (
      b, gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM,
                               gst_structure_new_empty ("hc-test-up"))));
  while ((ev = gst_harness_try_pull_upstream_event (in))) {
    const GstStructure *s = gst_event_get_structure (ev);

    seen |= s && gst_structure_has_name (s, "hc-test-up");
    gst_event_unref (ev);
  }
  g_assert_true (seen);

  g_assert_true (gst_harness_push_upstream_event (
      a, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE,
                                                      0)));
  /* a subscriber's own request goes on as it is */
  g_assert_cmpuint (drain_force_key_units_full (in, TRUE), ==, 1);

  gst_harness_teardown (b);
  gst_harness_teardown (a);
  gst_harness_teardown (in);
}

/* A subscriber's requests name its own view of the stream (rewritten SSRC
 * and sequence numbers); upstream they must name the publisher's. */
static void
test_upstream_requests_mapped (void)
{
  GstHarness *in = new_input ();
  GstPad *pad = NULL;
  GstHarness *out = new_output (in, &pad);
  GstBuffer *buf;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint16 out_seq;
  GstEvent *ev;
  guint n_keyframe = 0, n_nack = 0;

  g_object_set (pad, "ssrc", 4242u, NULL);
  gst_harness_push (in, make_packet (700));
  buf = gst_harness_pull (out);
  g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp));
  out_seq = gst_rtp_buffer_get_seq (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  gst_buffer_unref (buf);
  drain_force_key_units (in);

  /* What a subscriber's rtpsession sends for a PLI and for a NACK. */
  ev = gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, FALSE,
                                                    0);
  gst_structure_set (gst_event_writable_structure (ev), "ssrc", G_TYPE_UINT,
                     4242u, NULL);
  g_assert_true (gst_harness_push_upstream_event (out, ev));
  g_assert_true (gst_harness_push_upstream_event (
      out, gst_event_new_custom (
               GST_EVENT_CUSTOM_UPSTREAM,
               gst_structure_new ("GstRTPRetransmissionRequest", "seqnum",
                                  G_TYPE_UINT, (guint)out_seq, "ssrc",
                                  G_TYPE_UINT, 4242u, NULL))));

  while ((ev = gst_harness_try_pull_upstream_event (in))) {
    const GstStructure *s = gst_event_get_structure (ev);
    guint seqnum = 0;

    if (s && gst_structure_has_name (s, "GstForceKeyUnit")) {
      /* The publisher's rtpssrcdemux fills in the publisher's SSRC. */
      g_assert_false (gst_structure_has_field (s, "ssrc"));
      n_keyframe++;
    } else if (s && gst_structure_has_name (s, "GstRTPRetransmissionRequest")) {
      g_assert_false (gst_structure_has_field (s, "ssrc"));
      g_assert_true (gst_structure_get_uint (s, "seqnum", &seqnum));
      g_assert_cmpuint (seqnum, ==, 700);
      n_nack++;
    }
    gst_event_unref (ev);
  }
  g_assert_cmpuint (n_keyframe, ==, 1);
  g_assert_cmpuint (n_nack, ==, 1);

  gst_harness_teardown (out);
  gst_harness_teardown (in);
}

typedef struct {
  GstHarness *in;
  gint release_done; /* atomic */
  guint pushed;
  gboolean all_ok;
} Pusher;

static gpointer
push_thread (gpointer data)
{
  Pusher *p = data;
  guint after = 0;

  /* Push until well after the release; bounded in count. */
  for (guint16 seq = 0; seq < 20000 && after < 300; seq++) {
    if (gst_harness_push (p->in, make_packet (seq)) != GST_FLOW_OK)
      p->all_ok = FALSE;
    p->pushed++;
    if (g_atomic_int_get (&p->release_done))
      after++;
  }
  return NULL;
}

/* Releasing one output while another thread pushes leaves the other output
 * receiving every packet, in order. */
static void
test_release_while_pushing (void)
{
  GstHarness *in = new_input ();
  GstPad *pb;
  GstHarness *a = new_output (in, NULL);
  GstHarness *b = new_output (in, &pb);
  Pusher p = { in, 0, 0, TRUE };
  GThread *thread;
  gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  guint16 first = 0;

  gst_object_ref (pb);
  thread = g_thread_new ("pusher", push_thread, &p);
  while (gst_harness_buffers_received (b) < 100
         && g_get_monotonic_time () < deadline)
    g_usleep (100);
  gst_element_release_request_pad (in->element, pb);
  g_atomic_int_set (&p.release_done, 1);
  g_thread_join (thread);

  g_assert_true (p.all_ok);
  g_assert_cmpuint (in->element->numsrcpads, ==, 1);
  g_assert_null (GST_PAD_PARENT (pb));
  g_assert_cmpuint (gst_harness_buffers_received (b), >=, 100);
  g_assert_cmpuint (gst_harness_buffers_received (b), <, p.pushed);
  g_assert_cmpuint (gst_harness_buffers_received (a), ==, p.pushed);
  for (guint i = 0; i < p.pushed; i++) {
    g_autoptr (GstBuffer) out = gst_harness_pull (a);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

    g_assert_true (gst_rtp_buffer_map (out, GST_MAP_READ, &rtp));
    if (i == 0)
      first = gst_rtp_buffer_get_seq (&rtp);
    g_assert_cmpuint (gst_rtp_buffer_get_seq (&rtp), ==, (guint16)(first + i));
    gst_rtp_buffer_unmap (&rtp);
  }
  gst_object_unref (pb);

  gst_harness_teardown (b);
  gst_harness_teardown (a);
  gst_harness_teardown (in);
}

typedef struct {
  GstHarness *in;
  gint stop; /* atomic */
  gboolean all_ok;
} Streamer;

static gpointer
stream_thread (gpointer data)
{
  Streamer *st = data;

  for (guint n = 0; n < 200000 && !g_atomic_int_get (&st->stop); n++)
    if (gst_harness_push (st->in, make_packet ((guint16)n)) != GST_FLOW_OK)
      st->all_ok = FALSE;
  return NULL;
}

/* Outputs come and go while packets flow: each new one sees stream-start,
 * its caps and segment first, and the publisher's flow never fails. */
static void
test_request_release_while_pushing (void)
{
  GstHarness *in = new_input ();
  Streamer st = { in, 0, TRUE };
  GThread *thread = g_thread_new ("streamer", stream_thread, &st);

  for (guint k = 0; k < 10; k++) {
    GstHarness *h = new_output (in, NULL);
    const GstEventType expected[]
        = { GST_EVENT_STREAM_START, GST_EVENT_CAPS, GST_EVENT_SEGMENT };
    gint64 deadline = g_get_monotonic_time () + 2 * G_TIME_SPAN_SECOND;

    while (gst_harness_buffers_received (h) < 5
           && g_get_monotonic_time () < deadline)
      g_usleep (100);
    g_assert_cmpuint (gst_harness_buffers_received (h), >=, 5);
    for (guint i = 0; i < G_N_ELEMENTS (expected); i++) {
      GstEvent *ev = gst_harness_pull_event (h);

      g_assert_cmpstr (GST_EVENT_TYPE_NAME (ev), ==,
                       gst_event_type_get_name (expected[i]));
      gst_event_unref (ev);
    }
    gst_harness_teardown (h);
  }
  g_atomic_int_set (&st.stop, 1);
  g_thread_join (thread);

  g_assert_true (st.all_ok);
  g_assert_cmpuint (in->element->numsrcpads, ==, 0);
  gst_harness_teardown (in);
}

/* "packets" counts what a pad forwarded; an unlinked pad neither counts
 * nor stops the others, and no subscriber at all is no error. */
static void
test_packets_and_not_linked (void)
{
  GstHarness *in = new_input ();
  GstPad *pa;
  GstHarness *a;
  GstPad *unlinked;

  g_assert_cmpint (gst_harness_push (in, make_packet (1)), ==, GST_FLOW_OK);

  unlinked = gst_element_request_pad_simple (in->element, "src_%u");
  g_assert_cmpint (gst_harness_push (in, make_packet (2)), ==, GST_FLOW_OK);

  a = new_output (in, &pa);
  for (guint16 seq = 3; seq < 10; seq++)
    g_assert_cmpint (gst_harness_push (in, make_packet (seq)), ==, GST_FLOW_OK);
  g_assert_cmpuint (packets_of (pa), ==, 7);
  g_assert_cmpuint (gst_harness_buffers_received (a), ==, 7);
  g_assert_cmpuint (packets_of (unlinked), ==, 0);

  gst_element_release_request_pad (in->element, unlinked);
  gst_object_unref (unlinked);
  gst_harness_teardown (a);
  gst_harness_teardown (in);
}

/* Not RTP: dropped, nothing forwarded, no error upstream. */
static void
test_invalid_input_dropped (void)
{
  GstHarness *in = new_input ();
  GstHarness *a = new_output (in, NULL);
  const guint8 junk[] = { 0x00, 0x01, 0x02 };

  g_assert_cmpint (
      gst_harness_push (in, gst_buffer_new_memdup (junk, sizeof junk)), ==,
      GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (a), ==, 0);
  gst_harness_push (in, make_packet (1));
  g_assert_cmpuint (gst_harness_buffers_received (a), ==, 1);

  gst_harness_teardown (a);
  gst_harness_teardown (in);
}

/* Flow combination with hand-made sink pads returning chosen flows. */
static GstFlowReturn
flow_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  gst_buffer_unref (buf);
  return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (pad), "flow"));
}

static GstPad *
flow_sink (GstElement *f)
{
  GstPad *src = gst_element_request_pad_simple (f, "src_%u");
  GstPad *sink = gst_pad_new ("sink", GST_PAD_SINK);

  gst_pad_set_chain_function (sink, flow_chain);
  gst_pad_set_active (sink, TRUE);
  g_assert_cmpint (gst_pad_link (src, sink), ==, GST_PAD_LINK_OK);
  gst_object_unref (src);
  return sink;
}

static void
set_flow (GstPad *sink, GstFlowReturn ret)
{
  g_object_set_data (G_OBJECT (sink), "flow", GINT_TO_POINTER (ret));
}

/* One subscriber's NOT_LINKED, FLUSHING or EOS never reaches the
 * publisher, even when every subscriber returns it; a fatal error does. */
static void
test_flow_combination (void)
{
  GstHarness *in = new_input ();
  GstPad *s1 = flow_sink (in->element);
  GstPad *s2 = flow_sink (in->element);
  const GstFlowReturn quiet[]
      = { GST_FLOW_OK, GST_FLOW_NOT_LINKED, GST_FLOW_FLUSHING, GST_FLOW_EOS };
  guint16 seq = 0;

  for (guint i = 0; i < G_N_ELEMENTS (quiet); i++) {
    for (guint j = 0; j < G_N_ELEMENTS (quiet); j++) {
      set_flow (s1, quiet[i]);
      set_flow (s2, quiet[j]);
      g_assert_cmpint (gst_harness_push (in, make_packet (seq++)), ==,
                       GST_FLOW_OK);
    }
  }
  set_flow (s1, GST_FLOW_OK);
  set_flow (s2, GST_FLOW_NOT_NEGOTIATED);
  g_assert_cmpint (gst_harness_push (in, make_packet (seq++)), ==,
                   GST_FLOW_NOT_NEGOTIATED);
  set_flow (s1, GST_FLOW_ERROR);
  set_flow (s2, GST_FLOW_EOS);
  g_assert_cmpint (gst_harness_push (in, make_packet (seq++)), ==,
                   GST_FLOW_ERROR);

  gst_harness_teardown (in);
  gst_pad_set_active (s1, FALSE);
  gst_pad_set_active (s2, FALSE);
  gst_object_unref (s1);
  gst_object_unref (s2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  g_assert_true (hc_media_register_elements (NULL));

  g_test_add_func ("/forwarder/defaults", test_defaults);
  g_test_add_func ("/forwarder/parse-pad-properties",
                   test_parse_pad_properties);
  g_test_add_func ("/forwarder/rewrite-two-outputs", test_rewrite_two_outputs);
  g_test_add_func ("/forwarder/payload-shared", test_payload_shared);
  g_test_add_func ("/forwarder/empty-payload", test_empty_payload);
  g_test_add_func ("/forwarder/gaps-preserved", test_gaps_preserved);
  g_test_add_func ("/forwarder/mix-voice", test_mix_voice);
  g_test_add_func ("/forwarder/sender-clock", test_sender_clock);
  g_test_add_func ("/forwarder/extensions", test_extensions);
  g_test_add_func ("/forwarder/caps-per-pad", test_caps_per_pad);
  g_test_add_func ("/forwarder/forward-gate", test_forward_gate);
  g_test_add_func ("/forwarder/caps-property", test_caps_property);
  g_test_add_func ("/forwarder/shared-segment", test_shared_segment);
  g_test_add_func ("/forwarder/blocked-peer-skipped",
                   test_blocked_peer_skipped);
  g_test_add_func ("/forwarder/late-pad-sticky-events",
                   test_late_pad_sticky_events);
  g_test_add_func ("/forwarder/force-key-unit-on-request",
                   test_force_key_unit_on_request);
  g_test_add_func ("/forwarder/upstream-event-forwarded",
                   test_upstream_event_forwarded);
  g_test_add_func ("/forwarder/upstream-requests-mapped",
                   test_upstream_requests_mapped);
  g_test_add_func ("/forwarder/release-while-pushing",
                   test_release_while_pushing);
  g_test_add_func ("/forwarder/request-release-while-pushing",
                   test_request_release_while_pushing);
  g_test_add_func ("/forwarder/packets-and-not-linked",
                   test_packets_and_not_linked);
  g_test_add_func ("/forwarder/invalid-input-dropped",
                   test_invalid_input_dropped);
  g_test_add_func ("/forwarder/flow-combination", test_flow_combination);
  return g_test_run ();
}
