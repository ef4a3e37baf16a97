/* Unit tests for hc-srtp-crypto: libsrtp2's AES-ICM and HMAC-SHA1 on
 * OpenSSL give the same SRTP and SRTCP bytes as libsrtp2's own crypto.
 *
 * The replacement is process-wide and cannot be undone, so main() records
 * the stock output first, before anything is installed, and the tests
 * compare against it.  Tests that need the stock crypto kept run in a
 * subprocess. */
#include <string.h>

#include <gio/gio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <srtp2/srtp.h>

#include <hyperconf/hc-srtp-crypto.h>

#define SSRC            0x5ca1ab1e
#define FIRST_RTP_SIZE  12
#define LAST_RTP_SIZE   1400
#define FIRST_RTCP_SIZE 8
#define RTCP_STEP       7
/* Close below 65535: the sequence number wraps and the ROC steps. */
#define FIRST_SEQ 65000
#define EXT_ID    1

typedef struct {
  const gchar *name;
  void (*set_rtp) (srtp_crypto_policy_t *policy);
  void (*set_rtcp) (srtp_crypto_policy_t *policy);
  gsize key_len;
  gboolean encrypt_extension; /* RFC 6904, on header extension EXT_ID */
} Profile;

static void
set_128_80 (srtp_crypto_policy_t *policy)
{
  srtp_crypto_policy_set_rtp_default (policy);
}

static const Profile profiles[] = {
  { "aes-cm-128-hmac-sha1-80", set_128_80, set_128_80, 30, FALSE },
  { "aes-cm-128-hmac-sha1-32", srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
    set_128_80, 30, FALSE },
  { "aes-cm-256-hmac-sha1-80", srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 46, FALSE },
  { "aes-cm-128-hmac-sha1-80-encrypted-extension", set_128_80, set_128_80, 30,
    TRUE },
};
/* Per key: the stream's starting rollover counter. */
static const guint32 start_rocs[] = { 0, 0x1234, 0xfffffffe };
#define N_KEYS G_N_ELEMENTS (start_rocs)

/* Plain and protected packets of one profile and key, in sending order. */
typedef struct {
  GPtrArray *rtp_plain, *rtp_protected;
  GPtrArray *rtcp_plain, *rtcp_protected;
} Transcript;

static Transcript stock[G_N_ELEMENTS (profiles)][N_KEYS];

static void
transcript_clear (Transcript *t)
{
  g_clear_pointer (&t->rtp_plain, g_ptr_array_unref);
  g_clear_pointer (&t->rtp_protected, g_ptr_array_unref);
  g_clear_pointer (&t->rtcp_plain, g_ptr_array_unref);
  g_clear_pointer (&t->rtcp_protected, g_ptr_array_unref);
}

static void
make_key (guint profile, guint key, guint8 *out, gsize len)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (1000 * profile + key);

  for (gsize i = 0; i < len; i++)
    out[i] = (guint8)g_rand_int (rand);
}

/* One stream's session: sending or receiving, with @roc set. */
static srtp_t
session_new (guint profile, guint key)
{
  const Profile *p = &profiles[profile];
  static int ext_ids[] = { EXT_ID };
  guint8 master[46];
  srtp_policy_t policy = { 0 };
  srtp_t session = NULL;

  make_key (profile, key, master, p->key_len);
  p->set_rtp (&policy.rtp);
  p->set_rtcp (&policy.rtcp);
  policy.ssrc.type = ssrc_specific;
  policy.ssrc.value = SSRC;
  policy.key = master;
  policy.window_size = 128;
  if (p->encrypt_extension) {
    policy.enc_xtn_hdr = ext_ids;
    policy.enc_xtn_hdr_count = 1;
  }
  g_assert_cmpint (srtp_create (&session, &policy), ==, srtp_err_status_ok);
  g_assert_cmpint (srtp_set_stream_roc (session, SSRC, start_rocs[key]), ==,
                   srtp_err_status_ok);
  return session;
}

