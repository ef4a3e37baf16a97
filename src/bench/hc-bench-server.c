/* hyperconf-bench — spawning and watching the server under test. */
#include "hc-bench-server.h"
#include "hc-bench-util.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define START_TIMEOUT_MS 15000
/* LeakSanitizer's scan at exit takes a while under ASan */
#define STOP_TIMEOUT_MS 30000
#define HTTP_TIMEOUT_MS 10000

struct _HcBenchServer {
  GSubprocess *process;
  gchar *scratch_dir; /* removed with everything in it when we stop */
  gchar *config_path;
  gchar *log_path;
  GPid pid;
  gchar *http_url; /* ends with '/' */
  /* The admin API's bearer secret: ours for a server we spawn,
   * $HC_ADMIN_SECRET for one given with --server (NULL: none). */
  gchar *admin_secret;
  gchar *ws_url;
  gchar *domain;
  gchar *conference;
  gboolean stopped;
  gint exit_status;
  gboolean sanitizer_report;
};

/* ---- /proc -------------------------------------------------------------- */

static gint64
status_field (const gchar *status, const gchar *name)
{
  const gchar *line = strstr (status, name);

  return line ? g_ascii_strtoll (line + strlen (name), NULL, 10) : -1;
}

/* Thread hand-offs are what a packet costs besides its own work: every
 * wake-up of a queue's thread is a context switch. */
static gint64
count_switches (GPid pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/task", pid);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *task;
  gint64 n = 0;

  while (dir && (task = g_dir_read_name (dir))) {
    g_autofree gchar *status_path
        = g_strdup_printf ("%s/%s/status", path, task);
    g_autofree gchar *status = NULL;

    if (!g_file_get_contents (status_path, &status, NULL, NULL))
      continue; /* the thread just ended */
    n += MAX (0, status_field (status, "voluntary_ctxt_switches:"));
    n += MAX (0, status_field (status, "nonvoluntary_ctxt_switches:"));
  }
  return n;
}

gboolean
hc_bench_proc_read (GPid pid, HcBenchProc *proc)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *stat = NULL;
  g_autofree gchar *status = NULL;
  g_auto (GStrv) fields = NULL;
  g_autoptr (GDir) dir = NULL;
  const gchar *after_comm;
  glong ticks = sysconf (_SC_CLK_TCK);

  memset (proc, 0, sizeof *proc);
  if (pid <= 0)
    return FALSE;
  path = g_strdup_printf ("/proc/%d/stat", pid);
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;
  /* The command name may hold spaces: fields start after its ')'. */
  after_comm = strrchr (stat, ')');
  if (after_comm == NULL)
    return FALSE;
  fields = g_strsplit (after_comm + 2, " ", -1);
  /* state is field 3 of stat(5), index 0 here; utime 14 and stime 15. */
  if (g_strv_length (fields) < 13)
    return FALSE;
  proc->cpu_us = (g_ascii_strtoll (fields[11], NULL, 10)
                  + g_ascii_strtoll (fields[12], NULL, 10))
                 * G_USEC_PER_SEC / ticks;

  g_free (path);
  path = g_strdup_printf ("/proc/%d/status", pid);
  if (!g_file_get_contents (path, &status, NULL, NULL))
    return FALSE;
  proc->rss_kb = status_field (status, "VmRSS:");
  proc->threads = status_field (status, "Threads:");

  g_free (path);
  path = g_strdup_printf ("/proc/%d/fd", pid);
  dir = g_dir_open (path, 0, NULL);
  if (dir)
    while (g_dir_read_name (dir))
      proc->fds++;
  proc->ctx_switches = count_switches (pid);
  return TRUE;
}

gboolean
hc_bench_machine_cpu (guint64 *busy, guint64 *total)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) fields = NULL;
  guint64 sum = 0, idle = 0;

  if (!g_file_get_contents ("/proc/stat", &text, NULL, NULL))
    return FALSE;
  *strchr (text, '\n') = '\0';
  fields = g_strsplit_set (text, " ", -1);
  /* "cpu  user nice system idle iowait irq softirq steal ..." */
  for (guint i = 1, n = 0; fields[i]; i++) {
    guint64 v;

    if (*fields[i] == '\0')
      continue;
    v = g_ascii_strtoull (fields[i], NULL, 10);
    if (n < 8)
      sum += v;
    if (n == 3 || n == 4)
      idle += v;
    n++;
  }
  *busy = sum - idle;
  *total = sum;
  return TRUE;
}

/* ---- spawning --------------------------------------------------------- */

