/* hyperconf — tests of the configuration loader (hc-config.c) and of the
 * daemon's command line (`hyperconf --version`, a bad --config exits 2).
 */
#include "hc-test-files.h"
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include <hyperconf/hc-config.h>
#include <hyperconf/hc-error.h>
#include <hyperconf/hc-token.h>

#include "hc-build-config.h"

typedef struct {
  gchar *dir; /* a scratch directory holding conf files and a www dir */
  gchar *www; /* <dir>/www */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *index = NULL;

  f->dir = g_dir_make_tmp ("hc-test-config-XXXXXX", &error);
  g_assert_no_error (error);
  f->www = g_build_filename (f->dir, "www", NULL);
  g_assert_cmpint (g_mkdir (f->www, 0700), ==, 0);
  index = g_build_filename (f->www, "index.html", NULL);
  g_file_set_contents (index, "<p>test</p>", -1, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  hc_test_remove_tree (f->dir);
  g_free (f->www);
  g_free (f->dir);
}

/* Writes @contents to <dir>/@name. Returns: (transfer full) the path */
static gchar *
write_file (Fixture *f, const gchar *name, const gchar *contents)
{
  g_autoptr (GError) error = NULL;
  gchar *path = g_build_filename (f->dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static gchar *
source_root (void)
{
  const gchar *root = g_getenv ("HC_SOURCE_ROOT");

  /* Set by meson test; when run by hand, the tree this was built from. */
  if (root != NULL)
    return g_strdup (root);
  return g_path_get_dirname (HC_SOURCE_DATADIR);
}

static void
assert_defaults (const HcConfig *config)
{
  g_autofree gchar *root = source_root ();
  g_autofree gchar *expected = NULL;
  g_autofree gchar *expected_real = NULL;

  g_assert_cmpstr (config->listen_address, ==, "127.0.0.1");
  g_assert_cmpuint (config->port, ==, 8080);
  g_assert_cmpstr (config->domain, ==, "localhost");
  g_assert_cmpuint (config->max_frame_size, ==, 65536);
  g_assert_cmpuint (config->drain_timeout_ms, ==, 30000);
  g_assert_cmpuint (config->conference.media_timeout_ms, ==, 10000);
  g_assert_cmpstr (config->ice_servers_json, ==, "[]");
  g_assert_cmpstr (config->node.domain, ==, "localhost");
  g_assert_cmpuint (config->node.grace_period_ms, ==, 10000);
  g_assert_cmpuint (config->node.max_queued, ==, 1000);
  g_assert_cmpuint (config->node.max_subscriptions, ==, 4096);
  g_assert_cmpuint (config->node.max_addresses, ==, 4096);
  g_assert_cmpuint (config->node.max_rate, ==, 200);
  g_assert_cmpuint (config->node.reclaim_window_ms, ==, 3600000);
  g_assert_cmpuint (config->node.rate_close_after, ==, 1000);
  g_assert_cmpuint (config->node.max_sessions, ==, 10000);
  g_assert_cmpuint (config->node.max_sessions_per_ip, ==, 100);
  g_assert_cmpuint (config->node.max_resources, ==, 256);
  g_assert_cmpuint (config->node.max_json_depth, ==, 64);
  g_assert_cmpuint (config->conference.max_participants, ==, 16);
  g_assert_cmpuint (config->conference.max_rooms, ==, 100);
  g_assert_cmpuint (config->conference.max_sdp_size, ==, 65536);
  g_assert_cmpuint (config->conference.max_sdp_media, ==, 256);
  g_assert_cmpuint (config->conference.max_ice_candidates, ==, 64);
  g_assert_cmpuint (config->conference.max_cpu_load, ==, 0);
  g_assert_true (config->conference.lean_send);
  g_assert_true (config->conference.lean_receive);
  /* No token needed, no admin API, no TLS. */
  g_assert_null (config->auth_secret);
  g_assert_null (config->conference.token_secret);
  g_assert_null (config->admin_secret);
  g_assert_null (config->tls_certificate);
  g_assert_cmpuint (config->conference.mcu.width, ==, 640);
  g_assert_cmpuint (config->conference.mcu.height, ==, 360);
  g_assert_cmpuint (config->conference.mcu.framerate, ==, 15);
  g_assert_cmpint (config->conference.mcu.codec, ==, HC_MCU_CODEC_VP8);
  g_assert_cmpuint (config->conference.mcu.video_bitrate, ==, 300000);
  g_assert_cmpuint (config->conference.mcu.audio_bitrate, ==, 32000);
  g_assert_cmpint (config->conference.mcu.layout, ==, HC_MCU_LAYOUT_GRID);
  g_assert_cmpuint (config->conference.mcu.max_tiles, ==, 9);
  g_assert_cmpuint (config->conference.mcu.max_mixed, ==, 3);
  g_assert_cmpuint (config->conference.mcu.keyframe_interval_ms, ==, 500);
  /* A build tree: the source tree's pages, canonical. */
  expected = g_build_filename (root, "data", "www", NULL);
  expected_real = realpath (expected, NULL);
  g_assert_nonnull (expected_real);
  g_assert_cmpstr (config->www_dir, ==, expected_real);
}

static void
test_defaults (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HcConfig) config = hc_config_load (NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  assert_defaults (config);
}

/* The shipped file documents the defaults: loading it changes nothing,
 * and it stays in step with the code. */
static void
test_shipped_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *root = source_root ();
  g_autofree gchar *path
      = g_build_filename (root, "data", "hyperconf.conf", NULL);
  g_autoptr (HcConfig) config = hc_config_load (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  assert_defaults (config);
}

static void
test_every_key (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path
      = write_file (f, "all.conf",
                    "# every key, none at its default\n"
                    "[server]\n"
                    "listen=0.0.0.0\n"
                    "port=9000\n"
                    "domain=Conf.Example.ORG\n"
                    "www-dir=www\n"
                    "max-frame-size=  2048  \n"
                    "drain-timeout-ms=1500\n"
                    "[node]\n"
                    "grace-period-ms=0\n"
                    "max-queued=7\n"
                    "max-subscriptions=8\n"
                    "max-addresses=9\n"
                    "max-rate=0\n"
                    "reclaim-window-ms=5000\n"
                    "rate-close-after=0\n"
                    "max-sessions=11\n"
                    "max-sessions-per-ip=0\n"
                    "max-resources=12\n"
                    "max-json-depth=13\n"
                    "[auth]\n"
                    "secret=join-secret-0123456789\n"
                    "[admin]\n"
                    "secret=admin-secret-0123456789\n"
                    "[webrtc]\n"
                    "ice-servers=[{\"urls\": \"stun:stun.example.org:3478\"}, "
                    "{\"urls\": [\"turn:t.example.org?transport=udp\"], "
                    "\"username\": \"u\", \"credential\": \"p\"}]\n"
                    "[conference]\n"
                    "max-participants=5\n"
                    "max-rooms=6\n"
                    "max-sdp-size=4096\n"
                    "max-sdp-media=14\n"
                    "max-ice-candidates=15\n"
                    "max-cpu-load=85\n"
                    "media-timeout-ms=4000\n"
                    "[media]\n"
                    "lean-send=false\n"
                    "lean-receive=false\n"
                    "[mcu]\n"
                    "width=320\n"
                    "height=180\n"
                    "framerate=30\n"
                    "video-codec=vp8\n"
                    "video-bitrate=1200\n"
                    "audio-bitrate=64\n"
                    "layout=speaker\n"
                    "max-tiles=4\n"
                    "max-mixed=0\n"
                    "keyframe-interval=2000\n");
  g_autoptr (HcConfig) config = hc_config_load (path, &error);
  g_autofree gchar *www_real = realpath (f->www, NULL);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpstr (config->listen_address, ==, "0.0.0.0");
  g_assert_cmpuint (config->port, ==, 9000);
  g_assert_cmpstr (config->domain, ==, "conf.example.org");
  g_assert_cmpstr (config->node.domain, ==, "conf.example.org");
  /* Relative to the file's directory, canonical. */
  g_assert_cmpstr (config->www_dir, ==, www_real);
  g_assert_cmpuint (config->max_frame_size, ==, 2048);
  g_assert_cmpuint (config->drain_timeout_ms, ==, 1500);
  g_assert_cmpuint (config->node.grace_period_ms, ==, 0);
  g_assert_cmpuint (config->node.max_queued, ==, 7);
  g_assert_cmpuint (config->node.max_subscriptions, ==, 8);
  g_assert_cmpuint (config->node.max_addresses, ==, 9);
  g_assert_cmpuint (config->node.max_rate, ==, 0);
  g_assert_cmpuint (config->node.reclaim_window_ms, ==, 5000);
  g_assert_cmpuint (config->node.rate_close_after, ==, 0);
  g_assert_cmpuint (config->node.max_sessions, ==, 11);
  g_assert_cmpuint (config->node.max_sessions_per_ip, ==, 0);
  g_assert_cmpuint (config->node.max_resources, ==, 12);
  g_assert_cmpuint (config->node.max_json_depth, ==, 13);
  g_assert_cmpuint (config->conference.max_sdp_size, ==, 4096);
  g_assert_cmpuint (config->conference.max_sdp_media, ==, 14);
  g_assert_cmpuint (config->conference.max_ice_candidates, ==, 15);
  g_assert_cmpuint (config->conference.max_cpu_load, ==, 85);
  g_assert_cmpstr (config->auth_secret, ==, "join-secret-0123456789");
  g_assert_cmpstr (config->conference.token_secret, ==,
                   "join-secret-0123456789");
  g_assert_cmpstr (config->admin_secret, ==, "admin-secret-0123456789");
  g_assert_cmpstr (config->ice_servers_json, ==,
                   "[{\"urls\":\"stun:stun.example.org:3478\"},"
                   "{\"urls\":[\"turn:t.example.org?transport=udp\"],"
                   "\"username\":\"u\",\"credential\":\"p\"}]");
  g_assert_cmpuint (config->conference.max_participants, ==, 5);
  g_assert_cmpuint (config->conference.max_rooms, ==, 6);
  g_assert_cmpuint (config->conference.media_timeout_ms, ==, 4000);
  g_assert_false (config->conference.lean_send);
  g_assert_false (config->conference.lean_receive);
  g_assert_cmpuint (config->conference.mcu.width, ==, 320);
  g_assert_cmpuint (config->conference.mcu.height, ==, 180);
  g_assert_cmpuint (config->conference.mcu.framerate, ==, 30);
  g_assert_cmpint (config->conference.mcu.codec, ==, HC_MCU_CODEC_VP8);
  g_assert_cmpuint (config->conference.mcu.video_bitrate, ==, 1200000);
  g_assert_cmpuint (config->conference.mcu.audio_bitrate, ==, 64000);
  g_assert_cmpint (config->conference.mcu.layout, ==, HC_MCU_LAYOUT_SPEAKER);
  g_assert_cmpuint (config->conference.mcu.max_tiles, ==, 4);
  g_assert_cmpuint (config->conference.mcu.max_mixed, ==, 0);
  g_assert_cmpuint (config->conference.mcu.keyframe_interval_ms, ==, 2000);
}

/* H.264 is taken exactly when this machine has the mixer's encoder. */
static void
test_h264 (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path
      = write_file (f, "h264.conf", "[mcu]\nvideo-codec=h264\n");
  g_autoptr (HcConfig) config = hc_config_load (path, &error);
  gboolean have_encoder = gst_registry_check_feature_version (
      gst_registry_get (), "openh264enc", 1, 0, 0);

  if (have_encoder) {
    g_assert_no_error (error);
    g_assert_cmpint (config->conference.mcu.codec, ==, HC_MCU_CODEC_H264);
  } else {
    g_assert_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_INVALID_VALUE);
    g_assert_nonnull (strstr (error->message, "[mcu] video-codec"));
    g_assert_nonnull (strstr (error->message, "openh264enc"));
  }
}

/* 0 turns the media watch off and makes SIGTERM stop at once. */
static void
test_timeouts_off (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = write_file (f, "off.conf",
                                       "[server]\ndrain-timeout-ms=0\n"
                                       "[conference]\nmedia-timeout-ms=0\n");
  g_autoptr (HcConfig) config = hc_config_load (path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (config->drain_timeout_ms, ==, 0);
  g_assert_cmpuint (config->conference.media_timeout_ms, ==, 0);
}

/* The message for an unknown group lists every group a user may write. */
static void
test_unknown_group_lists_all (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = write_file (f, "group.conf", "[mcuu]\nwidth=2\n");
  g_autoptr (HcConfig) config = hc_config_load (path, &error);

  g_autofree gchar *root = source_root ();
  g_autofree gchar *shipped
      = g_build_filename (root, "data", "hyperconf.conf", NULL);
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_auto (GStrv) groups = NULL;

  g_assert_null (config);
  g_assert_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_UNKNOWN_GROUP);
  /* Every group the documented file has, whatever the code's table says:
   * [auth], [admin] and [tls] hold only commented-out keys there, so they
   * are taken from the "[group]" lines themselves. */
  g_assert_true (
      g_key_file_load_from_file (file, shipped, G_KEY_FILE_NONE, NULL));
  groups = g_key_file_get_groups (file, NULL);
  g_assert_cmpuint (g_strv_length (groups), >=, 8);
  for (guint i = 0; groups[i]; i++) {
    g_autofree gchar *group = g_strdup_printf ("[%s]", groups[i]);

    if (strstr (error->message, group) == NULL)
      g_error ("“%s” does not list %s", error->message, group);
  }
}

static void
test_ipv6_listen (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = write_file (f, "v6.conf", "[server]\nlisten=::1\n");
  g_autoptr (HcConfig) config = hc_config_load (path, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (config->listen_address, ==, "::1");
}

typedef struct {
  const gchar *text; /* the file's contents */
  HcConfigError code;
  const gchar *names; /* what the message must contain */
} BadCase;

static const BadCase bad_cases[] = {
  { "[server]\nport=abc\n", HC_CONFIG_ERROR_INVALID_VALUE, "[server] port" },
  { "[server]\nport=70000\n", HC_CONFIG_ERROR_INVALID_VALUE, "[server] port" },
  { "[server]\nport=-1\n", HC_CONFIG_ERROR_INVALID_VALUE, "[server] port" },
  { "[server]\nport=80x\n", HC_CONFIG_ERROR_INVALID_VALUE, "[server] port" },
  { "[server]\nport=\n", HC_CONFIG_ERROR_INVALID_VALUE, "[server] port" },
  { "[server]\ndomain=\n", HC_CONFIG_ERROR_INVALID_VALUE, "[server] domain" },
  { "[server]\ndomain=bad_domain!\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[server] domain" },
  { "[server]\ndomain=a/b\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[server] domain" },
  { "[server]\ndomain=a..b\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[server] domain" },
  { "[server]\ndomain=-a.example\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[server] domain" },
  { "[server]\ndomain=ex ample\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[server] domain" },
  { "[server]\nlisten=localhost\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[server] listen" },
  { "[server]\nlisten=300.1.1.1\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[server] listen" },
  { "[server]\nwww-dir=/nonexistent/hc-www\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[server] www-dir" },
  { "[server]\nwww-dir=www/index.html\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[server] www-dir" },
  { "[server]\nmax-frame-size=10\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[server] max-frame-size" },
  { "[server]\nmax-frame-size=64k\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[server] max-frame-size" },
  { "[node]\ngrace-period-ms=-5\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[node] grace-period-ms" },
  { "[node]\nmax-queued=lots\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[node] max-queued" },
  { "[node]\nmax-subscriptions=0\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[node] max-subscriptions" },
  { "[node]\nmax-addresses=99999999999\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[node] max-addresses" },
  { "[node]\nmax-rate=fast\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[node] max-rate" },
  { "[webrtc]\nice-servers=not json\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[webrtc] ice-servers" },
  { "[webrtc]\nice-servers={\"urls\":\"stun:a\"}\n",
    HC_CONFIG_ERROR_INVALID_VALUE, "[webrtc] ice-servers" },
  { "[webrtc]\nice-servers=[{\"url\":\"stun:a\"}]\n",
    HC_CONFIG_ERROR_INVALID_VALUE, "[webrtc] ice-servers" },
  { "[webrtc]\nice-servers=[{\"urls\":\"http://a\"}]\n",
    HC_CONFIG_ERROR_INVALID_VALUE, "[webrtc] ice-servers" },
  { "[webrtc]\nice-servers=[{\"urls\":[]}]\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[webrtc] ice-servers" },
  { "[webrtc]\nice-servers=[{\"urls\":[\"stun:a\", 3]}]\n",
    HC_CONFIG_ERROR_INVALID_VALUE, "[webrtc] ice-servers" },
  { "[webrtc]\nice-servers=[{\"urls\":\"turn:a\",\"username\":1}]\n",
    HC_CONFIG_ERROR_INVALID_VALUE, "[webrtc] ice-servers" },
  { "[node]\nreclaim-window-ms=1h\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[node] reclaim-window-ms" },
  { "[auth]\nsecret=short\n", HC_CONFIG_ERROR_INVALID_VALUE, "[auth] secret" },
  { "[auth]\nsecret=\n", HC_CONFIG_ERROR_INVALID_VALUE, "[auth] secret" },
  { "[auth]\ntoken=0123456789abcdef\n", HC_CONFIG_ERROR_UNKNOWN_KEY,
    "[auth] token" },
  { "[admin]\nsecret=0123456789abcde\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[admin] secret" },
  { "[tls]\ncertificate=/nonexistent/cert.pem\nkey=/nonexistent/key.pem\n",
    HC_CONFIG_ERROR_INVALID_VALUE, "/nonexistent/cert.pem" },
  { "[conference]\nmax-rooms=0\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[conference] max-rooms" },
  { "[node]\nrate-close-after=-1\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[node] rate-close-after" },
  { "[node]\nmax-sessions=many\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[node] max-sessions" },
  { "[node]\nmax-sessions-per-ip=2000000\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[node] max-sessions-per-ip" },
  { "[node]\nmax-resources=0\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[node] max-resources" },
  { "[node]\nmax-json-depth=100000\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[node] max-json-depth" },
  { "[node]\nmax-json-depth=2\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[node] max-json-depth" },
  { "[conference]\nmax-sdp-size=100\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[conference] max-sdp-size" },
  { "[conference]\nmax-sdp-media=1\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[conference] max-sdp-media" },
  { "[conference]\nmax-ice-candidates=0\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[conference] max-ice-candidates" },
  { "[conference]\nmax-cpu-load=101\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[conference] max-cpu-load" },
  { "[conference]\nmedia-timeout-ms=999\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[conference] media-timeout-ms" },
  { "[conference]\nmedia-timeout-ms=-1\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[conference] media-timeout-ms" },
  { "[conference]\nmedia-timeout-ms=3600001\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[conference] media-timeout-ms" },
  { "[media]\nlean-send=yes\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[media] lean-send" },
  { "[media]\nlean-send=\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[media] lean-send" },
  { "[media]\nlean-receive=on\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[media] lean-receive" },
  { "[server]\ndrain-timeout-ms=86400001\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[server] drain-timeout-ms" },
  { "[server]\ndrain-timeout-ms=soon\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[server] drain-timeout-ms" },
  { "[mcu]\nwidth=641\n", HC_CONFIG_ERROR_INVALID_VALUE, "[mcu] width" },
  { "[mcu]\nwidth=10\n", HC_CONFIG_ERROR_INVALID_VALUE, "[mcu] width" },
  { "[mcu]\nheight=4000\n", HC_CONFIG_ERROR_INVALID_VALUE, "[mcu] height" },
  { "[mcu]\nheight=big\n", HC_CONFIG_ERROR_INVALID_VALUE, "[mcu] height" },
  { "[mcu]\nframerate=0\n", HC_CONFIG_ERROR_INVALID_VALUE, "[mcu] framerate" },
  { "[mcu]\nframerate=120\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[mcu] framerate" },
  { "[mcu]\nvideo-codec=vp9\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[mcu] video-codec" },
  { "[mcu]\nvideo-bitrate=300k\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[mcu] video-bitrate" },
  { "[mcu]\nvideo-bitrate=5\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[mcu] video-bitrate" },
  { "[mcu]\naudio-bitrate=1000\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[mcu] audio-bitrate" },
  { "[mcu]\nlayout=mosaic\n", HC_CONFIG_ERROR_INVALID_VALUE, "[mcu] layout" },
  { "[mcu]\nmax-tiles=0\n", HC_CONFIG_ERROR_INVALID_VALUE, "[mcu] max-tiles" },
  { "[mcu]\nmax-mixed=-1\n", HC_CONFIG_ERROR_INVALID_VALUE, "[mcu] max-mixed" },
  { "[mcu]\nkeyframe-interval=soon\n", HC_CONFIG_ERROR_INVALID_VALUE,
    "[mcu] keyframe-interval" },
  { "[mcu]\nbitrate=300\n", HC_CONFIG_ERROR_UNKNOWN_KEY, "[mcu] bitrate" },
  { "[server]\nprot=8080\n", HC_CONFIG_ERROR_UNKNOWN_KEY, "[server] prot" },
  { "[node]\nport=8080\n", HC_CONFIG_ERROR_UNKNOWN_KEY, "[node] port" },
  { "[sever]\nport=8080\n", HC_CONFIG_ERROR_UNKNOWN_GROUP, "[sever]" },
  { "port=8080\n", HC_CONFIG_ERROR_FILE, "bad.conf" },
  { "[server\n", HC_CONFIG_ERROR_FILE, "bad.conf" },
};

static void
test_bad_value (Fixture *f, gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = write_file (f, "bad.conf", c->text);
  g_autoptr (HcConfig) config = hc_config_load (path, &error);

  g_assert_null (config);
  g_assert_error (error, HC_CONFIG_ERROR, (gint)c->code);
  g_test_message ("%s", error->message);
  if (strstr (error->message, c->names) == NULL)
    g_error ("“%s” does not name “%s”", error->message, c->names);
  /* The file is named too, so a user knows where to look. */
  g_assert_nonnull (strstr (error->message, path));
}

static void
test_missing_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HcConfig) config = hc_config_load ("/nonexistent/hc.conf", &error);

  g_assert_null (config);
  g_assert_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_FILE);
  g_assert_nonnull (strstr (error->message, "/nonexistent/hc.conf"));
}

