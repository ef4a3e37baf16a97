/* hyperconf — SRTP crypto on OpenSSL for the whole process.
 *
 * libsrtp2's crypto kernel holds one cipher or auth "type" (a table of
 * functions) per algorithm id, and every srtp_create()/srtp_add_stream()
 * allocates its contexts through it.  srtp_replace_cipher_type() and
 * srtp_replace_auth_type() swap an entry after running the new type's own
 * test vectors and the replaced type's ones; we run our vectors first, for
 * all the types, so that either all of them go in or none.
 *
 * Per-packet cost is what this is about: a cipher context keeps its
 * expanded AES key in an EVP_CIPHER_CTX, and a new IV only re-sets the
 * counter; an auth context keeps the HMAC's inner and outer SHA-1 states
 * digested once at the key and copies them per packet.
 */
#define G_LOG_DOMAIN "hc-srtp-crypto"
/* SHA1_Init/Update/Final (the HMAC below): deprecated, not removed, in
 * OpenSSL 3.0 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <hyperconf/hc-srtp-crypto.h>

#include <string.h>

#include <gio/gio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/crypto_types.h>
#include <srtp2/srtp.h>

#define SALT_LEN    14
#define COUNTER_LEN 16
#define SHA1_LEN    20
/* AES-ICM's block counter is the IV's last 16 bits (RFC 3711 4.1.1):
 * past 2^16 blocks another implementation would wrap or refuse, OpenSSL
 * would carry into the packet index; we refuse, like libsrtp2's own. */
#define ICM_MAX_KEYSTREAM ((gsize)0x10000 * 16)

static gint n_contexts;

/* ---- Shares --------------------------------------------------------------
 *
 * One AES EVP_CIPHER_CTX per key in a share, for the cipher contexts
 * keyed while the share is entered in their thread.  libsrtp2 derives a
 * stream's session keys from the master key alone (RFC 3711 4.3), so the
 * sessions of one master key, one per SSRC, would otherwise each hold
 * (and each bring into the CPU's cache, through OpenSSL's pointers) the
 * same key schedule.  The contexts keep their own salt and counter
 * window; the caller serialises every use of a share's sessions (set_iv
 * and crypt), since they then run on one EVP_CIPHER_CTX.  The HMAC states
 * (plain SHA_CTX copies inside each auth context) are not shared. */

typedef struct {
  gint refs;          /* atomic: the share's, and each context's */
  gconstpointer algo; /* the EVP_CIPHER */
  gsize key_len;
  guint8 key[SRTP_MAX_KEY_LEN];
  EVP_CIPHER_CTX *evp;
} Shared;

struct _HcSrtpCryptoShare {
  GPtrArray *entries; /* Shared, a reference each */
};

static _Thread_local HcSrtpCryptoShare *current_share;

static void
shared_unref (Shared *sh)
{
  if (!g_atomic_int_dec_and_test (&sh->refs))
    return;
  EVP_CIPHER_CTX_free (sh->evp);
  OPENSSL_cleanse (sh, sizeof *sh);
  g_free (sh);
}

/* In the current share: the entry of @algo keyed with @key (a new
 * reference), or NULL. */
static Shared *
shared_find (gconstpointer algo, const guint8 *key, gsize key_len)
{
  if (current_share == NULL)
    return NULL;
  for (guint i = 0; i < current_share->entries->len; i++) {
    Shared *sh = g_ptr_array_index (current_share->entries, i);

    if (sh->algo == algo && sh->key_len == key_len
        && CRYPTO_memcmp (sh->key, key, key_len) == 0) {
      g_atomic_int_inc (&sh->refs);
      return sh;
    }
  }
  return NULL;
}

/* In the current share (if any), a new entry owning @evp, keyed with
 * @key: a reference for the caller, or NULL without a share. */
static Shared *
shared_add (gconstpointer algo, const guint8 *key, gsize key_len,
            EVP_CIPHER_CTX *evp)
{
  Shared *sh;

  if (current_share == NULL || key_len > SRTP_MAX_KEY_LEN)
    return NULL;
  sh = g_new0 (Shared, 1);
  sh->refs = 2;
  sh->algo = algo;
  sh->key_len = key_len;
  memcpy (sh->key, key, key_len);
  sh->evp = evp;
  g_ptr_array_add (current_share->entries, sh);
  return sh;
}

