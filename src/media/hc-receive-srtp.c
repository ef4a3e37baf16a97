/* hyperconf — SRTP decryption on the direct receive path (see
 * hc-receive-srtp.h). */
#include "hc-receive-srtp.h"

#include "hc-dtls-key.h"

#include <hyperconf/hc-srtp-crypto.h>
#include <srtp2/srtp.h>
#include <stdatomic.h>

GST_DEBUG_CATEGORY_STATIC (hc_receive_srtp_debug);
#define GST_CAT_DEFAULT hc_receive_srtp_debug

/* srtpdec's default ("replay-window-size") */
#define REPLAY_WINDOW  128
#define RTP_HEADER_LEN 12
/* SSRCs decrypted here per transport (a publisher has a few: audio,
 * video, their RTX); packets of more go to dtlssrtpdec, so that junk
 * with ever new SSRCs cannot make this grow. */
#define MAX_SSRCS 64

/* Set by dtlsdec's "on-key-received" (the DTLS thread), read per packet;
 * shared with the signal's closure, which may outlive @HcReceiveSrtp. */
typedef struct {
  atomic_uint generation;
} KeyFlag;

typedef struct {
  gboolean confirmed; /* one of its packets was unprotected here */
  gboolean pinned;    /* left to dtlssrtpdec */
  guint failures;     /* packets no seed unprotected, while unconfirmed */
} Ssrc;

struct _HcReceiveSrtp {
  GstElement *dtlsdec;
  GstElement *srtpdec;
  GstPad *rtp_src; /* dtlssrtpdec's ghost pad: its peer is rtpbin's */
  KeyFlag *flag;
  gulong key_handler;
  /* nicesrc's thread only */
  guint applied; /* the generation of the key below */
  GBytes *key;   /* NULL: not keyed (or a suite we do not take) */
  srtp_t session;
  srtp_crypto_policy_t rtp_policy, rtcp_policy;
  HcSrtpCryptoShare *share; /* one AES key schedule for all SSRCs */
  GHashTable *ssrcs;        /* SSRC -> Ssrc */
  /* any thread */
  atomic_uint_fast64_t unprotected, dropped, fallback, pinned;
};

static void
key_flag_release (gpointer flag, GClosure *closure)
{
  g_atomic_rc_box_release (flag);
}

/* DTLS thread: a handshake gave dtlsdec a key (again). */
static void
on_key_received (GstElement *dtlsdec, KeyFlag *flag)
{
  atomic_fetch_add (&flag->generation, 1);
}

HcReceiveSrtp *
hc_receive_srtp_new (GstElement *decoder)
{
  static gsize once;
  g_autoptr (GstElement) dtlsdec = NULL;
  g_autoptr (GstElement) srtpdec = NULL;
  g_autoptr (GstPad) rtp_src = NULL;
  HcReceiveSrtp *self;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (hc_receive_srtp_debug, "hcreceivesrtp", 0,
                             "hyperconf: SRTP decryption on the direct "
                             "receive path");
    g_once_init_leave (&once, 1);
  }
  if (!GST_IS_BIN (decoder))
    return NULL;
  dtlsdec = hc_find_by_factory (GST_BIN (decoder), "dtlsdec");
  srtpdec = hc_find_by_factory (GST_BIN (decoder), "srtpdec");
  rtp_src = gst_element_get_static_pad (decoder, "rtp_src");
  if (dtlsdec == NULL || srtpdec == NULL || rtp_src == NULL) {
    GST_WARNING_OBJECT (decoder, "not made as expected: srtpdec decrypts");
    return NULL;
  }
  self = g_new0 (HcReceiveSrtp, 1);
  self->dtlsdec = g_steal_pointer (&dtlsdec);
  self->srtpdec = g_steal_pointer (&srtpdec);
  self->rtp_src = g_steal_pointer (&rtp_src);
  self->flag = g_atomic_rc_box_new0 (KeyFlag);
  /* (generation 1 against 0 applied: the first packet reads the key) */
  atomic_store (&self->flag->generation, 1);
  self->key_handler = g_signal_connect_data (
      self->dtlsdec, "on-key-received", G_CALLBACK (on_key_received),
      g_atomic_rc_box_acquire (self->flag), key_flag_release,
      G_CONNECT_DEFAULT);
  self->share = hc_srtp_crypto_share_new ();
  self->ssrcs = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  return self;
}

static void
unkey (HcReceiveSrtp *self)
{
  if (self->session)
    srtp_dealloc (self->session);
  self->session = NULL;
  g_clear_pointer (&self->key, g_bytes_unref);
  g_hash_table_remove_all (self->ssrcs);
  hc_srtp_crypto_share_clear (self->share);
}