/* An RTP packet of @size octets: a header with, by size, CSRCs and a
 * one-byte header extension, then random payload. */
static GBytes *
make_rtp (GRand *rand, gsize size, guint16 seq, gboolean extension)
{
  guint8 *pkt = g_malloc0 (size);
  gsize at = 12;
  guint csrcs = size >= 40 ? size % 3 : 0;

  pkt[0] = 0x80 | csrcs | (extension ? 0x10 : 0);
  pkt[1] = 96 | (size % 5 == 0 ? 0x80 : 0);
  pkt[2] = seq >> 8;
  pkt[3] = seq & 0xff;
  for (guint i = 4; i < 8; i++)
    pkt[i] = (guint8)g_rand_int (rand);
  pkt[8] = (SSRC >> 24) & 0xff;
  pkt[9] = (SSRC >> 16) & 0xff;
  pkt[10] = (SSRC >> 8) & 0xff;
  pkt[11] = SSRC & 0xff;
  for (guint i = 0; i < csrcs * 4; i++)
    pkt[at++] = (guint8)g_rand_int (rand);
  if (extension) {
    /* 0xBEDE, one word: element id EXT_ID, 3 octets, padding. */
    const guint8 head[] = { 0xbe, 0xde, 0x00, 0x01, (EXT_ID << 4) | 2 };

    memcpy (pkt + at, head, sizeof head);
    for (guint i = 0; i < 3; i++)
      pkt[at + sizeof head + i] = (guint8)g_rand_int (rand);
    at += 8;
  }
  for (; at < size; at++)
    pkt[at] = (guint8)g_rand_int (rand);
  return g_bytes_new_take (pkt, size);
}

/* A sender report of @size octets (its length field says so) with random
 * content after the SSRC. */
static GBytes *
make_rtcp (GRand *rand, gsize size)
{
  guint8 *pkt = g_malloc0 (size);
  guint words = size / 4 - 1;

  pkt[0] = 0x80;
  pkt[1] = 200;
  pkt[2] = words >> 8;
  pkt[3] = words & 0xff;
  pkt[4] = (SSRC >> 24) & 0xff;
  pkt[5] = (SSRC >> 16) & 0xff;
  pkt[6] = (SSRC >> 8) & 0xff;
  pkt[7] = SSRC & 0xff;
  for (gsize i = 8; i < size; i++)
    pkt[i] = (guint8)g_rand_int (rand);
  return g_bytes_new_take (pkt, size);
}

typedef srtp_err_status_t (*Transform) (srtp_t, void *, int *);

static GBytes *
transform (srtp_t session, Transform func, GBytes *in, srtp_err_status_t *st)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (in, &len);
  guint8 *buf = g_malloc (len + SRTP_MAX_TRAILER_LEN + 4);
  int out_len = (int)len;

  memcpy (buf, data, len);
  *st = func (session, buf, &out_len);
  if (*st != srtp_err_status_ok) {
    g_free (buf);
    return NULL;
  }
  return g_bytes_new_take (buf, (gsize)out_len);
}

static GBytes *
protect (srtp_t session, Transform func, GBytes *in)
{
  srtp_err_status_t status;
  GBytes *out = transform (session, func, in, &status);

  g_assert_cmpint (status, ==, srtp_err_status_ok);
  return out;
}

/* Every RTP size from 12 to 1400 octets (20 up with an extension), then
 * SRTCP from 8 octets up, through one session. */
