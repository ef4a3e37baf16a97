/* hyperconf — one runtime's session: delivery, queueing, rate. */
#define G_LOG_DOMAIN "hc-node"

#include "hc-session-private.h"

#include <hyperconf/hc-address.h>

G_DEFINE_FINAL_TYPE (HcSession, hc_session, G_TYPE_OBJECT)

static void
hc_session_finalize (GObject *object)
{
  HcSession *self = HC_SESSION (object);

  hc_session_end (self);
  g_free (self->runtime_url);
  g_free (self->token);
  g_free (self->peer);
  g_hash_table_unref (self->addresses);
  g_hash_table_unref (self->subscriptions);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (hc_session_parent_class)->finalize (object);
}

static void
hc_session_class_init (HcSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hc_session_finalize;
}

static void
hc_session_init (HcSession *self)
{
  g_queue_init (&self->queue);
  self->addresses
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->subscriptions
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->next_id = 1;
}

HcSession *
hc_session_new (GMainContext *context, const gchar *runtime_url,
                guint max_queued)
{
  HcSession *self = g_object_new (HC_TYPE_SESSION, NULL);
  g_autofree gchar *uuid = g_uuid_string_random ();

  self->context = g_main_context_ref (context);
  self->runtime_url = g_strdup (runtime_url);
  self->token = g_steal_pointer (&uuid);
  self->max_queued = MAX (max_queued, 1);
  return self;
}

static gboolean
flush_local (gpointer user_data)
{
  HcSession *self = user_data;
  HcMessage *message;

  g_clear_pointer (&self->flush_source, g_source_unref);
  /* Keep the session alive while a callback may close it. */
  g_object_ref (self);
  while (!self->ended && (message = g_queue_pop_head (&self->queue))) {
    self->deliver (self, message, self->deliver_data);
    hc_message_unref (message);
  }
  self->queue_overflowed = FALSE;
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
send_on_link (HcSession *self, HcMessage *message)
{
  g_autofree gchar *text = hc_message_to_string (message);

  self->link->funcs->send_text (self->link->user_data, text);
}

void
hc_session_deliver (HcSession *self, HcMessage *message)
{
  if (self->ended)
    return;
  if (self->link && g_queue_is_empty (&self->queue)) {
    send_on_link (self, message);
    return;
  }

  if (g_queue_get_length (&self->queue) >= self->max_queued) {
    HcNode *node = g_object_get_data (G_OBJECT (self), "hc-node");

    /* Once per spell of overflow, not per message: a flood must not
     * become a flood of log lines. */
    if (!self->queue_overflowed)
      g_message ("%s: queue full (%u), dropping the oldest messages",
                 self->runtime_url, self->max_queued);
    self->queue_overflowed = TRUE;
    if (node)
      hc_node_count_limit (node, HC_LIMIT_QUEUED);
    hc_message_unref (g_queue_pop_head (&self->queue));
  }
  g_queue_push_tail (&self->queue, hc_message_ref (message));

  /* In-process hyperties are called back from an idle, never from inside
   * the caller's hc_node_post: no re-entrancy into their state. */
  if (self->local && self->flush_source == NULL) {
    self->flush_source = g_idle_source_new ();
    g_source_set_callback (self->flush_source, flush_local, self, NULL);
    g_source_attach (self->flush_source, self->context);
  }
}

void
hc_session_flush (HcSession *self)
{
  HcMessage *message;

  while (self->link && (message = g_queue_pop_head (&self->queue))) {
    send_on_link (self, message);
    hc_message_unref (message);
  }
  self->queue_overflowed = FALSE;
}

gboolean
hc_rate_bucket_take (HcRateBucket *bucket, guint rate)
{
  gint64 now = g_get_monotonic_time ();

  if (rate == 0)
    return TRUE;
  if (!bucket->started) {
    bucket->started = TRUE;
    bucket->tokens = 2.0 * rate;
    bucket->tokens_at_us = now;
  }
  bucket->tokens
      += (now - bucket->tokens_at_us) * (gdouble)rate / G_USEC_PER_SEC;
  bucket->tokens = MIN (bucket->tokens, 2.0 * rate);
  bucket->tokens_at_us = now;
  if (bucket->tokens < 1.0)
    return FALSE;
  bucket->tokens -= 1.0;
  return TRUE;
}

guint
hc_rate_bucket_refuse (HcRateBucket *bucket)
{
  gint64 now = g_get_monotonic_time ();

  /* A client that backs off for a second after a 429 starts afresh. */
  if (now - bucket->refused_at_us > G_USEC_PER_SEC)
    bucket->refused = 0;
  bucket->refused_at_us = now;
  return ++bucket->refused;
}

void
hc_session_end (HcSession *self)
{
  self->ended = TRUE;
  if (self->flush_source) {
    g_source_destroy (self->flush_source);
    g_clear_pointer (&self->flush_source, g_source_unref);
  }
  if (self->grace_source) {
    g_source_destroy (self->grace_source);
    g_clear_pointer (&self->grace_source, g_source_unref);
  }
  g_queue_clear_full (&self->queue, (GDestroyNotify)hc_message_unref);
  if (self->deliver_destroy)
    self->deliver_destroy (self->deliver_data);
  self->deliver_destroy = NULL;
  self->deliver = NULL;
}

gint64
hc_session_next_id (HcSession *self)
{
  return self->next_id++;
}

const gchar *
hc_session_get_runtime_url (HcSession *self)
{
  return self->runtime_url;
}

gboolean
hc_session_owns (HcSession *self, const gchar *url)
{
  g_autofree gchar *walk = NULL;

  if (hc_address_is_at_or_below (url, self->runtime_url))
    return TRUE;
  walk = g_strdup (url);
  do {
    if (g_hash_table_contains (self->addresses, walk))
      return TRUE;
  } while (hc_address_walk_up (walk));
  return FALSE;
}
