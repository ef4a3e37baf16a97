/* hyperconf — the conference layer end to end inside one process:
 * three clients, each an in-process hyperty (HcSyncher) speaking
 * PROTOCOL.md §8–9 and a webrtcbin sending live VP8 and Opus, join one
 * room through the server conference hyperty; each must receive RTP from
 * both others, mapped to them through a=msid and the room object.  Then
 * one leaves (§9.5) and the others see it gone while media between them
 * keeps flowing; bad joins get their error codes. */
#include <hyperconf/hc-conference.h>
#include <hyperconf/hc-forwarder.h>
#include <hyperconf/hc-syncher.h>
#include <hyperconf/hc-json-spec.h>
#include <hyperconf/hc-token.h>

#include "../src/media/hc-peer.h"

#include <string.h>

#define N_CLIENTS  3
#define TIMEOUT_MS 20000

typedef struct {
  gint index;
  gchar *name;
  HcSyncher *syncher;
  GstElement *pipeline;
  HcPeer *peer;
  HcSyncObject *own;    /* our Connection object */
  gchar *server_object; /* the server's Connection object for us */
  gchar *room_object;   /* the room object */
  gchar *pid;
  gchar *offer;        /* the join offer, kept to try joining again */
  gchar *token;        /* (nullable): options.token of the next join */
  const gchar *mode;   /* options.mode of the join (NULL: "sfu") */
  const gchar *layout; /* options.layout of the join, or NULL */
  gint join_code;
  GHashTable *buffers_by_mid; /* mid -> guint count (atomic via lock) */
  GMutex lock;
  guint applied_candidates;
  guint answers_sent;
} Client;

typedef struct {
  HcNode *node;
  HcConference *conference;
  Client clients[N_CLIENTS];
} Fixture;

/* ---- helpers ------------------------------------------------------------ */

static gboolean
timeout_reached (gpointer flag)
{
  *(gboolean *)flag = TRUE;
  return G_SOURCE_REMOVE;
}

#define RUN_UNTIL(cond)                                                        \
  G_STMT_START                                                                 \
  {                                                                            \
    gboolean expired_ = FALSE;                                                 \
    guint id_ = g_timeout_add (TIMEOUT_MS, timeout_reached, &expired_);        \
    while (!(cond) && !expired_)                                               \
      g_main_context_iteration (NULL, TRUE);                                   \
    if (!expired_)                                                             \
      g_source_remove (id_);                                                   \
    if (!(cond))                                                               \
      g_error ("timed out waiting for: %s", #cond);                            \
  }                                                                            \
  G_STMT_END

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static gchar *
sdp_text (GstWebRTCSessionDescription *desc)
{
  return gst_sdp_message_as_text (desc->sdp);
}

/* ---- a client's media ------------------------------------------------- */

static GstPadProbeReturn
count_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Client *c = user_data;
  g_autofree gchar *mid
      = g_object_get_data (G_OBJECT (pad), "mid")
            ? g_strdup (g_object_get_data (G_OBJECT (pad), "mid"))
            : NULL;

  if (mid == NULL)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&c->lock);
  g_hash_table_insert (
      c->buffers_by_mid, g_strdup (mid),
      GUINT_TO_POINTER (
          GPOINTER_TO_UINT (g_hash_table_lookup (c->buffers_by_mid, mid)) + 1));
  g_mutex_unlock (&c->lock);
  return GST_PAD_PROBE_OK;
}

static void
on_rtp_src_pad (HcPeer *peer, GstPad *pad, GstCaps *caps, guint ssrc,
                gpointer user_data)
{
  Client *c = user_data;
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (sink, "sink");
  g_autoptr (GstWebRTCRTPTransceiver) transceiver = NULL;
  g_autofree gchar *mid = NULL;

  g_object_get (pad, "transceiver", &transceiver, NULL);
  g_object_get (transceiver, "mid", &mid, NULL);
  g_object_set_data_full (G_OBJECT (pad), "mid", g_strdup (mid), g_free);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (c->pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  g_assert_cmpint (gst_pad_link (pad, sinkpad), ==, GST_PAD_LINK_OK);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, c, NULL);
}

