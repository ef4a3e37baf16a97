/* hyperconf — the server conference hyperty (PROTOCOL.md §9).
 *
 *   invitation (create from <client obj>/subscription)
 *     ─▶ observe the client's object (subscribe, snapshot)
 *     ─▶ check it (hc-join-request.c: 400/403), 409, 503, 486
 *     ─▶ HcRoom join (media answer) ─▶ answer the invitation 200, or the
 *        error code and unsubscribe again
 *   leave (§9.5): the client's object deleted (by the client or at its
 *     session's end), or the client unsubscribed from ours
 */
#define G_LOG_DOMAIN "hc-conference"

#include <hyperconf/hc-conference.h>
#include <hyperconf/hc-address.h>
#include <hyperconf/hc-error.h>
#include <hyperconf/hc-syncher.h>
#include <hyperconf/hc-token.h>

#include "hc-conference-private.h"
#include "hc-cpu-load.h"
#include "hc-room.h"

#include <stdarg.h>

/* Registry entries expire (§7): re-announce "live" well before that. */
#define REGISTRY_EXPIRES_S 3600
#define REGISTRY_REFRESH_S (REGISTRY_EXPIRES_S / 2)
/* [conference] max-cpu-load looks at the last few seconds: long enough
 * that one slow join does not refuse the next, short enough to recover. */
#define CPU_LOAD_WINDOW_S 5

struct _HcConference {
  GObject parent_instance;

  HcConferenceConfig config;
  gchar *token_secret; /* (nullable): joins need a token when set */
  HcSyncher *syncher;
  GHashTable *rooms;   /* name -> HcRoom */
  GHashTable *joining; /* client object url -> Invitation (until answered) */
  guint refresh_id;
  HcCpuLoad *cpu_load; /* (nullable): only with a max-cpu-load */
  gboolean draining;   /* joins 503, rooms "closing" (hc_conference_drain) */
};

G_DEFINE_FINAL_TYPE (HcConference, hc_conference, G_TYPE_OBJECT)

typedef struct {
  HcConference *self;
  HcMessage *request;
  gchar *url; /* the client's Connection object */
} Invitation;

void
hc_conference_config_init_defaults (HcConferenceConfig *config)
{
  config->max_participants = 16;
  config->max_rooms = 100;
  config->max_sdp_size = 65536;
  config->max_sdp_media = 256;
  config->max_ice_candidates = 64;
  config->max_cpu_load = 0;
  config->media_timeout_ms = 10000;
  config->lean_send = TRUE;
  config->lean_receive = TRUE;
  config->token_secret = NULL;
  /* Low-bandwidth defaults, also in data/hyperconf.conf and the
   * pipelines/ files. */
  config->mcu = (HcMcuConfig){ .width = 640,
                               .height = 360,
                               .framerate = 15,
                               .video_bitrate = 300000,
                               .audio_bitrate = 32000,
                               .max_tiles = 9,
                               .max_mixed = 3,
                               .keyframe_interval_ms = 500,
                               .layout = HC_MCU_LAYOUT_GRID,
                               .codec = HC_MCU_CODEC_VP8 };
}

static void
invitation_free (gpointer data)
{
  Invitation *invitation = data;

  hc_message_unref (invitation->request);
  g_free (invitation->url);
  g_free (invitation);
}

