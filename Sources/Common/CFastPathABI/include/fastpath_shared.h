/*
 * Atomic access to the fast path's shared memory (the mmap-ed fp_shared array), for Swift: the kernel
 * changes these counters with atomic adds, so user space must use atomic operations too.
 */
#ifndef CFASTPATHABI_FASTPATH_SHARED_H
#define CFASTPATHABI_FASTPATH_SHARED_H
#include <stdint.h>

/* Atomically adds delta to *p and returns the previous value (sequentially consistent). */
uint64_t fp_atomic_fetch_add_u64(uint64_t *p, uint64_t delta);
/* Atomically adds delta to *p and returns the previous value (sequentially consistent). */
int64_t fp_atomic_fetch_add_s64(int64_t *p, int64_t delta);
/* Atomic load. */
uint64_t fp_atomic_load_u64(const uint64_t *p);
/* Atomic load. */
int64_t fp_atomic_load_s64(const int64_t *p);
/* Atomic store. */
void fp_atomic_store_s64(int64_t *p, int64_t value);
/* Atomic store. */
void fp_atomic_store_u64(uint64_t *p, uint64_t value);
/* FP_ABI_VERSION as compiled into this C target (Swift does not import the macro's use sites). */
uint32_t fp_abi_version(void);
/* 1 when path is a bpffs mount, 0 when not, -errno on failure (statfs). */
int fp_is_bpffs(const char *path);
/* Mounts a bpffs on path; 0 or -errno. */
int fp_mount_bpffs(const char *path);

#endif