static void
record (guint profile, guint key, Transcript *t)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7 * profile + key);
  gboolean ext = profiles[profile].encrypt_extension;
  srtp_t session = session_new (profile, key);
  guint16 seq = FIRST_SEQ;

  t->rtp_plain = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  t->rtp_protected
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  t->rtcp_plain
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  t->rtcp_protected
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  for (gsize size = ext ? 20 : FIRST_RTP_SIZE; size <= LAST_RTP_SIZE;
       size++, seq++) {
    GBytes *plain = make_rtp (rand, size, seq, ext);

    g_ptr_array_add (t->rtp_plain, plain);
    g_ptr_array_add (t->rtp_protected, protect (session, srtp_protect, plain));
  }
  for (gsize size = FIRST_RTCP_SIZE; size <= LAST_RTP_SIZE; size += RTCP_STEP) {
    GBytes *plain = make_rtcp (rand, size & ~(gsize)3);

    g_ptr_array_add (t->rtcp_plain, plain);
    g_ptr_array_add (t->rtcp_protected,
                     protect (session, srtp_protect_rtcp, plain));
  }
  srtp_dealloc (session);
}

static void
assert_same_packets (GPtrArray *expected, GPtrArray *got, const gchar *what)
{
  g_assert_cmpuint (got->len, ==, expected->len);
  for (guint i = 0; i < expected->len; i++) {
    if (!g_bytes_equal (expected->pdata[i], got->pdata[i])) {
      g_test_message ("%s packet %u (%zu octets) differs", what, i,
                      g_bytes_get_size (expected->pdata[i]));
      g_test_fail ();
      return;
    }
  }
}

static void
install_or_fail (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (hc_srtp_crypto_install (&error));
  g_assert_no_error (error);
  g_assert_cmpstr (hc_srtp_crypto_get_backend (), ==, "openssl");
}

static void
test_install (void)
{
  install_or_fail ();
  /* Once per process: a second call does nothing more. */
  install_or_fail ();
}

/* A session made after the install allocates its contexts from the
 * OpenSSL types, and frees them with the session. */
static void
test_sessions_use_openssl (void)
{
  guint before;
  srtp_t session;

  install_or_fail ();
  before = hc_srtp_crypto_get_n_contexts ();
  session = session_new (0, 0);
  /* RTP and RTCP, cipher and auth. */
  g_assert_cmpuint (hc_srtp_crypto_get_n_contexts (), ==, before + 4);
  srtp_dealloc (session);
  g_assert_cmpuint (hc_srtp_crypto_get_n_contexts (), ==, before);
}

static void
test_identical_output (gconstpointer data)
{
  guint profile = GPOINTER_TO_UINT (data);

  install_or_fail ();
  for (guint key = 0; key < N_KEYS; key++) {
    Transcript now = { 0 };

    record (profile, key, &now);
    assert_same_packets (stock[profile][key].rtp_plain, now.rtp_plain,
                         "plain RTP (the test's own generator)");
    assert_same_packets (stock[profile][key].rtp_protected, now.rtp_protected,
                         "SRTP");
    assert_same_packets (stock[profile][key].rtcp_protected, now.rtcp_protected,
                         "SRTCP");
    transcript_clear (&now);
  }
  g_assert_cmpuint (hc_srtp_crypto_get_n_contexts (), ==, 0);
}

/* Sessions of one key made in a share (hcsrtpsend's, one per SSRC) run on
 * one OpenSSL context per key and still protect exactly as the stock
 * crypto did, each with its own counter and index, used in turn; the
 * share may go before them. */
#define N_SHARING 3

