/* hyperconf — loads and validates the configuration key file (hc-config.h).
 *
 * One table lists every [group] key the server knows and the function that
 * checks and stores its value.  The same functions check the command-line
 * overrides, so `--port 70000` and `port=70000` fail with the same words.
 */
#define G_LOG_DOMAIN "hc-app"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include <hyperconf/hc-config.h>

#include "hc-build-config.h"

GQuark
hc_config_error_quark (void)
{
  return g_quark_from_static_string ("hc-config-error-quark");
}

/* Each setter checks @value and stores it in @config.  On failure it
 * returns FALSE and a sentence fragment in @why ("is not a number ...");
 * the caller prefixes it with the key's name so every error names it. */
typedef gboolean (*SetFunc) (HcConfig *config, const gchar *value,
                             const gchar *base_dir, gsize offset, guint64 min,
                             guint64 max, gchar **why);

typedef struct {
  const gchar *group;
  const gchar *key;
  SetFunc set;
  gsize offset; /* where set_uint stores a guint */
  guint64 min;
  guint64 max;
} KeySpec;

static gboolean
parse_uint (const gchar *value, guint64 min, guint64 max, guint64 *out,
            gchar **why)
{
  /* g_ascii_string_to_unsigned refuses signs, blanks and trailing junk. */
  if (!g_ascii_string_to_unsigned (value, 10, min, max, out, NULL)) {
    *why = g_strdup_printf (
        "\"%s\" is not a whole number between %" G_GUINT64_FORMAT
        " and %" G_GUINT64_FORMAT,
        value, min, max);
    return FALSE;
  }
  return TRUE;
}

static gboolean
set_uint (HcConfig *config, const gchar *value, const gchar *base_dir,
          gsize offset, guint64 min, guint64 max, gchar **why)
{
  guint64 number;

  if (!parse_uint (value, min, max, &number, why))
    return FALSE;
  G_STRUCT_MEMBER (guint, config, offset) = (guint)number;
  return TRUE;
}

/* "true" or "false", as GKeyFile writes booleans (and nothing else: a
 * typo must not silently mean one of them). */
static gboolean
set_bool (HcConfig *config, const gchar *value, const gchar *base_dir,
          gsize offset, guint64 min, guint64 max, gchar **why)
{
  if (g_str_equal (value, "true") || g_str_equal (value, "false")) {
    G_STRUCT_MEMBER (gboolean, config, offset) = g_str_equal (value, "true");
    return TRUE;
  }
  *why = g_strdup_printf ("\"%s\" is not true or false", value);
  return FALSE;
}

static gboolean
set_port (HcConfig *config, const gchar *value, const gchar *base_dir,
          gsize offset, guint64 min, guint64 max, gchar **why)
{
  guint64 number;

  if (!parse_uint (value, min, max, &number, why))
    return FALSE;
  config->port = (guint16)number;
  return TRUE;
}

static gboolean
set_max_frame_size (HcConfig *config, const gchar *value, const gchar *base_dir,
                    gsize offset, guint64 min, guint64 max, gchar **why)
{
  guint64 number;

  if (!parse_uint (value, min, max, &number, why))
    return FALSE;
  config->max_frame_size = (gsize)number;
  return TRUE;
}

static gboolean
set_listen (HcConfig *config, const gchar *value, const gchar *base_dir,
            gsize offset, guint64 min, guint64 max, gchar **why)
{
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (value);

  /* Only literals: a host name could resolve to several addresses and
   * the printed "listening on" line must be exact. */
  if (address == NULL) {
    *why = g_strdup_printf ("\"%s\" is not an IPv4 or IPv6 address "
                            "(use 127.0.0.1, 0.0.0.0, ::1 or ::)",
                            value);
    return FALSE;
  }
  g_free (config->listen_address);
  config->listen_address = g_inet_address_to_string (address);
  return TRUE;
}

/* A DNS host name: dot-separated labels of letters, digits and inner
 * hyphens, because the domain is pasted into runtime://, hyperty:// and
 * hyperty-catalogue://catalogue.<domain> URLs. */