HcSrtpCryptoShare *
hc_srtp_crypto_share_new (void)
{
  HcSrtpCryptoShare *share = g_new0 (HcSrtpCryptoShare, 1);

  share->entries
      = g_ptr_array_new_with_free_func ((GDestroyNotify)shared_unref);
  return share;
}

void
hc_srtp_crypto_share_clear (HcSrtpCryptoShare *share)
{
  g_ptr_array_set_size (share->entries, 0);
}

void
hc_srtp_crypto_share_free (HcSrtpCryptoShare *share)
{
  if (share == NULL)
    return;
  g_ptr_array_unref (share->entries);
  g_free (share);
}

void
hc_srtp_crypto_share_enter (HcSrtpCryptoShare *share)
{
  current_share = share;
}

void
hc_srtp_crypto_share_leave (void)
{
  current_share = NULL;
}

guint
hc_srtp_crypto_share_get_n_keys (HcSrtpCryptoShare *share)
{
  return share->entries->len;
}

/* Fetched once at install, shared by every context (EVP objects are
 * reference counted and safe to share between threads). */
static EVP_CIPHER *aes_128_ctr;
static EVP_CIPHER *aes_256_ctr;

/* ---- AES-ICM ------------------------------------------------------------ */

typedef struct {
  EVP_CIPHER_CTX *evp;
  const EVP_CIPHER *cipher;
  gsize key_size;
  guint8 salt[COUNTER_LEN]; /* the session salt, last two octets zero */
  gsize keystream_left;     /* octets the counter allows since the IV */
  Shared *shared;           /* evp is the share's */
} IcmState;

static const srtp_cipher_type_t icm_128_type;
static const srtp_cipher_type_t icm_256_type;

static srtp_err_status_t
icm_alloc (srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
  srtp_cipher_t *c;
  IcmState *state;

  if (key_len != SRTP_AES_ICM_128_KEY_LEN_WSALT
      && key_len != SRTP_AES_ICM_256_KEY_LEN_WSALT)
    return srtp_err_status_bad_param;

  state = g_new0 (IcmState, 1);
  state->evp = EVP_CIPHER_CTX_new ();
  if (state->evp == NULL) {
    g_free (state);
    return srtp_err_status_alloc_fail;
  }
  c = g_new0 (srtp_cipher_t, 1);
  if (key_len == SRTP_AES_ICM_128_KEY_LEN_WSALT) {
    c->type = &icm_128_type;
    c->algorithm = SRTP_AES_ICM_128;
    state->cipher = aes_128_ctr;
    state->key_size = SRTP_AES_128_KEY_LEN;
  } else {
    c->type = &icm_256_type;
    c->algorithm = SRTP_AES_ICM_256;
    state->cipher = aes_256_ctr;
    state->key_size = SRTP_AES_256_KEY_LEN;
  }
  c->state = state;
  c->key_len = key_len;
  *cp = c;
  g_atomic_int_inc (&n_contexts);
  return srtp_err_status_ok;
}

static srtp_err_status_t
icm_dealloc (srtp_cipher_pointer_t c)
{
  IcmState *state = c->state;

  if (state->shared)
    shared_unref (state->shared);
  else
    EVP_CIPHER_CTX_free (state->evp); /* cleanses the key schedule */
  OPENSSL_cleanse (state, sizeof *state);
  g_free (state);
  g_free (c);
  g_atomic_int_add (&n_contexts, -1);
  return srtp_err_status_ok;
}

/* @key is the AES key followed by the 14-octet salt. */
static srtp_err_status_t
icm_init (void *statep, const uint8_t *key)
{
  IcmState *state = statep;
  Shared *sh;

  memset (state->salt, 0, sizeof state->salt);
  memcpy (state->salt, key + state->key_size, SALT_LEN);
  state->keystream_left = 0;
  if (state->shared) {
    /* Keyed again (libsrtp2 does not): a context of its own again. */
    shared_unref (g_steal_pointer (&state->shared));
    state->evp = EVP_CIPHER_CTX_new ();
    if (state->evp == NULL)
      return srtp_err_status_alloc_fail;
  }
  sh = shared_find (state->cipher, key, state->key_size);
  if (sh != NULL) {
    EVP_CIPHER_CTX_free (state->evp);
    state->evp = sh->evp;
    state->shared = sh;
    return srtp_err_status_ok;
  }
  if (!EVP_EncryptInit_ex (state->evp, state->cipher, NULL, key, NULL))
    return srtp_err_status_cipher_fail;
  state->shared = shared_add (state->cipher, key, state->key_size, state->evp);
  return srtp_err_status_ok;
}

