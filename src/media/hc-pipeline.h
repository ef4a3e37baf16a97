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

/* A new bin from pipelines/@name.pipeline (gst_parse_bin_from_description),
 * with ghost pads "sink" (the sink pad of the graph's first
 * element, if it has one: the element whose only sink pad is unlinked) and
 * "src" (likewise the last element's src pad).  Request pads (the
 * compositor's) are the code's to request and ghost.  Elements keep the
 * names the file gives them: find them with gst_bin_get_by_name().  The bin
 * itself gets a default name: a room holds several of one graph.
 * Returns: (transfer floating) (nullable): NULL with an error when the file
 *   is unknown or does not parse (e.g. an element is not installed) */
GstElement *hc_pipeline_load (const gchar *name, GError **error);

/* hc_pipeline_load() as a child of @bin named "<@name>-<@serial>" (a room
 * holds several of one graph), in @bin's state.
 * Returns: (transfer none) (nullable) */
GstElement *hc_pipeline_add (GstBin *bin, const gchar *name, guint serial,
                             GError **error);
/* Stops @graph and takes it out of @bin. */
void hc_pipeline_remove (GstBin *bin, GstElement *graph);
/* Sets properties of @graph's element named @child (a warning when the
 * file names no such element). */
void hc_pipeline_set (GstElement *graph, const gchar *child,
                      const gchar *property, ...) G_GNUC_NULL_TERMINATED;
/* @graph's "sink", aimed at its element "inqueue" when it has one: the
 * graph's entry for a track head's pad.  Returns: (transfer full) */
GstPad *hc_pipeline_get_entry (GstElement *graph);

G_END_DECLS