static gboolean
set_domain (HcConfig *config, const gchar *value, const gchar *base_dir,
            gsize offset, guint64 min, guint64 max, gchar **why)
{
  g_auto (GStrv) labels = NULL;

  if (strlen (value) > 253) {
    *why = g_strdup ("is longer than 253 characters");
    return FALSE;
  }
  labels = g_strsplit (value, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++) {
    const gchar *label = labels[i];
    gsize len = strlen (label);

    if (len == 0 || len > 63) {
      *why = g_strdup_printf ("\"%s\" is not a host name (empty or too long "
                              "label)",
                              value);
      return FALSE;
    }
    for (const gchar *p = label; *p != '\0'; p++) {
      if (!g_ascii_isalnum (*p) && *p != '-') {
        *why = g_strdup_printf ("\"%s\" is not a host name (only letters, "
                                "digits, '-' and '.' are allowed)",
                                value);
        return FALSE;
      }
    }
    if (label[0] == '-' || label[len - 1] == '-') {
      *why = g_strdup_printf ("\"%s\" is not a host name (a label starts or "
                              "ends with '-')",
                              value);
      return FALSE;
    }
  }
  g_free (config->domain);
  /* Host names compare case-insensitively; URLs built from it should not
   * differ by case. */
  config->domain = g_ascii_strdown (value, -1);
  return TRUE;
}

static gboolean
store_www_dir (HcConfig *config, const gchar *path, gchar **why)
{
  g_autofree gchar *real = realpath (path, NULL);

  /* The static file server compares every resolved file against this
   * prefix, so it must itself be canonical (no symlinks, no "..").  */
  if (real == NULL) {
    *why = g_strdup_printf ("%s: %s", path, g_strerror (errno));
    return FALSE;
  }
  if (!g_file_test (real, G_FILE_TEST_IS_DIR)) {
    *why = g_strdup_printf ("%s is not a directory", path);
    return FALSE;
  }
  g_free (config->www_dir);
  config->www_dir = g_steal_pointer (&real);
  return TRUE;
}

static gboolean
set_www_dir (HcConfig *config, const gchar *value, const gchar *base_dir,
             gsize offset, guint64 min, guint64 max, gchar **why)
{
  /* Relative to the config file, so a config can ship next to its pages
   * whatever the working directory of the daemon. */
  g_autofree gchar *path = g_canonicalize_filename (value, base_dir);

  return store_www_dir (config, path, why);
}

static gboolean
check_ice_url (JsonNode *node, gchar **why)
{
  const gchar *url;

  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING) {
    *why = g_strdup ("every url must be a string");
    return FALSE;
  }
  url = json_node_get_string (node);
  if (!g_str_has_prefix (url, "stun:") && !g_str_has_prefix (url, "stuns:")
      && !g_str_has_prefix (url, "turn:")
      && !g_str_has_prefix (url, "turns:")) {
    *why = g_strdup_printf ("\"%s\" is not a stun:, stuns:, turn: or turns: "
                            "URL",
                            url);
    return FALSE;
  }
  return TRUE;
}

/* An RTCIceServer[] as browsers take it (W3C webrtc §4.2.1): objects with
 * `urls` (string or array of strings) and optional string `username` and
 * `credential`.  Checked here so a typo is a start-up error rather than a
 * client that silently gets no relay. */
