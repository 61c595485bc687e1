#ifndef CLIBBPF_SHIM_H
#define CLIBBPF_SHIM_H
/* No _GNU_SOURCE here: it would make glibc types differ from SwiftGlibc's (fd_set); setns is declared below. */
#include <sched.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <net/if.h>
int setns(int fd, int nstype);
#ifndef CLONE_NEWNET
#define CLONE_NEWNET 0x40000000
#endif
#endif
