/* hyperconf-bench — receive-side counting probes. */
#include "hc-bench-recv.h"
#include "hc-bench-vp8.h"

#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>

#include <stdatomic.h>
#include <string.h>

/* A receiver that gets a video stream starting with a delta frame asks
 * for a keyframe (a PLI, through webrtcbin) as a browser's decoder does,
 * at most this often until one comes. */
#define KEYFRAME_REQUEST_INTERVAL_US (300 * 1000)

/* A jump of more than this many sequence numbers is a restart of the
 * stream (new SSRC numbering), not a loss. */
#define MAX_GAP 3000

typedef struct {
  gboolean video;
  /* streaming thread only */
  guint32 ssrc;
  gboolean have_seq;
  guint16 last_seq;
  gint64 last_request_us;
  /* written by the streaming thread, read on the main context */
  atomic_uint_fast64_t packets;
  atomic_uint_fast64_t lost;
  atomic_uint_fast64_t bytes;
  atomic_int_fast64_t first_keyframe_us;
  /* main context only */
  guint64 mark_packets, mark_lost, mark_bytes;
} Stream;

struct _HcBenchRecv {
  GPtrArray *streams; /* Stream */
};

HcBenchRecv *
hc_bench_recv_new (void)
{
  HcBenchRecv *self = g_new0 (HcBenchRecv, 1);

  self->streams = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
hc_bench_recv_free (HcBenchRecv *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->streams);
  g_free (self);
}

/* Streaming thread: an upstream force-key-unit, which webrtcbin's
 * rtpsession turns into a PLI to the server. */
static void
request_keyframe (Stream *s, GstPad *pad)
{
  gint64 now = g_get_monotonic_time ();

  if (now - s->last_request_us < KEYFRAME_REQUEST_INTERVAL_US)
    return;
  s->last_request_us = now;
  g_debug ("stream %p: asking for a keyframe", s);
  gst_pad_send_event (pad, gst_video_event_new_upstream_force_key_unit (
                               GST_CLOCK_TIME_NONE, TRUE, 0));
}

static void
count (Stream *s, GstPad *pad, GstBuffer *buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint16 seq;
  guint32 ssrc;

  if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp))
    return;
  seq = gst_rtp_buffer_get_seq (&rtp);
  ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  if (!s->have_seq)
    g_debug ("stream %p (%s, ssrc %u): first packet", s,
             s->video ? "video" : "audio", ssrc);
  if (!s->have_seq || ssrc != s->ssrc) {
    s->have_seq = TRUE;
    s->ssrc = ssrc;
  } else {
    guint16 delta = seq - s->last_seq;

    if (delta == 0 || delta >= 0x8000) {
      /* duplicate or late: already counted as lost, or harmless */
      gst_rtp_buffer_unmap (&rtp);
      atomic_fetch_add (&s->packets, 1);
      return;
    }
    if (delta > 1 && delta < MAX_GAP)
      atomic_fetch_add (&s->lost, delta - 1);
  }
  s->last_seq = seq;
  atomic_fetch_add (&s->packets, 1);
  atomic_fetch_add (&s->bytes, gst_buffer_get_size (buffer));
  if (s->video && atomic_load (&s->first_keyframe_us) == 0) {
    gint key = hc_bench_vp8_frame_start (gst_rtp_buffer_get_payload (&rtp),
                                         gst_rtp_buffer_get_payload_len (&rtp));

    if (key == 1) {
      atomic_store (&s->first_keyframe_us, g_get_monotonic_time ());
      g_debug ("stream %p: first keyframe", s);
    } else if (key == 0)
      request_keyframe (s, pad);
  }
  gst_rtp_buffer_unmap (&rtp);
}

typedef struct {
  Stream *stream;
  GstPad *pad;
} ListItem;

static gboolean
count_in_list (GstBuffer **buffer, guint idx, gpointer data)
{
  ListItem *item = data;

  count (item->stream, item->pad, *buffer);
  return TRUE;
}

/* Streaming thread. */
static GstPadProbeReturn
on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Stream *s = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    count (s, pad, GST_PAD_PROBE_INFO_BUFFER (info));
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    ListItem item = { s, pad };

    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info),
                             count_in_list, &item);
  }
  return GST_PAD_PROBE_OK;
}

void
hc_bench_recv_watch (HcBenchRecv *self, GstPad *pad, const gchar *media)
{
  Stream *s = g_new0 (Stream, 1);

  s->video = g_strcmp0 (media, "video") == 0;
  g_ptr_array_add (self->streams, s);
  gst_pad_add_probe (pad,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_buffer, s, NULL);
}

static void
add_stream (HcBenchCounts *counts, Stream *s, guint64 packets, guint64 lost,
            guint64 bytes)
{
  counts->packets += packets;
  counts->lost += lost;
  counts->bytes += bytes;
  if (packets > 0) {
    counts->streams++;
    if (s->video)
      counts->video_streams++;
    else
      counts->audio_streams++;
  }
}

void
hc_bench_recv_get_counts (HcBenchRecv *self, HcBenchCounts *counts)
{
  memset (counts, 0, sizeof *counts);
  for (guint i = 0; i < self->streams->len; i++) {
    Stream *s = g_ptr_array_index (self->streams, i);

    add_stream (counts, s, atomic_load (&s->packets), atomic_load (&s->lost),
                atomic_load (&s->bytes));
  }
}

void
hc_bench_recv_mark (HcBenchRecv *self)
{
  for (guint i = 0; i < self->streams->len; i++) {
    Stream *s = g_ptr_array_index (self->streams, i);

    s->mark_packets = atomic_load (&s->packets);
    s->mark_lost = atomic_load (&s->lost);
    s->mark_bytes = atomic_load (&s->bytes);
  }
}

void
hc_bench_recv_get_window (HcBenchRecv *self, HcBenchCounts *counts)
{
  memset (counts, 0, sizeof *counts);
  for (guint i = 0; i < self->streams->len; i++) {
    Stream *s = g_ptr_array_index (self->streams, i);

    /* A stream that appeared after the mark has mark 0: all of it counts. */
    add_stream (counts, s, atomic_load (&s->packets) - s->mark_packets,
                atomic_load (&s->lost) - s->mark_lost,
                atomic_load (&s->bytes) - s->mark_bytes);
  }
}

guint
hc_bench_recv_count_flowing (HcBenchRecv *self, const gchar *media,
                             guint64 min_packets)
{
  guint n = 0;

  for (guint i = 0; i < self->streams->len; i++) {
    Stream *s = g_ptr_array_index (self->streams, i);

    if (media && s->video != g_str_equal (media, "video"))
      continue;
    if (atomic_load (&s->packets) >= min_packets)
      n++;
  }
  return n;
}

GArray *
hc_bench_recv_get_keyframe_times (HcBenchRecv *self)
{
  GArray *times = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < self->streams->len; i++) {
    Stream *s = g_ptr_array_index (self->streams, i);
    gint64 t = atomic_load (&s->first_keyframe_us);

    if (s->video && t != 0)
      g_array_append_val (times, t);
  }
  return times;
}
