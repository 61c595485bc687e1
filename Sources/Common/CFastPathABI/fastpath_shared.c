#include "fastpath_shared.h"
#include <errno.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include "fastpath_abi.h"

uint64_t fp_atomic_fetch_add_u64(uint64_t *p, uint64_t delta) { return __atomic_fetch_add(p, delta, __ATOMIC_SEQ_CST); }
int64_t fp_atomic_fetch_add_s64(int64_t *p, int64_t delta) { return __atomic_fetch_add(p, delta, __ATOMIC_SEQ_CST); }
uint64_t fp_atomic_load_u64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
int64_t fp_atomic_load_s64(const int64_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
void fp_atomic_store_s64(int64_t *p, int64_t value) { __atomic_store_n(p, value, __ATOMIC_SEQ_CST); }
void fp_atomic_store_u64(uint64_t *p, uint64_t value) { __atomic_store_n(p, value, __ATOMIC_SEQ_CST); }
uint32_t fp_abi_version(void) { return FP_ABI_VERSION; }

int fp_is_bpffs(const char *path) {
	struct statfs st;
	if (statfs(path, &st) != 0) return -errno;
	return st.f_type == 0xcafe4a11 ? 1 : 0;
}

int fp_mount_bpffs(const char *path) { return mount("bpf", path, "bpf", 0, NULL) == 0 ? 0 : -errno; }

/* The layout Swift relies on; the tests check the same numbers from Swift. */
_Static_assert(sizeof(struct fp_record) == 80, "fp_record layout");
_Static_assert(sizeof(struct fp_shared) == 128, "fp_shared layout");
_Static_assert(sizeof(struct fp_config) == 16, "fp_config layout");
