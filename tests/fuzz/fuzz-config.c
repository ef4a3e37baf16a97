/* hyperconf — libFuzzer target: the configuration file (src/app/hc-config.c).
 *
 * Each input is written as a key file into a private directory and loaded
 * with hc_config_load(), the daemon's own path from GKeyFile text to the
 * validated struct.  Checked, aborting when a promise breaks:
 *  - a refusal is an HC_CONFIG_ERROR with a message that names something;
 *  - an accepted configuration holds only values the file documents:
 *    a port (0 picks one), a lower-case domain that the node shares, an
 *    absolute www-dir, a frame size within its bounds, [webrtc]
 *    ice-servers as a JSON array, secrets of at least 16 characters, and
 *    [tls] both files or neither, with a certificate loaded.
 * Criticals and warnings abort (hc-fuzz.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <hyperconf/hc-config.h>

#include "hc-fuzz.h"

static gchar *config_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autofree gchar *dir = g_dir_make_tmp ("hc-fuzz-config-XXXXXX", NULL);

  CHECK (dir != NULL);
  hc_fuzz_abort_on_log (HC_FUZZ_WARNINGS);
  /* [mcu] video-codec=h264 looks the encoders up in the registry: no
   * plugin scan, so it is refused quickly and the same every time. */
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  /* Relative www-dir and [tls] paths resolve next to the file: a www/
   * there gives the accepted configurations somewhere to point. */
  config_path = g_build_filename (dir, "hyperconf.conf", NULL);
  {
    g_autofree gchar *www = g_build_filename (dir, "www", NULL);

    CHECK (g_mkdir (www, 0700) == 0);
  }
  return 0;
}

static gboolean
is_json_array (const gchar *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();

  return json_parser_load_from_data (parser, text, -1, NULL)
         && JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser));
}

static void
check_config (const HcConfig *config)
{
  g_autofree gchar *lower = g_ascii_strdown (config->domain, -1);

  CHECK (config->listen_address && config->listen_address[0]);
  CHECK (config->domain[0] != '\0' && strcmp (lower, config->domain) == 0);
  CHECK (g_strcmp0 (config->node.domain, config->domain) == 0);
  CHECK (config->www_dir && g_path_is_absolute (config->www_dir));
  CHECK (config->max_frame_size >= 1024
         && config->max_frame_size <= 16 * 1024 * 1024);
  CHECK (is_json_array (config->ice_servers_json));
  CHECK (config->auth_secret == NULL || strlen (config->auth_secret) >= 16);
  CHECK (config->admin_secret == NULL || strlen (config->admin_secret) >= 16);
  CHECK (config->conference.token_secret == config->auth_secret);
  CHECK ((config->tls_certificate_file == NULL)
         == (config->tls_key_file == NULL));
  CHECK ((config->tls_certificate == NULL)
         == (config->tls_certificate_file == NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HcConfig) config = NULL;

  /* written in place, no fsync: thousands of runs a second */
  CHECK (g_file_set_contents_full (config_path, (const gchar *)data,
                                   (gssize)size, G_FILE_SET_CONTENTS_NONE, 0600,
                                   NULL));
  config = hc_config_load (config_path, &error);
  if (config == NULL) {
    CHECK (error != NULL && error->domain == HC_CONFIG_ERROR);
    CHECK (error->message != NULL && error->message[0] != '\0');
    return 0;
  }
  CHECK (error == NULL);
  check_config (config);
  return 0;
}
