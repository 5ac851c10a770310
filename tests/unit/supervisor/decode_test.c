/*
 * tests/unit/supervisor/decode_test.c — what supd decodes from outside:
 * sd_notify datagrams (sdnotify.h) and a worker's telemetry (relay.h);
 * control requests are tests/unit/shared/proto_test.c's. The fuzzers (tests/fuzz/) feed them
 * anything; these pin what each must say.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc.h"
#include "supervisor/relay.h"
#include "supervisor/sdnotify.h"

TestSuite(supd_decode);

Test(supd_decode, a_datagram_says_ready_status_and_stopping)
{
	static const char d[] = "STATUS=loading\nREADY=1\nFOO=bar\n"
	    "STATUS=ready\nSUP_STATUS=degraded\nSTOPPING=1";
	struct sdn_msg m;

	cr_assert_eq(sdn_parse(d, sizeof(d) - 1, &m), 0);
	cr_assert(m.ready && m.stopping && m.has_status);
	cr_assert_str_eq(m.status, "ready", "the later line wins");
	cr_assert_str_eq(m.sup_status, "degraded");
}

Test(supd_decode, a_datagram_with_a_nul_is_refused_whole)
{
	static const char d[] = "READY=1\0STOPPING=1";
	struct sdn_msg m;

	cr_assert_eq(sdn_parse(d, sizeof(d) - 1, &m), -1);
}

Test(supd_decode, only_exact_values_count)
{
	static const char d[] = "READY=11\nSUP_STATUS=readyish\nREADY\n"
	    "STATUS=\xff\x01ok";
	struct sdn_msg m;

	cr_assert_eq(sdn_parse(d, sizeof(d) - 1, &m), 0);
	cr_assert_not(m.ready);
	cr_assert_str_eq(m.sup_status, "");
	cr_assert_str_eq(m.status, "??ok", "not UTF-8, made printable");
}

Test(supd_decode, a_datagram_feeds_triggers_and_resets_the_watchdog)
{
	static const char d[] = "WATCHDOG=1\nWATCHDOG_USEC=2500000";
	static const char t[] = "WATCHDOG=trigger";
	static const char bad[] = "WATCHDOG=2\nWATCHDOG_USEC=5s\n"
	    "WATCHDOG=triggered\nWATCHDOG_USEC=";
	struct sdn_msg m;

	cr_assert_eq(sdn_parse(d, sizeof(d) - 1, &m), 0);
	cr_assert(m.watchdog && !m.watchdog_trigger && m.has_watchdog_usec);
	cr_assert_eq(m.watchdog_usec, 2500000ull);
	cr_assert_eq(sdn_parse(t, sizeof(t) - 1, &m), 0);
	cr_assert(m.watchdog_trigger && !m.watchdog);
	cr_assert_eq(sdn_parse(bad, sizeof(bad) - 1, &m), 0);
	cr_assert_not(m.watchdog || m.watchdog_trigger ||
	    m.has_watchdog_usec, "only exact values count");
}

Test(supd_decode, watchdog_usec_0_turns_the_watchdog_off)
{
	static const char d[] = "WATCHDOG_USEC=0";
	struct sdn_msg m;

	cr_assert_eq(sdn_parse(d, sizeof(d) - 1, &m), 0);
	cr_assert(m.has_watchdog_usec);
	cr_assert_eq(m.watchdog_usec, 0ull);
}

Test(supd_decode, telemetry_is_relayed_under_the_senders_name)
{
	static const char msg[] = "kv {\"src\":\"kv\",\"seq\":1}\n"
	    "garbage\nkv.1 {\"seq\":2}\n";
	char *out = NULL;
	size_t n;
	int bad;

	cr_assert_eq(relay_rewrite("liar", msg, sizeof(msg) - 1, &out, &n,
	    &bad), 0);
	cr_assert_eq(bad, 1);
	cr_assert_str_eq(out, "liar {\"src\":\"liar\",\"seq\":1}\n"
	    "liar {\"seq\":2,\"src\":\"liar\"}\n");
	free(out);
	cr_assert_eq(relay_rewrite("liar", "x\ny", 3, &out, &n, &bad), -1);
	cr_assert_eq(bad, 2);
	cr_assert_null(out);
}
