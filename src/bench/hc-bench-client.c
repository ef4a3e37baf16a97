/* hyperconf-bench — HcBenchClient: the state every synthetic participant
 * shares, and the dispatch to its protocol. */
#include "hc-bench-client.h"

typedef struct {
  HcBenchClientConfig config;
  HcBenchClientState state;
  gchar *error;
  gint64 join_start;
} HcBenchClientPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (HcBenchClient, hc_bench_client,
                                     G_TYPE_OBJECT)

static void
hc_bench_client_finalize (GObject *object)
{
  HcBenchClientPrivate *priv
      = hc_bench_client_get_instance_private (HC_BENCH_CLIENT (object));

  g_clear_object (&priv->config.session);
  g_free (priv->config.ws_url);
  g_free (priv->config.domain);
  g_free (priv->config.conference);
  g_free (priv->config.room);
  g_free (priv->config.name);
  g_free (priv->error);
  G_OBJECT_CLASS (hc_bench_client_parent_class)->finalize (object);
}

static void
hc_bench_client_class_init (HcBenchClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hc_bench_client_finalize;
}

static void
hc_bench_client_init (HcBenchClient *self)
{
}

void
hc_bench_client_set_config (HcBenchClient *self,
                            const HcBenchClientConfig *config)
{
  HcBenchClientPrivate *priv = hc_bench_client_get_instance_private (self);

  priv->config = *config;
  priv->config.session = g_object_ref (config->session);
  priv->config.ws_url = g_strdup (config->ws_url);
  priv->config.domain = g_strdup (config->domain);
  priv->config.conference = g_strdup (config->conference);
  priv->config.room = g_strdup (config->room);
  priv->config.name = g_strdup (config->name);
}

const HcBenchClientConfig *
hc_bench_client_get_config (HcBenchClient *self)
{
  HcBenchClientPrivate *priv = hc_bench_client_get_instance_private (self);

  return &priv->config;
}

void
hc_bench_client_join (HcBenchClient *self)
{
  HcBenchClientPrivate *priv = hc_bench_client_get_instance_private (self);

  g_return_if_fail (priv->state == HC_BENCH_CLIENT_NEW);
  priv->join_start = g_get_monotonic_time ();
  priv->state = HC_BENCH_CLIENT_JOINING;
  g_debug ("%s: joining %s", priv->config.name, priv->config.room);
  HC_BENCH_CLIENT_GET_CLASS (self)->join (self);
}

void
hc_bench_client_leave (HcBenchClient *self)
{
  HcBenchClientPrivate *priv = hc_bench_client_get_instance_private (self);

  /* A vanished client has nothing left to say. */
  if (priv->state == HC_BENCH_CLIENT_LEFT
      || priv->state == HC_BENCH_CLIENT_VANISHED)
    return;
  HC_BENCH_CLIENT_GET_CLASS (self)->leave (self);
  priv->state = HC_BENCH_CLIENT_LEFT;
}

HcBenchRecv *
hc_bench_client_get_recv (HcBenchClient *self)
{
  HcBenchEndpoint *receiver
      = HC_BENCH_CLIENT_GET_CLASS (self)->get_receiver (self);

  return receiver ? hc_bench_endpoint_get_recv (receiver) : NULL;
}

gboolean
hc_bench_client_is_connected (HcBenchClient *self)
{
  HcBenchEndpoint *publisher
      = HC_BENCH_CLIENT_GET_CLASS (self)->get_publisher (self);

  return publisher
         && hc_bench_endpoint_get_state (publisher)
                == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;
}

guint
hc_bench_client_get_keyframe_requests (HcBenchClient *self)
{
  HcBenchEndpoint *publisher
      = HC_BENCH_CLIENT_GET_CLASS (self)->get_publisher (self);

  return publisher ? hc_bench_endpoint_get_keyframe_requests (publisher) : 0;
}

HcBenchClientState
hc_bench_client_get_state (HcBenchClient *self)
{
  HcBenchClientPrivate *priv = hc_bench_client_get_instance_private (self);

  return priv->state;
}

const gchar *
hc_bench_client_get_error (HcBenchClient *self)
{
  HcBenchClientPrivate *priv = hc_bench_client_get_instance_private (self);

  return priv->error;
}

gint64
hc_bench_client_get_join_start (HcBenchClient *self)
{
  HcBenchClientPrivate *priv = hc_bench_client_get_instance_private (self);

  return priv->join_start;
}

void
hc_bench_client_set_state (HcBenchClient *self, HcBenchClientState state,
                           const gchar *error)
{
  HcBenchClientPrivate *priv = hc_bench_client_get_instance_private (self);

  /* A failure, a leave or a vanishing is final. */
  if (priv->state == HC_BENCH_CLIENT_FAILED
      || priv->state == HC_BENCH_CLIENT_LEFT
      || priv->state == HC_BENCH_CLIENT_VANISHED)
    return;
  priv->state = state;
  g_debug ("%s: state %d", priv->config.name, state);
  if (error && priv->error == NULL) {
    priv->error = g_strdup (error);
    g_printerr ("hyperconf-bench: %s: %s\n", priv->config.name, error);
  }
}