static void
hc_conference_dispose (GObject *object)
{
  HcConference *self = HC_CONFERENCE (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_pointer (&self->cpu_load, hc_cpu_load_free);
  if (self->rooms)
    g_hash_table_remove_all (self->rooms);
  if (self->syncher)
    g_signal_handlers_disconnect_by_data (self->syncher, self);
  g_clear_object (&self->syncher);
  G_OBJECT_CLASS (hc_conference_parent_class)->dispose (object);
}

static void
hc_conference_finalize (GObject *object)
{
  HcConference *self = HC_CONFERENCE (object);

  g_hash_table_unref (self->rooms);
  g_hash_table_unref (self->joining);
  g_free (self->token_secret);
  G_OBJECT_CLASS (hc_conference_parent_class)->finalize (object);
}

static void
hc_conference_class_init (HcConferenceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hc_conference_dispose;
  G_OBJECT_CLASS (klass)->finalize = hc_conference_finalize;
}

static void
room_dispose_media (gpointer data)
{
  HcRoom *room = data;

  g_signal_handlers_disconnect_matched (room, G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                                        NULL, NULL);
  g_object_run_dispose (G_OBJECT (room));
  g_object_unref (room);
}

static void
hc_conference_init (HcConference *self)
{
  self->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       room_dispose_media);
  self->joining
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, invitation_free);
}

/* ---- rooms and participants ------------------------------------------- */

static gboolean
drop_room (gpointer room)
{
  return G_SOURCE_REMOVE; /* the destroy notify frees it */
}

static void
room_empty (HcRoom *room, gpointer user_data)
{
  HcConference *self = user_data;
  g_autofree gchar *name = NULL;

  /* Drop it from an idle: the room is still on the stack.  The table owns
   * its key, which a steal hands back. */
  g_hash_table_steal_extended (self->rooms, hc_room_get_name (room),
                               (gpointer *)&name, NULL);
  g_idle_add_full (G_PRIORITY_DEFAULT, drop_room, room, room_dispose_media);
}

/* The participant whose client object is at @client_url or whose server
 * object is @server_object; NULL when none. */
static HcParticipant *
find_participant (HcConference *self, const gchar *client_url,
                  HcSyncObject *server_object, HcRoom **room_out)
{
  GHashTableIter iter;
  gpointer room;

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &room)) {
    HcParticipant *found = hc_room_find (room, client_url, server_object);

    if (found) {
      *room_out = room;
      return found;
    }
  }
  return NULL;
}

/* §9.5: the client deleted its Connection object, or its session ended. */
static void
on_object_deleted (HcSyncher *syncher, HcSyncObject *object, gpointer user_data)
{
  HcConference *self = user_data;
  const gchar *url = hc_sync_object_get_url (object);
  HcRoom *room = NULL;
  HcParticipant *participant = find_participant (self, url, NULL, &room);

  if (participant)
    hc_room_leave (room, participant);
}

/* §9.5: the client unsubscribed from our Connection object. */
static void
on_observer_removed (HcSyncher *syncher, HcSyncObject *object,
                     const gchar *subscriber, gpointer user_data)
{
  HcConference *self = user_data;
  HcRoom *room = NULL;
  HcParticipant *participant = find_participant (self, NULL, object, &room);

  if (participant
      && g_strcmp0 (subscriber, hc_participant_get_hyperty (participant)) == 0)
    hc_room_leave (room, participant);
}

/* ---- invitations (§9.2) ------------------------------------------------ */

static void refuse (HcConference *self, Invitation *invitation, gint code,
                    const gchar *format, ...) G_GNUC_PRINTF (4, 5);

/* Answers the invitation with an error and unsubscribes again. */
static void
refuse (HcConference *self, Invitation *invitation, gint code,
        const gchar *format, ...)
{
  g_autofree gchar *desc = NULL;
  va_list args;

  va_start (args, format);
  desc = g_strdup_vprintf (format, args);
  va_end (args);
  g_info ("join from %s refused: %d %s",
          hc_message_get_from (invitation->request), code, desc);
  hc_syncher_respond (self->syncher, invitation->request, code, desc, NULL);
  hc_syncher_unobserve (self->syncher, invitation->url);
  g_hash_table_remove (self->joining, invitation->url);
}

static void
joined (HcRoom *room, HcParticipant *participant, gint code, const gchar *desc,
        gpointer user_data)
{
  Invitation *invitation = user_data;
  HcConference *self = invitation->self;

  if (participant == NULL) {
    refuse (self, invitation, code, "%s", desc);
    return;
  }
  hc_syncher_respond (self->syncher, invitation->request, 200, NULL, NULL);
  g_hash_table_remove (self->joining, invitation->url);
}

