/* hyperconf — the daemon: options, configuration, wiring, signals.
 *
 * Exit codes: 0 after a clean SIGINT/SIGTERM shutdown (the first signal
 * drains the rooms, a second stops at once), 1 when the server cannot
 * start (port in use, ...), 2 for a usage or configuration error.
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
#include <hyperconf/hc-srtp-crypto.h>
#include <hyperconf/hc-token.h>

#include <gst/gst.h>

#include "hc-admin-provider.h"
#include "hc-build-config.h"

#define EXIT_USAGE 2

/* libsoup forces a WebSocket closed 5 s after its close frame; wait a bit
 * longer than that before giving up on a clean drain. */
#define WEBSOCKETS_CLOSE_TIMEOUT_S 7

/* SIGTERM / SIGINT: the first drains the rooms (hc_conference_drain,
 * /readyz 503) and stops the loop when the last room is empty, or at the
 * [server] drain-timeout-ms deadline after removing whoever is left; a
 * second one stops the loop at once. */
typedef struct {
  GMainLoop *loop;
  HcConference *conference;
  HcHttpServer *server;
  guint timeout_ms;
  gboolean draining;
  guint deadline_id;
  guint poll_id;
} Shutdown;

static gboolean
poll_rooms_empty (gpointer user_data)
{
  Shutdown *shutdown = user_data;

  if (hc_conference_get_n_rooms (shutdown->conference) > 0)
    return G_SOURCE_CONTINUE;
  g_message ("every room is empty, stopping");
  shutdown->poll_id = 0;
  g_main_loop_quit (shutdown->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_drain_deadline (gpointer user_data)
{
  Shutdown *shutdown = user_data;

  shutdown->deadline_id = 0;
  g_message ("drain deadline: removing %u remaining participant(s)",
             hc_conference_get_n_participants (shutdown->conference));
  /* the rooms empty, and poll_rooms_empty stops the loop */
  hc_conference_close_rooms (shutdown->conference);
  return G_SOURCE_REMOVE;
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Shutdown *shutdown = user_data;

  if (shutdown->draining) {
    g_message ("second signal received, stopping now");
    g_main_loop_quit (shutdown->loop);
    return G_SOURCE_CONTINUE;
  }
  shutdown->draining = TRUE;
  g_message ("signal received, draining %u room(s) for at most %u ms",
             hc_conference_get_n_rooms (shutdown->conference),
             shutdown->timeout_ms);
  hc_http_server_set_ready (shutdown->server, FALSE);
  hc_conference_drain (shutdown->conference);
  shutdown->deadline_id
      = g_timeout_add (shutdown->timeout_ms, on_drain_deadline, shutdown);
  shutdown->poll_id = g_timeout_add (100, poll_rooms_empty, shutdown);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_close_timeout (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets every WebSocket finish its closing handshake, so the node sees each
 * link disconnect and nothing is left half-closed when we free. */
static void
wait_websockets_closed (HcHttpServer *server)
{
  gboolean expired = FALSE;
  guint timeout_id = g_timeout_add_seconds (WEBSOCKETS_CLOSE_TIMEOUT_S,
                                            on_close_timeout, &expired);

  while (hc_http_server_get_n_websockets (server) > 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_warning ("%u WebSocket(s) did not close in time",
               hc_http_server_get_n_websockets (server));
  else
    g_source_remove (timeout_id);
}

/* `hyperconf token --room R --user U --ttl SECONDS [--mode sfu,mcu]`:
 * prints a join token signed with the configured [auth] secret. */
static int
run_token (int argc, char **argv)
{
  g_autofree gchar *config_path = NULL;
  g_autofree gchar *room = NULL;
  g_autofree gchar *user = NULL;
  g_autofree gchar *modes_text = NULL;
  gint64 ttl = 0;
  const GOptionEntry entries[]
      = { { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
            "The configuration whose [auth] secret signs the token", "FILE" },
          { "room", 'r', 0, G_OPTION_ARG_STRING, &room,
            "The room the token admits to, or * for every room", "NAME" },
          { "user", 'u', 0, G_OPTION_ARG_STRING, &user,
            "The participant's name, shown to the others (claim sub)", "NAME" },
          { "ttl", 't', 0, G_OPTION_ARG_INT64, &ttl,
            "Seconds the token stays valid (1 to 31536000)", "SECONDS" },
          { "mode", 'm', 0, G_OPTION_ARG_STRING, &modes_text,
            "The modes allowed, comma-separated (default: any)", "sfu,mcu" },
          G_OPTION_ENTRY_NULL };
  g_autoptr (GOptionContext) context
      = g_option_context_new ("- mint a join token");
  g_autoptr (GError) error = NULL;
  g_autoptr (HcConfig) config = NULL;
  g_auto (GStrv) modes = NULL;
  g_autofree gchar *token = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_option_context_set_description (
      context, "Prints a JWT (HS256) for options.token of a join "
               "(PROTOCOL.md §9.2).\nExit status 2 for a bad option or a "
               "configuration without [auth] secret.\n");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("hyperconf token: %s (try --help)\n", error->message);
    return EXIT_USAGE;
  }
  if (argc > 1 || room == NULL || user == NULL || *user == '\0' || ttl < 1
      || ttl > 365 * 24 * 3600) {
    g_printerr ("hyperconf token: needs --room, --user and --ttl 1..31536000 "
                "(try --help)\n");
    return EXIT_USAGE;
  }
  if (!g_str_equal (room, "*") && !hc_conference_room_name_valid (room)) {
    g_printerr ("hyperconf token: --room: \"%s\" is not * or 1..128 "
                "characters of [A-Za-z0-9._-]\n",
                room);
    return EXIT_USAGE;
  }
  if (modes_text) {
    modes = g_strsplit (modes_text, ",", -1);
    for (guint i = 0; modes[i]; i++) {
      if (!g_str_equal (modes[i], "sfu") && !g_str_equal (modes[i], "mcu")) {
        g_printerr ("hyperconf token: --mode: \"%s\" is not sfu or mcu\n",
                    modes[i]);
        return EXIT_USAGE;
      }
    }
  }
  config = hc_config_load (config_path, &error);
  if (config == NULL) {
    g_printerr ("hyperconf token: %s\n", error->message);
    return EXIT_USAGE;
  }
  if (config->auth_secret == NULL) {
    g_printerr ("hyperconf token: %s has no [auth] secret\n",
                config_path ? config_path : "the built-in configuration");
    return EXIT_USAGE;
  }
  token = hc_token_mint (config->auth_secret, room, user,
                         (const gchar *const *)modes, now, now + ttl, 0);
  g_print ("%s\n", token);
  return EXIT_SUCCESS;
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
  Shutdown shutdown = { 0 };
  guint sigint_id, sigterm_id;

  context = g_option_context_new (NULL);
  g_option_context_set_summary (
      context, "WebRTC conference server speaking the reTHINK protocol.");
  g_option_context_set_description (
      context,
      "Command-line options win over the --config file.  SIGINT/SIGTERM\n"
      "drains: joins are refused, the server exits when the rooms are\n"
      "empty or after [server] drain-timeout-ms; a second signal exits at\n"
      "once.  Exit status: 0 after SIGINT/SIGTERM, 1 if the server cannot\n"
      "start, 2 for a bad option or configuration value.\n\n"
      "hyperconf token --help: mint join tokens (needs [auth] secret).\n");
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

  /* Before any webrtcbin exists, so that every SRTP session of the
   * process uses it (hc-srtp-crypto.h). */
  if (!hc_srtp_crypto_install (&error)) {
    g_warning ("SRTP: keeping libsrtp2's own crypto: %s", error->message);
    g_clear_error (&error);
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
  hc_http_server_set_admin (server, &hc_admin_provider, conference);
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
  shutdown.loop = loop;
  shutdown.conference = conference;
  shutdown.server = server;
  shutdown.timeout_ms = config->drain_timeout_ms;
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, &shutdown);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, &shutdown);
  g_message ("hyperconf %s started (domain %s, www %s)", HC_VERSION,
             config->domain, config->www_dir);
  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_clear_handle_id (&shutdown.deadline_id, g_source_remove);
  g_clear_handle_id (&shutdown.poll_id, g_source_remove);

  hc_http_server_shutdown (server);
  wait_websockets_closed (server);
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
  setlocale (LC_ALL, "");
  if (argc > 1 && g_str_equal (argv[1], "token"))
    return run_token (argc - 1, argv + 1);
  return run (argc, argv);
}
