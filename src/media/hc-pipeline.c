/* hyperconf — the media graphs of pipelines/ *.pipeline files (see
 * hc-pipeline.h).
 */
#include "hc-pipeline.h"

#include <gio/gio.h>

#include "hc-pipelines-resource.h"

#define RESOURCE_PREFIX "/org/hyperconf/pipelines/"

gchar *
hc_pipeline_text (const gchar *name, GError **error)
{
  g_return_val_if_fail (name != NULL, NULL);

  g_autofree gchar *path
      = g_strconcat (RESOURCE_PREFIX, name, ".pipeline", NULL);
  /* Looked up in our own GResource rather than the global registry: the
   * resource lives in a static library, and referencing its getter is what
   * keeps the linker from dropping it. */
  g_autoptr (GBytes) bytes = g_resource_lookup_data (
      hc_pipelines_get_resource (), path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 "no pipeline description named \"%s\"", name);
    return NULL;
  }
  gsize size;
  const gchar *data = g_bytes_get_data (bytes, &size);
  return g_strndup (data, size);
}

/* The one pad of @element in @direction if it has exactly one and it is
 * unlinked, else NULL.  Returns: (transfer full) (nullable) */
static GstPad *
sole_unlinked_pad (GstElement *element, GstPadDirection direction)
{
  GList *pads
      = direction == GST_PAD_SINK ? element->sinkpads : element->srcpads;
  guint count
      = direction == GST_PAD_SINK ? element->numsinkpads : element->numsrcpads;
  GstPad *pad = NULL;

  GST_OBJECT_LOCK (element);
  if (count == 1 && !gst_pad_is_linked (pads->data))
    pad = gst_object_ref (pads->data);
  GST_OBJECT_UNLOCK (element);
  return pad;
}

/* Ghosts the graph's entry as "sink" and its exit as "src": the element
 * with one sink pad, unlinked (a graph's first element), and the one with
 * one src pad, unlinked (its last).  Not "any unlinked pad", which is what
 * gst_parse_bin_from_description would pick: textoverlay's text_sink is
 * unlinked too, and no entry. */
static gboolean
ghost_entry_and_exit (GstBin *bin, GError **error)
{
  const GstPadDirection directions[] = { GST_PAD_SINK, GST_PAD_SRC };
  const gchar *names[] = { "sink", "src" };

  for (guint d = 0; d < 2; d++) {
    g_autoptr (GstPad) found = NULL;
    for (GList *l = bin->children; l; l = l->next) {
      GstPad *pad = sole_unlinked_pad (l->data, directions[d]);
      if (pad == NULL)
        continue;
      if (found != NULL) {
        g_set_error (error, GST_PARSE_ERROR, GST_PARSE_ERROR_LINK,
                     "more than one unlinked %s pad (%s, %s)", names[d],
                     GST_OBJECT_NAME (GST_PAD_PARENT (found)),
                     GST_OBJECT_NAME (l->data));
        gst_object_unref (pad);
        return FALSE;
      }
      found = pad;
    }
    if (found != NULL)
      gst_element_add_pad (GST_ELEMENT (bin),
                           gst_ghost_pad_new (names[d], found));
  }
  return TRUE;
}

GstElement *
hc_pipeline_load (const gchar *name, GError **error)
{
  g_autofree gchar *text = hc_pipeline_text (name, error);
  if (text == NULL)
    return NULL;

  GError *parse_error = NULL;
  /* FATAL_ERRORS: a missing element or an unknown property fails the load
   * instead of giving a half-built bin that stalls at run time. */
  GstElement *bin = gst_parse_bin_from_description_full (
      text, FALSE, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  if (bin == NULL || !ghost_entry_and_exit (GST_BIN (bin), &parse_error)) {
    g_propagate_prefixed_error (error, parse_error,
                                "pipelines/%s.pipeline: ", name);
    if (bin != NULL)
      gst_object_unref (gst_object_ref_sink (bin));
    return NULL;
  }
  return bin;
}

GstElement *
hc_pipeline_add (GstBin *bin, const gchar *name, guint serial, GError **error)
{
  GstElement *graph = hc_pipeline_load (name, error);
  g_autofree gchar *unique = NULL;

  if (graph == NULL)
    return NULL;
  unique = g_strdup_printf ("%s-%u", name, serial);
  gst_object_set_name (GST_OBJECT (graph), unique);
  gst_bin_add (bin, graph);
  return graph;
}

void
hc_pipeline_remove (GstBin *bin, GstElement *graph)
{
  gst_element_set_state (graph, GST_STATE_NULL);
  gst_bin_remove (bin, graph);
}

void
hc_pipeline_set (GstElement *graph, const gchar *child, const gchar *property,
                 ...)
{
  g_autoptr (GstElement) element = gst_bin_get_by_name (GST_BIN (graph), child);
  va_list args;

  if (element == NULL) {
    GST_WARNING_OBJECT (graph, "no element %s", child);
    return;
  }
  va_start (args, property);
  g_object_set_valist (G_OBJECT (element), property, args);
  va_end (args);
}

GstPad *
hc_pipeline_get_entry (GstElement *graph)
{
  GstPad *sink = gst_element_get_static_pad (graph, "sink");
  g_autoptr (GstElement) queue
      = gst_bin_get_by_name (GST_BIN (graph), "inqueue");
  g_autoptr (GstPad) queue_sink = NULL;
  g_autoptr (GstPad) target = NULL;

  if (sink == NULL || queue == NULL)
    return sink;
  queue_sink = gst_element_get_static_pad (queue, "sink");
  target = gst_ghost_pad_get_target (GST_GHOST_PAD (sink));
  if (target != queue_sink)
    gst_ghost_pad_set_target (GST_GHOST_PAD (sink), queue_sink);
  return sink;
}
