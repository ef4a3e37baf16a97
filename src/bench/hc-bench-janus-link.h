/* hyperconf-bench — a Janus API connection (an HcBenchLink, WebSocket
 * subprotocol "janus-protocol"): requests matched to their replies by
 * transaction, asynchronous events handed out, and the session kept
 * alive.
 *
 * Janus answers core requests (create, attach, keepalive, destroy) with
 * "success" or "error"; a plugin message gets an "ack" first and its real
 * answer later as an "event" with the same transaction.  Main context
 * only; after hc_bench_janus_link_close() no callback runs. */
#pragma once

#include "hc-bench-link.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HC_BENCH_TYPE_JANUS_LINK (hc_bench_janus_link_get_type ())
G_DECLARE_FINAL_TYPE (HcBenchJanusLink, hc_bench_janus_link, HC_BENCH,
                      JANUS_LINK, HcBenchLink)

/* @reply: (nullable): the "success", "event" or "error" message; NULL when
 * none came in time or the socket went */
typedef void (*HcBenchJanusReply) (HcBenchJanusLink *link, JsonObject *reply,
                                   gpointer user_data);

HcBenchJanusLink *hc_bench_janus_link_new (SoupSession *session);

void hc_bench_janus_link_connect_async (HcBenchJanusLink *self,
                                        const gchar *ws_url,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean hc_bench_janus_link_connect_finish (HcBenchJanusLink *self,
                                             GAsyncResult *result,
                                             GError **error);

/* Sends @request (a "transaction" is added).  @plugin_reply: wait past the
 * "ack" for the plugin's "event".  @callback may be NULL. */
void hc_bench_janus_link_request (HcBenchJanusLink *self, JsonObject *request,
                                  gboolean plugin_reply,
                                  HcBenchJanusReply callback,
                                  gpointer user_data);

/* Once the session exists: keepalives every 25 s (Janus drops a session
 * after 60 s of silence). */
void hc_bench_janus_link_keep_alive (HcBenchJanusLink *self, gint64 session_id);

void hc_bench_janus_link_close (HcBenchJanusLink *self);

/* The error text of a reply ("error" message, or plugindata.data.error),
 * or NULL when it is a success. */
const gchar *hc_bench_janus_reply_error (JsonObject *reply);
/* plugindata.data of a reply or event, or NULL. */
JsonObject *hc_bench_janus_plugin_data (JsonObject *message);

/* Signal "event" (gpointer JsonObject *message): everything that answers
 * none of our transactions (plugin events, webrtcup, trickle, hangup...). */

G_END_DECLS
