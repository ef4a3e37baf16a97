/* hyperconf-bench — a synthetic participant, whatever the server: it
 * joins a room, publishes the pre-encoded clips, receives everything the
 * server forwards, and leaves.  HcBenchRethink speaks PROTOCOL.md to
 * hyperconf; HcBenchJanus speaks Janus's VideoRoom API.  The scenarios
 * only see this base class.
 *
 * Main context only. */
#pragma once

#include <libsoup/soup.h>

#include "hc-bench-clip.h"
#include "hc-bench-endpoint.h"
#include "hc-bench-recv.h"

G_BEGIN_DECLS

/* When a participant vanishes mid-negotiation, as a browser whose tab or
 * network goes: its socket closes without a `close` (the server keeps
 * the session for its grace period, then ends it).  hyperconf only; the
 * Janus client ignores it. */
typedef enum {
  HC_BENCH_VANISH_NEVER,
  /* once the server has the join offer, before its answer arrives */
  HC_BENCH_VANISH_OFFERED,
  /* when the server's answer arrives, before ICE can connect */
  HC_BENCH_VANISH_ANSWERED,
} HcBenchVanish;

typedef struct {
  SoupSession *session;
  gchar *ws_url;     /* the server's WebSocket */
  gchar *domain;     /* reTHINK domain (hyperconf) */
  gchar *conference; /* the server conference hyperty (hyperconf) */
  gchar *room;
  gchar *name;
  const HcBenchClip *video; /* NULL: do not publish video */
  const HcBenchClip *audio;
  guint jitter_ms;
  gboolean lean_send;
  const gchar *mode; /* options.mode (static string): NULL is "sfu" */
  HcBenchVanish vanish;
} HcBenchClientConfig;

typedef enum {
  HC_BENCH_CLIENT_NEW,
  HC_BENCH_CLIENT_JOINING,
  HC_BENCH_CLIENT_JOINED, /* the server accepted the join */
  HC_BENCH_CLIENT_FAILED,
  HC_BENCH_CLIENT_LEFT,
  HC_BENCH_CLIENT_VANISHED, /* as config->vanish said */
} HcBenchClientState;

#define HC_BENCH_TYPE_CLIENT (hc_bench_client_get_type ())
G_DECLARE_DERIVABLE_TYPE (HcBenchClient, hc_bench_client, HC_BENCH, CLIENT,
                          GObject)

struct _HcBenchClientClass {
  GObjectClass parent_class;

  void (*join) (HcBenchClient *self);
  void (*leave) (HcBenchClient *self);
  /* (transfer none) (nullable): the endpoint that publishes our clips,
   * and the one that receives the others' media (the same one when the
   * server takes both on one PeerConnection) */
  HcBenchEndpoint *(*get_publisher) (HcBenchClient *self);
  HcBenchEndpoint *(*get_receiver) (HcBenchClient *self);
};

void hc_bench_client_join (HcBenchClient *self);
void hc_bench_client_leave (HcBenchClient *self);
/* Returns: (transfer none) (nullable): where received media is counted */
HcBenchRecv *hc_bench_client_get_recv (HcBenchClient *self);
/* The publisher's connection to the server is up. */
gboolean hc_bench_client_is_connected (HcBenchClient *self);
/* Keyframe requests our video publisher got. */
guint hc_bench_client_get_keyframe_requests (HcBenchClient *self);

HcBenchClientState hc_bench_client_get_state (HcBenchClient *self);
/* Why the join failed (the server's code and text), or NULL. */
const gchar *hc_bench_client_get_error (HcBenchClient *self);
/* Monotonic time (us) join was called. */
gint64 hc_bench_client_get_join_start (HcBenchClient *self);
/* Returns: (transfer none): the configuration (owned by the client) */
const HcBenchClientConfig *hc_bench_client_get_config (HcBenchClient *self);

/* For subclasses. */
void hc_bench_client_set_state (HcBenchClient *self, HcBenchClientState state,
                                const gchar *error);
void hc_bench_client_set_config (HcBenchClient *self,
                                 const HcBenchClientConfig *config);

/* Constructors of the subclasses. */
HcBenchClient *hc_bench_rethink_new (const HcBenchClientConfig *config);
HcBenchClient *hc_bench_janus_new (const HcBenchClientConfig *config);

G_END_DECLS
