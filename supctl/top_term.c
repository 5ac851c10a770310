/*
 * supctl/top_term.c — the terminal of supctl top: raw mode and the
 * alternate screen with termios and ANSI escapes (no curses: any terminal
 * that ssh or tmux gives works), the keys as they arrive, and the pager
 * that shows a log with the terminal handed over to it.
 *
 * Invariant: whenever supctl leaves (q, a signal, exit()), the terminal
 * is as term_enter() found it: term_leave() is registered with atexit()
 * and is harmless when called twice.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "top.h"

#define ENTER_SEQ "\033[?1049h\033[?25l\033[H\033[2J"
#define LEAVE_SEQ "\033[m\033[?25h\033[?1049l"

static struct termios saved;
static bool entered, registered;

static void
out(const char *s)
{
	size_t len = strlen(s), off = 0;

	while (off < len) {
		ssize_t k = write(STDOUT_FILENO, s + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		off += (size_t)k;
	}
}

int
term_enter(void)
{
	struct termios raw;

	if (entered)
		return 0;
	if (tcgetattr(STDIN_FILENO, &saved) != 0)
		return -1;
	raw = saved;
	/* Keys one by one, unechoed; ^C and ^Z are keys too (q and ^C
	 * quit; a stopped full-screen view would leave the terminal raw). */
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0)
		return -1;
	entered = true;
	if (!registered && atexit(term_leave) == 0)
		registered = true;
	out(ENTER_SEQ);
	return 0;
}

void
term_leave(void)
{
	if (!entered)
		return;
	out(LEAVE_SEQ);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	entered = false;
}

void
term_size(int *lines, int *cols)
{
	struct winsize ws;

	*lines = 24;
	*cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		*lines = ws.ws_row;
		*cols = ws.ws_col;
	}
}

/* The key an escape sequence (after ESC [ or ESC O) stands for, and how
 * many bytes of p it takes; 0 when it is none we know. */
static int
csi_key(const unsigned char *p, size_t n, size_t *used)
{
	static const struct {
		const char *seq;
		int key;
	} k[] = {
		{"A", KEY_UP}, {"B", KEY_DOWN}, {"H", KEY_HOME}, {"F", KEY_END},
		{"5~", KEY_PGUP}, {"6~", KEY_PGDN}, {"1~", KEY_HOME},
		{"4~", KEY_END}, {"7~", KEY_HOME}, {"8~", KEY_END},
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		size_t len = strlen(k[i].seq);
		if (len <= n && memcmp(p, k[i].seq, len) == 0) {
			*used = len;
			return k[i].key;
		}
	}
	/* Unknown: skip to its final byte. */
	for (*used = 0; *used < n; (*used)++)
		if (p[*used] >= 0x40 && p[*used] <= 0x7e) {
			(*used)++;
			break;
		}
	return 0;
}

int
term_keys(int *keys, int max)
{
	unsigned char buf[256];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	int nk = 0;

	for (ssize_t i = 0; i < n && nk < max; i++) {
		size_t used = 0;
		int key;
		if (buf[i] == 0x1b && i + 1 < n &&
		    (buf[i + 1] == '[' || buf[i + 1] == 'O')) {
			key = csi_key(buf + i + 2, (size_t)(n - i - 2), &used);
			i += 1 + (ssize_t)used;
			if (key != 0)
				keys[nk++] = key;
			continue;
		}
		keys[nk++] = buf[i];
	}
	return nk;
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn))
pager_exec(const char *path, int err_fd, const char *pager)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (err_fd >= 0)
		dup2(err_fd, STDERR_FILENO);
	/* $PAGER may hold options ("less -R"): a shell splits it, and
	 * looks less up in PATH (execlp is not async-signal-safe). */
	execl("/bin/sh", "sh", "-c", pager != NULL && pager[0] != '\0' ?
	    "exec $PAGER \"$1\"" : "exec less +G \"$1\"", "sh", path,
	    (char *)NULL);
	_exit(127);
}

int
term_pager(const char *path, int err_fd)
{
	const char *pager = getenv("PAGER");
	int st = -1;
	pid_t pid;

	term_leave();
	pid = fork();
	if (pid == 0)
		pager_exec(path, err_fd, pager);
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	term_enter();
	return pid > 0 ? st : -1;
}