static void
test_share (gconstpointer data)
{
  guint profile = GPOINTER_TO_UINT (data);
  HcSrtpCryptoShare *share;
  srtp_t sessions[N_SHARING];
  guint n_keys = 0, per_session = 0;
  Transcript *t = &stock[profile][1];

  install_or_fail ();
  share = hc_srtp_crypto_share_new ();
  for (guint i = 0; i < N_SHARING; i++) {
    hc_srtp_crypto_share_enter (share);
    sessions[i] = session_new (profile, 1);
    hc_srtp_crypto_share_leave ();
    /* The first session brings the keys; the others add none. */
    if (i == 0) {
      n_keys = hc_srtp_crypto_share_get_n_keys (share);
      per_session = hc_srtp_crypto_get_n_contexts ();
    }
    g_assert_cmpuint (n_keys, >, 0);
    g_assert_cmpuint (hc_srtp_crypto_share_get_n_keys (share), ==, n_keys);
  }
  /* Each session still has its contexts (salt, counter), only not their
   * OpenSSL state. */
  g_assert_cmpuint (per_session, >=, 4);
  g_assert_cmpuint (hc_srtp_crypto_get_n_contexts (), ==,
                    per_session * N_SHARING);

  for (guint j = 0; j < t->rtp_plain->len; j++) {
    if (j == t->rtp_plain->len / 2)
      g_clear_pointer (&share, hc_srtp_crypto_share_free);
    for (guint i = 0; i < N_SHARING; i++) {
      g_autoptr (GBytes) out
          = protect (sessions[i], srtp_protect, t->rtp_plain->pdata[j]);

      g_assert_true (g_bytes_equal (out, t->rtp_protected->pdata[j]));
    }
  }
  for (guint j = 0; j < t->rtcp_plain->len; j++) {
    for (guint i = 0; i < N_SHARING; i++) {
      g_autoptr (GBytes) out
          = protect (sessions[i], srtp_protect_rtcp, t->rtcp_plain->pdata[j]);

      g_assert_true (g_bytes_equal (out, t->rtcp_protected->pdata[j]));
    }
  }
  for (guint i = 0; i < N_SHARING; i++)
    srtp_dealloc (sessions[i]);
  g_assert_cmpuint (hc_srtp_crypto_get_n_contexts (), ==, 0);
}

/* After a clear, a share keys afresh: a session of another key is not
 * given the old key's contexts. */
static void
test_share_clear (void)
{
  HcSrtpCryptoShare *share = hc_srtp_crypto_share_new ();
  Transcript *t = &stock[0][2];
  srtp_t old, fresh;

  install_or_fail ();
  hc_srtp_crypto_share_enter (share);
  old = session_new (0, 1);
  hc_srtp_crypto_share_leave ();
  hc_srtp_crypto_share_clear (share);
  g_assert_cmpuint (hc_srtp_crypto_share_get_n_keys (share), ==, 0);
  hc_srtp_crypto_share_enter (share);
  fresh = session_new (0, 2);
  hc_srtp_crypto_share_leave ();
  g_assert_cmpuint (hc_srtp_crypto_share_get_n_keys (share), >, 0);
  for (guint j = 0; j < t->rtp_plain->len; j++) {
    g_autoptr (GBytes) out
        = protect (fresh, srtp_protect, t->rtp_plain->pdata[j]);

    g_assert_true (g_bytes_equal (out, t->rtp_protected->pdata[j]));
  }
  srtp_dealloc (old);
  srtp_dealloc (fresh);
  hc_srtp_crypto_share_free (share);
  g_assert_cmpuint (hc_srtp_crypto_get_n_contexts (), ==, 0);
}

/* A receiving session on the OpenSSL types takes back every packet the
 * stock crypto protected. */
static void
test_round_trip (gconstpointer data)
{
  guint profile = GPOINTER_TO_UINT (data);

  install_or_fail ();
  for (guint key = 0; key < N_KEYS; key++) {
    Transcript *t = &stock[profile][key];
    srtp_t session = session_new (profile, key);
    g_autoptr (GPtrArray) rtp
        = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
    g_autoptr (GPtrArray) rtcp
        = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);

    for (guint i = 0; i < t->rtp_protected->len; i++)
      g_ptr_array_add (
          rtp, protect (session, srtp_unprotect, t->rtp_protected->pdata[i]));
    for (guint i = 0; i < t->rtcp_protected->len; i++)
      g_ptr_array_add (rtcp, protect (session, srtp_unprotect_rtcp,
                                      t->rtcp_protected->pdata[i]));
    assert_same_packets (t->rtp_plain, rtp, "unprotected RTP");
    assert_same_packets (t->rtcp_plain, rtcp, "unprotected RTCP");
    srtp_dealloc (session);
  }
}

