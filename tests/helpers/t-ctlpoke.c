/*
 * t-ctlpoke — a misbehaving peer of supd's control socket.
 *
 *   t-ctlpoke RUN_DIR MODE           to supd's control socket
 *   t-ctlpoke --path SOCKET MODE     to any sup socket (a worker's)
 * MODE:
 *   garbage      random bytes
 *   empty        a zero-length message
 *   version      a frame with another protocol version
 *   notjson      a JSON frame that is not JSON
 *   array        a JSON frame holding an array
 *   nocmd        {"names": []}
 *   unknown      {"cmd": "selfdestruct"}
 *   badnames     {"cmd": "stop", "names": "kv"}
 *   big          a valid frame of 200 KB (over supd's 64 KB limit)
 *   huge         2 MB (over nng's limit: the connection is dropped)
 *   handshake N  N raw connects closed before nng's handshake (the nng
 *                1.5.2 listener bug, DESIGN.md section 8)
 *   probe        {"cmd": "version"} with a 500 ms deadline and nothing
 *                else: no SIGUSR1 to supd, unlike supctl
 *   publish TEXT with --path: publish TEXT (a worker's telemetry message,
 *                "\n" for newlines) on SOCKET every 20 ms for 30 s
 *   cutdial      with --path: a server at SOCKET that cuts the first
 *                connection before nng's handshake (as a supd execs),
 *                then a real one; a call through it must be answered
 *   cutworker RUN NAME [MS]
 *                with --path: the same server as worker NAME of tree RUN
 *                (its registry entry written by hand, the server's pid
 *                and SOCKET); sup_client_call() to NAME from a client
 *                kept open as a long-lived caller's is: one with a 5 s
 *                timeout, or calls of MS each until one is answered
 *                (at most 5 s of them)
 * Prints supd's reply (or "error: ...") and exits 0 when a reply came.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/proc.h"
#include "common/rundir.h"
#include "ipc/ipc.h"
#include "state/state.h"
#include "sup/sup.h"
#include "worker/wrk.h"

static int
handshake_close(const char *path, int n)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(a.sun_path))
		return 2;
	memcpy(a.sun_path, path, strlen(path) + 1);
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
			perror("connect");
		close(fd);
	}
	printf("closed %d connections before the handshake\n", n);
	return 0;
}

/* The server of cutdial: one connection accepted and closed, then an
 * nng server that answers reply (n bytes) to each request until none
 * came for 10 s. */
static void
cut_then_serve(const char *path, const char *reply, size_t n)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	ipc_server *s;
	ipc_req *r;

	memcpy(a.sun_path, path, strlen(path) + 1);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l, 4) !=
	    0)
		_exit(3);
	close(accept(l, NULL, NULL));
	close(l);
	unlink(path);
	if (ipc_server_open(path, 1 << 16, &s) != SUP_OK)
		_exit(3);
	struct pollfd p = {.fd = ipc_server_fd(s), .events = POLLIN};
	while (poll(&p, 1, 10000) > 0)
		while (ipc_server_recv(s, &r) == SUP_OK)
			ipc_req_reply(r, reply, n);
	_exit(0);
}

/* cut_then_serve() forked, answering reply; its pid, once it listens. */
static pid_t
cut_server(const char *path, const char *reply, size_t n)
{
	pid_t srv;

	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -1;
	unlink(path);
	if ((srv = fork()) == 0)
		cut_then_serve(path, reply, n);
	for (int i = 0; srv > 0 && i < 2000 && access(path, F_OK) != 0; i++)
		usleep(1000);
	return srv;
}

static int
call_done(pid_t srv, sup_err e, const char *reply, size_t rlen)
{
	kill(srv, SIGKILL);
	waitpid(srv, NULL, 0);
	if (e != SUP_OK) {
		printf("error: %s\n", sup_strerror(e));
		return 1;
	}
	printf("%.*s\n", (int)rlen, reply);
	return 0;
}

static int
cut_dial(const char *path)
{
	char req[] = "??", *reply = NULL;
	size_t rlen = 0;
	pid_t srv;
	sup_err e;
	int rc;

	if ((srv = cut_server(path, "ok", 2)) <= 0)
		return 2;
	e = ipc_call(path, req, 2, (void **)&reply, &rlen, 5000);
	rc = call_done(srv, e, reply, rlen);
	free(reply);
	return rc;
}

/* NAME's registry in RUN, as its worker would write it: pid, its start,
 * the endpoint ipc://path, ready. */
static bool
registry_write(const char *run, const char *name, pid_t pid,
    const char *path)
{
	char db_path[4096], state[4096], v[4096 + 8], why[256];
	int64_t start;
	bool zombie, ok;
	st_db *db;

	snprintf(state, sizeof(state), "%s/state", run);
	mkdir(run, 0700);
	mkdir(state, 0700);
	if (!rundir_path(run, RUN_WDB, name, db_path, sizeof(db_path)) ||
	    proc_start_time(pid, &start, &zombie) != SUP_OK ||
	    st_wopen(db_path, false, &db, why, sizeof(why)) != SUP_OK)
		return false;
	ok = st_begin(db) == SUP_OK;
	snprintf(v, sizeof(v), "%d", (int)pid);
	ok = ok && st_wmeta_put(db, "pid", v) == SUP_OK;
	snprintf(v, sizeof(v), "%lld", (long long)start);
	ok = ok && st_wmeta_put(db, "start", v) == SUP_OK;
	snprintf(v, sizeof(v), "ipc://%s", path);
	ok = ok && st_wmeta_put(db, "endpoint", v) == SUP_OK &&
	    st_wmeta_put(db, "status", "ready") == SUP_OK &&
	    st_commit(db) == SUP_OK;
	st_close(db);
	return ok;
}

