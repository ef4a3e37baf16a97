/* hyperconf — the conference as the admin API and /metrics see it
 * (HcAdminProvider of hc-http-server.h; user_data is the HcConference). */
#include "hc-admin-provider.h"

#include <hyperconf/hc-conference.h>

/* What the admin API and /metrics show of the conference. */
static GStrv
admin_list_rooms (gpointer conference)
{
  return hc_conference_list_rooms (conference);
}

static gchar *
admin_room_dot (gpointer conference, const gchar *room)
{
  return hc_conference_dump_room_dot (conference, room);
}

static guint
admin_count_participants (gpointer conference)
{
  return hc_conference_get_n_participants (conference);
}

static void
admin_describe_rooms_async (gpointer conference, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer data)
{
  hc_conference_describe_rooms_async (conference, cancellable, callback, data);
}

static JsonNode *
admin_describe_rooms_finish (gpointer conference, GAsyncResult *result,
                             GError **error)
{
  return hc_conference_describe_rooms_finish (conference, result, error);
}

static gboolean
admin_close_room (gpointer conference, const gchar *room)
{
  return hc_conference_close_room (conference, room);
}

static gboolean
admin_remove_participant (gpointer conference, const gchar *room,
                          const gchar *pid)
{
  return hc_conference_remove_participant (conference, room, pid);
}

static gboolean
admin_room_media (gpointer conference, const gchar *room, guint *n_elements,
                  gboolean *has_mixer)
{
  return hc_conference_get_room_media (conference, room, n_elements, has_mixer);
}

const HcAdminProvider hc_admin_provider = {
  .list_rooms = admin_list_rooms,
  .room_dot = admin_room_dot,
  .count_participants = admin_count_participants,
  .describe_rooms_async = admin_describe_rooms_async,
  .describe_rooms_finish = admin_describe_rooms_finish,
  .close_room = admin_close_room,
  .remove_participant = admin_remove_participant,
  .room_media = admin_room_media,
};
