/*
 * bench/logs.c — what the log holder costs (issue 15): a child writing
 * 100-byte lines as fast as it can, through the holder (log_timestamps =
 * true: every line stamped and tagged) and straight into its file
 * (log_timestamps = false, the floor: the kernel's write into the page
 * cache); the CPU supd and the holder spend per MB; and the restart
 * latency of one child with its two pipes and the sendmsg to the holder,
 * beside the same child writing its file itself.
 *
 * Output, one line per figure: NAME value unit (floor value unit, ratio R)
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stamps.h"

#define MB 64
#define LINE 100
#define STAMPED (LINE + 29) /* "2026-...Z out " and the line */

static char dir[64], conf[128];

/* utime + stime of pid, in ms (0 if it cannot be read). */
static double
cpu_ms(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
	    "%*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* The log holder's pid, as supctl status --json says it. */
static pid_t
holder_of(void)
{
	static char out[1 << 16];
	char cmd[256], *p;
	size_t n = 0;
	long pid = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s -r %s/run status --json", SUPCTL, dir);
	if ((f = popen(cmd, "r")) == NULL)
		return 0;
	n = fread(out, 1, sizeof(out) - 1, f);
	pclose(f);
	out[n] = '\0';
	if ((p = strstr(out, "\"log_holder\"")) != NULL &&
	    (p = strstr(p, "\"pid\":")) != NULL)
		pid = strtol(p + 6, NULL, 10);
	return pid > 1 ? (pid_t)pid : 0;
}

static off_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

/* Seconds for the child to write MB megabytes of lines and for them to be
 * in its file; the CPU of supd and the holder meanwhile, per MB. */
static double
throughput(bool stamped, double *cpu_per_mb)
{
	char log[128];
	FILE *f = fopen(conf, "w");
	off_t want = (off_t)MB * 1024 * 1024 / LINE * (stamped ? STAMPED :
	    LINE);
	int fd;
	pid_t supd, holder;
	double c0, t;
	int64_t t0;

	/* yes(1) writes whole lines of LINE bytes; head stops it at MB. */
	fprintf(f, "[supervisor]\nrun_dir = %s/run\n[worker w]\ncommand = "
	    "/bin/sh -c \"sleep 0.5; yes %0*d | head -n %d\"\nrestart = "
	    "temporary\nlog_timestamps = %s\nlog_max_size = 0\n", dir,
	    LINE - 1, 0, MB * 1024 * 1024 / LINE, stamped ? "true" :
	    "false");
	fclose(f);
	snprintf(log, sizeof(log), "%s/run/log/w.log", dir);
	unlink(log);
	supd = supd_launch(conf, &fd);
	ready_wait(fd);
	holder = stamped ? holder_of() : 0;
	c0 = cpu_ms(supd) + (holder ? cpu_ms(holder) : 0);
	while (file_size(log) == 0)
		usleep(1000);
	t0 = now_ns();
	while (file_size(log) < want)
		usleep(1000);
	t = (double)(now_ns() - t0) / 1e9;
	*cpu_per_mb = (cpu_ms(supd) + (holder ? cpu_ms(holder) : 0) - c0) /
	    MB;
	kill(supd, SIGTERM);
	waitpid(supd, NULL, 0);
	return t;
}

/* Median restart latency of one child, SIGKILL to its first
 * instruction, its stdout to its log through the holder or not. */
static double
restart_us(bool stamped, int rounds)
{
	int64_t *lat = calloc((size_t)rounds, sizeof(*lat)), t0;
	FILE *f = fopen(conf, "w");
	pid_t supd, pid;
	double m;

	fprintf(f, "[supervisor]\nrun_dir = %s/run\nintensity = 10000\n"
	    "period = 1s\n[worker b]\ncommand = %s %s\nbackoff = 0 0\n"
	    "log_timestamps = %s\n", dir, STAMP, fifo, stamped ? "true" :
	    "false");
	fclose(f);
	supd = supd_launch(conf, NULL);
	stamp_read(&pid);
	for (int i = 0; i < rounds; i++) {
		t0 = now_ns();
		kill(pid, SIGKILL);
		lat[i] = stamp_read(&pid) - t0;
	}
	kill(supd, SIGTERM);
	waitpid(supd, NULL, 0);
	m = median_us(lat, rounds);
	free(lat);
	return m;
}

int
main(void)
{
	double raw, held, cpu_raw, cpu_held, r_raw, r_held;

	snprintf(dir, sizeof(dir), "/tmp/sup-bench-logs-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(conf, sizeof(conf), "%s/sup.conf", dir);
	raw = throughput(false, &cpu_raw);
	held = throughput(true, &cpu_held);
	printf("log_write_raw %.0f MB/s %.0f klines/s (supd %.2f ms CPU/MB)\n",
	    MB / raw, MB * 1024.0 * 1024 / LINE / raw / 1000, cpu_raw);
	printf("log_write_holder %.0f MB/s %.0f klines/s, supd+holder %.2f "
	    "ms CPU/MB (floor %.0f MB/s, ratio %.2f)\n", MB / held,
	    MB * 1024.0 * 1024 / LINE / held / 1000, cpu_held, MB / raw,
	    held / raw);
	stamps_open(dir);
	r_raw = restart_us(false, 200);
	r_held = restart_us(true, 200);
	printf("restart_one_holder %.0f us (floor log_timestamps=false "
	    "%.0f us, ratio %.2f)\n", r_held, r_raw, r_held / r_raw);
	{
		char *argv[] = {"rm", "-rf", dir, NULL};
		pid_t p = fork();
		if (p == 0) {
			execvp("rm", argv);
			_exit(127);
		}
		waitpid(p, NULL, 0);
	}
	return 0;
}
