/* hyperconf — HcSession internals shared by hc-session.c and hc-node.c.
 *
 * A session is one reTHINK runtime known to the node: a socket client
 * (bound to an HcNodeLink, or detached during the re-open grace period) or
 * an in-process hyperty.  It owns its runtime URL, its addresses and its
 * node subscriptions; the node's indexes point back at it.
 */
#pragma once

#include <hyperconf/hc-node.h>

G_BEGIN_DECLS

struct _HcNodeLink {
  HcNode *node;
  const HcNodeLinkFuncs *funcs;
  gpointer user_data;
  HcSession *session; /* (nullable) (unowned): bound session */
  gchar *peer;        /* (nullable): the client's address */
};

struct _HcSession {
  GObject parent_instance;

  GMainContext *context;
  gchar *runtime_url;
  gchar *token;
  HcNodeLink *link; /* NULL when detached or local */
  gboolean local;
  gboolean ended;
  gchar *peer; /* remote sessions: the address that opened it */

  HcLocalDeliverFunc deliver;
  gpointer deliver_data;
  GDestroyNotify deliver_destroy;

  GQueue queue; /* HcMessage*: waiting for a re-open or a local idle */
  guint max_queued;
  gboolean queue_overflowed; /* logged once until the next flush */
  GSource *flush_source;
  GSource *grace_source;

  GHashTable *addresses;     /* owned address -> NULL (set) */
  GHashTable *subscriptions; /* resource -> NULL (set) */

  gint64 next_id;
  /* Token bucket for §9.2's 429. */
  gdouble tokens;
  gint64 tokens_at_us;
  /* [node] rate-close-after: 429s since the spell of refusals began (a
   * second without one ends it). */
  guint refused;
  gint64 refused_at_us;
};

HcSession *hc_session_new (GMainContext *context, const gchar *runtime_url,
                           guint max_queued);
/* Sends now when bound or local, else queues (oldest dropped past max). */
void hc_session_deliver (HcSession *self, HcMessage *message);
/* Writes the queued messages to the bound link, in order. */
void hc_session_flush (HcSession *self);
/* Takes one message from the bucket; FALSE when over the rate. */
gboolean hc_session_take_token (HcSession *self, guint rate);
/* Counts a 429; returns the refusals of the current spell. */
guint hc_session_count_refusal (HcSession *self);
/* Drops queued messages and local callbacks; marks the session ended. */
void hc_session_end (HcSession *self);

G_END_DECLS