static guint
count_participants (HcConference *self)
{
  GHashTableIter iter;
  gpointer room;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &room))
    n += hc_room_get_n_participants (room);
  return n;
}

/* §9.2: with a token secret, options.token must be valid (else 401) and
 * grant this room and mode (else 403); its `sub` names the participant. */
static gboolean
admit_by_token (HcConference *self, HcJoinRequest *request, GError **error)
{
  g_autoptr (HcTokenClaims) claims
      = hc_token_verify (request->token, self->token_secret,
                         g_get_real_time () / G_USEC_PER_SEC, error);

  if (claims == NULL
      || !hc_token_allows (claims, request->room, request->mode, error))
    return FALSE;
  g_free (request->username);
  request->username = hc_join_shown_name (claims->sub);
  /* A later switch of options.mode stays within the token's modes. */
  request->allowed_modes = g_strdupv (claims->modes);
  return TRUE;
}

static void refuse_by_limit (HcConference *self, Invitation *invitation,
                             HcLimit limit, gint code, const gchar *format, ...)
    G_GNUC_PRINTF (5, 6);

/* refuse(), counted in /metrics under @limit. */
static void
refuse_by_limit (HcConference *self, Invitation *invitation, HcLimit limit,
                 gint code, const gchar *format, ...)
{
  g_autofree gchar *desc = NULL;
  va_list args;

  va_start (args, format);
  desc = g_strdup_vprintf (format, args);
  va_end (args);
  hc_node_count_limit (hc_syncher_get_node (self->syncher), limit);
  refuse (self, invitation, code, "%s", desc);
}

/* [conference] max-cpu-load: 503 for new joins while the process is
 * busier than that; the people already in calls keep their share. */
static gboolean
cpu_overloaded (HcConference *self, gdouble *percent)
{
  if (self->cpu_load == NULL)
    return FALSE;
  *percent = hc_cpu_load_get_percent (self->cpu_load);
  return *percent > self->config.max_cpu_load;
}