/* The counter is salt XOR IV; CTR mode is its own inverse, so @direction
 * does not matter. */
static srtp_err_status_t
icm_set_iv (void *statep, uint8_t *iv, srtp_cipher_direction_t direction)
{
  IcmState *state = statep;
  guint8 counter[COUNTER_LEN];
  guint first_block;

  for (guint i = 0; i < COUNTER_LEN; i++)
    counter[i] = state->salt[i] ^ iv[i];
  first_block = (counter[14] << 8) | counter[15];
  state->keystream_left = ICM_MAX_KEYSTREAM - (gsize)first_block * 16;
  /* No cipher: keeps the expanded key, sets the IV, restarts the
   * keystream at its first octet. */
  if (!EVP_EncryptInit_ex (state->evp, NULL, NULL, NULL, counter))
    return srtp_err_status_cipher_fail;
  return srtp_err_status_ok;
}

/* In place; consecutive calls continue the keystream (libsrtp2 encrypts
 * a header extension in pieces after one IV). */
static srtp_err_status_t
icm_crypt (void *statep, uint8_t *buffer, unsigned int *octets)
{
  IcmState *state = statep;
  int out_len = 0;

  if (*octets == 0)
    return srtp_err_status_ok;
  if (*octets > state->keystream_left || *octets > G_MAXINT)
    return srtp_err_status_terminus;
  if (!EVP_EncryptUpdate (state->evp, buffer, &out_len, buffer, *octets)
      || (unsigned int)out_len != *octets)
    return srtp_err_status_cipher_fail;
  state->keystream_left -= *octets;
  return srtp_err_status_ok;
}