static gboolean
set_ice_servers (HcConfig *config, const gchar *value, const gchar *base_dir,
                 gsize offset, guint64 min, guint64 max, gchar **why)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;
  JsonArray *servers;
  g_autofree gchar *fragment = NULL;

  if (!json_parser_load_from_data (parser, value, -1, &error)) {
    *why = g_strdup_printf ("is not JSON: %s", error->message);
    return FALSE;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root)) {
    *why = g_strdup ("must be a JSON array of {\"urls\": ...} objects");
    return FALSE;
  }
  servers = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (servers); i++) {
    JsonNode *element = json_array_get_element (servers, i);
    JsonObject *server;
    JsonNode *urls;

    if (!JSON_NODE_HOLDS_OBJECT (element)) {
      *why = g_strdup_printf ("element %u is not an object", i);
      return FALSE;
    }
    server = json_node_get_object (element);
    urls = json_object_get_member (server, "urls");
    if (urls == NULL) {
      *why = g_strdup_printf ("element %u has no \"urls\"", i);
      return FALSE;
    }
    if (JSON_NODE_HOLDS_ARRAY (urls)) {
      JsonArray *list = json_node_get_array (urls);

      if (json_array_get_length (list) == 0) {
        *why = g_strdup_printf ("element %u has an empty \"urls\"", i);
        return FALSE;
      }
      for (guint j = 0; j < json_array_get_length (list); j++) {
        if (!check_ice_url (json_array_get_element (list, j), &fragment))
          break;
      }
    } else {
      check_ice_url (urls, &fragment);
    }
    if (fragment != NULL) {
      *why = g_strdup_printf ("element %u: %s", i, fragment);
      return FALSE;
    }
    for (const gchar *const *m
         = (const gchar *[]){ "username", "credential", NULL };
         *m != NULL; m++) {
      JsonNode *member = json_object_get_member (server, *m);

      if (member != NULL
          && (!JSON_NODE_HOLDS_VALUE (member)
              || json_node_get_value_type (member) != G_TYPE_STRING)) {
        *why = g_strdup_printf ("element %u: \"%s\" must be a string", i, *m);
        return FALSE;
      }
    }
  }
  g_free (config->ice_servers_json);
  config->ice_servers_json = json_to_string (root, FALSE);
  return TRUE;
}

/* A shared secret ([auth] and [admin]): long enough that guessing is no
 * option (HS256 keys should be at least 256 bits of entropy; 16
 * characters is the floor we enforce, 32 random ones what the file
 * advises). */
#define MIN_SECRET_LENGTH 16

static gboolean
set_secret (HcConfig *config, const gchar *value, const gchar *base_dir,
            gsize offset, guint64 min, guint64 max, gchar **why)
{
  gchar **slot = &G_STRUCT_MEMBER (gchar *, config, offset);

  if (strlen (value) < MIN_SECRET_LENGTH) {
    *why = g_strdup_printf ("is shorter than %d characters", MIN_SECRET_LENGTH);
    return FALSE;
  }
  g_free (*slot);
  *slot = g_strdup (value);
  return TRUE;
}

/* A file the server reads at start ([tls]): relative to the config file,
 * and readable now, so that the error names the file. */
static gboolean
set_readable_file (HcConfig *config, const gchar *value, const gchar *base_dir,
                   gsize offset, guint64 min, guint64 max, gchar **why)
{
  gchar **slot = &G_STRUCT_MEMBER (gchar *, config, offset);
  g_autofree gchar *path = g_canonicalize_filename (value, base_dir);
  g_autofree gchar *contents = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &error)) {
    *why = g_strdup (error->message); /* it names the path */
    return FALSE;
  }
  g_free (*slot);
  *slot = g_steal_pointer (&path);
  return TRUE;
}

/* Frame sizes: even, because the mixer's I420 frames halve them. */
/* A timeout: 0 turns it off, else @min..@max. */
static gboolean
set_timeout (HcConfig *config, const gchar *value, const gchar *base_dir,
             gsize offset, guint64 min, guint64 max, gchar **why)
{
  if (g_str_equal (value, "0")) {
    G_STRUCT_MEMBER (guint, config, offset) = 0;
    return TRUE;
  }
  if (set_uint (config, value, base_dir, offset, min, max, why))
    return TRUE;
  g_free (*why);
  *why = g_strdup_printf ("\"%s\" is not 0 (off) or a whole number between "
                          "%" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT,
                          value, min, max);
  return FALSE;
}

