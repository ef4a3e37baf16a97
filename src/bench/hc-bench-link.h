/* hyperconf-bench — HcBenchLink: what a signalling connection of the
 * benchmark is, whatever it speaks: one WebSocket (libsoup 3 client),
 * requests waiting for their answer under a key, each at most 15 s, and a
 * clean close.  HcBenchSignal (reTHINK, keyed by id) and HcBenchJanusLink
 * (Janus, keyed by transaction) are its subclasses: they parse the frames
 * and say which waiting request a frame answers.
 *
 *   WebSocket text ─▶ frame() (subclass: parse) ─┬▶ hc_bench_link_reply ()
 *                                                │    ─▶ reply() ─▶ callback
 *                                                └▶ its own signal (events)
 *
 * Main context only.  After hc_bench_link_close() no frame() and no
 * reply() is called any more. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define HC_BENCH_TYPE_LINK (hc_bench_link_get_type ())
G_DECLARE_DERIVABLE_TYPE (HcBenchLink, hc_bench_link, HC_BENCH, LINK, GObject)

struct _HcBenchLinkClass {
  GObjectClass parent_class;

  /* A text frame came in. */
  void (*frame) (HcBenchLink *self, const gchar *text, gsize size);
  /* Calls @callback, the subclass's own reply function given to
   * hc_bench_link_expect(), with @reply (NULL: none came in time, or the
   * socket went). */
  void (*reply) (HcBenchLink *self, GCallback callback, gpointer reply,
                 gpointer user_data);
};

/* For the subclasses' constructors.  @session: (transfer none): shared by
 * every client */
void hc_bench_link_set_session (HcBenchLink *self, SoupSession *session);

/* Opens the WebSocket to @ws_url.  @protocol: (nullable): the
 * subprotocol to ask for */
void hc_bench_link_connect_async (HcBenchLink *self, const gchar *ws_url,
                                  const gchar *protocol,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean hc_bench_link_connect_finish (HcBenchLink *self, GAsyncResult *result,
                                       GError **error);

gboolean hc_bench_link_is_open (HcBenchLink *self);
/* hc_bench_link_close() was called. */
gboolean hc_bench_link_is_closed (HcBenchLink *self);

/* Sends @text if the socket is open; drops it otherwise. */
void hc_bench_link_send (HcBenchLink *self, const gchar *text);

/* Waits for the answer to the request @key (one key per request).
 * @flags: the subclass's own, for hc_bench_link_is_expected().
 * @callback: (nullable): handed to the reply vfunc with the answer, or
 * with NULL after 15 s or when the socket goes. */
void hc_bench_link_expect (HcBenchLink *self, const gchar *key, guint flags,
                           GCallback callback, gpointer user_data);

/* Whether the request @key waits for its answer, and its @flags. */
gboolean hc_bench_link_is_expected (HcBenchLink *self, const gchar *key,
                                    guint *flags);

/* @reply (transfer none) answers the request @key, which waits no more.
 * Returns: FALSE when no request @key was waiting */
gboolean hc_bench_link_reply (HcBenchLink *self, const gchar *key,
                              gpointer reply);

/* Closes the socket (code 1000) and forgets the waiting requests
 * (their callbacks are not called).  Idempotent. */
void hc_bench_link_close (HcBenchLink *self);

G_END_DECLS