static void
test_overrides (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = write_file (
      f, "file.conf",
      "[server]\nlisten=0.0.0.0\nport=9000\ndomain=file.example\n");
  HcConfigOverrides overrides = {
    .listen_address = "::1",
    .port = "0",
    .domain = "cli.example",
  };
  g_autoptr (HcConfig) config = hc_config_load_full (path, &overrides, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (config->listen_address, ==, "::1");
  g_assert_cmpuint (config->port, ==, 0);
  g_assert_cmpstr (config->domain, ==, "cli.example");
  g_assert_cmpstr (config->node.domain, ==, "cli.example");
}

static void
test_bad_overrides (void)
{
  const struct {
    HcConfigOverrides overrides;
    const gchar *names;
  } cases[] = {
    { { .port = "70000" }, "--port" },
    { { .port = "http" }, "--port" },
    { { .domain = "" }, "--domain" },
    { { .domain = "a b" }, "--domain" },
    { { .listen_address = "example.org" }, "--listen" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (HcConfig) config
        = hc_config_load_full (NULL, &cases[i].overrides, &error);

    g_assert_null (config);
    g_assert_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_INVALID_VALUE);
    g_assert_true (g_str_has_prefix (error->message, cases[i].names));
  }
}

/* ---- the binary's command line ------------------------------------------ */

static gchar *
hyperconf_path (void)
{
  return g_test_build_filename (G_TEST_BUILT, "..", "src", "app", "hyperconf",
                                NULL);
}

/* Runs the binary to completion, with @env (NAME, value, ..., NULL;
 * nullable) added to the environment. */
static gint
run_hyperconf_env (const gchar *const *args, const gchar *const *env,
                   gchar **out, gchar **err)
{
  g_autofree gchar *binary = hyperconf_path ();
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip ("hyperconf binary not built");
    return -1;
  }
  g_ptr_array_add (argv, binary);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  for (guint i = 0; env && env[i] && env[i + 1]; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  process = g_subprocess_launcher_spawnv (
      launcher, (const gchar *const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static gint
run_hyperconf (const gchar *const *args, gchar **out, gchar **err)
{
  return run_hyperconf_env (args, NULL, out, err);
}

static void
test_cli_version (void)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  const gchar *args[] = { "--version", NULL };
  gint status = run_hyperconf (args, &out, &err);

  if (status < 0)
    return;
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "hyperconf " HC_VERSION "\n");
}

static void
test_cli_bad_config (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path
      = write_file (f, "bad.conf", "[server]\nport=seventy\n");
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  const gchar *args[] = { "--config", path, NULL };
  gint status = run_hyperconf (args, &out, &err);

  if (status < 0)
    return;
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "[server] port"));
  g_assert_cmpstr (out, ==, "");
}