static void
child_setup (gpointer user_data)
{
  /* A benchmark that crashes must not leave a server behind. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
set_urls (HcBenchServer *self, const gchar *http_url)
{
  g_autofree gchar *rest = NULL;

  self->http_url = g_str_has_suffix (http_url, "/")
                       ? g_strdup (http_url)
                       : g_strconcat (http_url, "/", NULL);
  if (g_str_has_prefix (self->http_url, "https://"))
    rest = g_strconcat ("wss://", self->http_url + 8, "ws", NULL);
  else if (g_str_has_prefix (self->http_url, "http://"))
    rest = g_strconcat ("ws://", self->http_url + 7, "ws", NULL);
  else
    rest = g_strconcat (self->http_url, "ws", NULL);
  self->ws_url = g_steal_pointer (&rest);
}

HcBenchServer *
hc_bench_server_spawn (const gchar *binary, const gchar *workdir,
                       const gchar *extra_config,
                       const gchar *const *environment, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  /* Named after us: a test run and a person may share a build dir. */
  static guint spawned;
  g_autofree gchar *config_name
      = g_strdup_printf ("hyperconf-%d-%u.conf", (gint)getpid (), spawned);
  g_autofree gchar *log_name
      = g_strdup_printf ("hyperconf-%d-%u.log", (gint)getpid (), spawned++);
  g_autofree gchar *config_path = g_build_filename (workdir, config_name, NULL);
  g_autofree gchar *log_path = g_build_filename (workdir, log_name, NULL);
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  /* Room for the ramp (rooms of 5) and rooms of 10, and for every
   * synthetic participant coming from this one address (no per-IP
   * session limit); everything else as shipped (data/hyperconf.conf). */
  g_autofree gchar *admin_secret = g_uuid_string_random ();
  g_autofree gchar *config = g_strdup_printf (
      "# written by hyperconf-bench\n"
      "[server]\nlisten=127.0.0.1\nport=0\ndomain=localhost\n"
      "[node]\nmax-sessions-per-ip=0\n"
      "[conference]\nmax-participants=16\nmax-rooms=1000\n"
      "[admin]\nsecret=%s\n",
      admin_secret);
  HcBenchServer *self;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) read_error = NULL;
  g_autofree gchar *line = NULL;
  const gchar *url;
  g_autofree gchar *text
      = g_strconcat (config, extra_config ? extra_config : "", NULL);

  if (g_mkdir_with_parents (workdir, 0755) != 0
      || !g_file_set_contents (config_path, text, -1, error)) {
    if (error && *error == NULL)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s",
                   config_path);
    return NULL;
  }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  for (guint i = 0; environment && environment[i]; i++) {
    g_auto (GStrv) pair = g_strsplit (environment[i], "=", 2);

    if (pair[0] && pair[1])
      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
  }
  self = g_new0 (HcBenchServer, 1);
  self->config_path = g_strdup (config_path);
  self->log_path = g_strdup (log_path);
  self->admin_secret = g_steal_pointer (&admin_secret);
  self->process = g_subprocess_launcher_spawn (launcher, error, binary,
                                               "--config", config_path, NULL);
  if (self->process == NULL) {
    hc_bench_server_free (self);
    return NULL;
  }
  self->pid
      = g_ascii_strtoll (g_subprocess_get_identifier (self->process), NULL, 10);

  /* "hyperconf <version> listening on http://127.0.0.1:<port>/" */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, cancellable,
                                       hc_bench_keep_result, &result);
  hc_bench_wait_result (&result, cancellable, START_TIMEOUT_MS);
  line = g_data_input_stream_read_line_finish (out, result, NULL, &read_error);
  url = line ? strstr (line, "listening on ") : NULL;
  if (url == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "%s did not say where it listens (see %s)%s%s", binary,
                 log_path, read_error ? ": " : "",
                 read_error ? read_error->message : "");
    hc_bench_server_free (self);
    return NULL;
  }
  set_urls (self, url + strlen ("listening on "));
  return self;
}

HcBenchServer *
hc_bench_server_new_process (GSubprocess *process, const gchar *ws_url,
                             const gchar *log_path, const gchar *config_path)
{
  HcBenchServer *self = g_new0 (HcBenchServer, 1);

  self->process = process;
  self->pid = g_ascii_strtoll (g_subprocess_get_identifier (process), NULL, 10);
  self->ws_url = g_strdup (ws_url);
  self->log_path = g_strdup (log_path);
  self->config_path = g_strdup (config_path);
  return self;
}

HcBenchServer *
hc_bench_server_new_remote_ws (const gchar *ws_url, GPid pid)
{
  HcBenchServer *self = g_new0 (HcBenchServer, 1);

  self->pid = pid;
  self->ws_url = g_strdup (ws_url);
  return self;
}

HcBenchServer *
hc_bench_server_new_remote (const gchar *http_url, GPid pid)
{
  HcBenchServer *self = g_new0 (HcBenchServer, 1);

  self->pid = pid;
  self->admin_secret = g_strdup (g_getenv ("HC_ADMIN_SECRET"));
  set_urls (self, http_url);
  return self;
}

