/* hyperconf — faults in one room (hc-room-faults.c), with real webrtcbin
 * clients in the same process (hc-room-fixture.h): an error posted by an
 * element deep inside one participant's webrtcbin removes that
 * participant and nobody else; an error nobody owns removes nobody; a
 * participant whose media stops is removed after the media timeout, and
 * not before; an error of the mixer's composite restarts the mixer, and
 * the MCU receiver gets the mix again.  The room's pipeline stays PLAYING
 * throughout and the others keep receiving each other.
 */
#include "hc-room-fixture.h"

#include <string.h>

#define MEDIA_TIMEOUT_MS 1500

/* "participant-failed" as the test saw it */
typedef struct {
  gchar *pid;
  gchar *reason;
  gint64 at_us;
  guint count;
} Failed;

static void
on_participant_failed (HcMediaRoom *room, const gchar *pid, const gchar *reason,
                       Failed *failed)
{
  g_test_message ("participant-failed %s: %s", pid, reason);
  g_free (failed->pid);
  g_free (failed->reason);
  failed->pid = g_strdup (pid);
  failed->reason = g_strdup (reason);
  failed->at_us = g_get_monotonic_time ();
  failed->count++;
}

static gboolean
has_failed (gpointer data)
{
  return ((Failed *)data)->count > 0;
}

/* A room whose "participant-failed" goes to @failed. */
static void
faults_init (Fixture *f, Failed *failed)
{
  fixture_init (f);
  g_signal_connect (f->room, "participant-failed",
                    G_CALLBACK (on_participant_failed), failed);
}

static void
faults_clear (Fixture *f, Failed *failed)
{
  g_free (failed->pid);
  g_free (failed->reason);
  fixture_clear (f);
}

/* The first element (depth first) inside @bin made by @factory. */
static GstElement *
find_by_factory (GstBin *bin, const gchar *factory)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (bin);
  GValue item = G_VALUE_INIT;
  GstElement *found = NULL;

  while (!found && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&item);
    GstElementFactory *f = gst_element_get_factory (e);

    if (f && g_str_equal (GST_OBJECT_NAME (f), factory))
      found = gst_object_ref (e);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  return found;
}

static void
post_error (GstElement *element, const gchar *text)
{
  GError *error
      = g_error_new_literal (GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, text);

  gst_element_post_message (
      element, gst_message_new_error (GST_OBJECT (element), error, "test"));
  g_error_free (error);
}

static GstState
room_state (HcMediaRoom *room)
{
  GstState state = GST_STATE_VOID_PENDING;

  gst_element_get_state (GST_ELEMENT (hc_media_room_get_pipeline (room)),
                         &state, NULL, 0);
  return state;
}

/* Joins alice, bob and carol (carol last) and waits for their media;
 * returns the element count before carol joined. */
static guint
join_three (Fixture *f)
{
  guint before_carol;

  fixture_join (f, client_new ("alice"));
  fixture_join (f, client_new ("bob"));
  in_time (wait_until (everyone_receives_everyone, f, WAIT_MS),
           "alice and bob receiving each other");
  before_carol = hc_media_room_get_n_elements (f->room);
  fixture_join (f, client_new ("carol"));
  in_time (wait_until (everyone_receives_everyone, f, WAIT_MS),
           "everyone receiving everyone");
  return before_carol;
}

/* @pid was removed by the room: the fixture must not make it leave. */
static void
forget (Fixture *f, const gchar *pid)
{
  Client *c = fixture_client (f, pid);

  g_ptr_array_remove (f->clients, c);
  client_free (c);
}