static gboolean
set_even_uint (HcConfig *config, const gchar *value, const gchar *base_dir,
               gsize offset, guint64 min, guint64 max, gchar **why)
{
  guint64 number;

  if (!parse_uint (value, min, max, &number, why))
    return FALSE;
  if (number % 2 != 0) {
    *why = g_strdup_printf ("%s is odd (the frame size must be even)", value);
    return FALSE;
  }
  G_STRUCT_MEMBER (guint, config, offset) = (guint)number;
  return TRUE;
}

/* Bitrates are written in kbit/s and kept in bit/s, as encoders take them. */
static gboolean
set_kbit (HcConfig *config, const gchar *value, const gchar *base_dir,
          gsize offset, guint64 min, guint64 max, gchar **why)
{
  guint64 number;

  if (!parse_uint (value, min, max, &number, why))
    return FALSE;
  G_STRUCT_MEMBER (guint, config, offset) = (guint)number * 1000;
  return TRUE;
}

static gboolean
set_layout (HcConfig *config, const gchar *value, const gchar *base_dir,
            gsize offset, guint64 min, guint64 max, gchar **why)
{
  if (g_str_equal (value, "grid"))
    config->conference.mcu.layout = HC_MCU_LAYOUT_GRID;
  else if (g_str_equal (value, "speaker"))
    config->conference.mcu.layout = HC_MCU_LAYOUT_SPEAKER;
  else {
    *why = g_strdup_printf ("\"%s\" is not grid or speaker", value);
    return FALSE;
  }
  return TRUE;
}

/* H.264 needs the mixer's encoder (pipelines/mcu-video-h264.pipeline:
 * openh264enc, in Debian's gstreamer1.0-plugins-bad with libopenh264):
 * refuse it at start rather than fail at the first MCU join. */
static gboolean
set_video_codec (HcConfig *config, const gchar *value, const gchar *base_dir,
                 gsize offset, guint64 min, guint64 max, gchar **why)
{
  if (g_str_equal (value, "vp8")) {
    config->conference.mcu.codec = HC_MCU_CODEC_VP8;
    return TRUE;
  }
  if (!g_str_equal (value, "h264")) {
    *why = g_strdup_printf ("\"%s\" is not vp8 or h264", value);
    return FALSE;
  }
  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
  if (!gst_registry_check_feature_version (gst_registry_get (), "openh264enc",
                                           1, 0, 0)) {
    *why = g_strdup ("h264 needs the openh264enc GStreamer element "
                     "(gstreamer1.0-plugins-bad), which is not installed "
                     "(use vp8)");
    return FALSE;
  }
  config->conference.mcu.codec = HC_MCU_CODEC_H264;
  return TRUE;
}

#define NODE_OFFSET(field)                                                     \
  (G_STRUCT_OFFSET (HcConfig, node) + G_STRUCT_OFFSET (HcNodeConfig, field))

#define CONFIG_OFFSET(field) G_STRUCT_OFFSET (HcConfig, field)

#define CONFERENCE_OFFSET(field)                                               \
  (G_STRUCT_OFFSET (HcConfig, conference)                                      \
   + G_STRUCT_OFFSET (HcConferenceConfig, field))

#define MCU_OFFSET(field)                                                      \
  (CONFERENCE_OFFSET (mcu) + G_STRUCT_OFFSET (HcMcuConfig, field))