/* ---- admin API -------------------------------------------------------- */

static JsonObject *
get_json (HcBenchServer *self, SoupSession *session, const gchar *path,
          JsonParser *parser, GError **error)
{
  g_autofree gchar *url = g_strconcat (self->http_url, path, NULL);
  g_autoptr (GBytes) body = hc_bench_http_get (
      session, url,
      g_str_has_prefix (path, "admin/") ? self->admin_secret : NULL,
      HTTP_TIMEOUT_MS, error);
  gsize size;
  const gchar *text;
  JsonNode *root;

  if (body == NULL)
    return NULL;
  text = g_bytes_get_data (body, &size);
  if (!json_parser_load_from_data (parser, text, size, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "%s is not a JSON object", url);
    return NULL;
  }
  return json_node_get_object (root);
}

gboolean
hc_bench_server_discover (HcBenchServer *self, SoupSession *session,
                          GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *config = get_json (self, session, "config.json", parser, error);

  if (config == NULL)
    return FALSE;
  self->domain = g_strdup (json_object_get_string_member_with_default (
      config, "domain", "localhost"));
  self->conference = g_strdup (json_object_get_string_member_with_default (
      config, "conferenceHyperty", NULL));
  if (self->conference == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "config.json names no conferenceHyperty");
    return FALSE;
  }
  return TRUE;
}

gint
hc_bench_server_count_rooms (HcBenchServer *self, SoupSession *session)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *rooms
      = self->http_url ? get_json (self, session, "admin/rooms", parser, NULL)
                       : NULL;

  if (rooms == NULL || !json_object_has_member (rooms, "rooms"))
    return -1;
  return json_array_get_length (json_object_get_array_member (rooms, "rooms"));
}

gint
hc_bench_server_count_room_elements (HcBenchServer *self, SoupSession *session,
                                     const gchar *room)
{
  g_autofree gchar *url = NULL;
  g_autofree gchar *prefix = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr (GBytes) body = NULL;
  const gchar *line;

  if (self->http_url == NULL)
    return -1;
  url = g_strconcat (self->http_url, "metrics", NULL);
  body = hc_bench_http_get (session, url, self->admin_secret, HTTP_TIMEOUT_MS,
                            NULL);
  if (body == NULL)
    return -1;
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  prefix = g_strdup_printf ("\nhyperconf_room_elements{room=\"%s\"} ", room);
  line = strstr (text, prefix);
  return line ? (gint)g_ascii_strtoll (line + strlen (prefix), NULL, 10) : -1;
}

gint
hc_bench_server_count_participants (HcBenchServer *self, SoupSession *session,
                                    const gchar *room)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *rooms
      = self->http_url ? get_json (self, session, "admin/rooms", parser, NULL)
                       : NULL;
  JsonNode *list = rooms ? json_object_get_member (rooms, "rooms") : NULL;

  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return -1;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (list));
       i++) {
    JsonNode *entry = json_array_get_element (json_node_get_array (list), i);
    JsonObject *object;
    JsonNode *participants;

    if (!JSON_NODE_HOLDS_OBJECT (entry))
      continue;
    object = json_node_get_object (entry);
    participants = json_object_get_member (object, "participants");
    if (g_strcmp0 (
            json_object_get_string_member_with_default (object, "name", NULL),
            room)
            == 0
        && participants && JSON_NODE_HOLDS_ARRAY (participants))
      return json_array_get_length (json_node_get_array (participants));
  }
  return 0;
}

gint
hc_bench_server_count_elements (HcBenchServer *self, SoupSession *session,
                                const gchar *room)
{
  g_autofree gchar *escaped = NULL;
  g_autofree gchar *url = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  gint n = 0;

  if (self->http_url == NULL)
    return -1;
  escaped = g_uri_escape_string (room, NULL, FALSE);
  url = g_strdup_printf ("%sadmin/rooms/%s/pipeline.dot", self->http_url,
                         escaped);
  body = hc_bench_http_get (session, url, self->admin_secret, HTTP_TIMEOUT_MS,
                            NULL);

  if (body == NULL)
    return -1;
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  /* gst_debug_bin_to_dot_data() draws each element, nested ones included,
   * as "subgraph cluster_<name>_<ptr> {"; its pads sit in sub-clusters
   * ending in _sink / _src. */
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    const gchar *line = g_strstrip (lines[i]);

    if (g_str_has_prefix (line, "subgraph cluster_")
        && !g_str_has_suffix (line, "_sink {")
        && !g_str_has_suffix (line, "_src {"))
      n++;
  }
  return n;
}

