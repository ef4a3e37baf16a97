/* hyperconf — the server conference hyperty's placeholder presence: a
 * local node session, a registered hyperty:// address, and a 501 for
 * every request until the conference issue brings rooms.
 */
#define G_LOG_DOMAIN "hc-app"

#include <stdarg.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include <hyperconf/hc-syncher.h>
#include <hyperconf/hc-server-hyperty.h>

/* Registry entries expire (§7): re-announce "live" well before that. */
#define REGISTRY_EXPIRES_S 3600
#define REGISTRY_REFRESH_S (REGISTRY_EXPIRES_S / 2)

struct _HcServerHyperty {
  GObject parent_instance;

  HcSyncher *syncher; /* the hyperty's session and address */
  guint refresh_id;
};

G_DEFINE_FINAL_TYPE (HcServerHyperty, hc_server_hyperty, G_TYPE_OBJECT)

static gboolean
on_request (HcSyncher *syncher, HcMessage *request, gpointer user_data)
{
  g_debug ("server hyperty: %s from %s answered 501",
           hc_message_get_kind_name (request), hc_message_get_from (request));
  hc_syncher_respond (syncher, request, 501,
                      "conference rooms are not available yet", NULL);
  return TRUE;
}

static JsonArray *
string_array (const gchar *first, ...)
{
  JsonArray *array = json_array_new ();
  va_list args;

  va_start (args, first);
  for (const gchar *s = first; s != NULL; s = va_arg (args, const gchar *))
    json_array_add_string_element (array, s);
  va_end (args);
  return array;
}

/* The `update` to the registry that keeps the entry alive (§7). */
static gboolean
refresh_registration (gpointer user_data)
{
  HcServerHyperty *self = user_data;
  HcNode *node = hc_syncher_get_node (self->syncher);
  const gchar *url = hc_syncher_get_url (self->syncher);
  g_autoptr (JsonObject) body = json_object_new ();
  g_autofree gchar *registry
      = g_strdup_printf ("domain://registry.%s", hc_node_get_domain (node));
  JsonObject *value = json_object_new ();

  json_object_set_string_member (value, "status", "live");
  json_object_set_string_member (body, "resource", url);
  json_object_set_object_member (body, "value", value);
  hc_syncher_request (self->syncher, HC_MESSAGE_UPDATE, url, registry, body,
                      NULL, NULL);
  return G_SOURCE_CONTINUE;
}

HcServerHyperty *
hc_server_hyperty_new (HcNode *node, GError **error)
{
  g_autoptr (HcServerHyperty) self = NULL;
  const gchar *domain;
  g_autofree gchar *runtime = NULL;
  g_autofree gchar *user = NULL;
  g_autofree gchar *descriptor = NULL;
  g_autoptr (JsonObject) entry = NULL;

  g_return_val_if_fail (HC_IS_NODE (node), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HC_TYPE_SERVER_HYPERTY, NULL);
  domain = hc_node_get_domain (node);
  runtime = g_strdup_printf ("runtime://%s/hyperconf-server", domain);
  user = g_strdup_printf ("user://%s/conference", domain);
  descriptor = g_strdup_printf ("hyperty-catalogue://catalogue.%s/"
                                ".well-known/hyperty/ServerConference",
                                domain);

  self->syncher = hc_syncher_new (node, runtime);
  if (hc_syncher_get_url (self->syncher) == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "the node refused a hyperty address for %s", runtime);
    return NULL;
  }
  g_signal_connect (self->syncher, "request", G_CALLBACK (on_request), self);

  entry = json_object_new ();
  json_object_set_string_member (entry, "user", user);
  json_object_set_string_member (entry, "descriptor", descriptor);
  json_object_set_string_member (entry, "url",
                                 hc_syncher_get_url (self->syncher));
  json_object_set_array_member (entry, "resources",
                                string_array ("audio", "video", NULL));
  json_object_set_array_member (entry, "dataSchemes",
                                string_array ("connection", "comm", NULL));
  json_object_set_string_member (entry, "runtime", runtime);
  json_object_set_string_member (entry, "status", "live");
  json_object_set_int_member (entry, "expires", REGISTRY_EXPIRES_S);
  if (!hc_node_register_hyperty (node, hc_syncher_get_session (self->syncher),
                                 entry, error))
    return NULL;

  self->refresh_id
      = g_timeout_add_seconds (REGISTRY_REFRESH_S, refresh_registration, self);
  g_debug ("server hyperty %s registered for %s",
           hc_syncher_get_url (self->syncher), user);
  return g_steal_pointer (&self);
}

const gchar *
hc_server_hyperty_get_url (HcServerHyperty *self)
{
  g_return_val_if_fail (HC_IS_SERVER_HYPERTY (self), NULL);
  return hc_syncher_get_url (self->syncher);
}

static void
hc_server_hyperty_dispose (GObject *object)
{
  HcServerHyperty *self = HC_SERVER_HYPERTY (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_object (&self->syncher);

  G_OBJECT_CLASS (hc_server_hyperty_parent_class)->dispose (object);
}

static void
hc_server_hyperty_class_init (HcServerHypertyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hc_server_hyperty_dispose;
}

static void
hc_server_hyperty_init (HcServerHyperty *self)
{
}
