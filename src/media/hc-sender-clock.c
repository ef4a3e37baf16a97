/* hyperconf — the "hc-sender-clock" event (see hc-sender-clock.h). */
#include <hyperconf/hc-sender-clock.h>

GstEvent *
hc_sender_clock_event_new (guint32 ssrc, guint64 ntp_time, guint32 rtp_time,
                           gint64 arrival_us)
{
  return gst_event_new_custom (
      GST_EVENT_CUSTOM_DOWNSTREAM,
      gst_structure_new (HC_SENDER_CLOCK_EVENT_NAME, "ssrc", G_TYPE_UINT, ssrc,
                         "ntp-time", G_TYPE_UINT64, ntp_time, "rtp-time",
                         G_TYPE_UINT, rtp_time, "arrival-us", G_TYPE_INT64,
                         arrival_us, NULL));
}

gboolean
hc_sender_clock_event_parse (GstEvent *event, guint32 *ssrc, guint64 *ntp_time,
                             guint32 *rtp_time, gint64 *arrival_us)
{
  const GstStructure *s;
  guint ssrc_v, rtp_v;
  guint64 ntp_v;
  gint64 arrival_v;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM)
    return FALSE;
  s = gst_event_get_structure (event);
  if (!s || !gst_structure_has_name (s, HC_SENDER_CLOCK_EVENT_NAME)
      || !gst_structure_get_uint (s, "ssrc", &ssrc_v)
      || !gst_structure_get_uint64 (s, "ntp-time", &ntp_v)
      || !gst_structure_get_uint (s, "rtp-time", &rtp_v)
      || !gst_structure_get_int64 (s, "arrival-us", &arrival_v))
    return FALSE;
  if (ssrc)
    *ssrc = ssrc_v;
  if (ntp_time)
    *ntp_time = ntp_v;
  if (rtp_time)
    *rtp_time = rtp_v;
  if (arrival_us)
    *arrival_us = arrival_v;
  return TRUE;
}

GstEvent *
hc_sender_clock_event_with_ssrc (GstEvent *event, guint32 ssrc)
{
  guint64 ntp_time;
  guint32 rtp_time;
  gint64 arrival_us;

  if (!hc_sender_clock_event_parse (event, NULL, &ntp_time, &rtp_time,
                                    &arrival_us))
    return NULL;
  return hc_sender_clock_event_new (ssrc, ntp_time, rtp_time, arrival_us);
}
