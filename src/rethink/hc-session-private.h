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

/* [node] max-rate and rate-close-after: a token bucket (bursts of twice
 * the rate) and the spell of refusals it made since the last pause of a
 * second between two of them.  Zeroed: full at the first message. */
typedef struct {
  gboolean started;
  gdouble tokens;
  gint64 tokens_at_us;
  guint refused;
  gint64 refused_at_us;
} HcRateBucket;

/* Takes one message; FALSE when over @rate (0: no limit). */
gboolean hc_rate_bucket_take (HcRateBucket *bucket, guint rate);
/* Counts a refusal; returns the refusals of the current spell. */
guint hc_rate_bucket_refuse (HcRateBucket *bucket);

struct _HcNodeLink {
  HcNode *node;
  const HcNodeLinkFuncs *funcs;
  gpointer user_data;
  HcSession *session; /* (nullable) (unowned): bound session */
  gchar *peer;        /* (nullable): the client's address */
  HcRateBucket rate;  /* frames no session counts: before an open, and
                       * open and re-open themselves */
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
  HcRateBucket rate; /* §9.2's 429; remote sessions only */
};

HcSession *hc_session_new (GMainContext *context, const gchar *runtime_url,
                           guint max_queued);
/* Sends now when bound or local, else queues (oldest dropped past max). */
void hc_session_deliver (HcSession *self, HcMessage *message);
/* Writes the queued messages to the bound link, in order. */
void hc_session_flush (HcSession *self);

/* Drops queued messages and local callbacks; marks the session ended. */
void hc_session_end (HcSession *self);

G_END_DECLS
