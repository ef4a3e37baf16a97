/* hc-srtp-bench — CPU time of srtp_protect and srtp_unprotect with
 * libsrtp2's own crypto (Debian's: NSS) and with hc-srtp-crypto's OpenSSL
 * types, in one process: the stock figures first, since the replacement
 * cannot be undone.  AES_CM_128_HMAC_SHA1_80, the profile webrtcbin
 * negotiates.  Prints one table; exit status 1 when the install or a
 * packet failed.
 *
 *   hc-srtp-bench [--sizes 1200,160] [--packets 20000] [--rounds 5]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <srtp2/srtp.h>

#include <hyperconf/hc-srtp-crypto.h>

#define SSRC 0x0badcafe

typedef struct {
  gdouble protect_us;
  gdouble unprotect_us;
} Figures;

static gdouble
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static srtp_t
session_new (void)
{
  static guint8 master[SRTP_AES_ICM_128_KEY_LEN_WSALT] = { 1, 2, 3, 4, 5 };
  srtp_policy_t policy = { 0 };
  srtp_t session = NULL;

  srtp_crypto_policy_set_rtp_default (&policy.rtp);
  srtp_crypto_policy_set_rtcp_default (&policy.rtcp);
  policy.ssrc.type = ssrc_specific;
  policy.ssrc.value = SSRC;
  policy.key = master;
  policy.window_size = 128;
  if (srtp_create (&session, &policy) != srtp_err_status_ok)
    return NULL;
  return session;
}

/* @packets RTP packets of @size octets protected by one session and
 * unprotected by another, @rounds times; the fastest round counts (the
 * machine may be shared).  FALSE when libsrtp2 refused a packet. */
static gboolean
measure (gsize size, guint packets, guint rounds, Figures *best)
{
  gsize stride = size + SRTP_MAX_TRAILER_LEN;
  g_autofree guint8 *wire = g_malloc0 (stride * packets);
  g_autofree int *lens = g_new (int, packets);

  best->protect_us = best->unprotect_us = G_MAXDOUBLE;
  for (guint round = 0; round < rounds; round++) {
    srtp_t sender = session_new ();
    srtp_t receiver = session_new ();
    gdouble t0, t1, t2;
    gboolean ok = sender && receiver;

    for (guint i = 0; i < packets; i++) {
      guint8 *pkt = wire + i * stride;

      memset (pkt, 0x5a, size);
      pkt[0] = 0x80;
      pkt[1] = 96;
      pkt[2] = (i >> 8) & 0xff;
      pkt[3] = i & 0xff;
      pkt[8] = (SSRC >> 24) & 0xff;
      pkt[9] = (SSRC >> 16) & 0xff;
      pkt[10] = (SSRC >> 8) & 0xff;
      pkt[11] = SSRC & 0xff;
      lens[i] = (int)size;
    }
    t0 = thread_cpu_us ();
    for (guint i = 0; ok && i < packets; i++)
      ok = srtp_protect (sender, wire + i * stride, &lens[i])
           == srtp_err_status_ok;
    t1 = thread_cpu_us ();
    for (guint i = 0; ok && i < packets; i++)
      ok = srtp_unprotect (receiver, wire + i * stride, &lens[i])
           == srtp_err_status_ok;
    t2 = thread_cpu_us ();
    if (sender)
      srtp_dealloc (sender);
    if (receiver)
      srtp_dealloc (receiver);
    if (!ok)
      return FALSE;
    best->protect_us = MIN (best->protect_us, (t1 - t0) / packets);
    best->unprotect_us = MIN (best->unprotect_us, (t2 - t1) / packets);
  }
  return TRUE;
}

static void
print_row (const gchar *operation, const gchar *size, gdouble stock_us,
           gdouble openssl_us)
{
  g_print ("%-16s %6s %10.2f %10.2f %7.1fx\n", operation, size, stock_us,
           openssl_us, stock_us / openssl_us);
}

static gboolean
measure_sizes (GStrv sizes, guint packets, guint rounds, Figures *figures)
{
  for (guint i = 0; sizes[i]; i++)
    if (!measure (g_ascii_strtoull (sizes[i], NULL, 10), packets, rounds,
                  &figures[i])) {
      g_printerr ("hc-srtp-bench: libsrtp2 (%s crypto) refused a packet\n",
                  hc_srtp_crypto_get_backend ());
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree gchar *sizes_arg = NULL;
  gint packets = 20000, rounds = 5;
  const GOptionEntry entries[]
      = { { "sizes", 0, 0, G_OPTION_ARG_STRING, &sizes_arg,
            "RTP packet sizes in octets, header included (1200,160)", "LIST" },
          { "packets", 0, 0, G_OPTION_ARG_INT, &packets,
            "Packets per round (20000)", "N" },
          { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds,
            "Rounds; the fastest counts (5)", "N" },
          G_OPTION_ENTRY_NULL };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) sizes = NULL;
  g_autofree Figures *stock = NULL;
  g_autofree Figures *openssl = NULL;
  guint n;

  g_option_context_set_summary (
      context, "CPU time per SRTP packet: libsrtp2's own crypto against "
               "hc-srtp-crypto's OpenSSL types.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("hc-srtp-bench: %s\n", error->message);
    return 2;
  }
  sizes = g_strsplit (sizes_arg ? sizes_arg : "1200,160", ",", -1);
  n = g_strv_length (sizes);
  if (packets <= 0 || packets > 65000 || rounds <= 0 || n == 0) {
    g_printerr ("hc-srtp-bench: bad --packets, --rounds or --sizes\n");
    return 2;
  }
  stock = g_new0 (Figures, n);
  openssl = g_new0 (Figures, n);
  for (guint i = 0; i < n; i++) {
    guint64 size = g_ascii_strtoull (sizes[i], NULL, 10);

    if (size < 12 || size > 8192) {
      g_printerr ("hc-srtp-bench: size %s out of 12..8192\n", sizes[i]);
      return 2;
    }
  }

  if (srtp_init () != srtp_err_status_ok) {
    g_printerr ("hc-srtp-bench: srtp_init failed\n");
    return 1;
  }
  if (!measure_sizes (sizes, packets, rounds, stock))
    return 1;
  if (!hc_srtp_crypto_install (&error)) {
    g_printerr ("hc-srtp-bench: %s\n", error->message);
    return 1;
  }
  if (!measure_sizes (sizes, packets, rounds, openssl))
    return 1;

  g_print ("AES_CM_128_HMAC_SHA1_80, us of CPU per packet (fastest of %d "
           "rounds of %d packets)\n",
           rounds, packets);
  g_print ("%-16s %6s %10s %10s %8s\n", "operation", "octets", "stock",
           hc_srtp_crypto_get_backend (), "speed-up");
  for (guint i = 0; i < n; i++) {
    print_row ("srtp_protect", sizes[i], stock[i].protect_us,
               openssl[i].protect_us);
    print_row ("srtp_unprotect", sizes[i], stock[i].unprotect_us,
               openssl[i].unprotect_us);
  }
  return 0;
}
