/* hyperconf — HC_TEST_DROP_TO, a lossy downlink for tests (see
 * hc-test-drop.c).  Private to src/media. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* TRUE if HC_TEST_DROP_TO names @name; then *@percent is its share. */
gboolean hc_test_drop_wanted (const gchar *name, guint *percent);
/* Drops @percent % of the RTP packets @webrtcbin sends from now on, and
 * of those @lean (nullable: its hcsrtpsend) sends itself. */
void hc_test_drop_install (GstElement *webrtcbin, GstElement *lean,
                           guint percent);

G_END_DECLS
