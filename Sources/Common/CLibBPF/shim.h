#ifndef CLIBBPF_SHIM_H
#define CLIBBPF_SHIM_H
#define _GNU_SOURCE
#include <sched.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <net/if.h>
int setns(int fd, int nstype);
#endif
