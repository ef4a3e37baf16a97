/* hyperconf-bench — starting Janus for the side-by-side run. */
#include "hc-bench-janus-server.h"
#include "hc-bench-util.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#define JANUS_BIN        "janus"
#define JANUS_LIB        "/usr/lib/x86_64-linux-gnu/janus"
#define START_TIMEOUT_MS 20000

typedef struct {
  gboolean done;
  gboolean ok;
} Probe;

static void
probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Probe *probe = user_data;
  g_autoptr (GSocketConnection) connection
      = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source),
                                                result, NULL);

  probe->ok = connection != NULL;
  probe->done = TRUE;
}

/* Something accepts TCP connections at @host:@port. */
static gboolean
listening (const gchar *host, guint16 port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  Probe probe = { 0 };

  g_socket_client_set_timeout (client, 2);
  g_socket_client_connect_to_host_async (client, host, port, NULL, probed,
                                         &probe);
  while (!probe.done)
    g_main_context_iteration (NULL, TRUE);
  return probe.ok;
}

static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Janus loads every plugin and transport in its folders: ours hold links
 * to the two we need, so nothing else runs (and costs) in the process. */
static gboolean
write_config (const gchar *dir, guint16 port, GError **error)
{
  static const struct {
    const gchar *folder;
    const gchar *name;
  } modules[] = { { "plugins", "libjanus_videoroom.so" },
                  { "transports", "libjanus_websockets.so" } };
  g_autofree gchar *janus
      = g_strdup_printf ("# written by hyperconf-bench\n"
                         "general: {\n"
                         "  configs_folder = \"%s\"\n"
                         "  plugins_folder = \"%s/plugins\"\n"
                         "  transports_folder = \"%s/transports\"\n"
                         "  events_folder = \"%s/events\"\n"
                         "  loggers_folder = \"%s/loggers\"\n"
                         "  debug_level = 3\n"
                         "  session_timeout = 60\n"
                         "  server_name = \"hyperconf-bench\"\n"
                         "}\n"
                         "certificates: {}\n"
                         "media: {}\n"
                         "nat: { ignore_mdns = true }\n"
                         "plugins: {}\n"
                         "transports: {}\n"
                         "events: { broadcast = false }\n",
                         dir, dir, dir, dir, dir);
  g_autofree gchar *websockets = g_strdup_printf (
      "general: { json = \"compact\", ws = true, ws_port = %u,\n"
      "  ws_ip = \"127.0.0.1\", wss = false }\n"
      "admin: { admin_ws = false, admin_wss = false }\n",
      port);
  static const gchar videoroom[] = "general: {}\n";
  const struct {
    const gchar *name;
    const gchar *text;
  } files[] = { { "janus.jcfg", janus },
                { "janus.transport.websockets.jcfg", websockets },
                { "janus.plugin.videoroom.jcfg", videoroom } };

  for (guint i = 0; i < G_N_ELEMENTS (modules); i++) {
    g_autofree gchar *folder = g_build_filename (dir, modules[i].folder, NULL);
    g_autofree gchar *link = g_build_filename (folder, modules[i].name, NULL);
    g_autofree gchar *target = g_build_filename (JANUS_LIB, modules[i].folder,
                                                 modules[i].name, NULL);

    g_mkdir_with_parents (folder, 0755);
    if (!g_file_test (target, G_FILE_TEST_EXISTS)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s not found: is the janus package installed?", target);
      return FALSE;
    }
    if (!g_file_test (link, G_FILE_TEST_EXISTS)
        && symlink (target, link) != 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot link %s",
                   link);
      return FALSE;
    }
  }
  for (guint i = 0; i < 2; i++) {
    g_autofree gchar *folder
        = g_build_filename (dir, i == 0 ? "events" : "loggers", NULL);

    g_mkdir_with_parents (folder, 0755);
  }
  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree gchar *path = g_build_filename (dir, files[i].name, NULL);

    if (!g_file_set_contents (path, files[i].text, -1, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
port_open (gpointer user_data)
{
  guint16 port = GPOINTER_TO_UINT (user_data);

  hc_bench_sleep (200);
  return listening ("127.0.0.1", port);
}

HcBenchServer *
hc_bench_janus_server_start (const gchar *ws_url, GPid pid,
                             const gchar *workdir, GError **error)
{
  g_autoptr (GUri) uri = g_uri_parse (ws_url, G_URI_FLAGS_NONE, error);
  g_autofree gchar *name = g_strdup_printf ("janus-%d", (gint)getpid ());
  g_autofree gchar *dir = g_build_filename (workdir, name, NULL);
  g_autofree gchar *config = g_build_filename (dir, "janus.jcfg", NULL);
  g_autofree gchar *log = g_build_filename (workdir, "janus.log", NULL);
  g_autofree gchar *log_name = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  GSubprocess *process;
  guint16 port;

  if (uri == NULL)
    return NULL;
  port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 8188;
  if (listening (g_uri_get_host (uri), port)) {
    g_printerr ("hyperconf-bench: using the Janus already at %s%s\n", ws_url,
                pid ? "" : " (no --peer-pid: no CPU or memory figures)");
    return hc_bench_server_new_remote_ws (ws_url, pid);
  }
  if (g_strcmp0 (g_uri_get_host (uri), "127.0.0.1") != 0
      && g_strcmp0 (g_uri_get_host (uri), "localhost") != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                 "nothing answers at %s, and only a loopback Janus can be "
                 "started here",
                 ws_url);
    return NULL;
  }
  if (!write_config (dir, port, error))
    return NULL;
  log_name = g_strdup_printf ("janus-%d.log", (gint)getpid ());
  g_free (log);
  log = g_build_filename (workdir, log_name, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, error, JANUS_BIN, "-C",
                                         config, "-F", dir, NULL);
  if (process == NULL)
    return NULL;
  if (!hc_bench_wait (port_open, GUINT_TO_POINTER (port), START_TIMEOUT_MS)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                 "janus did not listen on port %u within %u s (see %s)", port,
                 START_TIMEOUT_MS / 1000, log);
    g_subprocess_force_exit (process);
    g_object_unref (process);
    return NULL;
  }
  {
    HcBenchServer *server
        = hc_bench_server_new_process (process, ws_url, log, NULL);

    hc_bench_server_set_scratch_dir (server, dir);
    return server;
  }
}
