/* hyperconf — the "hyperconf" GStreamer plugin: the project's custom
 * elements (hcforwarder, hcmixminus, hcrtppassthrough, hcsrtpsend) for
 * gst-inspect-1.0 and gst-launch-1.0.
 *
 *   GST_PLUGIN_PATH=<build>/src/media gst-inspect-1.0 hcforwarder
 *
 * The daemon and the tests do not load this module; they register the same
 * elements statically with hc_media_register_elements (NULL).
 */
#include "hc-build-config.h"

#include <hyperconf/hc-forwarder.h>

#define PACKAGE            "hyperconf"
#define GST_PACKAGE_NAME   "hyperconf"
#define GST_PACKAGE_ORIGIN "Unknown package origin"

static gboolean
plugin_init (GstPlugin *plugin)
{
  return hc_media_register_elements (plugin);
}

/* "Apache 2.0" (with a space) is the spelling in gst/gstplugin.c's list of
 * known licenses (1.22); the SPDX id "Apache-2.0" still loads but logs
 * 'plugin ... has unknown license' on every registry scan (checked). */
GST_PLUGIN_DEFINE (
    GST_VERSION_MAJOR, GST_VERSION_MINOR, hyperconf,
    "hyperconf conference media elements (selective forwarder, mix-minus, "
    "RTP pass-through, SRTP send on the ICE agent)",
    plugin_init, HC_VERSION, "Apache 2.0", PACKAGE, GST_PACKAGE_ORIGIN)
