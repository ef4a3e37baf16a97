/* hyperconf — a test hook: a lossy downlink toward one participant.
 *
 *   HC_TEST_DROP_TO=<display name>:<percent>   (e.g. "bob:5")
 *
 * in the server's environment drops one RTP packet in every 100/<percent>
 * that the server sends to the participant shown as <display name>
 * (deterministically: the same packets on every run), where a lossy
 * network would:
 *
 *   forwarder ─▶ webrtcbin ─▶ rtpsession ─▶ rtpbin send_rtp_src_0 ─✂─▶ SRTP ─▶
 * socket (rtprtxsend keeps what went out)   ^ the probe
 *
 * after webrtcbin's retransmission history and the RTP session (which
 * counted the packet as sent), before SRTP.  So the participant's browser
 * sees sequence gaps, sends NACKs, and gets retransmissions, which pass the
 * same probe (and are dropped at the same rate).  On the lean send path
 * (hc-lean-send.h) the participant's hcsrtpsend drops likewise after its
 * retransmission ring ("test-drop-every").  Only for tests
 * (tests/e2e/nack.test.mjs); nothing happens without the variable.
 */
#define G_LOG_DOMAIN "hc-room"

#include "hc-test-drop.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (hc_room_debug);
#define GST_CAT_DEFAULT hc_room_debug

typedef struct {
  guint every;  /* drop one packet in this many */
  gint count;   /* atomic */
  gint dropped; /* atomic */
} Drop;

gboolean
hc_test_drop_wanted (const gchar *name, guint *percent)
{
  const gchar *spec = g_getenv ("HC_TEST_DROP_TO");
  const gchar *colon = spec ? strrchr (spec, ':') : NULL;
  guint64 value;

  if (name == NULL || colon == NULL || (gsize)(colon - spec) != strlen (name)
      || strncmp (spec, name, colon - spec) != 0)
    return FALSE;
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 100, &value, NULL)) {
    g_warning ("HC_TEST_DROP_TO=%s: expected <name>:<percent 1-100>", spec);
    return FALSE;
  }
  *percent = (guint)value;
  return TRUE;
}

static gboolean
drop_this (Drop *drop)
{
  return (guint)g_atomic_int_add (&drop->count, 1) % drop->every
         == drop->every - 1;
}

static gboolean
keep_buffer (GstBuffer **buffer, guint idx, gpointer user_data)
{
  if (drop_this (user_data)) {
    g_atomic_int_inc (&((Drop *)user_data)->dropped);
    gst_clear_buffer (buffer);
  }
  return TRUE;
}

static GstPadProbeReturn
on_rtp_out (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Drop *drop = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    if (!drop_this (drop))
      return GST_PAD_PROBE_OK;
    g_atomic_int_inc (&drop->dropped);
    GST_LOG_OBJECT (pad, "test hook: dropped a packet (%d so far)",
                    g_atomic_int_get (&drop->dropped));
    return GST_PAD_PROBE_DROP;
  }
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list
        = gst_buffer_list_make_writable (GST_PAD_PROBE_INFO_BUFFER_LIST (info));

    gst_buffer_list_foreach (list, keep_buffer, drop);
    GST_PAD_PROBE_INFO_DATA (info) = list;
  }
  return GST_PAD_PROBE_OK;
}

static void
probe_pad (GstPad *pad, guint every)
{
  Drop *drop;

  if (g_object_get_data (G_OBJECT (pad), "hc-test-drop"))
    return;
  g_object_set_data (G_OBJECT (pad), "hc-test-drop", GUINT_TO_POINTER (1));
  drop = g_new0 (Drop, 1);
  drop->every = every;
  GST_INFO_OBJECT (pad, "test hook: dropping 1 RTP packet in %u", every);
  gst_pad_add_probe (pad,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_rtp_out, drop, g_free);
}

static void
on_rtpbin_pad_added (GstElement *rtpbin, GstPad *pad, gpointer data)
{
  if (g_str_has_prefix (GST_PAD_NAME (pad), "send_rtp_src_"))
    probe_pad (pad, GPOINTER_TO_UINT (data));
}

void
hc_test_drop_install (GstElement *webrtcbin, GstElement *lean, guint percent)
{
  g_autoptr (GstElement) rtpbin
      = gst_bin_get_by_name (GST_BIN (webrtcbin), "rtpbin");
  guint every = MAX (1, (100 + percent / 2) / percent);
  g_autoptr (GstPad) existing = NULL;

  g_return_if_fail (percent > 0);
  if (rtpbin == NULL)
    return;
  g_message ("test hook HC_TEST_DROP_TO: %s loses 1 RTP packet in %u on "
             "its way from the server",
             GST_OBJECT_NAME (webrtcbin), every);
  if (lean)
    g_object_set (lean, "test-drop-every", every, NULL);
  /* max-bundle: one session, 0; the pad appears with the first stream */
  g_signal_connect (rtpbin, "pad-added", G_CALLBACK (on_rtpbin_pad_added),
                    GUINT_TO_POINTER (every));
  existing = gst_element_get_static_pad (rtpbin, "send_rtp_src_0");
  if (existing)
    probe_pad (existing, every);
}
