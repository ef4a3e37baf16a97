/* hyperconf — request pads of the project's elements. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Adds @pad, new and floating, to @element: active at once if @element
 * runs or is going to PAUSED (a pad requested while data flows must take
 * it).  Returns: @pad, or NULL (and @pad freed) if @element refused it
 * (a name taken). */
static inline GstPad *
hc_element_add_request_pad (GstElement *element, GstPad *pad)
{
  if (GST_STATE (element) > GST_STATE_READY
      || GST_STATE_NEXT (element) == GST_STATE_PAUSED)
    gst_pad_set_active (pad, TRUE);
  if (!gst_element_add_pad (element, pad)) {
    gst_object_unref (gst_object_ref_sink (pad));
    return NULL;
  }
  return pad;
}

G_END_DECLS
