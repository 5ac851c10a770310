/*
 * bench/cgroup.c — what a cgroup per child costs a restart: the latency
 * from a SIGKILL to the replacement's first instruction, for one child
 * with cgroups = auto (its cgroup killed whole, the new process joining
 * it before exec) and cgroups = off, beside the floor (a bare posix_spawn
 * loop), in the same run, three rounds side by side.
 *
 * Output: NAME value unit (floor value unit, ratio R)
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "stamps.h"

static char dir[64], conf[128];

static double
supd_single(int rounds, bool cgroups)
{
	FILE *f = fopen(conf, "w");
	pid_t supd;
	double m;

	fprintf(f, "[supervisor]\nrun_dir = %s/run\nintensity = 10000\n"
	    "period = 1s\ncgroups = %s\n[worker b]\ncommand = %s %s\n"
	    "stdout = null\nbackoff = 0 0\nmemory_max = 64M\npids_max = 16\n",
	    dir, cgroups ? "auto" : "off", STAMP, fifo);
	fclose(f);
	supd = supd_launch(conf, NULL);
	m = supervised_restart_us(rounds);
	kill(supd, SIGTERM);
	waitpid(supd, NULL, 0);
	return m;
}

int
main(void)
{
	double fl[3], on[3], off[3], f;
	int rounds = 150;
	char cmd[128];

	strcpy(dir, "/tmp/sup-bench-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(conf, sizeof(conf), "%s/sup.conf", dir);
	stamps_open(dir);
	for (int i = 0; i < 3; i++) {
		fl[i] = floor_restart_us(rounds);
		on[i] = supd_single(rounds, true);
		off[i] = supd_single(rounds, false);
	}
	f = median3(fl);
	fprintf(stderr, "rounds: floor %.0f %.0f %.0f, cgroups %.0f %.0f "
	    "%.0f, off %.0f %.0f %.0f us\n", fl[0], fl[1], fl[2], on[0], on[1],
	    on[2], off[0], off[1], off[2]);
	printf("restart_latency_median_cgroups %.0f us (floor %.0f us, ratio "
	    "%.2f)\n", median3(on), f, median3(on) / f);
	printf("restart_latency_median_cgroups_off %.0f us (floor %.0f us, "
	    "ratio %.2f)\n", median3(off), f, median3(off) / f);
	unlink(fifo);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