static void
test_error_attributed (void)
{
  Fixture f = { 0 };
  Failed failed = { 0 };
  g_autoptr (GstElement) stray = NULL;
  g_autoptr (GstElement) deep = NULL;
  GstElement *carol_bin;
  guint before_carol;

  faults_init (&f, &failed);
  before_carol = join_three (&f);

  /* An element that is nobody's: logged, nobody removed. */
  stray = gst_element_factory_make ("fakesink", "stray");
  gst_bin_add (GST_BIN (hc_media_room_get_pipeline (f.room)),
               gst_object_ref (stray));
  post_error (stray, "nobody's error");
  run_for (300);
  g_assert_cmpuint (failed.count, ==, 0);
  g_assert_cmpuint (hc_media_room_get_n_participants (f.room), ==, 3);
  gst_element_set_state (stray, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (hc_media_room_get_pipeline (f.room)), stray);

  /* An element deep inside carol's webrtcbin (its ICE source, in a
   * transport bin in webrtcbin) fails. */
  carol_bin = gst_bin_get_by_name (
      GST_BIN (hc_media_room_get_pipeline (f.room)), "peer-carol");
  g_assert_nonnull (carol_bin);
  deep = find_by_factory (GST_BIN (carol_bin), "nicesrc");
  g_assert_nonnull (deep);
  g_assert_true (GST_OBJECT_PARENT (deep) != GST_OBJECT (carol_bin));
  gst_object_unref (carol_bin);
  post_error (deep, "carol's transport broke");

  g_assert_true (wait_until (has_failed, &failed, WAIT_MS));
  g_assert_cmpstr (failed.pid, ==, "carol");
  g_assert_nonnull (strstr (failed.reason, "carol's transport broke"));
  g_assert_nonnull (strstr (failed.reason, GST_OBJECT_NAME (deep)));
  g_assert_cmpuint (hc_media_room_get_n_participants (f.room), ==, 2);
  /* everything carol brought is gone */
  g_assert_cmpuint (hc_media_room_get_n_elements (f.room), ==, before_carol);
  g_assert_cmpint (room_state (f.room), ==, GST_STATE_PLAYING);
  forget (&f, "carol");

  /* the others did not notice */
  assert_still_flowing (&f, fixture_client (&f, "alice"), "bob");
  assert_still_flowing (&f, fixture_client (&f, "bob"), "alice");
  g_assert_cmpuint (failed.count, ==, 1);
  g_assert_cmpint (room_state (f.room), ==, GST_STATE_PLAYING);

  faults_clear (&f, &failed);
}

static void
test_media_timeout (void)
{
  Fixture f = { 0 };
  Failed failed = { 0 };
  gint64 stopped_us;
  gdouble after_ms;

  faults_init (&f, &failed);
  hc_media_room_set_media_timeout (f.room, MEDIA_TIMEOUT_MS * slow_factor ());
  join_three (&f);

  /* media flows: nobody is removed, however long it lasts */
  run_for (3 * MEDIA_TIMEOUT_MS * slow_factor ());
  g_assert_cmpuint (failed.count, ==, 0);
  g_assert_cmpuint (hc_media_room_get_n_participants (f.room), ==, 3);

  /* carol's process stops sending anything (her webrtcbin is gone, as
   * when a browser is killed) */
  gst_element_set_state (fixture_client (&f, "carol")->pipeline,
                         GST_STATE_NULL);
  stopped_us = g_get_monotonic_time ();
  g_assert_true (
      wait_until (has_failed, &failed, MEDIA_TIMEOUT_MS * 3 + WAIT_MS));
  after_ms = (failed.at_us - stopped_us) / 1000.0;
  g_test_message ("carol removed %.0f ms after her media stopped (timeout "
                  "%u ms)",
                  after_ms, MEDIA_TIMEOUT_MS * slow_factor ());
  g_assert_cmpstr (failed.pid, ==, "carol");
  g_assert_nonnull (strstr (failed.reason, "no RTP or RTCP"));
  /* not before the timeout (packets already in flight may count) */
  g_assert_cmpfloat (after_ms, >=, MEDIA_TIMEOUT_MS * slow_factor () - 100);
  g_assert_cmpuint (hc_media_room_get_n_participants (f.room), ==, 2);
  g_assert_cmpint (room_state (f.room), ==, GST_STATE_PLAYING);
  forget (&f, "carol");

  assert_still_flowing (&f, fixture_client (&f, "alice"), "bob");
  assert_still_flowing (&f, fixture_client (&f, "bob"), "alice");
  g_assert_cmpuint (failed.count, ==, 1);

  faults_clear (&f, &failed);
}

/* No path between dave and the room: the room's ICE agent checks the only
 * candidate it has, on a closed loopback port, and gives up (webrtcbin's
 * connection-state "failed"), with the media timeout off. */