/* Flips one bit of @in at @offset (negative: from the end). */
static GBytes *
flip (GBytes *in, gssize offset)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (in, &len);
  guint8 *copy = g_memdup2 (data, len);

  copy[offset < 0 ? (gssize)len + offset : offset] ^= 0x10;
  return g_bytes_new_take (copy, len);
}

/* Packets changed on the way (payload, header or tag) fail
 * authentication; the untouched one still passes after them. */
static void
test_tampered_rejected (void)
{
  Transcript *t = &stock[0][1];
  guint last = t->rtp_protected->len - 1;
  GBytes *good_rtp = t->rtp_protected->pdata[last];
  GBytes *good_rtcp = t->rtcp_protected->pdata[t->rtcp_protected->len - 1];
  const gssize rtp_offsets[] = { 3, 12, 700, -1, -10 };
  const gssize rtcp_offsets[] = { 9, 100, -1, -11 };
  srtp_t session;
  srtp_err_status_t status;
  g_autoptr (GBytes) plain = NULL;

  install_or_fail ();
  session = session_new (0, 1);
  /* The receiver expects the last packet's index. */
  g_assert_cmpint (srtp_set_stream_roc (session, SSRC, start_rocs[1] + 1), ==,
                   srtp_err_status_ok);
  for (guint i = 0; i < G_N_ELEMENTS (rtp_offsets); i++) {
    g_autoptr (GBytes) bad = flip (good_rtp, rtp_offsets[i]);

    g_assert_null (transform (session, srtp_unprotect, bad, &status));
    g_assert_cmpint (status, ==, srtp_err_status_auth_fail);
  }
  for (guint i = 0; i < G_N_ELEMENTS (rtcp_offsets); i++) {
    g_autoptr (GBytes) bad = flip (good_rtcp, rtcp_offsets[i]);

    g_assert_null (transform (session, srtp_unprotect_rtcp, bad, &status));
    g_assert_cmpint (status, ==, srtp_err_status_auth_fail);
  }
  plain = protect (session, srtp_unprotect, good_rtp);
  g_assert_true (g_bytes_equal (plain, t->rtp_plain->pdata[last]));
  srtp_dealloc (session);
}

/* The packet for srtpenc, and what the stock types made of it (main()
 * calls this first, before the install). */
static GBytes *
srtpenc_plain_stock (GBytes **plain)
{
  static GBytes *packet, *stock_protected;

  if (packet == NULL) {
    g_autoptr (GRand) rand = g_rand_new_with_seed (99);
    srtp_t session = session_new (0, 0);

    packet = make_rtp (rand, 200, 1000, FALSE);
    stock_protected = protect (session, srtp_protect, packet);
    srtp_dealloc (session);
  }
  *plain = g_bytes_ref (packet);
  return g_bytes_ref (stock_protected);
}

/* webrtcbin's srtpenc, created after the install (its plugin loads then
 * and calls srtp_init() again), protects on the OpenSSL types, with the
 * bytes libsrtp2's own crypto gives. */
static void
test_gst_srtpenc (void)
{
  g_autoptr (GBytes) plain = NULL;
  g_autoptr (GBytes) expected = NULL;
  g_autoptr (GstBuffer) key = NULL;
  GstElement *enc;
  GstHarness *h;
  GstBuffer *out;
  GstMapInfo map;
  guint8 master[SRTP_AES_ICM_128_KEY_LEN_WSALT];
  gsize len;
  const guint8 *data;
  guint before;

  install_or_fail ();
  expected = srtpenc_plain_stock (&plain);
  data = g_bytes_get_data (plain, &len);
  before = hc_srtp_crypto_get_n_contexts ();
  /* Its default profile is AES_CM_128_HMAC_SHA1_80, profile 0's. */
  enc = gst_element_factory_make ("srtpenc", NULL);
  g_assert_nonnull (enc);
  make_key (0, 0, master, sizeof master);
  key = gst_buffer_new_memdup (master, sizeof master);
  g_object_set (enc, "key", key, NULL);
  h = gst_harness_new_with_element (enc, "rtp_sink_0", "rtp_src_0");
  gst_object_unref (enc);
  gst_harness_set_src_caps_str (h, "application/x-rtp");
  g_assert_cmpint (gst_harness_push (h, gst_buffer_new_memdup (data, len)), ==,
                   GST_FLOW_OK);
  out = gst_harness_pull (h);
  g_assert_nonnull (out);
  g_assert_cmpuint (hc_srtp_crypto_get_n_contexts (), >=, before + 4);

  g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
  g_assert_cmpmem (map.data, map.size, g_bytes_get_data (expected, NULL),
                   g_bytes_get_size (expected));
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_assert_cmpuint (hc_srtp_crypto_get_n_contexts (), ==, before);
}

