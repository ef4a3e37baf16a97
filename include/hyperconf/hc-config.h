/* hyperconf — the daemon's configuration: one GKeyFile, validated once.
 *
 * hc_config_load_full() reads data/hyperconf.conf's format (every key is
 * documented in that file), applies the command-line overrides, checks
 * every value and returns a plain struct that nobody changes afterwards.
 * Any bad value, unknown group or unknown key is an HC_CONFIG_ERROR whose
 * message names the key, so a typo never silently falls back to a default.
 */
#pragma once

#include <gio/gio.h>
#include <hyperconf/hc-conference.h>
#include <hyperconf/hc-node.h>

G_BEGIN_DECLS

#define HC_CONFIG_ERROR (hc_config_error_quark ())

typedef enum {
  HC_CONFIG_ERROR_FILE,          /* unreadable file or key-file syntax */
  HC_CONFIG_ERROR_UNKNOWN_GROUP, /* a [group] the server does not know */
  HC_CONFIG_ERROR_UNKNOWN_KEY,   /* a key the server does not know */
  HC_CONFIG_ERROR_INVALID_VALUE, /* a known key with a bad value */
} HcConfigError;

GQuark hc_config_error_quark (void);

/* Defaults, also written in data/hyperconf.conf. */
#define HC_CONFIG_DEFAULT_LISTEN           "127.0.0.1"
#define HC_CONFIG_DEFAULT_PORT             8080
#define HC_CONFIG_DEFAULT_DOMAIN           "localhost"
#define HC_CONFIG_DEFAULT_MAX_FRAME_SIZE   65536
#define HC_CONFIG_DEFAULT_DRAIN_TIMEOUT_MS 30000

/**
 * HcConfig:
 * @listen_address: an IP literal to bind ("127.0.0.1", "::", ...)
 * @port: TCP port; 0 picks a free one
 * @domain: the reTHINK domain (`runtime://<domain>/...`)
 * @www_dir: absolute, symlink-free path of the static files' root
 * @max_frame_size: largest WebSocket text message accepted, in bytes
 * @drain_timeout_ms: after SIGTERM, how long the rooms may take to empty
 *   before their participants are removed (0: at once)
 * @ice_servers_json: compact JSON text of an RTCIceServer array ("[]")
 * @node: the message node's settings; @node.domain equals @domain
 * @conference: the conference's settings; @conference.token_secret is
 *   @auth_secret (borrowed)
 * @auth_secret: (nullable): [auth] secret, the HS256 key of join tokens;
 *   %NULL: joins need no token
 * @admin_secret: (nullable): [admin] secret, the admin API's bearer
 *   token; %NULL: the admin API is off
 * @tls_certificate_file: (nullable): [tls] certificate, absolute path
 * @tls_key_file: (nullable): [tls] key, absolute path
 * @tls_certificate: (nullable): the pair, loaded and checked; %NULL
 *   serves plain http:// and ws://
 *
 * Immutable once returned by hc_config_load_full(): share it as
 * `const HcConfig *`.
 */
typedef struct {
  gchar *listen_address;
  guint16 port;
  gchar *domain;
  gchar *www_dir;
  gsize max_frame_size;
  guint drain_timeout_ms;
  gchar *ice_servers_json;
  HcNodeConfig node;
  HcConferenceConfig conference;
  gchar *auth_secret;
  gchar *admin_secret;
  gchar *tls_certificate_file;
  gchar *tls_key_file;
  GTlsCertificate *tls_certificate;
} HcConfig;

/**
 * HcConfigOverrides:
 * @listen_address: (nullable): `--listen`, or %NULL to keep the file's
 * @port: (nullable): `--port` as typed, or %NULL
 * @domain: (nullable): `--domain`, or %NULL
 *
 * Command-line values.  They are strings so that they pass through the
 * same checks as the file's values; errors name the option (`--port`).
 */
typedef struct {
  const gchar *listen_address;
  const gchar *port;
  const gchar *domain;
} HcConfigOverrides;

/**
 * hc_config_load_full:
 * @path: (nullable): a key file; %NULL means defaults only
 * @overrides: (nullable) (transfer none): command-line values that win
 *   over the file
 * @error: an HC_CONFIG_ERROR naming the offending key
 * Returns: (transfer full) (nullable): the validated configuration, free
 *   with hc_config_free()
 */
HcConfig *hc_config_load_full (const gchar *path,
                               const HcConfigOverrides *overrides,
                               GError **error);

/**
 * hc_config_load:
 * @path: (nullable): a key file; %NULL means defaults only
 * Same as hc_config_load_full() without overrides.
 * Returns: (transfer full) (nullable)
 */
HcConfig *hc_config_load (const gchar *path, GError **error);

/**
 * hc_config_free:
 * @config: (transfer full) (nullable)
 */
void hc_config_free (HcConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcConfig, hc_config_free)

G_END_DECLS
