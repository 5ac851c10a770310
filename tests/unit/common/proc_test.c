/*
 * tests/unit/common/proc_test.c — naming a process by pid and start time
 * (proc.h): a pidfd is handed out only for the process the caller
 * checked, never for one that took its pid since.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/proc.h"

/* A child that waits to be killed, and its start (boot clock ms). */
static pid_t
child(int64_t *start_ms)
{
	int64_t ticks;
	bool zombie;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	cr_assert_eq(proc_start_time(pid, &ticks, &zombie), SUP_OK);
	*start_ms = ticks * 1000 / sysconf(_SC_CLK_TCK);
	return pid;
}

Test(proc, a_pidfd_is_given_for_the_process_that_started_then)
{
	int64_t start;
	pid_t pid = child(&start);
	int fd = proc_pidfd_same(pid, start);

	cr_assert_geq(fd, 0, "pidfd: %s", strerror(errno));
	close(fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Another start time stands for a process that took the pid since. */
Test(proc, never_for_a_process_that_started_at_another_time)
{
	int64_t start;
	pid_t pid = child(&start);

	errno = 0;
	cr_assert_eq(proc_pidfd_same(pid, start - 60000), -1);
	cr_assert_eq(errno, ESRCH);
	cr_assert_eq(proc_pidfd_same(pid, start + 60000), -1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

Test(proc, nor_for_one_that_exited)
{
	int64_t start;
	pid_t pid = child(&start);

	kill(pid, SIGKILL);
	/* A zombie is not the process any more. */
	for (int i = 0; i < 2000 && proc_same(pid, start); i++)
		usleep(1000);
	cr_assert_eq(proc_pidfd_same(pid, start), -1);
	waitpid(pid, NULL, 0);
	cr_assert_eq(proc_pidfd_same(pid, start), -1);
}
