/* hyperconf — tests: reading RTP packets that elements under test push. */
#pragma once

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

G_END_DECLS
