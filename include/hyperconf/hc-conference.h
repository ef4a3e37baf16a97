/* hyperconf — the server conference hyperty (PROTOCOL.md §9).
 *
 * An in-process hyperty of the node, registered as
 * user://<domain>/conference.  It turns invitations to clients' Connection
 * objects into room joins, reports one Connection object per participant
 * and one room object (comm://) per room, and turns media events (ICE
 * candidates, connection state, offers) into data-object updates.
 *
 *   client Connection obj ──observe──▶ HcConference ──▶ HcRoom ──▶ HcMediaRoom
 *   server Connection obj ◀──report──┘        │ room object (comm://)
 *
 * All on the node's main context.
 */
#pragma once

#include <hyperconf/hc-node.h>

G_BEGIN_DECLS

/* The mixed stream's video codec ([mcu] video-codec). */
typedef enum {
  HC_MCU_CODEC_VP8,
  HC_MCU_CODEC_H264, /* accepted by the config only if an encoder exists */
} HcMcuCodec;

typedef enum { HC_MCU_LAYOUT_GRID, HC_MCU_LAYOUT_SPEAKER } HcMcuLayout;

/* [mcu]: what every room's mixer makes (data/hyperconf.conf).  Plain
 * values, so that the layers above the conference need no GStreamer
 * header; the conference hands them on as HcMcuSettings. */
typedef struct {
  guint width, height, framerate;
  guint video_bitrate, audio_bitrate; /* bit/s */
  guint max_tiles;
  guint max_mixed;            /* 0: everyone */
  guint keyframe_interval_ms; /* least time between forced keyframes */
  HcMcuLayout layout;         /* a room's first joiner may pick another */
  HcMcuCodec codec;
} HcMcuConfig;

typedef struct {
  guint max_participants;   /* per room: 486 beyond (16) */
  guint max_rooms;          /* per server: 503 beyond (100) */
  guint max_sdp_size;       /* bytes of a client's SDP: 400 beyond (65536) */
  guint max_sdp_media;      /* m-lines of a client's SDP: 400 beyond (256) */
  guint max_ice_candidates; /* remote candidates per participant; later
                             * ones are dropped (64) */
  guint max_cpu_load;       /* percent of all cores the process may use
                             * (over the last few seconds) before new joins
                             * are 503; 0 = no limit (0) */
  /* a participant from whom no packet came for this long is removed
   * (10000); 0: never (hc_media_room_set_media_timeout) */
  guint media_timeout_ms;
  /* subscribers' packets go out through the lean send path
   * (hc_media_room_set_lean_send) (TRUE) */
  gboolean lean_send;
  /* received packets skip webrtcbin's receive queue's thread once the
   * transport is through (hc_media_room_set_lean_receive) (TRUE) */
  gboolean lean_receive;
  /* (nullable): HS256 key of join tokens (options.token); copied by
   * hc_conference_new.  NULL: joins need no token (NULL) */
  const gchar *token_secret;
  HcMcuConfig mcu;
} HcConferenceConfig;

void hc_conference_config_init_defaults (HcConferenceConfig *config);

#define HC_TYPE_CONFERENCE (hc_conference_get_type ())
G_DECLARE_FINAL_TYPE (HcConference, hc_conference, HC, CONFERENCE, GObject)

/**
 * hc_conference_new:
 * Opens the hyperty's session on @node, allocates its address and
 * registers it (§7).
 * @config: (transfer none): copied
 * Returns: (transfer full) (nullable): %NULL with an error when the node
 *   refused the address or the registration
 */
HcConference *hc_conference_new (HcNode *node, const HcConferenceConfig *config,
                                 GError **error);

const gchar *hc_conference_get_url (HcConference *self);
guint hc_conference_get_n_rooms (HcConference *self);
guint hc_conference_get_n_participants (HcConference *self);

/**
 * hc_conference_dump_room_dot:
 * Returns: (transfer full) (nullable): the room's pipeline as a DOT graph,
 *   %NULL when no room has that name
 */
gchar *hc_conference_dump_room_dot (HcConference *self, const gchar *room);

/* A room name of §9.2: 1..128 characters of [A-Za-z0-9._-]. */
gboolean hc_conference_room_name_valid (const gchar *name);
/**
 * hc_conference_get_room_media:
 * @n_elements: (out): elements in the room's pipeline
 *   (hc_media_room_get_n_elements)
 * @has_mixer: (out): whether its MCU mixer runs
 * Returns: FALSE when no room has that name
 */
gboolean hc_conference_get_room_media (HcConference *self, const gchar *room,
                                       guint *n_elements, gboolean *has_mixer);

/* Returns: (transfer full): the names of the live rooms */
GStrv hc_conference_list_rooms (HcConference *self);

/* ---- operator calls (admin API) --------------------------------------- */

/**
 * hc_conference_describe_rooms_async:
 * Every room with its participants and their connection statistics
 * (webrtcbin get-stats, which takes up to about a second for the rates).
 */
void hc_conference_describe_rooms_async (HcConference *self,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
/**
 * hc_conference_describe_rooms_finish:
 * Returns: (transfer full): {"rooms":[{"name","url","participants":[{
 *   "pid","hyperty","username","joined","mode","publishing","speaking",
 *   "stats":{"bitrateIn","bitrateOut","bytesReceived","bytesSent",
 *   "packetsReceived","packetsSent","packetsLostIn","packetsLostOut",
 *   "fractionLostOut","rttMs"} or null}]}]}
 */
JsonNode *hc_conference_describe_rooms_finish (HcConference *self,
                                               GAsyncResult *result,
                                               GError **error);

/* Closes a room: status "closed" in its room object, then everyone
 * leaves as in §9.5.  FALSE when there is no such room. */
gboolean hc_conference_close_room (HcConference *self, const gchar *room);

/* ---- shutdown (SIGTERM) ------------------------------------------------ */

/* From now on every join is answered 503, and every room object's status
 * becomes "closing"; the rooms stay until their participants leave (or
 * hc_conference_close_rooms).  Idempotent. */
void hc_conference_drain (HcConference *self);
gboolean hc_conference_is_draining (HcConference *self);
/* Closes every room (hc_conference_close_room). */
void hc_conference_close_rooms (HcConference *self);

/* Removes one participant as in §9.5.  FALSE when there is no such room
 * or participant. */
gboolean hc_conference_remove_participant (HcConference *self,
                                           const gchar *room, const gchar *pid);

G_END_DECLS
