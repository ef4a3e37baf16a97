/* hyperconf-bench — the clip replayer and its pacer (main context). */
#include "hc-bench-sender.h"

#include <gst/app/gstappsrc.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>

#define PACER_INTERVAL_MS 5
#define MAX_BACKLOG_US    (500 * 1000)
/* Packets appsrc may hold while webrtcbin is not sending yet (before DTLS
 * is up); older ones are dropped, as a real sender's would be. */
#define APPSRC_MAX_BUFFERS 64

struct _HcBenchSender {
  const HcBenchClip *clip;
  GstElement *appsrc;
  GstPad *pad;
  gulong probe_id;
  gboolean running;
  guint32 ssrc;
  guint16 seq;
  guint32 rtp_ts;
  guint frame;
  gint64 next_due;
  gint keyframe_wanted;   /* atomic: set from a streaming thread */
  gint keyframe_requests; /* atomic */
  guint64 packets;
};

static GList *senders; /* HcBenchSender, running ones */
static guint pacer_id;
static guint late_skips;

static void
push_frame (HcBenchSender *self, const HcBenchFrame *frame)
{
  for (guint i = 0; i < frame->n_packets; i++) {
    GBytes *bytes
        = g_ptr_array_index (self->clip->packets, frame->first_packet + i);
    gsize size;
    gconstpointer data = g_bytes_get_data (bytes, &size);
    GstBuffer *buffer = gst_buffer_new_memdup (data, size);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

    if (gst_rtp_buffer_map (buffer, GST_MAP_WRITE, &rtp)) {
      gst_rtp_buffer_set_ssrc (&rtp, self->ssrc);
      gst_rtp_buffer_set_seq (&rtp, self->seq++);
      gst_rtp_buffer_set_timestamp (&rtp, self->rtp_ts);
      gst_rtp_buffer_unmap (&rtp);
    }
    gst_app_src_push_buffer (GST_APP_SRC (self->appsrc), buffer);
    self->packets++;
  }
}

static void
sender_tick (HcBenchSender *self, gint64 now)
{
  if (now - self->next_due > MAX_BACKLOG_US) {
    late_skips++;
    self->next_due = now;
  }
  while (self->next_due <= now) {
    const HcBenchFrame *frame;

    if (g_atomic_int_compare_and_exchange (&self->keyframe_wanted, TRUE,
                                           FALSE)) {
      g_debug ("sender %08x: keyframe on request", self->ssrc);
      self->frame = 0;
    }
    frame = &g_array_index (self->clip->frames, HcBenchFrame, self->frame);
    push_frame (self, frame);
    self->rtp_ts += frame->rtp_duration;
    self->next_due += frame->duration_us;
    self->frame = (self->frame + 1) % self->clip->frames->len;
  }
}

static gboolean
pacer_tick (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  for (GList *l = senders; l; l = l->next)
    sender_tick (l->data, now);
  return G_SOURCE_CONTINUE;
}

/* Streaming thread: webrtcbin's rtpsession sends force-key-unit upstream
 * when the peer asks for a keyframe (PLI/FIR). */
static GstPadProbeReturn
on_upstream_event (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  HcBenchSender *self = user_data;

  if (gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info))) {
    g_debug ("sender %08x: keyframe requested", self->ssrc);
    hc_bench_sender_request_keyframe (self);
  }
  return GST_PAD_PROBE_OK;
}

HcBenchSender *
hc_bench_sender_new (const HcBenchClip *clip, guint32 ssrc)
{
  HcBenchSender *self = g_new0 (HcBenchSender, 1);
  g_autoptr (GstCaps) caps = gst_caps_copy (clip->caps);

  self->clip = clip;
  self->ssrc = ssrc;
  self->seq = g_random_int_range (0, 65536);
  self->rtp_ts = g_random_int ();
  /* webrtcbin writes a=ssrc from the caps when they carry it. */
  gst_caps_set_simple (caps, "ssrc", G_TYPE_UINT, ssrc, NULL);
  self->appsrc
      = gst_object_ref_sink (gst_element_factory_make ("appsrc", NULL));
  g_object_set (self->appsrc, "is-live", TRUE, "format", GST_FORMAT_TIME,
                "do-timestamp", TRUE, "caps", caps, NULL);
  gst_app_src_set_max_buffers (GST_APP_SRC (self->appsrc), APPSRC_MAX_BUFFERS);
  gst_app_src_set_leaky_type (GST_APP_SRC (self->appsrc),
                              GST_APP_LEAKY_TYPE_DOWNSTREAM);
  self->pad = gst_element_get_static_pad (self->appsrc, "src");
  self->probe_id
      = gst_pad_add_probe (self->pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
                           on_upstream_event, self, NULL);
  return self;
}

GstElement *
hc_bench_sender_get_element (HcBenchSender *self)
{
  return self->appsrc;
}

void
hc_bench_sender_start (HcBenchSender *self)
{
  self->frame = 0;
  self->next_due = g_get_monotonic_time ();
  if (self->running)
    return;
  self->running = TRUE;
  senders = g_list_prepend (senders, self);
  if (pacer_id == 0)
    pacer_id = g_timeout_add (PACER_INTERVAL_MS, pacer_tick, NULL);
}

void
hc_bench_sender_request_keyframe (HcBenchSender *self)
{
  g_atomic_int_inc (&self->keyframe_requests);
  g_atomic_int_set (&self->keyframe_wanted, TRUE);
}

guint
hc_bench_sender_get_keyframe_requests (HcBenchSender *self)
{
  return g_atomic_int_get (&self->keyframe_requests);
}

guint64
hc_bench_sender_get_packets (HcBenchSender *self)
{
  return self->packets;
}

guint
hc_bench_sender_get_late_skips (void)
{
  return late_skips;
}

void
hc_bench_sender_free (HcBenchSender *self)
{
  if (self == NULL)
    return;
  if (self->running) {
    senders = g_list_remove (senders, self);
    if (senders == NULL)
      g_clear_handle_id (&pacer_id, g_source_remove);
  }
  gst_pad_remove_probe (self->pad, self->probe_id);
  gst_object_unref (self->pad);
  gst_object_unref (self->appsrc);
  g_free (self);
}
