/*
 * tests/unit/supervisor/manager_test.c — what supd tells its own service
 * manager (manager.h), read from a datagram socket bound for the test:
 * the reload pair of Type=notify-reload, STATUS= only when it changed,
 * the watchdog's interval and whom it is for, and addresses refused.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "supervisor/manager.h"

static int fd = -1;
static char path[64];

static void
bind_manager(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	snprintf(path, sizeof(path), "/tmp/sup-manager-test-%d", (int)getpid());
	unlink(path);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert(fd >= 0);
	cr_assert(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	setenv("NOTIFY_SOCKET", path, 1);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void
unbind_manager(void)
{
	close(fd);
	unlink(path);
}

TestSuite(supd_manager, .init = bind_manager, .fini = unbind_manager);

/* The next datagram, or "" when none is there. */
static const char *
next(void)
{
	static char buf[512];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

Test(supd_manager, reloading_carries_the_monotonic_clock_then_ready)
{
	struct manager m;
	uint64_t before, at, after;

	manager_open(&m, clk_mono_ns());
	before = (uint64_t)clk_mono_ns() / 1000;
	manager_reloading(&m);
	after = (uint64_t)clk_mono_ns() / 1000;
	cr_assert_eq(sscanf(next(), "RELOADING=1\nMONOTONIC_USEC=%" SCNu64,
	    &at), 1);
	cr_assert(before <= at && at <= after, "%" PRIu64 " not in [%" PRIu64
	    ", %" PRIu64 "]", at, before, after);
	manager_ready(&m);
	cr_assert_str_eq(next(), "READY=1");
	manager_close(&m);
}

Test(supd_manager, status_goes_only_when_it_changed)
{
	struct manager m;

	manager_open(&m, clk_mono_ns());
	manager_status(&m, "1 running, 0 backoff, 0 failed; 0 restarts");
	manager_status(&m, "1 running, 0 backoff, 0 failed; 0 restarts");
	manager_status(&m, "0 running, 1 backoff, 0 failed; 1 restart");
	cr_assert_str_eq(next(), "STATUS=1 running, 0 backoff, 0 failed; "
	    "0 restarts");
	cr_assert_str_eq(next(), "STATUS=0 running, 1 backoff, 0 failed; "
	    "1 restart");
	cr_assert_str_eq(next(), "");
	manager_stopping(&m);
	manager_stopping(&m);
	cr_assert_str_eq(next(), "STOPPING=1");
	cr_assert_str_eq(next(), "");
	manager_close(&m);
}

Test(supd_manager, watchdog_at_half_its_usec_for_this_pid_only)
{
	struct manager m;
	char pid[16];

	setenv("WATCHDOG_USEC", "200000", 1);
	manager_open(&m, 1000);
	cr_assert_eq(manager_watchdog_deadline(&m), 1000 + 100000000);
	manager_watchdog(&m, 1000 + 99999999);
	cr_assert_str_eq(next(), "");
	manager_watchdog(&m, 1000 + 100000000);
	cr_assert_str_eq(next(), "WATCHDOG=1");
	cr_assert_eq(manager_watchdog_deadline(&m), 1000 + 200000000);
	manager_close(&m);

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	manager_open(&m, 0);
	cr_assert_eq(manager_watchdog_deadline(&m), 100000000);
	manager_close(&m);

	setenv("WATCHDOG_PID", "1", 1);
	manager_open(&m, 0);
	cr_assert_eq(manager_watchdog_deadline(&m), 0);
	manager_close(&m);

	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "soon", 1);
	manager_open(&m, 0);
	cr_assert_eq(manager_watchdog_deadline(&m), 0);
	manager_close(&m);
}

Test(supd_manager, no_manager_or_an_address_it_cannot_use_is_silence)
{
	struct manager m;

	unsetenv("NOTIFY_SOCKET");
	setenv("WATCHDOG_USEC", "200000", 1);
	manager_open(&m, 0);
	cr_assert_eq(m.fd, -1);
	cr_assert_eq(manager_watchdog_deadline(&m), 0);
	manager_ready(&m);
	manager_close(&m);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	manager_open(&m, 0);
	cr_assert_eq(m.fd, -1);
	manager_close(&m);
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	manager_open(&m, 0);
	cr_assert_eq(m.fd, -1);
	manager_close(&m);
}

Test(supd_manager, a_manager_gone_does_not_stop_anything)
{
	struct manager m;

	manager_open(&m, 0);
	unbind_manager();
	fd = socket(AF_UNIX, SOCK_DGRAM, 0); /* for the fini */
	manager_ready(&m);
	manager_status(&m, "x");
	manager_stopping(&m);
	cr_assert(m.send_failed);
	manager_close(&m);
}
