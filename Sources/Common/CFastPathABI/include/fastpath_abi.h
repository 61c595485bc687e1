/*
 * The fast path's shared ABI, exposed to Swift. This is not a copy: it includes the one header the BPF
 * programs are compiled with (bpf/fastpath_abi.h), so both sides always see the same structs.
 */
#ifndef CFASTPATHABI_FASTPATH_ABI_H
#define CFASTPATHABI_FASTPATH_ABI_H
#include "../../../../bpf/fastpath_abi.h"
#endif
