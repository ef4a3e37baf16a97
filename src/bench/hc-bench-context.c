/* hyperconf-bench — participants and names for the scenarios. */
#include "hc-bench-context.h"

#include <unistd.h>

HcBenchClient *
hc_bench_context_new_client (HcBenchContext *ctx, const gchar *room,
                             const gchar *name)
{
  return hc_bench_context_new_client_full (
      ctx, room, name, ctx->video, ctx->audio, NULL, HC_BENCH_VANISH_NEVER);
}

HcBenchClient *
hc_bench_context_new_client_full (HcBenchContext *ctx, const gchar *room,
                                  const gchar *name, const HcBenchClip *video,
                                  const HcBenchClip *audio, const gchar *mode,
                                  HcBenchVanish vanish)
{
  HcBenchClientConfig config = { 0 };

  config.session = ctx->session;
  config.ws_url = (gchar *)hc_bench_server_get_ws_url (ctx->server);
  config.domain = (gchar *)hc_bench_server_get_domain (ctx->server);
  config.conference = (gchar *)hc_bench_server_get_conference (ctx->server);
  config.room = (gchar *)room;
  config.name = (gchar *)name;
  config.video = video;
  config.audio = audio;
  config.jitter_ms = ctx->jitter_ms;
  config.lean_send = ctx->lean_send;
  config.mode = mode;
  config.vanish = vanish;
  /* The configuration is copied by the client. */
  return ctx->target == HC_BENCH_TARGET_JANUS ? hc_bench_janus_new (&config)
                                              : hc_bench_rethink_new (&config);
}

gchar *
hc_bench_context_room_name (HcBenchContext *ctx, const gchar *prefix)
{
  return g_strdup_printf ("bench-%s-%u-%u", prefix, (guint)getpid (),
                          ++ctx->serial);
}