gboolean
hc_bench_server_is_alive (HcBenchServer *self, SoupSession *session)
{
  g_autofree gchar *url = NULL;
  g_autoptr (GBytes) body = NULL;

  if (self->http_url == NULL)
    return self->pid <= 0 || kill (self->pid, 0) == 0;
  url = g_strconcat (self->http_url, "healthz", NULL);
  body = hc_bench_http_get (session, url, NULL, 3000, NULL);
  return body != NULL;
}

/* ---- accessors and stop ----------------------------------------------- */

const gchar *
hc_bench_server_get_http_url (HcBenchServer *self)
{
  return self->http_url;
}

const gchar *
hc_bench_server_get_ws_url (HcBenchServer *self)
{
  return self->ws_url;
}

const gchar *
hc_bench_server_get_domain (HcBenchServer *self)
{
  return self->domain;
}

const gchar *
hc_bench_server_get_conference (HcBenchServer *self)
{
  return self->conference;
}

GPid
hc_bench_server_get_pid (HcBenchServer *self)
{
  return self->pid;
}

static void
waited (GObject *source, GAsyncResult *result, gpointer done)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *)done = TRUE;
}

static gboolean
flag_set (gpointer flag)
{
  return *(gboolean *)flag;
}

/* Our own scratch directories only: two levels of files and symbolic
 * links, never followed. */
static void
remove_tree (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree gchar *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR)
        && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      remove_tree (child);
    else
      g_unlink (child);
  }
  g_rmdir (path);
}

void
hc_bench_server_set_scratch_dir (HcBenchServer *self, const gchar *path)
{
  g_free (self->scratch_dir);
  self->scratch_dir = g_strdup (path);
}

/* Criticals and warnings other than webrtcbin 1.22's known
 * "jitter_buffer_set_retransmission: code should not be reached". */
static gboolean
hc_bench_server_log_has_trouble (HcBenchServer *self)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (self->log_path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    if ((strstr (lines[i], "CRITICAL") || strstr (lines[i], "WARNING")
         || strstr (lines[i], "ERROR") || strstr (lines[i], "[ERR]"))
        && !strstr (lines[i], "jitter_buffer_set_retransmission")
        && !strstr (lines[i], "already exists")
        && !strstr (lines[i], "No such feed"))
      return TRUE;
  }
  return FALSE;
}

const gchar *
hc_bench_server_get_log_path (HcBenchServer *self)
{
  return self->log_path;
}

/* What AddressSanitizer, LeakSanitizer and UBSan print when they find
 * something. */
static gboolean
log_has_sanitizer_report (HcBenchServer *self)
{
  g_autofree gchar *text = NULL;

  if (!g_file_get_contents (self->log_path, &text, NULL, NULL))
    return FALSE;
  return strstr (text, "ERROR: AddressSanitizer") != NULL
         || strstr (text, "ERROR: LeakSanitizer") != NULL
         || strstr (text, "runtime error:") != NULL;
}

gint
hc_bench_server_stop (HcBenchServer *self, gboolean *sanitizer_report)
{
  gboolean done = FALSE;
  gboolean stuck = FALSE;

  if (self->process == NULL || self->stopped) {
    if (sanitizer_report)
      *sanitizer_report = self->sanitizer_report;
    return self->process ? self->exit_status : -1;
  }
  self->stopped = TRUE;
  self->exit_status = -1;
  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait_async (self->process, NULL, waited, &done);
  if (!hc_bench_wait (flag_set, &done, STOP_TIMEOUT_MS)) {
    g_printerr ("hyperconf-bench: the server did not stop within %u s of "
                "SIGTERM, killing it (log: %s)\n",
                STOP_TIMEOUT_MS / 1000, self->log_path);
    stuck = TRUE;
    g_subprocess_force_exit (self->process);
    while (!done)
      g_main_context_iteration (NULL, TRUE);
  }
  if (!stuck && g_subprocess_get_if_exited (self->process))
    self->exit_status = g_subprocess_get_exit_status (self->process);
  self->sanitizer_report = log_has_sanitizer_report (self);
  /* The log stays only when it says something went wrong. */
  if (!stuck && !hc_bench_server_log_has_trouble (self))
    g_unlink (self->log_path);
  g_unlink (self->config_path);
  if (sanitizer_report)
    *sanitizer_report = self->sanitizer_report;
  return self->exit_status;
}

void
hc_bench_server_free (HcBenchServer *self)
{
  if (self == NULL)
    return;
  if (self->process) {
    hc_bench_server_stop (self, NULL);
    g_object_unref (self->process);
  }
  if (self->scratch_dir)
    remove_tree (self->scratch_dir);
  g_free (self->scratch_dir);
  g_free (self->config_path);
  g_free (self->log_path);
  g_free (self->http_url);
  g_free (self->admin_secret);
  g_free (self->ws_url);
  g_free (self->domain);
  g_free (self->conference);
  g_free (self);
}
