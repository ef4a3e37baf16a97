/* hyperconf — the media graphs of pipelines/ *.pipeline files (private to
 * src/media).
 *
 * The files are compiled into the binaries as a GResource under
 * /org/hyperconf/pipelines/, so the daemon needs no install path and always
 * runs the graphs it was built with.  pipelines/README.md says what each one
 * is and which elements it names for the code.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The description of pipelines/@name.pipeline (@name without the suffix,
 * e.g. "mcu-video").
 * Returns: (transfer full) (nullable): NULL with G_IO_ERROR_NOT_FOUND for
 *   an unknown name */
gchar *hc_pipeline_text (const gchar *name, GError **error);

/* A new bin from pipelines/@name.pipeline (gst_parse_bin_from_description,
 * its unlinked pads ghosted), named @name.  Elements keep the names the
 * file gives them: find them with gst_bin_get_by_name().
 * Returns: (transfer floating) (nullable): NULL with an error when the file
 *   is unknown or does not parse (e.g. an element is not installed) */
GstElement *hc_pipeline_load (const gchar *name, GError **error);

G_END_DECLS
