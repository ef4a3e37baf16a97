/* hyperconf-bench — the Janus to compare with: Debian's janus started with
 * a configuration of our own (VideoRoom plugin and WebSocket transport
 * only, on loopback), or one already running at the --peer URL. */
#pragma once

#include "hc-bench-server.h"

G_BEGIN_DECLS

/* If something already answers at @ws_url's port, uses it (@pid, 0 when
 * unknown: then no CPU figures); else starts `janus` on that port with a
 * configuration written under @workdir/janus-<our pid>/. */
HcBenchServer *hc_bench_janus_server_start (const gchar *ws_url, GPid pid,
                                            const gchar *workdir,
                                            GError **error);

G_END_DECLS
