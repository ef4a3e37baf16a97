/* hyperconf — what the libFuzzer targets share.
 *
 * CHECK() aborts when a promise of the code under test breaks, and
 * hc_fuzz_abort_on_log() makes every message logged at the given levels
 * (by hyperconf, GLib or GStreamer) abort too: libFuzzer saves the
 * input of an abort, not that of the breakpoint trap that
 * g_log_set_always_fatal() ends in.  So a g_return_if_fail or a library
 * complaint reached from input is a finding with its input kept. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>

/* libFuzzer's entry points (the first is optional). */
int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Every level that says something is wrong. */
#define HC_FUZZ_WARNINGS                                                       \
  (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)

#define CHECK(cond)                                                            \
  G_STMT_START                                                                 \
  {                                                                            \
    if (!(cond)) {                                                             \
      g_printerr ("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
      abort ();                                                                \
    }                                                                          \
  }                                                                            \
  G_STMT_END

static inline GLogWriterOutput
hc_fuzz_log_writer (GLogLevelFlags level, const GLogField *fields,
                    gsize n_fields, gpointer user_data)
{
  GLogWriterOutput out = g_log_writer_default (level, fields, n_fields, NULL);

  if (level & GPOINTER_TO_UINT (user_data))
    abort ();
  return out;
}

/* @levels: G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL, and
 * G_LOG_LEVEL_WARNING where the code under test never warns about its
 * input (the node does: a full queue, a refused update). */
static inline void
hc_fuzz_abort_on_log (GLogLevelFlags levels)
{
  g_log_set_writer_func (hc_fuzz_log_writer, GUINT_TO_POINTER (levels), NULL);
}
