/* hyperconf — webrtcbin's DTLS keys for hyperconf's SRTP paths (see
 * hc-dtls-key.h). */
#include "hc-dtls-key.h"

static gint
match_factory (const GValue *item, const gchar *name)
{
  GstElementFactory *factory
      = gst_element_get_factory (g_value_get_object (item));

  return factory && g_str_equal (GST_OBJECT_NAME (factory), name) ? 0 : 1;
}

GstElement *
hc_find_by_factory (GstBin *bin, const gchar *name)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (bin);
  GValue found = G_VALUE_INIT;
  GstElement *element = NULL;

  if (gst_iterator_find_custom (it, (GCompareFunc)match_factory, &found,
                                (gpointer)name)) {
    element = g_value_dup_object (&found);
    g_value_unset (&found);
  }
  return element;
}

GBytes *
hc_dtls_key_get (GstElement *dtls, const gchar *property, guint *cipher,
                 guint *auth)
{
  g_autoptr (GstBuffer) key = NULL;
  GstMapInfo map;
  GBytes *bytes;

  *cipher = *auth = 0;
  g_object_get (dtls, property, &key, "srtp-cipher", cipher, "srtp-auth", auth,
                NULL);
  if (key == NULL || !gst_buffer_map (key, &map, GST_MAP_READ))
    return NULL;
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (key, &map);
  return bytes;
}
