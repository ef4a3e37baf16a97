/* hyperconf-bench — the server under test: a hyperconf process the
 * benchmark spawns on a free loopback port (or one given by URL), what
 * /proc says about it (CPU, RSS, threads, open fds), and what its admin
 * API says (rooms, pipeline elements).
 *
 * Spawned servers die with the benchmark (PR_SET_PDEATHSIG) and log to
 * <workdir>/hyperconf-<our pid>-<n>.log. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  gint64 cpu_us; /* utime + stime, all threads */
  gint64 rss_kb;
  gint threads;
  gint fds;
  gint64 ctx_switches; /* voluntary + involuntary, all threads */
} HcBenchProc;

/* Reads /proc/<pid>/{stat,status,fd,task/}. */
gboolean hc_bench_proc_read (GPid pid, HcBenchProc *proc);

/* The whole machine's CPU time from /proc/stat, in clock ticks. */
gboolean hc_bench_machine_cpu (guint64 *busy, guint64 *total);

typedef struct _HcBenchServer HcBenchServer;

/* Starts @binary with a configuration of ours (written to @workdir) on
 * 127.0.0.1 and a free port; returns once it printed its URL.
 * @extra_config: (nullable): more groups for the file ("[mcu]\n...")
 * @environment: (nullable): NAME=VALUE pairs set for it only (an ASan
 *   build's ASAN_OPTIONS, LSAN_OPTIONS) */
HcBenchServer *hc_bench_server_spawn (const gchar *binary, const gchar *workdir,
                                      const gchar *extra_config,
                                      const gchar *const *environment,
                                      GError **error);

/* A server somebody else runs at @http_url; @pid 0 when unknown (then
 * no /proc figures). */
HcBenchServer *hc_bench_server_new_remote (const gchar *http_url, GPid pid);

/* A server process started elsewhere (Janus): watched and stopped like
 * ours.  @process: (transfer full); @log_path, @config_path: removed when
 * it stops cleanly (config) or says nothing wrong (log). */
HcBenchServer *hc_bench_server_new_process (GSubprocess *process,
                                            const gchar *ws_url,
                                            const gchar *log_path,
                                            const gchar *config_path);

/* A directory of ours (Janus's configuration) to remove when the server
 * stops. */
void hc_bench_server_set_scratch_dir (HcBenchServer *self, const gchar *path);

/* A server with only a WebSocket URL (Janus) somebody else runs; @pid 0
 * when unknown. */
HcBenchServer *hc_bench_server_new_remote_ws (const gchar *ws_url, GPid pid);

/* Reads /config.json: the domain and the conference hyperty. */
gboolean hc_bench_server_discover (HcBenchServer *self, SoupSession *session,
                                   GError **error);

const gchar *hc_bench_server_get_http_url (HcBenchServer *self);
const gchar *hc_bench_server_get_ws_url (HcBenchServer *self);
const gchar *hc_bench_server_get_domain (HcBenchServer *self);
const gchar *hc_bench_server_get_conference (HcBenchServer *self);
GPid hc_bench_server_get_pid (HcBenchServer *self);
/* The spawned server's stderr (nullable); deleted at the end unless it
 * holds warnings. */
const gchar *hc_bench_server_get_log_path (HcBenchServer *self);

/* Elements in @room's pipeline as the server counts them (/metrics:
 * webrtcbin's insides left out, since 1.22 keeps some of every released
 * sink pad), -1 when unknown. */
gint hc_bench_server_count_room_elements (HcBenchServer *self,
                                          SoupSession *session,
                                          const gchar *room);
/* Elements in @room's pipeline, nested ones included (from its DOT
 * dump), -1 when unknown. */
gint hc_bench_server_count_elements (HcBenchServer *self, SoupSession *session,
                                     const gchar *room);
/* Participants in @room (0: no such room), -1 when unknown. */
gint hc_bench_server_count_participants (HcBenchServer *self,
                                         SoupSession *session,
                                         const gchar *room);
/* Rooms the server has open, -1 when unknown. */
gint hc_bench_server_count_rooms (HcBenchServer *self, SoupSession *session);

/* GET /healthz answered within 3 s; for a server without HTTP (Janus),
 * its process still exists. */
gboolean hc_bench_server_is_alive (HcBenchServer *self, SoupSession *session);

/* Stops a spawned server (SIGTERM, then SIGKILL after 30 s), once.
 * @sanitizer_report: (out) (optional): TRUE when its log holds an
 *   AddressSanitizer, LeakSanitizer or UBSan report (the log is kept)
 * Returns: its exit status (0 after SIGTERM is a clean stop), -1 when it
 *   had to be killed or is not a process of ours */
gint hc_bench_server_stop (HcBenchServer *self, gboolean *sanitizer_report);

/* Stops a spawned server (hc_bench_server_stop()) and frees. */
void hc_bench_server_free (HcBenchServer *self);

G_END_DECLS
