/* hyperconf — tests: reading RTP packets that elements under test push,
 * and the hc-sender-clock events along them. */
#pragma once

#include <hyperconf/hc-sender-clock.h>

#include <gst/check/gstcheck.h>
#include <gst/rtp/gstrtpbuffer.h>

G_BEGIN_DECLS

/* The sequence number of the RTP packet @buf (asserted to be one). */
static inline guint16
hc_test_rtp_seq (GstBuffer *buf)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint16 seq;

  g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp));
  seq = gst_rtp_buffer_get_seq (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  return seq;
}

static inline GstPadProbeReturn
hc_test_record (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GString *log = user_data;
  guint32 ssrc, rtp_time;
  guint64 ntp_time;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER)
    g_string_append_printf (log, "#%u ",
                            hc_test_rtp_seq (GST_PAD_PROBE_INFO_BUFFER (info)));
  else if (hc_sender_clock_event_parse (GST_PAD_PROBE_INFO_EVENT (info), &ssrc,
                                        &ntp_time, &rtp_time, NULL))
    g_string_append_printf (log, "clock(%08x,%" G_GUINT64_FORMAT ",%u) ", ssrc,
                            ntp_time, rtp_time);
  return GST_PAD_PROBE_OK;
}

/* Writes into @log, in order, what leaves @pad: "#<seq> " for each RTP
 * packet, "clock(<ssrc>,<ntp>,<rtp>) " for each hc-sender-clock event
 * (other events are left out).  @log must outlive the pad's flow. */
static inline void
hc_test_record_flow (GstPad *pad, GString *log)
{
  gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      hc_test_record, log, NULL);
}

static inline GstPadProbeReturn
hc_test_inject (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  if (g_atomic_int_add ((gint *)user_data, 1) % 5 == 0)
    gst_pad_push_event (pad, hc_sender_clock_event_new (1, 2, 3, 4));
  return GST_PAD_PROBE_OK;
}

/* Pushes an hc-sender-clock event on @pad before every 5th buffer (or
 * buffer list) leaving it, as a publisher's forwarder passes one on;
 * @buffers (atomic) counts them.  Returns the probe's id. */
static inline gulong
hc_test_inject_sender_clocks (GstPad *pad, gint *buffers)
{
  return gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
      hc_test_inject, buffers, NULL);
}

static inline GstPadProbeReturn
hc_test_count (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  if (hc_sender_clock_event_parse (GST_PAD_PROBE_INFO_EVENT (info), NULL, NULL,
                                   NULL, NULL))
    g_atomic_int_inc ((gint *)user_data);
  return GST_PAD_PROBE_OK;
}

/* Counts (atomic) the hc-sender-clock events passing @pad downstream. */
static inline void
hc_test_count_sender_clocks (GstPad *pad, gint *count)
{
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, hc_test_count,
                     count, NULL);
}

G_END_DECLS
