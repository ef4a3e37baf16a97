/* hyperconf — the daemon: options, configuration, wiring, signals.
 *
 * Exit codes: 0 after a clean SIGINT/SIGTERM shutdown, 1 when the server
 * cannot start (port in use, ...), 2 for a usage or configuration error.
 */
#define G_LOG_DOMAIN "hc-app"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib-unix.h>

#include <hyperconf/hc-config.h>
#include <hyperconf/hc-http-server.h>
#include <hyperconf/hc-node.h>
#include <hyperconf/hc-conference.h>
#include <hyperconf/hc-forwarder.h>

#include <gst/gst.h>

#include "hc-build-config.h"

#define EXIT_USAGE 2

/* libsoup forces a WebSocket closed 5 s after its close frame; wait a bit
 * longer than that before giving up on a clean drain. */
#define DRAIN_TIMEOUT_S 7

/* What the admin API and /metrics show of the conference. */
static GStrv
admin_list_rooms (gpointer conference)
{
  return hc_conference_list_rooms (conference);
}

static gchar *
admin_room_dot (gpointer conference, const gchar *room)
{
  return hc_conference_dump_room_dot (conference, room);
}

static guint
admin_count_participants (gpointer conference)
{
  return hc_conference_get_n_participants (conference);
}

static gboolean
admin_room_media (gpointer conference, const gchar *room, guint *n_elements,
                  gboolean *has_mixer)
{
  return hc_conference_get_room_media (conference, room, n_elements, has_mixer);
}

static const HcAdminProvider admin_provider = {
  admin_list_rooms,
  admin_room_dot,
  admin_count_participants,
  admin_room_media,
};

static gboolean
on_quit_signal (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_message ("signal received, shutting down");
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_drain_timeout (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets every WebSocket finish its closing handshake, so the node sees each
 * link disconnect and nothing is left half-closed when we free. */
static void
drain (HcHttpServer *server)
{
  gboolean expired = FALSE;
  guint timeout_id
      = g_timeout_add_seconds (DRAIN_TIMEOUT_S, on_drain_timeout, &expired);

  while (hc_http_server_get_n_websockets (server) > 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_warning ("%u WebSocket(s) did not close in time",
               hc_http_server_get_n_websockets (server));
  else
    g_source_remove (timeout_id);
}

static int
run (int argc, char **argv)
{
  g_autofree gchar *config_path = NULL;
  g_autofree gchar *listen_address = NULL;
  g_autofree gchar *port = NULL;
  g_autofree gchar *domain = NULL;
  gboolean version = FALSE;
  const GOptionEntry entries[]
      = { { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
            "Read settings from FILE (documented in data/hyperconf.conf)",
            "FILE" },
          { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen_address,
            "IP address to listen on (default " HC_CONFIG_DEFAULT_LISTEN ")",
            "ADDR" },
          { "port", 'p', 0, G_OPTION_ARG_STRING, &port,
            "TCP port, 0 for any free one (default 8080)", "N" },
          { "domain", 'd', 0, G_OPTION_ARG_STRING, &domain,
            "reTHINK domain (default " HC_CONFIG_DEFAULT_DOMAIN ")", "NAME" },
          { "version", 'V', 0, G_OPTION_ARG_NONE, &version,
            "Print the version and exit", NULL },
          G_OPTION_ENTRY_NULL };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HcConfig) config = NULL;
  g_autoptr (HcNode) node = NULL;
  g_autoptr (HcConference) conference = NULL;
  g_autoptr (HcHttpServer) server = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autofree gchar *url = NULL;
  HcConfigOverrides overrides = { 0 };
  guint sigint_id, sigterm_id;

  setlocale (LC_ALL, "");

  context = g_option_context_new (NULL);
  g_option_context_set_summary (
      context, "WebRTC conference server speaking the reTHINK protocol.");
  g_option_context_set_description (
      context,
      "Command-line options win over the --config file.  Exit status: 0\n"
      "after SIGINT/SIGTERM, 1 if the server cannot start, 2 for a bad\n"
      "option or configuration value.\n");
  g_option_context_add_main_entries (context, entries, NULL);
  /* GStreamer's own options (--gst-debug...) and its initialisation. */
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("hyperconf: %s (try --help)\n", error->message);
    return EXIT_USAGE;
  }
  if (argc > 1) {
    g_printerr ("hyperconf: unexpected argument \"%s\" (try --help)\n",
                argv[1]);
    return EXIT_USAGE;
  }
  if (version) {
    g_print ("hyperconf %s\n", HC_VERSION);
    return EXIT_SUCCESS;
  }

  overrides.listen_address = listen_address;
  overrides.port = port;
  overrides.domain = domain;
  config = hc_config_load_full (config_path, &overrides, &error);
  if (config == NULL) {
    g_printerr ("hyperconf: %s\n", error->message);
    return EXIT_USAGE;
  }

  hc_media_register_elements (NULL);
  node = hc_node_new (&config->node);
  conference = hc_conference_new (node, &config->conference, &error);
  if (conference == NULL) {
    g_printerr ("hyperconf: %s\n", error->message);
    return EXIT_FAILURE;
  }
  server
      = hc_http_server_new (node, config, hc_conference_get_url (conference));
  hc_http_server_set_admin (server, &admin_provider, conference);
  if (!hc_http_server_listen (server, &error)) {
    g_printerr ("hyperconf: cannot listen on %s port %u: %s\n",
                config->listen_address, config->port, error->message);
    return EXIT_FAILURE;
  }

  /* Tests and scripts read this line to learn the port (--port 0). */
  url = hc_http_server_get_listen_url (server);
  g_print ("hyperconf %s listening on %s\n", HC_VERSION, url);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_message ("hyperconf %s started (domain %s, www %s)", HC_VERSION,
             config->domain, config->www_dir);
  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  hc_http_server_shutdown (server);
  drain (server);
  /* The server first (it detaches its links from the node), then the
   * conference (its rooms and session), then the node. */
  g_clear_object (&server);
  g_clear_object (&conference);
  g_clear_object (&node);
  /* Let already-queued completions (socket closes) run, bounded so a
   * misbehaving source cannot keep us here. */
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_message ("stopped");
  return EXIT_SUCCESS;
}

int
main (int argc, char **argv)
{
  return run (argc, argv);
}