static void
test_cli_unknown_key (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path
      = write_file (f, "bad.conf", "[server]\nlisten-address=127.0.0.1\n");
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  const gchar *args[] = { "--config", path, NULL };
  gint status = run_hyperconf (args, &out, &err);

  if (status < 0)
    return;
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "listen-address"));
}

/* A bad [mcu] value stops the daemon like any other. */
static void
test_cli_bad_mcu (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = write_file (f, "bad.conf", "[mcu]\nlayout=mosaic\n");
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  const gchar *args[] = { "--config", path, NULL };
  gint status = run_hyperconf (args, &out, &err);

  if (status < 0)
    return;
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "[mcu] layout"));
}

/* Without an H.264 encoder (here: without any GStreamer plugin) the
 * server refuses to start with video-codec=h264, and says why. */
static void
test_cli_h264_without_encoder (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path
      = write_file (f, "h264.conf", "[mcu]\nvideo-codec=h264\n");
  g_autofree gchar *registry = g_build_filename (f->dir, "registry.bin", NULL);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  const gchar *args[] = { "--config", path, NULL };
  const gchar *env[] = { "GST_PLUGIN_SYSTEM_PATH_1_0",
                         f->www,
                         "GST_PLUGIN_PATH_1_0",
                         f->www,
                         "GST_PLUGIN_PATH",
                         f->www,
                         "GST_REGISTRY_1_0",
                         registry,
                         NULL };
  gint status = run_hyperconf_env (args, env, &out, &err);

  if (status < 0)
    return;
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "[mcu] video-codec"));
  g_assert_nonnull (strstr (err, "openh264enc"));
}