static int
cut_worker(const char *path, const char *run, const char *name, long ms)
{
	const char frame[] = {IPC_VERSION, WRK_REPLY, 'o', 'k'};
	void *reply = NULL;
	size_t rlen = 0;
	sup_client *c;
	pid_t srv;
	sup_err e;
	int rc;

	if ((srv = cut_server(path, frame, sizeof(frame))) <= 0)
		return 2;
	if (!registry_write(run, name, srv, path) ||
	    (e = sup_client_open(run, &c)) != SUP_OK)
		return call_done(srv, SUP_ESTATE, NULL, 0);
	for (long spent = 0;; spent += ms) {
		e = sup_client_call(c, name, "??", 2, &reply, &rlen,
		    ms > 0 ? ms : 5000);
		if (e != SUP_ETIMEDOUT || ms <= 0 || spent + ms >= 5000)
			break;
	}
	rc = call_done(srv, e, reply, rlen);
	free(reply);
	sup_client_close(c);
	return rc;
}

static char *
frame_json(const char *json, size_t *len)
{
	size_t n = strlen(json);
	char *f = malloc(n + 2);

	f[0] = IPC_VERSION;
	f[1] = IPC_TYPE_JSON;
	memcpy(f + 2, json, n);
	*len = n + 2;
	return f;
}

static char *
frame_big(size_t size, size_t *len)
{
	char *f = malloc(size);

	memset(f, ' ', size);
	f[0] = IPC_VERSION;
	f[1] = IPC_TYPE_JSON;
	memcpy(f + 2, "{\"cmd\":\"status\"}", 16);
	*len = size;
	return f;
}

static char *
frame_for(const char *mode, size_t *len)
{
	static const struct {
		const char *mode, *json;
	} js[] = {
		{"notjson", "{not json"},
		{"array", "[1, 2, 3]"},
		{"nocmd", "{\"names\": []}"},
		{"unknown", "{\"cmd\": \"selfdestruct\"}"},
		{"badnames", "{\"cmd\": \"stop\", \"names\": \"kv\"}"},
		{"probe", "{\"cmd\": \"version\"}"},
	};
	char *f;

	for (size_t i = 0; i < sizeof(js) / sizeof(js[0]); i++)
		if (strcmp(mode, js[i].mode) == 0)
			return frame_json(js[i].json, len);
	if (strcmp(mode, "big") == 0)
		return frame_big(200 * 1024, len);
	if (strcmp(mode, "huge") == 0)
		return frame_big(2 * 1024 * 1024, len);
	if (strcmp(mode, "empty") == 0) {
		*len = 0;
		return malloc(1);
	}
	if (strcmp(mode, "version") == 0) {
		f = frame_json("{\"cmd\":\"status\"}", len);
		f[0] = 99;
		return f;
	}
	if (strcmp(mode, "garbage") == 0) {
		*len = 300;
		f = malloc(*len);
		srand((unsigned)getpid());
		for (size_t i = 0; i < *len; i++)
			f[i] = (char)rand();
		return f;
	}
	return NULL;
}

/* A worker's telemetry socket that says what it likes. */
static int
publish(const char *path, const char *text)
{
	char msg[4096];
	size_t n = 0;
	ipc_pub *p;
	sup_err e;

	for (const char *c = text; *c != '\0' && n < sizeof(msg) - 1; c++) {
		if (c[0] == '\\' && c[1] == 'n') {
			msg[n++] = '\n';
			c++;
		} else {
			msg[n++] = *c;
		}
	}
	unlink(path);
	if ((e = ipc_pub_open(path, -1, &p)) != SUP_OK) {
		printf("error: %s\n", sup_strerror(e));
		return 1;
	}
	for (int i = 0; i < 1500; i++) {
		ipc_pub_send(p, msg, n);
		usleep(20000);
	}
	ipc_pub_close(p);
	return 0;
}

int
main(int argc, char **argv)
{
	char path[4096], *req;
	void *reply = NULL;
	size_t len, rlen = 0;
	sup_err e;

	if (argc < 3) {
		fprintf(stderr, "usage: t-ctlpoke RUN_DIR MODE\n");
		return 2;
	}
	if (strcmp(argv[1], "--path") == 0 && argc >= 4) {
		snprintf(path, sizeof(path), "%s", argv[2]);
		argv++;
		argc--;
	} else {
		snprintf(path, sizeof(path), "%s/ctl", argv[1]);
	}
	if (strcmp(argv[2], "publish") == 0 && argc > 3)
		return publish(path, argv[3]);
	if (strcmp(argv[2], "cutdial") == 0)
		return cut_dial(path);
	if (strcmp(argv[2], "cutworker") == 0 && argc > 4)
		return cut_worker(path, argv[3], argv[4],
		    argc > 5 ? atol(argv[5]) : 0);
	if (strcmp(argv[2], "handshake") == 0)
		return handshake_close(path, argc > 3 ? atoi(argv[3]) : 1);
	if ((req = frame_for(argv[2], &len)) == NULL) {
		fprintf(stderr, "t-ctlpoke: unknown mode %s\n", argv[2]);
		return 2;
	}
	e = ipc_call(path, req, len, &reply, &rlen,
	    strcmp(argv[2], "probe") == 0 ? 500 : 5000);
	free(req);
	if (e != SUP_OK) {
		printf("error: %s\n", sup_strerror(e));
		return 1;
	}
	printf("%.*s\n", (int)(rlen > 2 ? rlen - 2 : 0), (char *)reply + 2);
	free(reply);
	return 0;
}
