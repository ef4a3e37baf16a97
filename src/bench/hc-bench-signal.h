/* hyperconf-bench — a reTHINK message transport for synthetic clients: an
 * HcBenchLink (one WebSocket) carrying JSON frames in and out, requests
 * matched to their responses by id (PROTOCOL.md §2).  No knowledge of
 * sessions, objects or conferences: HcBenchRethink builds those on top.
 *
 * Main context only.  After hc_bench_signal_close() no callback and no
 * signal is called any more. */
#pragma once

#include "hc-bench-link.h"

#include <hyperconf/hc-message.h>

G_BEGIN_DECLS

#define HC_BENCH_TYPE_SIGNAL (hc_bench_signal_get_type ())
G_DECLARE_FINAL_TYPE (HcBenchSignal, hc_bench_signal, HC_BENCH, SIGNAL,
                      HcBenchLink)

/* @response: (nullable): NULL when none came in time or the socket went */
typedef void (*HcBenchResponseFunc) (HcBenchSignal *self, HcMessage *response,
                                     gpointer user_data);

/* @session: (transfer none): shared by every client */
HcBenchSignal *hc_bench_signal_new (SoupSession *session);

/* Opens the WebSocket to @ws_url. */
void hc_bench_signal_connect_async (HcBenchSignal *self, const gchar *ws_url,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean hc_bench_signal_connect_finish (HcBenchSignal *self,
                                         GAsyncResult *result, GError **error);

/* Sends a request with a fresh id; @callback gets its response.
 * @body: (transfer none) (nullable) */
void hc_bench_signal_request (HcBenchSignal *self, HcMessageType type,
                              const gchar *from, const gchar *to,
                              JsonObject *body, HcBenchResponseFunc callback,
                              gpointer user_data);

/* Sends a message nobody answers (an update to <url>/changes). */
void hc_bench_signal_notify (HcBenchSignal *self, HcMessageType type,
                             const gchar *from, const gchar *to,
                             JsonObject *body);

/* Answers @request; @value: (transfer none) (nullable) becomes body.value,
 * @extra: (transfer none) (nullable) members are added to the body. */
void hc_bench_signal_respond (HcBenchSignal *self, HcMessage *request,
                              gint code, JsonNode *value, JsonObject *extra);

/* Closes the socket (code 1000) and forgets pending requests. */
void hc_bench_signal_close (HcBenchSignal *self);

gboolean hc_bench_signal_is_open (HcBenchSignal *self);

/* Signal "message" (HcMessage *message): every frame that is not the
 * response to one of our requests. */

G_END_DECLS