/* Every key the server knows; data/hyperconf.conf documents each one. */
static const KeySpec keys[] = {
  { "server", "listen", set_listen, 0, 0, 0 },
  { "server", "port", set_port, 0, 0, 65535 },
  { "server", "domain", set_domain, 0, 0, 0 },
  { "server", "www-dir", set_www_dir, 0, 0, 0 },
  { "server", "max-frame-size", set_max_frame_size, 0, 1024, 16 * 1024 * 1024 },
  { "server", "drain-timeout-ms", set_uint, CONFIG_OFFSET (drain_timeout_ms), 0,
    24 * 3600 * 1000 },
  { "node", "grace-period-ms", set_uint, NODE_OFFSET (grace_period_ms), 0,
    3600 * 1000 },
  { "node", "max-queued", set_uint, NODE_OFFSET (max_queued), 0, 1000000 },
  { "node", "max-subscriptions", set_uint, NODE_OFFSET (max_subscriptions), 1,
    1000000 },
  { "node", "max-addresses", set_uint, NODE_OFFSET (max_addresses), 1,
    1000000 },
  { "node", "max-rate", set_uint, NODE_OFFSET (max_rate), 0, 1000000 },
  { "node", "reclaim-window-ms", set_uint, NODE_OFFSET (reclaim_window_ms), 0,
    7 * 24 * 3600 * 1000 },
  { "node", "rate-close-after", set_uint, NODE_OFFSET (rate_close_after), 0,
    1000000 },
  { "node", "max-sessions", set_uint, NODE_OFFSET (max_sessions), 0, 1000000 },
  { "node", "max-sessions-per-ip", set_uint, NODE_OFFSET (max_sessions_per_ip),
    0, 1000000 },
  { "node", "max-resources", set_uint, NODE_OFFSET (max_resources), 1, 100000 },
  /* json-glib recurses per level: far below what overflows a stack. */
  { "node", "max-json-depth", set_uint, NODE_OFFSET (max_json_depth), 8, 1000 },
  { "webrtc", "ice-servers", set_ice_servers, 0, 0, 0 },
  { "conference", "max-participants", set_uint,
    CONFERENCE_OFFSET (max_participants), 1, 1000 },
  { "conference", "max-rooms", set_uint, CONFERENCE_OFFSET (max_rooms), 1,
    100000 },
  { "conference", "max-sdp-size", set_uint, CONFERENCE_OFFSET (max_sdp_size),
    1024, 16 * 1024 * 1024 },
  { "conference", "max-sdp-media", set_uint, CONFERENCE_OFFSET (max_sdp_media),
    2, 4096 },
  { "conference", "max-ice-candidates", set_uint,
    CONFERENCE_OFFSET (max_ice_candidates), 1, 10000 },
  { "conference", "max-cpu-load", set_uint, CONFERENCE_OFFSET (max_cpu_load), 0,
    100 },
  { "conference", "media-timeout-ms", set_timeout,
    CONFERENCE_OFFSET (media_timeout_ms), 1000, 3600 * 1000 },
  { "media", "lean-send", set_bool, CONFERENCE_OFFSET (lean_send), 0, 0 },
  { "media", "lean-receive", set_bool, CONFERENCE_OFFSET (lean_receive), 0, 0 },
  { "auth", "secret", set_secret, CONFIG_OFFSET (auth_secret), 0, 0 },
  { "admin", "secret", set_secret, CONFIG_OFFSET (admin_secret), 0, 0 },
  { "tls", "certificate", set_readable_file,
    CONFIG_OFFSET (tls_certificate_file), 0, 0 },
  { "tls", "key", set_readable_file, CONFIG_OFFSET (tls_key_file), 0, 0 },
  { "mcu", "width", set_even_uint, MCU_OFFSET (width), 64, 3840 },
  { "mcu", "height", set_even_uint, MCU_OFFSET (height), 64, 2160 },
  { "mcu", "framerate", set_uint, MCU_OFFSET (framerate), 1, 60 },
  { "mcu", "video-codec", set_video_codec, 0, 0, 0 },
  { "mcu", "video-bitrate", set_kbit, MCU_OFFSET (video_bitrate), 30, 20000 },
  { "mcu", "audio-bitrate", set_kbit, MCU_OFFSET (audio_bitrate), 6, 510 },
  { "mcu", "layout", set_layout, 0, 0, 0 },
  { "mcu", "max-tiles", set_uint, MCU_OFFSET (max_tiles), 1, 64 },
  { "mcu", "max-mixed", set_uint, MCU_OFFSET (max_mixed), 0, 64 },
  { "mcu", "keyframe-interval", set_uint, MCU_OFFSET (keyframe_interval_ms), 0,
    60000 },
};

/* "[server], [node], ...": every group of keys[], in order, so the message
 * for an unknown group cannot forget one. */