static void
test_cli_bad_options (void)
{
  const gchar *bad_port[] = { "--port", "70000", NULL };
  const gchar *unknown[] = { "--frobnicate", NULL };
  const gchar *extra[] = { "extra-argument", NULL };
  const gchar *const *cases[] = { bad_port, unknown, extra };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *out = NULL;
    g_autofree gchar *err = NULL;
    gint status = run_hyperconf (cases[i], &out, &err);

    if (status < 0)
      return;
    g_assert_cmpint (status, ==, 2);
    g_assert_cmpstr (err, !=, "");
  }
}

/* ---- [tls] ----------------------------------------------------------------
 * tests/data holds a self-signed pair for localhost (openssl req -x509
 * -newkey rsa:2048 -nodes -days 36500 -subj /CN=localhost). */

static gchar *
tls_file (const gchar *name)
{
  g_autofree gchar *root = source_root ();

  return g_build_filename (root, "tests", "data", name, NULL);
}

static void
test_tls_pair (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *cert = tls_file ("tls-cert.pem");
  g_autofree gchar *key = tls_file ("tls-key.pem");
  g_autofree gchar *text
      = g_strdup_printf ("[tls]\ncertificate=%s\nkey=%s\n", cert, key);
  g_autofree gchar *path = write_file (f, "tls.conf", text);
  g_autoptr (HcConfig) config = hc_config_load (path, &error);

  g_assert_no_error (error);
  g_assert_true (G_IS_TLS_CERTIFICATE (config->tls_certificate));
  g_assert_cmpstr (config->tls_certificate_file, ==, cert);
  g_assert_cmpstr (config->tls_key_file, ==, key);
}