/* HC_SRTP_CRYPTO=stock, and an unknown value, keep libsrtp2's own crypto:
 * no OpenSSL context, the same output. */
static void
check_stock_kept (void)
{
  Transcript now = { 0 };
  srtp_t session = session_new (0, 0);

  g_assert_cmpstr (hc_srtp_crypto_get_backend (), ==, "stock");
  g_assert_cmpuint (hc_srtp_crypto_get_n_contexts (), ==, 0);
  srtp_dealloc (session);
  record (0, 0, &now);
  assert_same_packets (stock[0][0].rtp_protected, now.rtp_protected, "SRTP");
  transcript_clear (&now);
}

static void
test_stock_by_environment (void)
{
  if (g_test_subprocess ()) {
    g_setenv ("HC_SRTP_CRYPTO", "stock", TRUE);
    g_assert_true (hc_srtp_crypto_install (NULL));
    check_stock_kept ();
    return;
  }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, 0);
  g_test_trap_assert_passed ();
}

static void
test_unknown_backend (void)
{
  if (g_test_subprocess ()) {
    g_autoptr (GError) error = NULL;

    g_setenv ("HC_SRTP_CRYPTO", "fastest", TRUE);
    g_assert_false (hc_srtp_crypto_install (&error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, "fastest"));
    check_stock_kept ();
    return;
  }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, 0);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  GBytes *plain;

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  /* The stock reference, before anything replaces it. */
  g_assert_cmpint (srtp_init (), ==, srtp_err_status_ok);
  for (guint p = 0; p < G_N_ELEMENTS (profiles); p++)
    for (guint k = 0; k < N_KEYS; k++)
      record (p, k, &stock[p][k]);
  g_bytes_unref (srtpenc_plain_stock (&plain));
  g_bytes_unref (plain);

  g_test_add_func ("/srtp-crypto/stock-by-environment",
                   test_stock_by_environment);
  g_test_add_func ("/srtp-crypto/unknown-backend", test_unknown_backend);
  g_test_add_func ("/srtp-crypto/install", test_install);
  g_test_add_func ("/srtp-crypto/sessions-use-openssl",
                   test_sessions_use_openssl);
  for (guint p = 0; p < G_N_ELEMENTS (profiles); p++) {
    g_autofree gchar *same
        = g_strdup_printf ("/srtp-crypto/identical/%s", profiles[p].name);
    g_autofree gchar *trip
        = g_strdup_printf ("/srtp-crypto/round-trip/%s", profiles[p].name);
    g_autofree gchar *shared
        = g_strdup_printf ("/srtp-crypto/share/%s", profiles[p].name);

    g_test_add_data_func (same, GUINT_TO_POINTER (p), test_identical_output);
    g_test_add_data_func (trip, GUINT_TO_POINTER (p), test_round_trip);
    g_test_add_data_func (shared, GUINT_TO_POINTER (p), test_share);
  }
  g_test_add_func ("/srtp-crypto/share-clear", test_share_clear);
  g_test_add_func ("/srtp-crypto/tampered-rejected", test_tampered_rejected);
  g_test_add_func ("/srtp-crypto/gst-srtpenc", test_gst_srtpenc);
  return g_test_run ();
}