/* RFC 3711 B.2: AES-CM keystream, session key and salt, index 0. */
static const uint8_t icm_128_key[SRTP_AES_ICM_128_KEY_LEN_WSALT] = {
  0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7,
  0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c, 0xf0, 0xf1, 0xf2, 0xf3,
  0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm_128_keystream[32] = {
  0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1,
  0x6d, 0xd9, 0x2b, 0x4e, 0xb4, 0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02,
  0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
};
/* RFC 6188 7.1: the same with AES-256. */
static const uint8_t icm_256_key[SRTP_AES_ICM_256_KEY_LEN_WSALT] = {
  0x57, 0xf8, 0x2f, 0xe3, 0x61, 0x3f, 0xd1, 0x70, 0xa8, 0x5e, 0xc9, 0x3c,
  0x40, 0xb1, 0xf0, 0x92, 0x2e, 0xc4, 0xcb, 0x0d, 0xc0, 0x25, 0xb5, 0x82,
  0x72, 0x14, 0x7c, 0xc4, 0x38, 0x94, 0x4a, 0x98, 0xf0, 0xf1, 0xf2, 0xf3,
  0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm_256_keystream[32] = {
  0x92, 0xbd, 0xd2, 0x8a, 0x93, 0xc3, 0xf5, 0x25, 0x11, 0xc6, 0x77,
  0xd0, 0x8b, 0x55, 0x15, 0xa4, 0x9d, 0xa7, 0x1b, 0x23, 0x78, 0xa8,
  0x54, 0xf6, 0x70, 0x50, 0x75, 0x6d, 0xed, 0x16, 0x5b, 0xac,
};
static const uint8_t zeros[32];
/* srtp_cipher_test_case_t wants a mutable IV it never writes. */
static uint8_t icm_zero_iv[COUNTER_LEN];

/* Known-answer test: the keystream of @key_salt at index 0. */
#define ICM_VECTOR(key_salt, keystream)                                        \
  {                                                                            \
    .key_length_octets = sizeof key_salt, .key = key_salt, .idx = icm_zero_iv, \
    .plaintext_length_octets = sizeof zeros, .plaintext = zeros,               \
    .ciphertext_length_octets = sizeof keystream, .ciphertext = keystream,     \
  }
static const srtp_cipher_test_case_t icm_128_vectors
    = ICM_VECTOR (icm_128_key, icm_128_keystream);
static const srtp_cipher_test_case_t icm_256_vectors
    = ICM_VECTOR (icm_256_key, icm_256_keystream);

/* One set of functions; icm_alloc picks the type by the key length. */
#define ICM_TYPE(bits, vectors)                                                \
  {                                                                            \
    .alloc = icm_alloc, .dealloc = icm_dealloc, .init = icm_init,              \
    .encrypt = icm_crypt, .decrypt = icm_crypt, .set_iv = icm_set_iv,          \
    .description = "AES-" #bits " counter mode on OpenSSL EVP (hyperconf)",    \
    .test_data = &vectors, .id = SRTP_AES_ICM_##bits,                          \
  }
static const srtp_cipher_type_t icm_128_type = ICM_TYPE (128, icm_128_vectors);
static const srtp_cipher_type_t icm_256_type = ICM_TYPE (256, icm_256_vectors);

/* ---- HMAC-SHA1 ---------------------------------------------------------- */

/* The key's inner and outer pads digested once (hmac_init); per packet a
 * copy of the inner state takes the message, and a copy of the outer one
 * the inner digest.  SHA_CTX is a plain struct, so a copy is a memcpy;
 * EVP_MAC re-initialised from its saved state per packet (EVP_MD_CTX_copy_ex
 * and HMAC_Init_ex) cost about 3% of the server's CPU at 1x10 (perf).
 * SHA1_Init/Update/Final are deprecated in OpenSSL 3.0 but kept; they are
 * the same block function (SHA-NI or AVX2 where the CPU has them) the
 * default provider's SHA1 runs. */
typedef struct {
  SHA_CTX inner, outer; /* after the key's pads */
  SHA_CTX running;      /* the packet's inner hash */
} HmacState;

static const srtp_auth_type_t hmac_sha1_type;

static srtp_err_status_t
hmac_alloc (srtp_auth_pointer_t *ap, int key_len, int out_len)
{
  srtp_auth_t *a;

  if (key_len < 0 || out_len < 0 || out_len > SHA1_LEN)
    return srtp_err_status_bad_param;
  a = g_new0 (srtp_auth_t, 1);
  a->type = &hmac_sha1_type;
  a->state = g_new0 (HmacState, 1);
  a->out_len = out_len;
  a->key_len = key_len;
  a->prefix_len = 0;
  *ap = a;
  g_atomic_int_inc (&n_contexts);
  return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_dealloc (srtp_auth_pointer_t a)
{
  OPENSSL_cleanse (a->state, sizeof (HmacState)); /* the key's states */
  g_free (a->state);
  g_free (a);
  g_atomic_int_add (&n_contexts, -1);
  return srtp_err_status_ok;
}

/* RFC 2104: a key longer than the block is hashed first; the pads are the
 * key, zero-filled to the block, XORed with 0x36 (inner) and 0x5c (outer).
 * Leaves the context ready for update/compute, as a start would. */
static srtp_err_status_t
hmac_init (void *statep, const uint8_t *key, int key_len)
{
  HmacState *state = statep;
  uint8_t block[SHA_CBLOCK] = { 0 };
  uint8_t pad[SHA_CBLOCK];

  if (key_len < 0)
    return srtp_err_status_bad_param;
  if (key_len > SHA_CBLOCK)
    SHA1 (key, (size_t)key_len, block);
  else if (key_len > 0)
    memcpy (block, key, (size_t)key_len);
  for (guint i = 0; i < SHA_CBLOCK; i++)
    pad[i] = block[i] ^ 0x36;
  SHA1_Init (&state->inner);
  SHA1_Update (&state->inner, pad, sizeof pad);
  for (guint i = 0; i < SHA_CBLOCK; i++)
    pad[i] = block[i] ^ 0x5c;
  SHA1_Init (&state->outer);
  SHA1_Update (&state->outer, pad, sizeof pad);
  state->running = state->inner;
  OPENSSL_cleanse (block, sizeof block);
  OPENSSL_cleanse (pad, sizeof pad);
  return srtp_err_status_ok;
}

/* Per packet: restarts from the precomputed inner state. */
static srtp_err_status_t
hmac_start (void *statep)
{
  HmacState *state = statep;

  state->running = state->inner;
  return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_update (void *statep, const uint8_t *message, int octets)
{
  HmacState *state = statep;

  if (octets < 0)
    return srtp_err_status_bad_param;
  SHA1_Update (&state->running, message, (size_t)octets);
  return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_compute (void *statep, const uint8_t *message, int octets, int tag_len,
              uint8_t *result)
{
  HmacState *state = statep;
  uint8_t digest[SHA1_LEN];
  SHA_CTX outer;

  if (tag_len < 0 || tag_len > SHA1_LEN)
    return srtp_err_status_bad_param;
  if (hmac_update (state, message, octets) != srtp_err_status_ok)
    return srtp_err_status_auth_fail;
  SHA1_Final (digest, &state->running);
  outer = state->outer;
  SHA1_Update (&outer, digest, sizeof digest);
  SHA1_Final (digest, &outer);
  memcpy (result, digest, (size_t)tag_len);
  OPENSSL_cleanse (digest, sizeof digest);
  OPENSSL_cleanse (&outer, sizeof outer);
  return srtp_err_status_ok;
}

/* RFC 2202 section 3, test cases 1, 2, 3 and 6 (a key longer than the
 * block, which HMAC hashes first). */
static const uint8_t hmac_key_1[20] = {
  0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
  0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t hmac_tag_1[SHA1_LEN] = {
  0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
  0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
};
static const uint8_t hmac_tag_2[SHA1_LEN] = {
  0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f, 0xa2, 0xd2, 0x74,
  0x16, 0xd5, 0xf1, 0x84, 0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79,
};
static const uint8_t hmac_tag_3[SHA1_LEN] = {
  0x12, 0x5d, 0x73, 0x42, 0xb9, 0xac, 0x11, 0xcd, 0x91, 0xa3,
  0x9a, 0xf4, 0x8a, 0xa1, 0x7b, 0x4f, 0x63, 0xf1, 0x75, 0xd3,
};
static const uint8_t hmac_tag_6[SHA1_LEN] = {
  0xaa, 0x4a, 0xe5, 0xe1, 0x52, 0x72, 0xd0, 0x0e, 0x95, 0x70,
  0x56, 0x37, 0xce, 0x8a, 0x3b, 0x55, 0xed, 0x40, 0x21, 0x12,
};
/* Filled by fill_hmac_vectors(): 20 and 80 octets of 0xaa, 50 of 0xdd. */
static uint8_t hmac_aa[80];
static uint8_t hmac_dd[50];

static const srtp_auth_test_case_t hmac_vector_6 = {
  .key_length_octets = sizeof hmac_aa,
  .key = hmac_aa,
  .data_length_octets = 54,
  .data = (const uint8_t *)"Test Using Larger Than Block-Size Key - Hash Key "
                           "First",
  .tag_length_octets = SHA1_LEN,
  .tag = hmac_tag_6,
};
static const srtp_auth_test_case_t hmac_vector_3 = {
  .key_length_octets = 20,
  .key = hmac_aa,
  .data_length_octets = sizeof hmac_dd,
  .data = hmac_dd,
  .tag_length_octets = SHA1_LEN,
  .tag = hmac_tag_3,
  .next_test_case = &hmac_vector_6,
};
static const srtp_auth_test_case_t hmac_vector_2 = {
  .key_length_octets = 4,
  .key = (const uint8_t *)"Jefe",
  .data_length_octets = 28,
  .data = (const uint8_t *)"what do ya want for nothing?",
  .tag_length_octets = SHA1_LEN,
  .tag = hmac_tag_2,
  .next_test_case = &hmac_vector_3,
};
static const srtp_auth_test_case_t hmac_vector_1 = {
  .key_length_octets = sizeof hmac_key_1,
  .key = hmac_key_1,
  .data_length_octets = 8,
  .data = (const uint8_t *)"Hi There",
  .tag_length_octets = SHA1_LEN,
  .tag = hmac_tag_1,
  .next_test_case = &hmac_vector_2,
};

static void
fill_hmac_vectors (void)
{
  memset (hmac_aa, 0xaa, sizeof hmac_aa);
  memset (hmac_dd, 0xdd, sizeof hmac_dd);
}

static const srtp_auth_type_t hmac_sha1_type = {
  .alloc = hmac_alloc,
  .dealloc = hmac_dealloc,
  .init = hmac_init,
  .compute = hmac_compute,
  .update = hmac_update,
  .start = hmac_start,
  .description = "HMAC-SHA1 on OpenSSL SHA-1 (hyperconf)",
  .test_data = &hmac_vector_1,
  .id = SRTP_HMAC_SHA1,
};

/* ---- installation ------------------------------------------------------- */

static gboolean installed;
static gboolean install_ok;
static gchar *install_error;
static const gchar *backend = "stock";

/* Remembered for the callers of every later hc_srtp_crypto_install(). */
static gboolean
fail (const gchar *what, srtp_err_status_t status)
{
  install_error = g_strdup_printf ("%s (libsrtp2 status %d)", what, status);
  return FALSE;
}

static gboolean
install (void)
{
  const gchar *wanted = g_getenv ("HC_SRTP_CRYPTO");
  srtp_err_status_t status;

  if (wanted != NULL && g_str_equal (wanted, "stock")) {
    g_message ("SRTP crypto: libsrtp2's own (HC_SRTP_CRYPTO=stock)");
    return TRUE;
  }
  if (wanted != NULL && *wanted != '\0' && !g_str_equal (wanted, "openssl")) {
    install_error = g_strdup_printf (
        "HC_SRTP_CRYPTO=%s: expected \"openssl\" or \"stock\"", wanted);
    return FALSE;
  }

  /* The kernel must exist before its types can be replaced.  When the
   * srtp plugin already initialised it, srtp_init() re-tests it and then
   * fails to load its debug module a second time: bad_param, harmless. */
  status = srtp_init ();
  if (status != srtp_err_status_ok && status != srtp_err_status_bad_param)
    return fail ("srtp_init failed", status);

  aes_128_ctr = EVP_CIPHER_fetch (NULL, "AES-128-CTR", NULL);
  aes_256_ctr = EVP_CIPHER_fetch (NULL, "AES-256-CTR", NULL);
  if (aes_128_ctr == NULL || aes_256_ctr == NULL)
    return fail ("OpenSSL lacks AES-CTR", srtp_err_status_fail);
  fill_hmac_vectors ();

  /* All known-answer tests before anything is replaced. */
  if ((status = srtp_cipher_type_self_test (&icm_128_type)))
    return fail ("AES-ICM-128 self-test failed", status);
  if ((status = srtp_cipher_type_self_test (&icm_256_type)))
    return fail ("AES-ICM-256 self-test failed", status);
  if ((status = srtp_auth_type_self_test (&hmac_sha1_type)))
    return fail ("HMAC-SHA1 self-test failed", status);

  /* Each replace re-runs our vectors and the stock type's, and changes
   * nothing when they fail. */
  if ((status = srtp_replace_cipher_type (&icm_128_type, SRTP_AES_ICM_128)))
    return fail ("replacing AES-ICM-128 failed", status);
  if ((status = srtp_replace_cipher_type (&icm_256_type, SRTP_AES_ICM_256))) {
    g_warning ("SRTP crypto: AES-ICM-256 stays libsrtp2's own (status %d)",
               status);
  }
  if ((status = srtp_replace_auth_type (&hmac_sha1_type, SRTP_HMAC_SHA1)))
    return fail ("replacing HMAC-SHA1 failed (AES-ICM is replaced, HMAC-SHA1 "
                 "stays libsrtp2's own)",
                 status);

  backend = "openssl";
  g_message ("SRTP crypto: AES-ICM and HMAC-SHA1 on %s",
             OpenSSL_version (OPENSSL_VERSION));
  return TRUE;
}

gboolean
hc_srtp_crypto_install (GError **error)
{
  if (!installed) {
    installed = TRUE;
    install_ok = install ();
  }
  if (!install_ok && error != NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, install_error);
  return install_ok;
}

const gchar *
hc_srtp_crypto_get_backend (void)
{
  return backend;
}

guint
hc_srtp_crypto_get_n_contexts (void)
{
  return (guint)g_atomic_int_get (&n_contexts);
}
