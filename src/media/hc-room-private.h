/* hyperconf — HcMediaRoom's insides, shared by hc-media-room.c (room,
 * participants, tracks, signals) and hc-room-negotiate.c (join, ICE
 * candidates, server offers and client answers).  Private to src/media;
 * main context only.
 */
#pragma once

#include <hyperconf/hc-media-room.h>

#include "hc-branch.h"
#include "hc-peer.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (hc_room_debug);

typedef struct _Participant Participant;

typedef struct {
  gchar *id;         /* the publisher's track id, from its msid, or label */
  gchar *label;      /* <kind><n>: element names */
  const gchar *kind; /* "audio" / "video" */
  Participant *publisher;
  HcTrackHead *head;
  GstCaps *codec_caps; /* as offered to subscribers (no ssrc) */
  guint32 ssrc;        /* the publisher's */
} Track;

typedef struct {
  Track *track;
  HcBranch *branch;
} Subscription;

typedef struct {
  gchar *mid;
  gint mline_index;
  gchar *candidate;
} PendingCandidate;

typedef enum {
  NEGOTIATION_IDLE,
  NEGOTIATION_CREATING, /* server offer being created and set */
  NEGOTIATION_AWAITING, /* offer out, waiting for the client's answer */
  NEGOTIATION_APPLYING, /* client's answer being set */
} Negotiation;

struct _Participant {
  HcMediaRoom *room;
  gchar *pid;
  HcPeer *peer;
  GstSDPMessage *offer; /* the join offer: track ids */
  gboolean remote_set;  /* the join offer is the remote description */
  gboolean answered;    /* the join answer is the local description */
  gboolean connected;
  gboolean needs_offer;     /* what it should receive changed */
  gboolean offer_signalled; /* "offer-needed" sent, no offer made yet */
  Negotiation negotiation;
  GPtrArray *tracks;           /* Track, published */
  GPtrArray *subscriptions;    /* Subscription, received */
  GPtrArray *candidates;       /* PendingCandidate, before remote_set */
  gboolean joined;             /* the join answer was handed out */
  GPtrArray *local_candidates; /* PendingCandidate, until joined */
  guint n_tracks;
};

struct _HcMediaRoom {
  GObject parent_instance;

  gchar *name;
  GstPipeline *pipeline;
  GMainContext *context;
  GSource *bus_source;
  GSource *offer_check;     /* pending "offer-needed" scan */
  GHashTable *participants; /* pid -> Participant */
};

Participant *hc_room_lookup (HcMediaRoom *self, const gchar *pid);
/* The participant an async call started for, if it is still the same. */
Participant *hc_room_lookup_peer (HcMediaRoom *self, const gchar *pid,
                                  HcPeer *peer);
/* Adds a participant and its webrtcbin (takes @offer). */
Participant *hc_room_participant_add (HcMediaRoom *self, const gchar *pid,
                                      GstSDPMessage *offer);
/* Undoes everything @p brought into the pipeline, and frees @p. */
void hc_room_participant_remove (HcMediaRoom *self, Participant *p);
/* Subscribes @p to every track the others publish. */
void hc_room_subscribe_to_all (HcMediaRoom *self, Participant *p);
/* The join answer is out: "ice-candidate" for what was gathered before
 * (held back so that no candidate reaches the client before the answer),
 * and from now on at once. */
void hc_room_release_local_candidates (HcMediaRoom *self, const gchar *pid,
                                       HcPeer *peer);
/* "offer-needed" goes out from an idle callback of the room's context. */
void hc_room_schedule_offer_check (HcMediaRoom *self);

G_END_DECLS