static void
observed (HcSyncher *syncher, HcSyncObject *object, gint code,
          gpointer user_data)
{
  Invitation *invitation = user_data;
  HcConference *self = invitation->self;
  g_autoptr (HcJoinRequest) request = NULL;
  g_autoptr (GError) error = NULL;
  HcRoom *room;
  HcLimit limit;
  gdouble load;

  if (object == NULL) {
    /* Nothing to unsubscribe from: the syncher dropped it. */
    hc_syncher_respond (self->syncher, invitation->request, 400,
                        "the Connection object could not be read", NULL);
    g_hash_table_remove (self->joining, invitation->url);
    return;
  }

  request = hc_join_request_parse (hc_message_get_body (invitation->request),
                                   hc_sync_object_get_data (object), &error);
  if (request == NULL) {
    refuse (self, invitation, error->code, "%s", error->message);
    return;
  }
  request->limits = (HcJoinLimits){
    .max_sdp_size = self->config.max_sdp_size,
    .max_sdp_media = self->config.max_sdp_media,
    .max_ice_candidates = self->config.max_ice_candidates,
  };
  if (!hc_join_check_sdp (request->offer_sdp, &request->limits, &limit,
                          &error)) {
    refuse_by_limit (self, invitation, limit, error->code, "%s",
                     error->message);
    return;
  }
  /* §9.2: the owner must be owned by the inviting session. */
  if (hc_node_lookup_owner (hc_syncher_get_node (self->syncher), request->owner)
      != hc_node_lookup_owner (hc_syncher_get_node (self->syncher),
                               hc_message_get_from (invitation->request))) {
    refuse (self, invitation, 403,
            "owner %s is not an address of the inviting session",
            request->owner);
    return;
  }

  if (self->token_secret && !admit_by_token (self, request, &error)) {
    refuse (self, invitation, error->code, "%s", error->message);
    return;
  }

  if (self->draining) {
    refuse (self, invitation, 503, "the server is shutting down");
    return;
  }
  room = g_hash_table_lookup (self->rooms, request->room);
  if (room && hc_room_find_by_hyperty (room, request->owner)) {
    refuse (self, invitation, 409, "%s is already in room %s", request->owner,
            request->room);
    return;
  }
  if (room == NULL
      && g_hash_table_size (self->rooms) >= self->config.max_rooms) {
    refuse_by_limit (self, invitation, HC_LIMIT_ROOMS, 503,
                     "the server holds its maximum of %u rooms",
                     self->config.max_rooms);
    return;
  }
  if (room
      && hc_room_get_n_participants (room) >= self->config.max_participants) {
    refuse_by_limit (self, invitation, HC_LIMIT_PARTICIPANTS, 486,
                     "room %s is full (%u participants)", request->room,
                     self->config.max_participants);
    return;
  }
  if (cpu_overloaded (self, &load)) {
    refuse_by_limit (self, invitation, HC_LIMIT_CPU, 503,
                     "the server is busy (CPU %.0f%%, at most %u%%)", load,
                     self->config.max_cpu_load);
    return;
  }
  if (room == NULL) {
    room = hc_room_new (self->syncher, request->room, &self->config.mcu,
                        request->layout);
    if (room == NULL) {
      refuse (self, invitation, 503, "no address for the room object");
      return;
    }
    hc_media_room_set_media_timeout (hc_room_get_media (room),
                                     self->config.media_timeout_ms);
    hc_media_room_set_lean_send (hc_room_get_media (room),
                                 self->config.lean_send);
    hc_media_room_set_lean_receive (hc_room_get_media (room),
                                    self->config.lean_receive);
    g_signal_connect (room, "empty", G_CALLBACK (room_empty), self);
    g_hash_table_insert (self->rooms, g_strdup (request->room), room);
  }
  hc_room_join (room, object, request, joined, invitation);
}

static gboolean
on_request (HcSyncher *syncher, HcMessage *request, gpointer user_data)
{
  HcConference *self = user_data;
  g_autofree gchar *url = NULL;
  Invitation *invitation;

  if (hc_message_get_kind (request) == HC_MESSAGE_CREATE)
    url = hc_address_strip_suffix (hc_message_get_from (request),
                                   "/subscription");
  if (url == NULL) {
    hc_syncher_respond (syncher, request, 400,
                        "the conference hyperty takes invitations (create "
                        "from <object>/subscription)",
                        NULL);
    return TRUE;
  }
  if (g_hash_table_contains (self->joining, url)
      || hc_syncher_lookup_observed (syncher, url)) {
    hc_syncher_respond (syncher, request, 409,
                        "this Connection object already joined", NULL);
    return TRUE;
  }

  invitation = g_new0 (Invitation, 1);
  invitation->self = self;
  invitation->request = hc_message_ref (request);
  invitation->url = g_strdup (url);
  g_hash_table_insert (self->joining, invitation->url, invitation);
  /* §9.2: subscribe first, check the data, then answer. */
  hc_syncher_observe (syncher, url, observed, invitation);
  return TRUE;
}

/* ---- registration (§7) ------------------------------------------------ */

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