static void
client_media_start (Client *c)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *description = g_strdup_printf (
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,"
      "height=240,framerate=15/1 ! vp8enc deadline=1 keyframe-max-dist=15 ! "
      "rtpvp8pay pt=96 ! application/x-rtp,media=video,encoding-name=VP8,"
      "payload=96,clock-rate=90000 ! queue name=vq "
      "audiotestsrc is-live=true wave=sine freq=%d ! opusenc ! "
      "rtpopuspay pt=111 ! application/x-rtp,media=audio,encoding-name=OPUS,"
      "payload=111,clock-rate=48000 ! queue name=aq",
      300 + 100 * c->index);
  g_autoptr (GstElement) bin = NULL;
  GstElement *webrtc;
  GPtrArray *transceivers;

  c->pipeline = gst_pipeline_new (c->name);
  bin = gst_parse_bin_from_description (description, FALSE, &error);
  g_assert_no_error (error);
  gst_bin_add (GST_BIN (c->pipeline), g_object_ref (bin));
  c->peer = hc_peer_new ("webrtc");
  webrtc = hc_peer_get_webrtcbin (c->peer);
  gst_bin_add (GST_BIN (c->pipeline), webrtc);
  g_assert_true (gst_element_link_pads (
      gst_bin_get_by_name (GST_BIN (bin), "vq"), "src", webrtc, "sink_%u"));
  g_assert_true (gst_element_link_pads (
      gst_bin_get_by_name (GST_BIN (bin), "aq"), "src", webrtc, "sink_%u"));
  /* Publishing only: everything received comes on the server's m-lines. */
  transceivers = hc_peer_get_transceivers (c->peer);
  for (guint i = 0; i < transceivers->len; i++)
    g_object_set (g_ptr_array_index (transceivers, i), "direction",
                  GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
  g_ptr_array_unref (transceivers);
  g_signal_connect (c->peer, "rtp-src-pad", G_CALLBACK (on_rtp_src_pad), c);
  g_assert_cmpint (gst_element_set_state (c->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
}

/* The join offer, non-trickle: wait for gathering, then take the SDP. */
static gchar *
client_create_offer (Client *c)
{
  GAsyncResult *result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstWebRTCSessionDescription) offer = NULL;
  g_autoptr (GstWebRTCSessionDescription) local = NULL;
  gboolean gathered = FALSE;
  gulong id;

  id = g_signal_connect_swapped (c->peer, "ice-gathering-done",
                                 G_CALLBACK (timeout_reached), &gathered);
  hc_peer_create_offer_async (c->peer, NULL, store_result, &result);
  RUN_UNTIL (result != NULL);
  offer = hc_peer_create_offer_finish (c->peer, result, &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  hc_peer_set_local_description_async (c->peer, offer, NULL, store_result,
                                       &result);
  RUN_UNTIL (result != NULL);
  g_assert_true (
      hc_peer_set_local_description_finish (c->peer, result, &error));
  g_clear_object (&result);
  RUN_UNTIL (gathered);
  g_signal_handler_disconnect (c->peer, id);
  local = hc_peer_get_local_description (c->peer);
  g_free (c->offer);
  c->offer = sdp_text (local);
  return g_strdup (c->offer);
}

static void
client_set_remote (Client *c, GstWebRTCSDPType type, const gchar *text)
{
  g_autoptr (GstSDPMessage) sdp = NULL;
  GAsyncResult *result = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (gst_sdp_message_new_from_text (text, &sdp), ==, GST_SDP_OK);
  hc_peer_set_remote_description_async (c->peer, type, sdp, NULL, store_result,
                                        &result);
  RUN_UNTIL (result != NULL);
  g_assert_true (
      hc_peer_set_remote_description_finish (c->peer, result, &error));
  g_assert_no_error (error);
  g_object_unref (result);
}

/* ---- a client's signalling -------------------------------------------- */

static void
answer_server_offer (Client *c, const gchar *sdp)
{
  GAsyncResult *result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstWebRTCSessionDescription) answer = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr (JsonNode) value = NULL;
  JsonObject *description;

  client_set_remote (c, GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  hc_peer_create_answer_async (c->peer, NULL, store_result, &result);
  RUN_UNTIL (result != NULL);
  answer = hc_peer_create_answer_finish (c->peer, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  hc_peer_set_local_description_async (c->peer, answer, NULL, store_result,
                                       &result);
  RUN_UNTIL (result != NULL);
  g_assert_true (
      hc_peer_set_local_description_finish (c->peer, result, &error));
  g_clear_object (&result);

  text = sdp_text (answer);
  description = json_object_new ();
  json_object_set_string_member (description, "type", "answer");
  json_object_set_string_member (description, "sdp", text);
  value = json_node_init_object (json_node_alloc (), description);
  json_object_unref (description);
  g_assert_true (hc_syncher_set (c->syncher, c->own, "connectionDescription",
                                 value, NULL));
  c->answers_sent++;
}

static void
server_object_changed (HcSyncObject *object, const gchar *attribute,
                       gpointer user_data)
{
  Client *c = user_data;
  JsonNode *node;

  if (attribute == NULL || g_str_has_prefix (attribute, "iceCandidates")) {
    JsonArray *candidates;

    node = hc_sync_object_lookup (object, "iceCandidates");
    if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
      return;
    candidates = json_node_get_array (node);
    for (; c->applied_candidates < json_array_get_length (candidates);
         c->applied_candidates++) {
      JsonObject *candidate
          = json_array_get_object_element (candidates, c->applied_candidates);
      const gchar *line = hc_json_get_string (candidate, "candidate");

      if (line && *line)
        hc_peer_add_ice_candidate (
            c->peer, json_object_get_int_member (candidate, "sdpMLineIndex"),
            line);
    }
  } else if (g_str_equal (attribute, "connectionDescription")) {
    JsonObject *description;

    node = hc_sync_object_lookup (object, "connectionDescription");
    description = json_node_get_object (node);
    if (g_strcmp0 (hc_json_get_string (description, "type"), "offer") == 0)
      answer_server_offer (c, hc_json_get_string (description, "sdp"));
  }
}

static void
server_object_observed (HcSyncher *syncher, HcSyncObject *object, gint code,
                        gpointer user_data)
{
  Client *c = user_data;
  JsonObject *data;
  JsonObject *description;

  g_assert_cmpint (code, ==, 200);
  data = hc_sync_object_get_data (object);
  g_assert_cmpstr (hc_json_get_string (data, "peer"), ==,
                   hc_syncher_get_url (c->syncher));
  c->pid = g_strdup (hc_json_get_string (data, "participantId"));
  g_assert_nonnull (c->pid);
  g_assert_true (g_regex_match_simple ("^[A-Za-z0-9_-]{1,32}$", c->pid, 0, 0));
  description = json_object_get_object_member (data, "connectionDescription");
  g_assert_cmpstr (hc_json_get_string (description, "type"), ==, "answer");
  client_set_remote (c, GST_WEBRTC_SDP_TYPE_ANSWER,
                     hc_json_get_string (description, "sdp"));
  g_signal_connect (object, "changed", G_CALLBACK (server_object_changed), c);
  server_object_changed (object, NULL, c);
}

static void
room_object_observed (HcSyncher *syncher, HcSyncObject *object, gint code,
                      gpointer user_data)
{
  g_assert_cmpint (code, ==, 200);
}

/* The server invites us to its Connection object and to the room. */
static gboolean
on_invitation (HcSyncher *syncher, HcMessage *request, gpointer user_data)
{
  Client *c = user_data;
  g_autofree gchar *url = NULL;
  JsonObject *value = hc_message_body_get_object (request, "value");
  const gchar *scheme;

  g_assert_cmpint (hc_message_get_kind (request), ==, HC_MESSAGE_CREATE);
  g_assert_nonnull (value);
  url = g_strdup (hc_json_get_string (value, "url"));
  g_assert_nonnull (url);
  hc_syncher_respond (syncher, request, 200, NULL, NULL);
  scheme = g_str_has_prefix (url, "comm://") ? "comm" : "connection";
  if (g_str_equal (scheme, "comm")) {
    c->room_object = g_strdup (url);
    hc_syncher_observe (syncher, url, room_object_observed, c);
  } else {
    c->server_object = g_strdup (url);
    hc_syncher_observe (syncher, url, server_object_observed, c);
  }
  return TRUE;
}

static void
joined (HcSyncher *syncher, HcMessage *response, gpointer user_data)
{
  Client *c = user_data;

  c->join_code = response ? hc_message_get_code (response) : 408;
}

static void
client_join (Fixture *f, Client *c, const gchar *room, const gchar *sdp)
{
  g_autoptr (JsonObject) data = json_object_new ();
  JsonObject *description = json_object_new ();
  JsonObject *options = json_object_new ();
  JsonObject *identity = json_object_new ();
  JsonObject *profile = json_object_new ();
  g_autoptr (JsonObject) identity_holder = NULL;

  json_object_set_string_member (data, "scheme", "connection");
  json_object_set_string_member (data, "name", room);
  json_object_set_string_member (data, "roomName", room);
  json_object_set_string_member (data, "owner",
                                 hc_syncher_get_url (c->syncher));
  json_object_set_string_member (data, "peer",
                                 hc_conference_get_url (f->conference));
  json_object_set_string_member (data, "status", "new");
  json_object_set_string_member (description, "type", "offer");
  json_object_set_string_member (description, "sdp", sdp);
  json_object_set_object_member (data, "connectionDescription", description);
  json_object_set_array_member (data, "iceCandidates", json_array_new ());
  json_object_set_string_member (options, "mode", c->mode ? c->mode : "sfu");
  if (c->layout)
    json_object_set_string_member (options, "layout", c->layout);
  if (c->token)
    json_object_set_string_member (options, "token", c->token);
  json_object_set_object_member (data, "options", options);

  c->own = hc_syncher_report (c->syncher, "connection",
                              "hyperty-catalogue://catalogue.localhost/"
                              ".well-known/dataschema/Connection",
                              room, data);
  g_assert_nonnull (c->own);
  json_object_set_string_member (profile, "username", c->name);
  json_object_set_object_member (identity, "userProfile", profile);
  identity_holder = identity;
  c->join_code = 0;
  hc_syncher_invite (c->syncher, c->own, hc_conference_get_url (f->conference),
                     identity, joined, c);
}

static void
client_init (Fixture *f, Client *c, gint index)
{
  g_autofree gchar *runtime
      = g_strdup_printf ("runtime://localhost/client-%d", index);

  c->index = index;
  c->name = g_strdup_printf ("client%d", index);
  c->syncher = hc_syncher_new (f->node, runtime);
  g_signal_connect (c->syncher, "request", G_CALLBACK (on_invitation), c);
  c->buffers_by_mid
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&c->lock);
}

static void
client_clear (Client *c)
{
  if (c->pipeline) {
    gst_element_set_state (c->pipeline, GST_STATE_NULL);
    g_clear_object (&c->pipeline);
  }
  if (c->peer)
    hc_peer_close (c->peer);
  g_clear_object (&c->peer);
  g_clear_object (&c->syncher);
  g_clear_pointer (&c->buffers_by_mid, g_hash_table_unref);
  g_mutex_clear (&c->lock);
  g_free (c->name);
  g_free (c->pid);
  g_free (c->offer);
  g_free (c->token);
  g_free (c->server_object);
  g_free (c->room_object);
  memset (c, 0, sizeof *c);
}

/* Buffers received from publisher @pid: the mids whose a=msid names it in
 * the server's latest offer (our remote description). */
static guint
buffers_from (Client *c, const gchar *pid)
{
  g_autoptr (GstWebRTCSessionDescription) remote
      = hc_peer_get_remote_description (c->peer);
  guint total = 0, tracks = 0;

  if (remote == NULL || pid == NULL)
    return 0;
  for (guint i = 0; i < gst_sdp_message_medias_len (remote->sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (remote->sdp, i);
    const gchar *msid = gst_sdp_media_get_attribute_val (media, "msid");
    const gchar *mid = gst_sdp_media_get_attribute_val (media, "mid");

    if (msid && mid && g_str_has_prefix (msid, pid)
        && msid[strlen (pid)] == ' ') {
      guint n;

      g_mutex_lock (&c->lock);
      n = GPOINTER_TO_UINT (g_hash_table_lookup (c->buffers_by_mid, mid));
      g_mutex_unlock (&c->lock);
      if (n > 0)
        tracks++;
      total += n;
    }
  }
  /* Both tracks (audio and video) must be flowing. */
  return tracks >= 2 ? total : 0;
}

/* ---- fixture and tests -------------------------------------------------- */

static void
fixture_start (Fixture *f, const HcConferenceConfig *config)
{
  HcNodeConfig node_config;
  g_autoptr (GError) error = NULL;

  hc_node_config_init_defaults (&node_config);
  node_config.max_rate = 0;
  f->node = hc_node_new (&node_config);
  g_free (node_config.domain);
  f->conference = hc_conference_new (f->node, config, &error);
  g_assert_no_error (error);
  for (gint i = 0; i < N_CLIENTS; i++)
    client_init (f, &f->clients[i], i);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  HcConferenceConfig config;

  hc_conference_config_init_defaults (&config);
  config.max_participants = N_CLIENTS;
  config.token_secret = data; /* NULL, or the secret of the token tests */
  fixture_start (f, &config);
}

#define FAULTS_MEDIA_TIMEOUT_MS 1500

static void
fixture_set_up_faults (Fixture *f, gconstpointer data)
{
  HcConferenceConfig config;

  hc_conference_config_init_defaults (&config);
  config.max_participants = N_CLIENTS;
  config.media_timeout_ms = FAULTS_MEDIA_TIMEOUT_MS;
  fixture_start (f, &config);
}

/* [conference] limits small enough to reach: one room of one, SDPs of
 * 4 KiB and 8 m-lines, 3 ICE candidates. */
static void
fixture_set_up_limits (Fixture *f, gconstpointer data)
{
  HcConferenceConfig config;

  hc_conference_config_init_defaults (&config);
  config.max_participants = 1;
  config.max_rooms = 1;
  config.max_sdp_size = 4096;
  config.max_sdp_media = 8;
  config.max_ice_candidates = 3;
  fixture_start (f, &config);
}

/* max-cpu-load at 1% of the machine: refused while the test burns CPU. */
static void
fixture_set_up_cpu (Fixture *f, gconstpointer data)
{
  HcConferenceConfig config;

  hc_conference_config_init_defaults (&config);
  config.max_cpu_load = 1;
  fixture_start (f, &config);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  for (gint i = 0; i < N_CLIENTS; i++)
    client_clear (&f->clients[i]);
  g_clear_object (&f->conference);
  g_clear_object (&f->node);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
everyone_receives_from_everyone (Fixture *f, guint min_buffers)
{
  for (gint i = 0; i < N_CLIENTS; i++) {
    for (gint j = 0; j < N_CLIENTS; j++) {
      if (i == j || f->clients[i].pipeline == NULL
          || f->clients[j].pipeline == NULL)
        continue;
      if (buffers_from (&f->clients[i], f->clients[j].pid) < min_buffers)
        return FALSE;
    }
  }
  return TRUE;
}

static gboolean
room_lists (Client *c, HcSyncher *syncher, const gchar *pid)
{
  HcSyncObject *room
      = c->room_object ? hc_syncher_lookup_observed (syncher, c->room_object)
                       : NULL;
  g_autofree gchar *path = g_strdup_printf ("participants.%s.username", pid);

  return room && hc_sync_object_lookup (room, path) != NULL;
}

static void
test_three_clients_sfu (Fixture *f, gconstpointer data)
{
  gint64 start;

  for (gint i = 0; i < N_CLIENTS; i++) {
    Client *c = &f->clients[i];
    g_autofree gchar *offer = NULL;

    client_media_start (c);
    offer = client_create_offer (c);
    client_join (f, c, "room1", offer);
    RUN_UNTIL (c->join_code != 0);
    g_assert_cmpint (c->join_code, ==, 200);
    RUN_UNTIL (c->pid != NULL && c->room_object != NULL);
  }
  g_assert_cmpuint (hc_conference_get_n_rooms (f->conference), ==, 1);
  g_assert_cmpuint (hc_conference_get_n_participants (f->conference), ==,
                    N_CLIENTS);

  /* Everyone sees everyone in the room object, by name. */
  for (gint i = 0; i < N_CLIENTS; i++)
    for (gint j = 0; j < N_CLIENTS; j++)
      RUN_UNTIL (room_lists (&f->clients[i], f->clients[i].syncher,
                             f->clients[j].pid));

  /* Each receives RTP from both others, audio and video. */
  start = g_get_monotonic_time ();
  RUN_UNTIL (everyone_receives_from_everyone (f, 20));
  g_test_message ("all media flowing %.0f ms after the last join",
                  (g_get_monotonic_time () - start) / 1000.0);

  /* The same hyperty joining the same room again: 409. */
  {
    Client *c = &f->clients[0];
    HcSyncObject *first = c->own;

    client_join (f, c, "room1", c->offer);
    RUN_UNTIL (c->join_code != 0);
    g_assert_cmpint (c->join_code, ==, 409);
    hc_syncher_delete_reported (c->syncher, c->own);
    c->own = first;
  }

  /* A fourth one would be one too many: 486. */
  {
    Client extra = { 0 };
    g_autofree gchar *offer = NULL;

    client_init (f, &extra, 9);
    client_media_start (&extra);
    offer = client_create_offer (&extra);
    client_join (f, &extra, "room1", offer);
    RUN_UNTIL (extra.join_code != 0);
    g_assert_cmpint (extra.join_code, ==, 486);
    client_clear (&extra);
  }

  /* One leaves by deleting its Connection object (§9.5). */
  {
    Client *gone = &f->clients[2];
    g_autofree gchar *pid = g_strdup (gone->pid);
    guint before[2];

    hc_syncher_delete_reported (gone->syncher, gone->own);
    for (gint i = 0; i < 2; i++)
      RUN_UNTIL (!room_lists (&f->clients[i], f->clients[i].syncher, pid));
    g_assert_cmpuint (hc_conference_get_n_participants (f->conference), ==, 2);
    client_clear (gone);
    /* Media between the remaining two keeps flowing. */
    before[0] = buffers_from (&f->clients[0], f->clients[1].pid);
    before[1] = buffers_from (&f->clients[1], f->clients[0].pid);
    RUN_UNTIL (buffers_from (&f->clients[0], f->clients[1].pid) > before[0] + 20
               && buffers_from (&f->clients[1], f->clients[0].pid)
                      > before[1] + 20);
  }

  /* The last ones leave by ending their sessions: the room goes. */
  for (gint i = 0; i < 2; i++)
    client_clear (&f->clients[i]);
  RUN_UNTIL (hc_conference_get_n_rooms (f->conference) == 0);
}

static void
test_bad_joins (Fixture *f, gconstpointer data)
{
  Client *c = &f->clients[0];
  static const struct {
    const gchar *room;
    const gchar *sdp;
    gint code;
    const gchar *layout;
  } cases[] = {
    { "room1", "this is not SDP", 400 },
    /* docs/protocol.md, appendix: "grid" or "speaker" only. */
    { "room1", "v=0\r\n", 400, "mosaic" },
    /* Parses, but no usable media (only H.264). */
    { "room1",
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "a=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\n"
      "c=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=ice-ufrag:abcd\r\n"
      "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 "
      "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"
      "00:00:00:00:00:00:00:00:00\r\na=setup:actpass\r\na=rtcp-mux\r\n"
      "a=rtpmap:102 H264/90000\r\n",
      400 },
    { "bad room!", "v=0\r\n", 400 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    c->layout = cases[i].layout;
    client_join (f, c, cases[i].room, cases[i].sdp);
    RUN_UNTIL (c->join_code != 0);
    g_assert_cmpint (c->join_code, ==, cases[i].code);
    /* No room was created, and the server no longer observes us. */
    g_assert_cmpuint (hc_conference_get_n_rooms (f->conference), ==, 0);
    hc_syncher_delete_reported (c->syncher, c->own);
    c->own = NULL;
  }
}

/* The participant entry's "mode" in @c's view of the room object. */
static const gchar *
room_mode (Client *c, const gchar *pid)
{
  HcSyncObject *room
      = c->room_object ? hc_syncher_lookup_observed (c->syncher, c->room_object)
                       : NULL;
  g_autofree gchar *path = g_strdup_printf ("participants.%s.mode", pid);
  JsonNode *node = room ? hc_sync_object_lookup (room, path) : NULL;

  return node && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node)
                                              : NULL;
}

/* Tiles of the room object's layout in @c's view (-1: no layout). */
static gint
room_tiles (Client *c)
{
  HcSyncObject *room
      = c->room_object ? hc_syncher_lookup_observed (c->syncher, c->room_object)
                       : NULL;
  JsonNode *node = room ? hc_sync_object_lookup (room, "layout.tiles") : NULL;

  return node && JSON_NODE_HOLDS_ARRAY (node)
             ? (gint)json_array_get_length (json_node_get_array (node))
             : -1;
}

static gboolean
room_has_active_speaker (Client *c)
{
  HcSyncObject *room
      = c->room_object ? hc_syncher_lookup_observed (c->syncher, c->room_object)
                       : NULL;

  return room && hc_sync_object_lookup (room, "activeSpeaker") != NULL;
}

static gboolean
room_has_mixer (Fixture *f, const gchar *room)
{
  guint n_elements = 0;
  gboolean has_mixer = FALSE;

  return hc_conference_get_room_media (f->conference, room, &n_elements,
                                       &has_mixer)
         && has_mixer;
}

/* §9.3: the client updates options as a whole object. */
static void
client_set_mode (Client *c, const gchar *mode)
{
  JsonObject *options = json_object_new ();
  g_autoptr (JsonNode) value = NULL;

  json_object_set_string_member (options, "mode", mode);
  value = json_node_init_object (json_node_alloc (), options);
  json_object_unref (options);
  g_assert_true (hc_syncher_set (c->syncher, c->own, "options", value, NULL));
}

/* MCU mode through the conference layer: options.mode at join reaches
 * the media room (a mixer, the "mix" stream, the room object's mode), and
 * an update of options switches it both ways. */
static void
test_mcu_mode (Fixture *f, gconstpointer data)
{
  Client *sfu = &f->clients[0];
  Client *mcu = &f->clients[1];

  mcu->mode = "mcu";
  for (gint i = 0; i < 2; i++) {
    Client *c = &f->clients[i];
    g_autofree gchar *offer = NULL;

    client_media_start (c);
    offer = client_create_offer (c);
    client_join (f, c, "mcu1", offer);
    RUN_UNTIL (c->join_code != 0);
    g_assert_cmpint (c->join_code, ==, 200);
    RUN_UNTIL (c->pid != NULL && c->room_object != NULL);
  }
  RUN_UNTIL (g_strcmp0 (room_mode (sfu, mcu->pid), "mcu") == 0
             && g_strcmp0 (room_mode (sfu, sfu->pid), "sfu") == 0);
  g_assert_true (room_has_mixer (f, "mcu1"));
  /* The MCU receiver gets the mix (audio and video); the SFU one gets the
   * MCU participant's own tracks, which it still publishes. */
  RUN_UNTIL (buffers_from (sfu, mcu->pid) > 20);
  RUN_UNTIL (buffers_from (mcu, "mix") > 20);
  g_assert_cmpuint (buffers_from (mcu, sfu->pid), ==, 0);
  /* §9.4: the composite's tiles, one per video publisher, and the tones'
   * levels name a speaker. */
  RUN_UNTIL (room_tiles (sfu) == 2);
  RUN_UNTIL (room_has_active_speaker (sfu));

  /* Switched to SFU: one stream pair per other publisher, no mixer. */
  client_set_mode (mcu, "sfu");
  RUN_UNTIL (g_strcmp0 (room_mode (sfu, mcu->pid), "sfu") == 0);
  RUN_UNTIL (buffers_from (mcu, sfu->pid) > 20);
  RUN_UNTIL (!room_has_mixer (f, "mcu1"));
  /* Without a mixer nobody is heard speaking and there are no tiles. */
  RUN_UNTIL (room_tiles (sfu) == 0 && !room_has_active_speaker (sfu));

  /* And back. */
  client_set_mode (mcu, "mcu");
  RUN_UNTIL (g_strcmp0 (room_mode (sfu, mcu->pid), "mcu") == 0);
  RUN_UNTIL (room_has_mixer (f, "mcu1"));
  {
    guint before = buffers_from (mcu, "mix");

    RUN_UNTIL (buffers_from (mcu, "mix") > before + 20);
  }
}

/* A client that vanishes while its join is under way leaves nothing
 * behind: no room, no participant, no crash. */
static void
test_vanish_mid_join (Fixture *f, gconstpointer data)
{
  Client *c = &f->clients[0];
  g_autofree gchar *offer = NULL;

  client_media_start (c);
  offer = client_create_offer (c);
  client_join (f, c, "room2", offer);
  /* Let the invitation reach the server, then end the session. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&c->syncher);
  RUN_UNTIL (hc_conference_get_n_participants (f->conference) == 0
             && hc_conference_get_n_rooms (f->conference) == 0);
  /* The server still takes joins afterwards. */
  {
    Client *d = &f->clients[1];
    g_autofree gchar *offer2 = NULL;

    client_media_start (d);
    offer2 = client_create_offer (d);
    client_join (f, d, "room2", offer2);
    RUN_UNTIL (d->join_code != 0);
    g_assert_cmpint (d->join_code, ==, 200);
    g_assert_cmpuint (hc_conference_get_n_participants (f->conference), ==, 1);
  }
}

/* ---- operator calls (the admin API's) ------------------------------------ */

static void
store_node (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  *(JsonNode **)user_data = hc_conference_describe_rooms_finish (
      HC_CONFERENCE (source), result, &error);
  g_assert_no_error (error);
}

/* Every client joins @room (SFU) and receives the others. */
static void
join_all (Fixture *f, const gchar *room)
{
  for (gint i = 0; i < N_CLIENTS; i++) {
    Client *c = &f->clients[i];

    client_media_start (c);
    g_free (client_create_offer (c));
    client_join (f, c, room, c->offer);
    RUN_UNTIL (c->join_code != 0);
    g_assert_cmpint (c->join_code, ==, 200);
    RUN_UNTIL (c->pid != NULL && c->room_object != NULL);
  }
  RUN_UNTIL (everyone_receives_from_everyone (f, 20));
}

static void
test_admin_calls (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) described = NULL;
  JsonArray *rooms, *participants;
  JsonObject *room;
  Client *removed = &f->clients[2];

  join_all (f, "ops");

  /* Rooms, participants and their stats: media flows both ways. */
  hc_conference_describe_rooms_async (f->conference, NULL, store_node,
                                      &described);
  RUN_UNTIL (described != NULL);
  rooms = json_object_get_array_member (json_node_get_object (described),
                                        "rooms");
  g_assert_cmpuint (json_array_get_length (rooms), ==, 1);
  room = json_array_get_object_element (rooms, 0);
  g_assert_cmpstr (json_object_get_string_member (room, "name"), ==, "ops");
  participants = json_object_get_array_member (room, "participants");
  g_assert_cmpuint (json_array_get_length (participants), ==, N_CLIENTS);
  for (guint i = 0; i < N_CLIENTS; i++) {
    JsonObject *p = json_array_get_object_element (participants, i);
    JsonObject *stats = json_object_get_object_member (p, "stats");
    gboolean known = FALSE;

    for (gint j = 0; j < N_CLIENTS; j++)
      known |= g_strcmp0 (f->clients[j].pid,
                          json_object_get_string_member (p, "pid"))
               == 0;
    g_assert_true (known);
    g_assert_nonnull (json_object_get_string_member (p, "username"));
    g_assert_nonnull (stats);
    g_test_message ("%s: in %" G_GINT64_FORMAT " bit/s, out %" G_GINT64_FORMAT
                    " bit/s, lost in %" G_GINT64_FORMAT,
                    json_object_get_string_member (p, "pid"),
                    json_object_get_int_member (stats, "bitrateIn"),
                    json_object_get_int_member (stats, "bitrateOut"),
                    json_object_get_int_member (stats, "packetsLostIn"));
    /* Live VP8 and Opus: well above a few kbit/s each way. */
    g_assert_cmpint (json_object_get_int_member (stats, "bitrateIn"), >, 10000);
    g_assert_cmpint (json_object_get_int_member (stats, "bitrateOut"), >,
                     10000);
    g_assert_cmpint (json_object_get_int_member (stats, "packetsReceived"), >,
                     0);
    g_assert_true (json_object_has_member (stats, "rttMs"));
  }

  /* Remove one: the others see it leave through the room object. */
  g_assert_false (
      hc_conference_remove_participant (f->conference, "ops", "nobody"));
  g_assert_false (
      hc_conference_remove_participant (f->conference, "nope", removed->pid));
  g_assert_true (
      hc_conference_remove_participant (f->conference, "ops", removed->pid));
  for (gint i = 0; i < 2; i++)
    RUN_UNTIL (
        !room_lists (&f->clients[i], f->clients[i].syncher, removed->pid));
  g_assert_cmpuint (hc_conference_get_n_participants (f->conference), ==, 2);
  /* ... and the one removed sees the server's Connection object go. */
  RUN_UNTIL (
      hc_syncher_lookup_observed (removed->syncher, removed->server_object)
      == NULL);

  /* Close the room: everyone out, the room object gone. */
  g_assert_false (hc_conference_close_room (f->conference, "nope"));
  g_assert_true (hc_conference_close_room (f->conference, "ops"));
  RUN_UNTIL (hc_conference_get_n_rooms (f->conference) == 0);
  g_assert_cmpuint (hc_conference_get_n_participants (f->conference), ==, 0);
  for (gint i = 0; i < 2; i++)
    RUN_UNTIL (hc_syncher_lookup_observed (f->clients[i].syncher,
                                           f->clients[i].room_object)
               == NULL);
}

/* ---- limits ([conference] in data/hyperconf.conf) ---------------------- */

static guint64
limit_count (Fixture *f, HcLimit limit)
{
  return hc_node_get_limit_count (f->node, limit);
}

/* A join that is refused, and leaves nothing behind. */
static void
join_refused (Fixture *f, Client *c, const gchar *room, const gchar *sdp,
              gint code)
{
  client_join (f, c, room, sdp);
  RUN_UNTIL (c->join_code != 0);
  g_assert_cmpint (c->join_code, ==, code);
  hc_syncher_delete_reported (c->syncher, c->own);
  c->own = NULL;
}

static void
add_candidate (Client *c, guint n)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) value = NULL;
  g_autofree gchar *line = g_strdup_printf (
      "candidate:%u 1 UDP 2122260223 127.0.0.1 %u typ host", n, 40000 + n);
  JsonObject *candidate = json_object_new ();
  JsonObject *update;

  json_object_set_string_member (candidate, "candidate", line);
  json_object_set_string_member (candidate, "sdpMid", "0");
  json_object_set_int_member (candidate, "sdpMLineIndex", 0);
  value = json_node_init_object (json_node_alloc (), candidate);
  json_object_unref (candidate);
  update
      = hc_sync_object_array_add (c->own, "iceCandidates", -1, value, &error);
  g_assert_no_error (error);
  hc_syncher_publish (c->syncher, c->own, update);
}

static void
test_limits (Fixture *f, gconstpointer data)
{
  Client *c = &f->clients[0];
  g_autoptr (GString) big = g_string_new ("v=0\r\n");
  g_autoptr (GString) many
      = g_string_new ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
  g_autoptr (JsonNode) answer = NULL;
  g_autofree gchar *offer = NULL;

  /* SDP size and m-lines: 400 at the join, before any room exists. */
  while (big->len <= 4096)
    g_string_append (big, "a=x-padding:0123456789abcdef\r\n");
  for (guint i = 0; i < 9; i++)
    g_string_append_printf (
        many, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:%u\r\n", i);
  join_refused (f, c, "room1", big->str, 400);
  g_assert_cmpuint (limit_count (f, HC_LIMIT_SDP_SIZE), ==, 1);
  join_refused (f, c, "room1", many->str, 400);
  g_assert_cmpuint (limit_count (f, HC_LIMIT_SDP_MEDIA), ==, 1);
  g_assert_cmpuint (hc_conference_get_n_rooms (f->conference), ==, 0);

  /* One room of one: 486 for a second participant, 503 for a room. */
  client_media_start (c);
  offer = client_create_offer (c);
  client_join (f, c, "room1", offer);
  RUN_UNTIL (c->join_code != 0);
  g_assert_cmpint (c->join_code, ==, 200);
  RUN_UNTIL (c->pid != NULL);
  join_refused (f, &f->clients[1], "room1", offer, 486);
  g_assert_cmpuint (limit_count (f, HC_LIMIT_PARTICIPANTS), ==, 1);
  join_refused (f, &f->clients[2], "room2", offer, 503);
  g_assert_cmpuint (limit_count (f, HC_LIMIT_ROOMS), ==, 1);

  /* Ten trickled candidates: three applied, each update after them
   * dropped and counted. */
  for (guint i = 0; i < 10; i++)
    add_candidate (c, i);
  RUN_UNTIL (limit_count (f, HC_LIMIT_ICE_CANDIDATES) == 7);

  /* A later description over the limit is not applied (an update is
   * never answered, §6.3), only counted. */
  {
    JsonObject *description = json_object_new ();

    json_object_set_string_member (description, "type", "answer");
    json_object_set_string_member (description, "sdp", big->str);
    answer = json_node_init_object (json_node_alloc (), description);
    json_object_unref (description);
    g_assert_true (hc_syncher_set (c->syncher, c->own, "connectionDescription",
                                   answer, NULL));
    RUN_UNTIL (limit_count (f, HC_LIMIT_SDP_SIZE) == 2);
  }
  g_assert_cmpuint (hc_conference_get_n_participants (f->conference), ==, 1);
}

static void
test_cpu_load (Fixture *f, gconstpointer data)
{
  Client *c = &f->clients[0];
  g_autofree gchar *offer = NULL;
  gint64 until;
  volatile guint64 spin = 0;

  client_media_start (c);
  offer = client_create_offer (c);
  /* Half a second of one core at least: far above 1% of the machine. */
  until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
  while (g_get_monotonic_time () < until)
    spin++;
  join_refused (f, c, "busy", offer, 503);
  g_assert_cmpuint (limit_count (f, HC_LIMIT_CPU), ==, 1);
  g_assert_cmpuint (hc_conference_get_n_rooms (f->conference), ==, 0);
}

/* ---- faults and drain --------------------------------------------------- */

static const gchar *
room_status (Client *c)
{
  HcSyncObject *room
      = c->room_object ? hc_syncher_lookup_observed (c->syncher, c->room_object)
                       : NULL;
  JsonNode *status = room ? hc_sync_object_lookup (room, "status") : NULL;

  return status ? json_node_get_string (status) : NULL;
}

/* A client whose media stops is removed after the media timeout, as a
 * leave the others see in the room object; then SIGTERM's drain: the room
 * object says "closing", a join is 503, and closing the rooms empties
 * them. */
static void
test_faults_and_drain (Fixture *f, gconstpointer data)
{
  Client *gone = &f->clients[2];
  g_autofree gchar *gone_pid = NULL;
  gint64 stopped_us;

  join_all (f, "faults");
  g_assert_cmpstr (room_status (&f->clients[0]), ==, "live");

  /* Its process stops sending (its webrtcbin goes): removed, the others
   * told through the room object, its server object deleted. */
  gone_pid = g_strdup (gone->pid);
  gst_element_set_state (gone->pipeline, GST_STATE_NULL);
  stopped_us = g_get_monotonic_time ();
  for (gint i = 0; i < 2; i++)
    RUN_UNTIL (!room_lists (&f->clients[i], f->clients[i].syncher, gone_pid));
  g_test_message ("seen leaving %.0f ms after its media stopped (timeout %u "
                  "ms)",
                  (g_get_monotonic_time () - stopped_us) / 1000.0,
                  FAULTS_MEDIA_TIMEOUT_MS);
  g_assert_cmpint (g_get_monotonic_time () - stopped_us, >=,
                   (FAULTS_MEDIA_TIMEOUT_MS - 100) * 1000);
  RUN_UNTIL (hc_syncher_lookup_observed (gone->syncher, gone->server_object)
             == NULL);
  g_assert_cmpuint (hc_conference_get_n_participants (f->conference), ==, 2);
  client_clear (gone);

  /* The drain: the room is told, nobody new gets in. */
  g_assert_false (hc_conference_is_draining (f->conference));
  hc_conference_drain (f->conference);
  g_assert_true (hc_conference_is_draining (f->conference));
  for (gint i = 0; i < 2; i++)
    RUN_UNTIL (g_strcmp0 (room_status (&f->clients[i]), "closing") == 0);
  {
    Client late = { 0 };

    client_init (f, &late, 9);
    client_media_start (&late);
    g_free (client_create_offer (&late));
    client_join (f, &late, "faults", late.offer);
    RUN_UNTIL (late.join_code != 0);
    g_assert_cmpint (late.join_code, ==, 503);
    client_clear (&late);
  }
  g_assert_cmpuint (hc_conference_get_n_participants (f->conference), ==, 2);

  /* The deadline: everyone removed, the room object gone. */
  hc_conference_close_rooms (f->conference);
  RUN_UNTIL (hc_conference_get_n_rooms (f->conference) == 0);
  for (gint i = 0; i < 2; i++)
    RUN_UNTIL (hc_syncher_lookup_observed (f->clients[i].syncher,
                                           f->clients[i].room_object)
               == NULL);
}

/* ---- join tokens (§9.2 401/403) ----------------------------------------- */

#define TOKEN_SECRET "conference-test-secret-0123456789"

static void
join_with_token (Fixture *f, Client *c, const gchar *room, gchar *token,
                 gint expected)
{
  g_free (c->token);
  c->token = token;
  client_join (f, c, room, c->offer);
  RUN_UNTIL (c->join_code != 0);
  g_assert_cmpint (c->join_code, ==, expected);
  if (expected != 200) {
    g_assert_cmpuint (hc_conference_get_n_participants (f->conference), ==, 0);
    hc_syncher_delete_reported (c->syncher, c->own);
    c->own = NULL;
  }
}

static void
test_token_joins (Fixture *f, gconstpointer data)
{
  Client *c = &f->clients[0];
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const gchar *mcu_only[] = { "mcu", NULL };
  const gchar *sfu_only[] = { "sfu", NULL };
  g_autofree gchar *entry_path = NULL;
  HcSyncObject *room_object;
  JsonNode *entry;

  client_media_start (c);
  g_free (client_create_offer (c));

  /* 401: none, forged (another secret), expired. */
  join_with_token (f, c, "tokens", NULL, 401);
  join_with_token (f, c, "tokens",
                   hc_token_mint ("not-the-server-secret-000", "tokens",
                                  "mallory", NULL, now, now + 60, 0),
                   401);
  join_with_token (f, c, "tokens",
                   hc_token_mint (TOKEN_SECRET, "tokens", "late", NULL,
                                  now - 120, now - 60, 0),
                   401);
  /* 403: another room; a mode not granted (the client asks for sfu). */
  join_with_token (f, c, "tokens",
                   hc_token_mint (TOKEN_SECRET, "other-room", "alice", NULL,
                                  now, now + 60, 0),
                   403);
  join_with_token (f, c, "tokens",
                   hc_token_mint (TOKEN_SECRET, "tokens", "alice", mcu_only,
                                  now, now + 60, 0),
                   403);
  g_assert_cmpuint (hc_conference_get_n_rooms (f->conference), ==, 0);

  /* A valid token admits its room, under its name (not the identity's). */
  join_with_token (f, c, "tokens",
                   hc_token_mint (TOKEN_SECRET, "tokens", "Alice Token",
                                  sfu_only, now, now + 60, 0),
                   200);
  g_assert_cmpuint (hc_conference_get_n_participants (f->conference), ==, 1);
  RUN_UNTIL (c->pid != NULL && c->room_object != NULL
             && hc_syncher_lookup_observed (c->syncher, c->room_object));
  room_object = hc_syncher_lookup_observed (c->syncher, c->room_object);
  entry_path = g_strdup_printf ("participants.%s", c->pid);
  RUN_UNTIL ((entry = hc_sync_object_lookup (room_object, entry_path)) != NULL);
  g_assert_cmpstr (
      hc_json_get_string (json_node_get_object (entry), "username"), ==,
      "Alice Token");
  g_assert_cmpstr (
      hc_json_get_string (hc_sync_object_get_data (room_object), "name"), ==,
      "tokens");

  /* Switching to a mode the token does not grant changes nothing; the
   * mute that follows it is applied, so the switch was seen. */
  {
    g_autoptr (JsonNode) mcu = json_node_new (JSON_NODE_VALUE);
    g_autoptr (JsonNode) muted = NULL;
    JsonObject *publishing = json_object_new ();

    json_node_set_string (mcu, "mcu");
    g_assert_true (
        hc_syncher_set (c->syncher, c->own, "options.mode", mcu, NULL));
    json_object_set_boolean_member (publishing, "audio", FALSE);
    json_object_set_boolean_member (publishing, "video", TRUE);
    muted = json_node_init_object (json_node_alloc (), publishing);
    json_object_unref (publishing);
    g_assert_true (
        hc_syncher_set (c->syncher, c->own, "publishing", muted, NULL));
    RUN_UNTIL ((entry = hc_sync_object_lookup (room_object, entry_path))
               && !json_object_get_boolean_member (
                   json_object_get_object_member (json_node_get_object (entry),
                                                  "publishing"),
                   "audio"));
    g_assert_cmpstr (hc_json_get_string (json_node_get_object (entry), "mode"),
                     ==, "sfu");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* webrtcbin 1.22 warns now and then from its jitterbuffer set-up
   * ("jitter_buffer_set_retransmission: code should not be reached")
   * while the clients' m-lines change; criticals stay fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  gst_init (&argc, &argv);
  hc_media_register_elements (NULL);
  g_test_add ("/conference/three-clients-sfu", Fixture, NULL, fixture_set_up,
              test_three_clients_sfu, fixture_tear_down);
  g_test_add ("/conference/bad-joins", Fixture, NULL, fixture_set_up,
              test_bad_joins, fixture_tear_down);
  g_test_add ("/conference/mcu-mode", Fixture, NULL, fixture_set_up,
              test_mcu_mode, fixture_tear_down);
  g_test_add ("/conference/vanish-mid-join", Fixture, NULL, fixture_set_up,
              test_vanish_mid_join, fixture_tear_down);
  g_test_add ("/conference/faults-and-drain", Fixture, NULL,
              fixture_set_up_faults, test_faults_and_drain, fixture_tear_down);
  g_test_add ("/conference/admin-calls", Fixture, NULL, fixture_set_up,
              test_admin_calls, fixture_tear_down);
  g_test_add ("/conference/token-joins", Fixture, TOKEN_SECRET, fixture_set_up,
              test_token_joins, fixture_tear_down);
  g_test_add ("/conference/limits", Fixture, NULL, fixture_set_up_limits,
              test_limits, fixture_tear_down);
  g_test_add ("/conference/cpu-load", Fixture, NULL, fixture_set_up_cpu,
              test_cpu_load, fixture_tear_down);
  return g_test_run ();
}