static gchar *
known_groups (void)
{
  GString *list = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++) {
    if (i > 0 && g_str_equal (keys[i].group, keys[i - 1].group))
      continue;
    g_string_append_printf (list, "%s[%s]", list->len ? ", " : "",
                            keys[i].group);
  }
  return g_string_free (list, FALSE);
}

static const KeySpec *
find_key (const gchar *group, const gchar *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++) {
    if (g_str_equal (keys[i].group, group)
        && (key == NULL || g_str_equal (keys[i].key, key)))
      return &keys[i];
  }
  return NULL;
}

/* Checks and stores one value; @where is "file: [group] key" or "--port",
 * so the error says exactly what to fix. */
static gboolean
apply (HcConfig *config, const KeySpec *spec, const gchar *raw,
       const gchar *where, const gchar *base_dir, GError **error)
{
  g_autofree gchar *value = g_strstrip (g_strdup (raw));
  g_autofree gchar *why = NULL;

  if (*value == '\0') {
    g_set_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_INVALID_VALUE,
                 "%s: empty value", where);
    return FALSE;
  }
  if (!spec->set (config, value, base_dir, spec->offset, spec->min, spec->max,
                  &why)) {
    g_set_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_INVALID_VALUE,
                 "%s: %s", where, why);
    return FALSE;
  }
  return TRUE;
}

static gboolean
apply_file (HcConfig *config, const gchar *path, GError **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *base_dir = NULL;
  g_autofree gchar *absolute = NULL;
  g_auto (GStrv) groups = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error)) {
    g_set_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_FILE, "%s: %s", path,
                 local_error->message);
    return FALSE;
  }
  absolute = g_canonicalize_filename (path, NULL);
  base_dir = g_path_get_dirname (absolute);

  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++) {
    g_auto (GStrv) names = NULL;

    if (find_key (groups[i], NULL) == NULL) {
      g_autofree gchar *known = known_groups ();

      g_set_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_UNKNOWN_GROUP,
                   "%s: [%s]: unknown group (known: %s)", path, groups[i],
                   known);
      return FALSE;
    }
    names = g_key_file_get_keys (file, groups[i], NULL, NULL);
    for (guint j = 0; names != NULL && names[j] != NULL; j++) {
      const KeySpec *spec = find_key (groups[i], names[j]);
      g_autofree gchar *where
          = g_strdup_printf ("%s: [%s] %s", path, groups[i], names[j]);
      g_autofree gchar *value = NULL;

      if (spec == NULL) {
        g_set_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_UNKNOWN_KEY,
                     "%s: unknown key", where);
        return FALSE;
      }
      /* get_value, not get_string: GKeyFile's escapes (\s, \n ...) have
       * no use here and would mangle a JSON value's backslashes. */
      value = g_key_file_get_value (file, groups[i], names[j], NULL);
      if (!apply (config, spec, value, where, base_dir, error))
        return FALSE;
    }
  }
  return TRUE;
}

static gboolean
apply_overrides (HcConfig *config, const HcConfigOverrides *overrides,
                 GError **error)
{
  g_autofree gchar *cwd = g_get_current_dir ();

  if (overrides->listen_address != NULL
      && !apply (config, find_key ("server", "listen"),
                 overrides->listen_address, "--listen", cwd, error))
    return FALSE;
  if (overrides->port != NULL
      && !apply (config, find_key ("server", "port"), overrides->port, "--port",
                 cwd, error))
    return FALSE;
  if (overrides->domain != NULL
      && !apply (config, find_key ("server", "domain"), overrides->domain,
                 "--domain", cwd, error))
    return FALSE;
  return TRUE;
}

/* [tls]: both files or neither, and a pair GIO can serve with.  The
 * certificate is parsed alone first, so that an error names the file at
 * fault. */