/* Each bad [tls] setting stops the load with a message naming the file
 * (or the key that is missing). */
static void
test_tls_bad_files (Fixture *f, gconstpointer data)
{
  g_autofree gchar *cert = tls_file ("tls-cert.pem");
  g_autofree gchar *key = tls_file ("tls-key.pem");
  g_autofree gchar *junk = write_file (f, "junk.pem", "not a PEM file\n");
  const struct {
    const gchar *certificate, *key, *names;
  } cases[] = {
    { junk, key, junk },     /* a certificate that is no PEM */
    { cert, junk, junk },    /* a key that is no PEM */
    { cert, cert, cert },    /* a certificate where the key should be */
    { key, key, key },       /* a key where the certificate should be */
    { f->www, key, f->www }, /* unreadable: a directory */
    { cert, NULL, "[tls] key" }, { NULL, key, "[tls] certificate" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GString) text = g_string_new ("[tls]\n");
    g_autofree gchar *path = NULL;
    g_autoptr (HcConfig) config = NULL;

    if (cases[i].certificate)
      g_string_append_printf (text, "certificate=%s\n", cases[i].certificate);
    if (cases[i].key)
      g_string_append_printf (text, "key=%s\n", cases[i].key);
    path = write_file (f, "tls.conf", text->str);
    config = hc_config_load (path, &error);
    g_assert_null (config);
    g_assert_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_INVALID_VALUE);
    g_test_message ("%s", error->message);
    if (strstr (error->message, cases[i].names) == NULL)
      g_error ("“%s” does not name “%s”", error->message, cases[i].names);
  }
}