/* The `update` to the registry that keeps the entry alive. */
static gboolean
refresh_registration (gpointer user_data)
{
  HcConference *self = user_data;
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

HcConference *
hc_conference_new (HcNode *node, const HcConferenceConfig *config,
                   GError **error)
{
  g_autoptr (HcConference) self = NULL;
  const gchar *domain = hc_node_get_domain (node);
  g_autofree gchar *runtime
      = g_strdup_printf ("runtime://%s/hyperconf-server", domain);
  g_autofree gchar *user = g_strdup_printf ("user://%s/conference", domain);
  g_autofree gchar *descriptor
      = g_strdup_printf ("hyperty-catalogue://catalogue.%s/"
                         ".well-known/hyperty/ServerConference",
                         domain);
  g_autoptr (JsonObject) entry = json_object_new ();

  self = g_object_new (HC_TYPE_CONFERENCE, NULL);
  self->config = *config;
  self->token_secret = g_strdup (config->token_secret);
  self->config.token_secret = NULL; /* ours is self->token_secret */
  if (config->max_cpu_load > 0)
    self->cpu_load = hc_cpu_load_new (CPU_LOAD_WINDOW_S);
  self->syncher = hc_syncher_new (node, runtime);
  if (hc_syncher_get_url (self->syncher) == NULL) {
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_UNAVAILABLE,
                 "the node refused a hyperty address for %s", runtime);
    return NULL;
  }
  g_signal_connect (self->syncher, "request", G_CALLBACK (on_request), self);
  g_signal_connect (self->syncher, "object-deleted",
                    G_CALLBACK (on_object_deleted), self);
  g_signal_connect (self->syncher, "observer-removed",
                    G_CALLBACK (on_observer_removed), self);

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
  g_info ("conference hyperty %s registered for %s",
          hc_syncher_get_url (self->syncher), user);
  return g_steal_pointer (&self);
}

const gchar *
hc_conference_get_url (HcConference *self)
{
  return hc_syncher_get_url (self->syncher);
}

guint
hc_conference_get_n_rooms (HcConference *self)
{
  return g_hash_table_size (self->rooms);
}

guint
hc_conference_get_n_participants (HcConference *self)
{
  return count_participants (self);
}

void
hc_conference_drain (HcConference *self)
{
  GHashTableIter iter;
  gpointer room;

  g_return_if_fail (HC_IS_CONFERENCE (self));
  if (self->draining)
    return;
  self->draining = TRUE;
  g_message ("draining: new joins are refused (503), %u room(s) closing",
             g_hash_table_size (self->rooms));
  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &room))
    hc_room_set_status (room, "closing");
}

gboolean
hc_conference_is_draining (HcConference *self)
{
  g_return_val_if_fail (HC_IS_CONFERENCE (self), FALSE);
  return self->draining;
}

void
hc_conference_close_rooms (HcConference *self)
{
  g_autoptr (GPtrArray) rooms = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer room;

  g_return_if_fail (HC_IS_CONFERENCE (self));
  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &room))
    g_ptr_array_add (rooms, g_object_ref (room));
  /* a room that empties leaves the table: not while iterating it */
  for (guint i = 0; i < rooms->len; i++)
    hc_room_close (rooms->pdata[i]);
}

gchar *
hc_conference_dump_room_dot (HcConference *self, const gchar *name)
{
  HcRoom *room = g_hash_table_lookup (self->rooms, name);

  return room ? hc_media_room_dump_dot (hc_room_get_media (room)) : NULL;
}

gboolean
hc_conference_get_room_media (HcConference *self, const gchar *name,
                              guint *n_elements, gboolean *has_mixer)
{
  HcRoom *room = g_hash_table_lookup (self->rooms, name);

  if (room == NULL)
    return FALSE;
  *n_elements = hc_media_room_get_n_elements (hc_room_get_media (room));
  *has_mixer = hc_media_room_has_mixer (hc_room_get_media (room));
  return TRUE;
}

GStrv
hc_conference_list_rooms (HcConference *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer name;

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_strv_builder_add (builder, name);
  return g_strv_builder_end (builder);
}

gboolean
hc_conference_room_name_valid (const gchar *name)
{
  return hc_join_room_name_valid (name);
}

HcRoom *
hc_conference_lookup_room (HcConference *self, const gchar *name)
{
  return g_hash_table_lookup (self->rooms, name);
}