static void
test_ice_failed (void)
{
  Fixture f = { 0 };
  Failed failed = { 0 };
  g_autoptr (GstElement) webrtcbin = NULL;
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;
  Client *dave;
  gint64 start_us;

  faults_init (&f, &failed);
  fixture_join (&f, client_new ("alice"));
  dave = client_new ("dave");
  dave->drop_candidates = TRUE;
  fixture_join (&f, dave);
  g_assert_cmpuint (hc_media_room_get_n_participants (f.room), ==, 2);

  /* checks that fail fast: one retransmission, 100 ms apart */
  webrtcbin = gst_bin_get_by_name (
      GST_BIN (hc_media_room_get_pipeline (f.room)), "peer-dave");
  g_object_get (webrtcbin, "ice-agent", &ice, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  g_object_set (agent, "stun-max-retransmissions", 1, "stun-initial-timeout",
                100, NULL);
  start_us = g_get_monotonic_time ();
  hc_media_room_add_remote_candidate (
      f.room, "dave", NULL, 0,
      "candidate:1 1 UDP 2122252543 127.0.0.1 9 typ host");
  hc_media_room_add_remote_candidate (f.room, "dave", NULL, 0, "");

  g_assert_true (wait_until (has_failed, &failed, 2 * WAIT_MS));
  g_test_message ("dave removed %.0f ms after his only candidate",
                  (failed.at_us - start_us) / 1000.0);
  g_assert_cmpstr (failed.pid, ==, "dave");
  g_assert_cmpstr (failed.reason, ==, "connection failed (ICE or DTLS)");
  g_assert_cmpstr (g_hash_table_lookup (f.states, "dave"), ==, "failed");
  g_assert_cmpuint (hc_media_room_get_n_participants (f.room), ==, 1);
  g_assert_cmpint (room_state (f.room), ==, GST_STATE_PLAYING);
  forget (&f, "dave");
  g_assert_cmpuint (failed.count, ==, 1);

  faults_clear (&f, &failed);
}

/* Mixed video frames carol received so far. */
static gint
mix_buffers (Client *c)
{
  return MAX (received_from (c, "mix", "video", NULL), 0);
}

typedef struct {
  Client *c;
  gint above;
  guint offers_above;
} MixCheck;

static gboolean
mix_rises (gpointer data)
{
  MixCheck *check = data;

  return !check->c->negotiating && check->c->n_offers > check->offers_above
         && mix_buffers (check->c) > check->above + MIN_BUFFERS;
}

static void
test_mixer_error (void)
{
  Fixture f = { 0 };
  Failed failed = { 0 };
  HcMcuSettings settings = HC_MCU_SETTINGS_DEFAULT;
  g_autoptr (GstElement) compositor = NULL;
  MixCheck check = { 0 };
  Client *carol;

  faults_init (&f, &failed);
  settings.width = 320;
  settings.height = 180;
  hc_media_room_set_mcu_settings (f.room, &settings);
  fixture_join (&f, client_new ("alice"));
  fixture_join (&f, client_new ("bob"));
  in_time (wait_until (everyone_receives_everyone, &f, WAIT_MS),
           "alice and bob receiving each other");
  carol = client_new ("carol");
  hc_media_room_set_mode (f.room, "carol", HC_MEDIA_MODE_MCU);
  fixture_join (&f, carol);
  check.c = carol;
  in_time (wait_until (mix_rises, &check, 2 * WAIT_MS), "carol gets the mix");

  /* the composite fails */
  compositor = find_by_factory (GST_BIN (hc_media_room_get_pipeline (f.room)),
                                "compositor");
  g_assert_nonnull (compositor);
  check.above = mix_buffers (carol);
  check.offers_above = carol->n_offers;
  post_error (compositor, "the composite broke");

  /* a new mixer, a new offer to carol, the mix again; nobody removed */
  in_time (wait_until (mix_rises, &check, 2 * WAIT_MS),
           "carol gets the mix of a restarted mixer");
  g_assert_true (hc_media_room_has_mixer (f.room));
  g_assert_cmpuint (failed.count, ==, 0);
  g_assert_cmpuint (hc_media_room_get_n_participants (f.room), ==, 3);
  g_assert_cmpint (room_state (f.room), ==, GST_STATE_PLAYING);
  assert_still_flowing (&f, fixture_client (&f, "alice"), "bob");
  assert_still_flowing (&f, fixture_client (&f, "bob"), "alice");

  faults_clear (&f, &failed);
}

int
main (int argc, char **argv)
{
  media_test_init (&argc, &argv);

  g_test_add_func ("/media-faults/error-attributed", test_error_attributed);
  g_test_add_func ("/media-faults/media-timeout", test_media_timeout);
  g_test_add_func ("/media-faults/ice-failed", test_ice_failed);
  g_test_add_func ("/media-faults/mixer-error", test_mixer_error);
  return g_test_run ();
}
