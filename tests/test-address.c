/* hyperconf — address string rules. */
#include <hyperconf/hc-address.h>

static void
test_split (void)
{
  g_autofree gchar *scheme = NULL, *host = NULL, *path = NULL;

  g_assert_true (
      hc_address_split ("hyperty://localhost/abc/def", &scheme, &host, &path));
  g_assert_cmpstr (scheme, ==, "hyperty");
  g_assert_cmpstr (host, ==, "localhost");
  g_assert_cmpstr (path, ==, "abc/def");
  g_assert_false (hc_address_split ("mn:/session", NULL, NULL, NULL));
  g_assert_false (hc_address_split ("://x/y", NULL, NULL, NULL));
  g_assert_false (hc_address_split ("a:///y", NULL, NULL, NULL));
  g_assert_true (hc_address_split ("a://h", NULL, NULL, NULL));
}

static void
test_below_and_base (void)
{
  g_autofree gchar *b1 = hc_address_base ("hyperty://d/x/subscription");
  g_autofree gchar *b2 = hc_address_base ("hyperty://d/x");
  g_autofree gchar *b3 = hc_address_base ("hyperty://d/");
  g_autofree gchar *b4 = hc_address_base ("hyperty://d");

  g_assert_true (hc_address_is_at_or_below ("a://d/x", "a://d/x"));
  g_assert_true (hc_address_is_at_or_below ("a://d/x/y", "a://d/x"));
  g_assert_false (hc_address_is_at_or_below ("a://d/xy", "a://d/x"));
  g_assert_cmpstr (b1, ==, "hyperty://d/x");
  g_assert_cmpstr (b2, ==, "hyperty://d/x");
  g_assert_null (b3);
  g_assert_null (b4);
}

static void
test_walk_up (void)
{
  gchar url[] = "runtime://d/r/sm/x";

  g_assert_true (hc_address_walk_up (url));
  g_assert_cmpstr (url, ==, "runtime://d/r/sm");
  g_assert_true (hc_address_walk_up (url));
  g_assert_cmpstr (url, ==, "runtime://d/r");
  /* Never up to the bare host: that is nobody's address. */
  g_assert_false (hc_address_walk_up (url));
  g_assert_cmpstr (url, ==, "runtime://d/r");
}

static void
test_random_and_suffix (void)
{
  g_autofree gchar *a = hc_address_new_random ("comm", "example.org");
  g_autofree gchar *b = hc_address_new_random ("comm", "example.org");
  g_autofree gchar *s = hc_address_strip_suffix ("x://d/o/changes", "/changes");

  g_assert_true (g_str_has_prefix (a, "comm://example.org/"));
  g_assert_cmpstr (a, !=, b);
  g_assert_cmpstr (s, ==, "x://d/o");
  g_assert_null (hc_address_strip_suffix ("/changes", "/changes"));
  g_assert_null (hc_address_strip_suffix ("x://d/o", "/changes"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/address/split", test_split);
  g_test_add_func ("/address/below-and-base", test_below_and_base);
  g_test_add_func ("/address/walk-up", test_walk_up);
  g_test_add_func ("/address/random-and-suffix", test_random_and_suffix);
  return g_test_run ();
}
