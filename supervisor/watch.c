/*
 * supervisor/watch.c — the fds the loop waits on (watch.h): one epoll
 * set, each fd tagged with its source and the node or ghost it is about.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "supd.h"
#include "watch.h"

sup_err
watch_add(struct supd *d, int fd, enum watch_source src, int index)
{
	struct epoll_event ev = {.events = EPOLLIN,
	    .data.u64 = (uint64_t)src << 32 | (uint32_t)index};

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) == 0
	    ? SUP_OK : SUP_ESYS | errno;
}

void
watch_del(struct supd *d, int fd)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL);
}

void
watch_out(struct supd *d, int fd, enum watch_source src, int index, bool out)
{
	struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0),
	    .data.u64 = (uint64_t)src << 32 | (uint32_t)index};

	epoll_ctl(d->epfd, EPOLL_CTL_MOD, fd, &ev);
}