/* The daemon refuses to start on a bad pair: exit 2, the file named. */
static void
test_cli_bad_tls (Fixture *f, gconstpointer data)
{
  g_autofree gchar *key = tls_file ("tls-key.pem");
  g_autofree gchar *junk = write_file (f, "junk.pem", "not a PEM file\n");
  g_autofree gchar *text
      = g_strdup_printf ("[tls]\ncertificate=%s\nkey=%s\n", junk, key);
  g_autofree gchar *path = write_file (f, "tls.conf", text);
  g_autofree gchar *out = NULL, *err = NULL;
  const gchar *args[] = { "--config", path, "--port", "0", NULL };
  gint status = run_hyperconf (args, &out, &err);

  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, junk));
  g_assert_cmpstr (out, ==, "");
}

/* `hyperconf token` mints what the server accepts. */
static void
test_cli_token (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = write_file (
      f, "auth.conf", "[auth]\nsecret=cli-token-secret-0123456789\n");
  g_autofree gchar *out = NULL, *err = NULL;
  const gchar *args[] = { "token", "--config", path, "--room", "r1",  "--user",
                          "Zoë",   "--ttl",    "60", "--mode", "sfu", NULL };
  const gchar *no_secret[]
      = { "token", "--room", "r1", "--user", "a", "--ttl", "60", NULL };
  const gchar *bad_mode[]
      = { "token", "--config", path, "--room", "r1",  "--user",
          "a",     "--ttl",    "60", "--mode", "p2p", NULL };
  const gchar *no_ttl[]
      = { "token", "--config", path, "--room", "r1", "--user", "a", NULL };
  const gchar *bad_room[] = { "token",  "--config", path,    "--room", "a b",
                              "--user", "a",        "--ttl", "60",     NULL };
  const gchar *const *refused[] = { no_secret, bad_mode, no_ttl, bad_room };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr (HcTokenClaims) claims = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (run_hyperconf (args, &out, &err), ==, 0);
  g_strstrip (out);
  claims = hc_token_verify (out, "cli-token-secret-0123456789", now, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (claims->room, ==, "r1");
  g_assert_cmpstr (claims->sub, ==, "Zoë");
  g_assert_cmpint (claims->exp, >=, now + 59);
  g_assert_cmpint (claims->exp, <=, now + 61);
  g_assert_true (hc_token_allows (claims, "r1", "sfu", &error));
  g_assert_false (hc_token_allows (claims, "r1", "mcu", NULL));
  /* Signed with the configured secret, not another. */
  g_clear_pointer (&claims, hc_token_claims_free);
  claims = hc_token_verify (out, "another-secret-0123456789", now, &error);
  g_assert_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_UNAUTHORIZED);

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++) {
    g_autofree gchar *o = NULL, *e = NULL;

    g_assert_cmpint (run_hyperconf (refused[i], &o, &e), ==, 2);
    g_assert_cmpstr (o, ==, "");
    g_assert_cmpstr (e, !=, "");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/shipped-file", test_shipped_file);
  g_test_add ("/config/every-key", Fixture, NULL, fixture_set_up,
              test_every_key, fixture_tear_down);
  g_test_add ("/config/timeouts-off", Fixture, NULL, fixture_set_up,
              test_timeouts_off, fixture_tear_down);
  g_test_add ("/config/ipv6-listen", Fixture, NULL, fixture_set_up,
              test_ipv6_listen, fixture_tear_down);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++) {
    g_autofree gchar *name
        = g_strdup_printf ("/config/bad/%" G_GSIZE_FORMAT, i);

    g_test_add (name, Fixture, &bad_cases[i], fixture_set_up, test_bad_value,
                fixture_tear_down);
  }
  g_test_add ("/config/h264", Fixture, NULL, fixture_set_up, test_h264,
              fixture_tear_down);
  g_test_add ("/config/unknown-group-lists-all", Fixture, NULL, fixture_set_up,
              test_unknown_group_lists_all, fixture_tear_down);
  g_test_add_func ("/config/missing-file", test_missing_file);
  g_test_add ("/config/overrides", Fixture, NULL, fixture_set_up,
              test_overrides, fixture_tear_down);
  g_test_add_func ("/config/bad-overrides", test_bad_overrides);
  g_test_add_func ("/cli/version", test_cli_version);
  g_test_add ("/cli/bad-config", Fixture, NULL, fixture_set_up,
              test_cli_bad_config, fixture_tear_down);
  g_test_add ("/cli/unknown-key", Fixture, NULL, fixture_set_up,
              test_cli_unknown_key, fixture_tear_down);
  g_test_add ("/cli/bad-mcu", Fixture, NULL, fixture_set_up, test_cli_bad_mcu,
              fixture_tear_down);
  g_test_add ("/cli/h264-without-encoder", Fixture, NULL, fixture_set_up,
              test_cli_h264_without_encoder, fixture_tear_down);
  g_test_add_func ("/cli/bad-options", test_cli_bad_options);
  g_test_add ("/config/tls-pair", Fixture, NULL, fixture_set_up, test_tls_pair,
              fixture_tear_down);
  g_test_add ("/config/tls-bad-files", Fixture, NULL, fixture_set_up,
              test_tls_bad_files, fixture_tear_down);
  g_test_add ("/cli/bad-tls", Fixture, NULL, fixture_set_up, test_cli_bad_tls,
              fixture_tear_down);
  g_test_add ("/cli/token", Fixture, NULL, fixture_set_up, test_cli_token,
              fixture_tear_down);

  return g_test_run ();
}