static gboolean
load_tls (HcConfig *config, const gchar *path, GError **error)
{
  g_autoptr (GTlsCertificate) alone = NULL;
  g_autoptr (GError) local_error = NULL;

  if (config->tls_certificate_file == NULL && config->tls_key_file == NULL)
    return TRUE;
  if (config->tls_certificate_file == NULL || config->tls_key_file == NULL) {
    g_set_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_INVALID_VALUE,
                 "%s: [tls] %s: set both certificate and key, or neither", path,
                 config->tls_key_file ? "certificate" : "key");
    return FALSE;
  }
  alone = g_tls_certificate_new_from_file (config->tls_certificate_file,
                                           &local_error);
  if (alone == NULL) {
    g_set_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_INVALID_VALUE,
                 "%s: [tls] certificate: %s: %s", path,
                 config->tls_certificate_file, local_error->message);
    return FALSE;
  }
  config->tls_certificate = g_tls_certificate_new_from_files (
      config->tls_certificate_file, config->tls_key_file, &local_error);
  if (config->tls_certificate == NULL) {
    g_set_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_INVALID_VALUE,
                 "%s: [tls] key: %s: %s", path, config->tls_key_file,
                 local_error->message);
    return FALSE;
  }
  return TRUE;
}

/* The pages of the source tree while developing (so edits show without an
 * install), the installed copy otherwise. */
static gboolean
apply_default_www_dir (HcConfig *config, GError **error)
{
  g_autofree gchar *source = g_build_filename (HC_SOURCE_DATADIR, "www", NULL);
  g_autofree gchar *installed = g_build_filename (HC_DATADIR, "www", NULL);
  const gchar *path
      = g_file_test (source, G_FILE_TEST_IS_DIR) ? source : installed;
  g_autofree gchar *why = NULL;

  if (!store_www_dir (config, path, &why)) {
    g_set_error (error, HC_CONFIG_ERROR, HC_CONFIG_ERROR_INVALID_VALUE,
                 "[server] www-dir: the default %s; set www-dir", why);
    return FALSE;
  }
  return TRUE;
}

HcConfig *
hc_config_load_full (const gchar *path, const HcConfigOverrides *overrides,
                     GError **error)
{
  g_autoptr (HcConfig) config = g_new0 (HcConfig, 1);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  config->listen_address = g_strdup (HC_CONFIG_DEFAULT_LISTEN);
  config->port = HC_CONFIG_DEFAULT_PORT;
  config->domain = g_strdup (HC_CONFIG_DEFAULT_DOMAIN);
  config->max_frame_size = HC_CONFIG_DEFAULT_MAX_FRAME_SIZE;
  config->drain_timeout_ms = HC_CONFIG_DEFAULT_DRAIN_TIMEOUT_MS;
  config->ice_servers_json = g_strdup ("[]");
  /* The node's own defaults, so a field it adds later is never left 0
   * (which can mean "unlimited"). */
  hc_node_config_init_defaults (&config->node);
  hc_conference_config_init_defaults (&config->conference);

  if (path != NULL
      && (!apply_file (config, path, error) || !load_tls (config, path, error)))
    return NULL;
  if (overrides != NULL && !apply_overrides (config, overrides, error))
    return NULL;
  if (config->www_dir == NULL && !apply_default_www_dir (config, error))
    return NULL;

  g_free (config->node.domain);
  config->node.domain = g_strdup (config->domain);
  /* Borrowed: hc_conference_new copies it. */
  config->conference.token_secret = config->auth_secret;

  g_debug ("config: listen %s port %u domain %s www %s frame %" G_GSIZE_FORMAT,
           config->listen_address, config->port, config->domain,
           config->www_dir, config->max_frame_size);
  return g_steal_pointer (&config);
}

HcConfig *
hc_config_load (const gchar *path, GError **error)
{
  return hc_config_load_full (path, NULL, error);
}

void
hc_config_free (HcConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->listen_address);
  g_free (config->domain);
  g_free (config->www_dir);
  g_free (config->ice_servers_json);
  g_free (config->node.domain);
  g_free (config->auth_secret);
  g_free (config->admin_secret);
  g_free (config->tls_certificate_file);
  g_free (config->tls_key_file);
  g_clear_object (&config->tls_certificate);
  g_free (config);
}