void
hc_receive_srtp_free (HcReceiveSrtp *self)
{
  if (self == NULL)
    return;
  g_signal_handler_disconnect (self->dtlsdec, self->key_handler);
  g_atomic_rc_box_release (self->flag);
  unkey (self);
  hc_srtp_crypto_share_free (self->share);
  g_hash_table_destroy (self->ssrcs);
  gst_object_unref (self->dtlsdec);
  gst_object_unref (self->srtpdec);
  gst_object_unref (self->rtp_src);
  g_free (self);
}

/* Takes dtlsdec's key if it changed since the last look: a new key means
 * new streams (and the SSRCs' ROCs tried afresh). */
static void
refresh_key (HcReceiveSrtp *self)
{
  guint generation
      = atomic_load_explicit (&self->flag->generation, memory_order_acquire);
  g_autoptr (GBytes) key = NULL;
  guint cipher, auth;

  if (generation == self->applied)
    return;
  self->applied = generation;
  key = hc_dtls_key_get (self->dtlsdec, "decoder-key", &cipher, &auth);
  if (key && self->key && g_bytes_equal (key, self->key))
    return;
  unkey (self);
  if (key == NULL)
    return;
  if (cipher != HC_DTLS_CIPHER_AES_128_ICM
      || (auth != HC_DTLS_AUTH_HMAC_SHA1_80
          && auth != HC_DTLS_AUTH_HMAC_SHA1_32)
      || g_bytes_get_size (key) != HC_DTLS_KEY_LEN) {
    GST_INFO_OBJECT (self->dtlsdec,
                     "SRTP suite %u/%u: srtpdec decrypts this transport",
                     cipher, auth);
    return;
  }
  if (srtp_create (&self->session, NULL) != srtp_err_status_ok) {
    GST_WARNING_OBJECT (self->dtlsdec, "srtp_create failed");
    self->session = NULL;
    return;
  }
  if (auth == HC_DTLS_AUTH_HMAC_SHA1_80)
    srtp_crypto_policy_set_rtp_default (&self->rtp_policy);
  else
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32 (&self->rtp_policy);
  srtp_crypto_policy_set_rtcp_default (&self->rtcp_policy);
  self->key = g_steal_pointer (&key);
  GST_INFO_OBJECT (self->dtlsdec, "decrypting RTP (suite %u/%u)", cipher, auth);
}

/* A new stream for @ssrc, in place of the one it may have, starting at
 * rollover counter @roc. */
static gboolean
restart_stream (HcReceiveSrtp *self, guint32 ssrc, guint32 roc)
{
  srtp_policy_t policy = { 0 };
  srtp_err_status_t status;

  srtp_remove_stream (self->session, g_htonl (ssrc));
  policy.rtp = self->rtp_policy;
  policy.rtcp = self->rtcp_policy;
  policy.ssrc.type = ssrc_specific;
  policy.ssrc.value = ssrc;
  policy.key = (guint8 *)g_bytes_get_data (self->key, NULL);
  policy.window_size = REPLAY_WINDOW;
  hc_srtp_crypto_share_enter (self->share);
  status = srtp_add_stream (self->session, &policy);
  hc_srtp_crypto_share_leave ();
  if (status != srtp_err_status_ok) {
    GST_WARNING_OBJECT (self->dtlsdec, "srtp_add_stream: %d", status);
    return FALSE;
  }
  /* (0 is a new stream's own) */
  return roc == 0
         || srtp_set_stream_roc (self->session, ssrc, roc)
                == srtp_err_status_ok;
}

/* The rollover counter srtpdec has reached for @ssrc (FALSE: it has not
 * seen it). */
static gboolean
decoder_roc (HcReceiveSrtp *self, guint32 ssrc, guint32 *roc)
{
  g_autoptr (GstStructure) stats = NULL;
  const GValue *streams;

  g_object_get (self->srtpdec, "stats", &stats, NULL);
  streams = stats ? gst_structure_get_value (stats, "streams") : NULL;
  if (streams == NULL || !GST_VALUE_HOLDS_ARRAY (streams))
    return FALSE;
  for (guint i = 0; i < gst_value_array_get_size (streams); i++) {
    const GValue *v = gst_value_array_get_value (streams, i);
    const GstStructure *s;
    guint one = 0;

    if (!GST_VALUE_HOLDS_STRUCTURE (v))
      continue;
    s = gst_value_get_structure (v);
    if (gst_structure_get_uint (s, "ssrc", &one) && one == ssrc)
      return gst_structure_get_uint (s, "roc", roc);
  }
  return FALSE;
}

/* The first packet(s) of @ssrc: which rollover counter is the
 * publisher's (see the header).  A failed try leaves the packet as it
 * was (libsrtp2 authenticates before it decrypts). */
