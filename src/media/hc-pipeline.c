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
      text, TRUE, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  if (bin == NULL) {
    g_propagate_prefixed_error (error, parse_error,
                                "pipelines/%s.pipeline: ", name);
    return NULL;
  }
  gst_element_set_name (bin, name);
  return bin;
}
