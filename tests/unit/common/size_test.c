/*
 * tests/unit/common/size_test.c — sizes as users write them (size.h).
 */
#include <criterion/criterion.h>

#include "common/size.h"

TestSuite(common_size);

static int64_t
parsed(const char *s)
{
	int64_t v = -1;
	sup_err e = size_parse(s, &v);

	cr_assert_eq(e, SUP_OK, "size_parse(\"%s\") = %d", s, e);
	return v;
}

static void
refused(const char *s, sup_err want)
{
	int64_t v = -12345;
	sup_err e = size_parse(s, &v);

	cr_assert_eq(e, want, "size_parse(\"%s\") = %d, want %d", s, e, want);
	cr_assert_eq(v, -12345, "size_parse(\"%s\") wrote on failure", s);
}

Test(common_size, bytes_and_units_of_1024)
{
	cr_assert_eq(parsed("0"), 0);
	cr_assert_eq(parsed("4096"), 4096);
	cr_assert_eq(parsed("512K"), 512 * 1024);
	cr_assert_eq(parsed("50m"), 50 * 1024 * 1024);
	cr_assert_eq(parsed("2G"), INT64_C(2) << 30);
	cr_assert_eq(parsed("1024T"), SIZE_MAX_BYTES);
}

Test(common_size, what_is_not_a_size_is_refused)
{
	refused("", SUP_EINVAL);
	refused("-1", SUP_EINVAL);
	refused("+1", SUP_EINVAL);
	refused(" 1", SUP_EINVAL);
	refused("1 ", SUP_EINVAL);
	refused("1.5M", SUP_EINVAL);
	refused("5 MB", SUP_EINVAL);
	refused("5MB", SUP_EINVAL);
	refused("M", SUP_EINVAL);
	refused("0x10", SUP_EINVAL);
}

/* Issue 9: 17179869184G wrapped around in the multiplication. */
Test(common_size, what_is_too_large_is_refused_without_overflow)
{
	refused("17179869184G", SUP_ETOOBIG);
	refused("1025T", SUP_ETOOBIG);
	refused("99999999999999999999999999", SUP_ETOOBIG);
	refused("9223372036854775807", SUP_ETOOBIG);
	refused("99999999999999999999999999x", SUP_EINVAL);
}