static srtp_err_status_t
unprotect_first (HcReceiveSrtp *self, Ssrc *st, guint32 ssrc, guint8 *data,
                 int *len)
{
  guint32 tries[4];
  guint n = 0;
  guint32 roc = 0;
  srtp_err_status_t status = srtp_err_status_fail;

  if (decoder_roc (self, ssrc, &roc)) {
    tries[n++] = roc;
    tries[n++] = roc + 1;
    if (roc > 1)
      tries[n++] = roc - 1;
  }
  tries[n++] = 0;
  for (guint i = 0; i < n; i++) {
    int l = *len;

    if (!restart_stream (self, ssrc, tries[i]))
      continue;
    status = srtp_unprotect (self->session, data, &l);
    if (status == srtp_err_status_ok) {
      GST_DEBUG_OBJECT (self->dtlsdec, "SSRC %u: rollover counter %u", ssrc,
                        tries[i]);
      st->confirmed = TRUE;
      *len = l;
      return status;
    }
  }
  return status;
}

/* Returns: (nullable): NULL once MAX_SSRCS are known (packets of any
 * other SSRC go to dtlssrtpdec) */
static Ssrc *
get_ssrc (HcReceiveSrtp *self, guint32 ssrc)
{
  Ssrc *st = g_hash_table_lookup (self->ssrcs, GUINT_TO_POINTER (ssrc));

  if (st == NULL) {
    if (g_hash_table_size (self->ssrcs) >= MAX_SSRCS)
      return NULL;
    st = g_new0 (Ssrc, 1);
    g_hash_table_insert (self->ssrcs, GUINT_TO_POINTER (ssrc), st);
  }
  return st;
}

gboolean
hc_receive_srtp_process (HcReceiveSrtp *self, GstBuffer **buffer,
                         GstFlowReturn *ret)
{
  guint8 head[RTP_HEADER_LEN];
  srtp_err_status_t status;
  GstMapInfo map;
  guint32 ssrc;
  Ssrc *st;
  int len;

  refresh_key (self);
  if (self->session == NULL
      || gst_buffer_extract (*buffer, 0, head, sizeof head) != sizeof head)
    return FALSE;
  ssrc = GST_READ_UINT32_BE (head + 8);
  st = get_ssrc (self, ssrc);
  if (st == NULL || st->pinned)
    return FALSE;
  *buffer = gst_buffer_make_writable (*buffer);
  if (!gst_buffer_map (*buffer, &map, GST_MAP_READWRITE))
    return FALSE;
  len = (int)map.size;
  if (st->confirmed)
    status = srtp_unprotect (self->session, map.data, &len);
  else
    status = unprotect_first (self, st, ssrc, map.data, &len);
  gst_buffer_unmap (*buffer, &map);

  if (status == srtp_err_status_ok) {
    gst_buffer_resize (*buffer, 0, len);
    atomic_fetch_add_explicit (&self->unprotected, 1, memory_order_relaxed);
    *ret = gst_pad_push (self->rtp_src, g_steal_pointer (buffer));
    return TRUE;
  }
  if (!st->confirmed) {
    /* srtpdec followed the stream so far: it decides */
    GST_DEBUG_OBJECT (self->dtlsdec, "SSRC %u: to srtpdec (%d), %u known", ssrc,
                      status, g_hash_table_size (self->ssrcs));
    atomic_fetch_add_explicit (&self->fallback, 1, memory_order_relaxed);
    /* (made again for the next try; none kept for junk SSRCs) */
    srtp_remove_stream (self->session, g_htonl (ssrc));
    if (++st->failures >= HC_RECEIVE_SRTP_MAX_UNCONFIRMED) {
      GST_WARNING_OBJECT (self->dtlsdec,
                          "SSRC %u: no rollover counter authenticates (%d): "
                          "srtpdec decrypts it",
                          ssrc, status);
      st->pinned = TRUE;
      atomic_fetch_add_explicit (&self->pinned, 1, memory_order_relaxed);
    }
    return FALSE;
  }
  GST_LOG_OBJECT (self->dtlsdec, "SSRC %u: dropped (%d)", ssrc, status);
  atomic_fetch_add_explicit (&self->dropped, 1, memory_order_relaxed);
  gst_clear_buffer (buffer);
  *ret = GST_FLOW_OK;
  return TRUE;
}

void
hc_receive_srtp_add_stats (HcReceiveSrtp *self, HcReceiveSrtpStats *stats)
{
  stats->unprotected += atomic_load (&self->unprotected);
  stats->dropped += atomic_load (&self->dropped);
  stats->fallback += atomic_load (&self->fallback);
  stats->pinned += atomic_load (&self->pinned);
}
