/* hyperconf — the data of a join (PROTOCOL.md §9.2), checked and typed.
 * Private to src/conference. */
#pragma once

#include <hyperconf/hc-node.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* [conference] limits on what a participant sends after its join too. */
typedef struct {
  guint max_sdp_size;       /* bytes */
  guint max_sdp_media;      /* m-lines */
  guint max_ice_candidates; /* remote candidates applied */
} HcJoinLimits;

typedef struct {
  gchar *room;         /* roomName (or name), [A-Za-z0-9._-]{1,128} */
  gchar *owner;        /* the client hyperty; equals the invitation's source */
  gchar *offer_sdp;    /* connectionDescription.sdp of type "offer" */
  gchar *username;     /* identity, displayName, or "anonymous" */
  gchar *mode;         /* "sfu" or "mcu" */
  gchar *token;        /* (nullable): options.token */
  GStrv allowed_modes; /* (nullable): the token's `mode` claim; NULL: any */
  gchar *layout;       /* options.layout: "grid", "speaker" or NULL */
  JsonObject *publishing; /* {audio: bool, video: bool} */
  HcJoinLimits limits;    /* the conference's, for the participant */
} HcJoinRequest;

/**
 * hc_join_request_parse:
 * @invitation: (transfer none): the invitation's body ({source, identity})
 * @data: (transfer none): the Connection object's data
 * Returns: (transfer full) (nullable): the request, or %NULL with
 *   HC_PROTOCOL_ERROR 400 (malformed) or 403 (owner is not the source)
 */
HcJoinRequest *hc_join_request_parse (JsonObject *invitation, JsonObject *data,
                                      GError **error);
void hc_join_request_free (HcJoinRequest *request);

/* A name as participants see it (valid UTF-8, at most 64 bytes).
 * Returns: (transfer full) */
gchar *hc_join_shown_name (const gchar *name);

/**
 * hc_join_check_sdp:
 * A client's SDP (the join's offer, a later answer) within @limits: at
 * most max_sdp_size bytes and max_sdp_media m-lines, counted on the text
 * before anything parses it.
 * @limit: (out): which limit it passed, when it returns FALSE
 * Returns: FALSE with HC_PROTOCOL_ERROR 400 naming the limit
 */
gboolean hc_join_check_sdp (const gchar *sdp, const HcJoinLimits *limits,
                            HcLimit *limit, GError **error);

/* Room names and participant ids of §9.2/§9.4. */
gboolean hc_join_room_name_valid (const gchar *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HcJoinRequest, hc_join_request_free)

G_END_DECLS
