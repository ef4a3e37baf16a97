/* hyperconf-bench — encodes the clips once (gst_parse_launch to an appsink
 * that is drained synchronously: nothing else runs yet). */
#include "hc-bench-clip.h"
#include "hc-bench-vp8.h"

#include <gst/app/gstappsink.h>
#include <gst/rtp/gstrtpbuffer.h>

/* Longest an encode may take on a loaded 2-core machine. */
#define ENCODE_TIMEOUT (60 * GST_SECOND)

void
hc_bench_clip_free (HcBenchClip *clip)
{
  if (clip == NULL)
    return;
  g_free (clip->media);
  gst_clear_caps (&clip->caps);
  g_clear_pointer (&clip->packets, g_ptr_array_unref);
  g_clear_pointer (&clip->frames, g_array_unref);
  g_free (clip);
}

/* Runs @description (ending in "appsink name=sink") to EOS and groups the
 * RTP packets into frames by timestamp. */
static HcBenchClip *
encode (const gchar *description, const gchar *media, GstCaps *caps,
        guint clock_rate, GError **error)
{
  g_autoptr (HcBenchClip) clip = g_new0 (HcBenchClip, 1);
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) eos = NULL;
  GstSample *sample;

  clip->media = g_strdup (media);
  clip->caps = caps;
  clip->packets
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  clip->frames = g_array_new (FALSE, TRUE, sizeof (HcBenchFrame));
  pipeline = gst_parse_launch (description, error);
  if (pipeline == NULL)
    return NULL;
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
                 "cannot start the %s encoder", media);
    return NULL;
  }
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
                                                 ENCODE_TIMEOUT))) {
    GstBuffer *buffer = gst_sample_get_buffer (sample);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    GstMapInfo map;
    HcBenchFrame *frame = NULL;
    guint32 ts;

    if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp)) {
      gst_sample_unref (sample);
      continue;
    }
    ts = gst_rtp_buffer_get_timestamp (&rtp);
    if (clip->frames->len > 0)
      frame
          = &g_array_index (clip->frames, HcBenchFrame, clip->frames->len - 1);
    if (frame == NULL || frame->rtp_ts != ts) {
      HcBenchFrame next = { 0 };

      next.first_packet = clip->packets->len;
      next.rtp_ts = ts;
      next.keyframe
          = g_str_equal (media, "video")
            && hc_bench_vp8_frame_start (gst_rtp_buffer_get_payload (&rtp),
                                         gst_rtp_buffer_get_payload_len (&rtp))
                   == 1;
      g_array_append_val (clip->frames, next);
      frame
          = &g_array_index (clip->frames, HcBenchFrame, clip->frames->len - 1);
    }
    frame->n_packets++;
    gst_rtp_buffer_unmap (&rtp);
    gst_buffer_map (buffer, &map, GST_MAP_READ);
    g_ptr_array_add (clip->packets, g_bytes_new (map.data, map.size));
    clip->bytes += map.size;
    gst_buffer_unmap (buffer, &map);
    gst_sample_unref (sample);
  }
  bus = gst_element_get_bus (pipeline);
  eos = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (eos) {
    g_autoptr (GError) gst_error = NULL;

    gst_message_parse_error (eos, &gst_error, NULL);
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "%s encoder: %s",
                 media, gst_error->message);
    return NULL;
  }
  if (clip->frames->len < 2) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
                 "%s encoder produced %u frames", media, clip->frames->len);
    return NULL;
  }

  /* Frame durations from the timestamps; the last frame (before the loop
   * starts again) gets the average. */
  {
    HcBenchFrame *first = &g_array_index (clip->frames, HcBenchFrame, 0);
    HcBenchFrame *last
        = &g_array_index (clip->frames, HcBenchFrame, clip->frames->len - 1);
    guint32 span = last->rtp_ts - first->rtp_ts;
    guint32 base = first->rtp_ts;

    for (guint i = 0; i < clip->frames->len; i++) {
      HcBenchFrame *f = &g_array_index (clip->frames, HcBenchFrame, i);

      f->rtp_duration
          = i + 1 < clip->frames->len
                ? g_array_index (clip->frames, HcBenchFrame, i + 1).rtp_ts
                      - f->rtp_ts
                : span / (clip->frames->len - 1);
      f->duration_us
          = gst_util_uint64_scale (f->rtp_duration, G_USEC_PER_SEC, clock_rate);
      f->rtp_ts -= base;
      clip->duration_us += f->duration_us;
    }
  }
  return g_steal_pointer (&clip);
}

HcBenchClip *
hc_bench_clip_encode_video (guint width, guint height, guint fps, guint kbps,
                            guint seconds, GError **error)
{
  /* smpte: bars plus a moving noise patch, which makes a CBR encoder spend
   * roughly its budget (a plain ball stays far below it). */
  g_autofree gchar *description = g_strdup_printf (
      "videotestsrc num-buffers=%u pattern=smpte ! "
      "video/x-raw,width=%u,height=%u,framerate=%u/1 ! "
      "vp8enc deadline=1 cpu-used=4 end-usage=cbr target-bitrate=%u "
      "keyframe-max-dist=100000 ! rtpvp8pay pt=96 mtu=1200 "
      "picture-id-mode=15-bit ! appsink name=sink sync=false",
      seconds * fps, width, height, fps, kbps * 1000);
  /* What subscribers need to ask for keyframes (PLI) and losses (NACK). */
  GstCaps *caps = gst_caps_from_string (
      "application/x-rtp,media=video,encoding-name=VP8,payload=96,"
      "clock-rate=90000,rtcp-fb-nack=true,rtcp-fb-nack-pli=true,"
      "rtcp-fb-ccm-fir=true");

  return encode (description, "video", caps, 90000, error);
}

HcBenchClip *
hc_bench_clip_encode_audio (guint seconds, GError **error)
{
  g_autofree gchar *description = g_strdup_printf (
      "audiotestsrc num-buffers=%u samplesperbuffer=960 wave=sine freq=440 ! "
      "audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=32000 "
      "frame-size=20 ! rtpopuspay pt=111 ! appsink name=sink sync=false",
      seconds * 50);
  GstCaps *caps = gst_caps_from_string (
      "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,"
      "clock-rate=48000,encoding-params=(string)2");

  return encode (description, "audio", caps, 48000, error);
}

gdouble
hc_bench_clip_get_pps (const HcBenchClip *clip)
{
  return clip->packets->len * (gdouble)G_USEC_PER_SEC / clip->duration_us;
}

gdouble
hc_bench_clip_get_kbps (const HcBenchClip *clip)
{
  return clip->bytes * 8.0 * 1000.0 / clip->duration_us;
}
