// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * crypto_test.bpf.c: a BPF_PROG_TEST_RUN harness for bpf/fp_crypto.h. Never attached to an interface.
 *
 * fpc_crypto_test (sched_cls) reads one `struct fpc_test_params` from fpc_test_params[0] (operation,
 * offsets, packet number, keys), runs that operation on the test frame and returns its enum fpc_status
 * (0 = success). The QUIC packet (or the raw associated data and payload) starts `quic_off` bytes into the
 * frame, after whatever L2/L3/L4 headers the test puts in front (at least the 14-byte Ethernet header
 * BPF_PROG_TEST_RUN requires). Layout of the frame from `quic_off` on, per operation:
 *
 *  FPC_TEST_AEAD_SEAL  aad (aad_len) | plaintext | 16 bytes of room  -> aad | ciphertext | tag
 *  FPC_TEST_AEAD_OPEN  aad | ciphertext | tag                         -> aad | plaintext | tag (on success)
 *  FPC_TEST_QUIC_SEAL  unprotected header (pn_offset + pn_len) | payload | 16 bytes of room
 *                                                                     -> protected QUIC packet
 *  FPC_TEST_QUIC_OPEN  protected QUIC packet                          -> unprotected header | payload | tag
 *                      (on success, unless FPC_TEST_F_NO_WRITE); pn_out, pn_len_out, first_byte_out set
 *  FPC_TEST_QUIC_RESEAL what the relay's fan-out does to one copy: open the packet with `key` (as above),
 *                      then replace the packet number by the low pn_len bytes of `pn2` (pn_len = 4 only:
 *                      same size) and seal it with `key2` under packet number `pn2`; the header's other
 *                      bytes (first byte, DCID) are kept. On an open failure the frame is untouched.
 *  FPC_TEST_NOP        nothing: the harness's own cost per run, for benchmarks.
 *  FPC_TEST_NONCE      12 bytes at quic_off := fpc_quic_nonce(key.iv, pn).
 *  FPC_TEST_QUIC_FANOUT the relay's per-packet shape: open once with `key` (as QUIC_OPEN), then `copies`
 *                      times (bpf_loop, a global function per copy, as the fast path's subscriber loop
 *                      would) renumber to pn2 + i and seal with `key2` into the frame. The frame ends as
 *                      the last copy (pn2 + copies - 1); each copy overwrites the previous one (a test run
 *                      cannot clone). With FPC_TEST_F_NO_WRITE the original packet is written back at the
 *                      end, as the fast path restores it before passing it up, so repeated runs are
 *                      alike. On an open failure the frame is untouched.
 *
 * Nonce for the AEAD operations: key.iv XOR pn (so pn = 0 makes the IV the RFC 8439 nonce).
 * With FPC_TEST_F_NO_WRITE nothing is written back (to time repeated runs on the same input).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "fp_crypto.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

enum fpc_test_op {
	FPC_TEST_AEAD_SEAL = 1,
	FPC_TEST_AEAD_OPEN = 2,
	FPC_TEST_QUIC_SEAL = 3,
	FPC_TEST_QUIC_OPEN = 4,
	FPC_TEST_QUIC_RESEAL = 5,
	FPC_TEST_NOP = 6,
	FPC_TEST_NONCE = 7,
	FPC_TEST_QUIC_FANOUT = 8,
};

#define FPC_TEST_F_NO_WRITE 1u

/* 224 bytes; Swift writes it byte by byte (Sources/Common/FastPath/FastPathCryptoTestProgram.swift). */
struct fpc_test_params {
	__u32 op;             /*   0 enum fpc_test_op */
	__u32 flags;          /*   4 FPC_TEST_F_* */
	__u32 quic_off;       /*   8 where the QUIC packet starts in the frame */
	__u32 pn_offset;      /*  12 QUIC: 1 + DCID length; AEAD: the associated-data length */
	__u32 pn_len;         /*  16 QUIC seal: packet-number length 1..4 */
	__u32 status;         /*  20 out: the last run's enum fpc_status */
	__u64 pn;             /*  24 seal: packet number; open: largest received ((u64)-1: none) */
	__u64 pn2;            /*  32 reseal: the new packet number */
	__u64 pn_out;         /*  40 out (open): decoded packet number */
	__u32 pn_len_out;     /*  48 out (open): packet-number length */
	__u32 first_byte_out; /*  52 out (open): unprotected first byte */
	__u32 pt_len_out;     /*  56 out: payload length */
	__u16 copies;         /*  60 fan-out: copies to seal (1..FPC_TEST_COPIES_MAX) */
	__u16 key_phase_check; /* 62 open: enum fpc_key_phase_check */
	struct fpc_key key;   /*  64 */
	struct fpc_key key2;  /* 144 reseal: the subscriber's keys */
};

_Static_assert(sizeof(struct fpc_key) == 80, "fpc_key layout");
_Static_assert(__builtin_offsetof(struct fpc_test_params, key) == 64, "fpc_test_params layout");
_Static_assert(__builtin_offsetof(struct fpc_test_params, key2) == 144, "fpc_test_params layout");
_Static_assert(sizeof(struct fpc_test_params) == 224, "fpc_test_params layout");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fpc_test_params);
} fpc_test_params SEC(".maps");

#define FPC_TEST_OFF_MAX 128
#define FPC_TEST_COPIES_MAX 1024

/* Fan-out: the opened packet's unprotected header, kept while the copies overwrite the scratch's, and
 * the original packet (protected header, ciphertext and tag) to restore. */
struct fpc_test_header {
	__u8 bytes[FPC_AAD_BUF];
	__u8 original[FPC_AAD_MAX + FPC_CT_BUF];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fpc_test_header);
} fpc_test_header SEC(".maps");

/* Raw AEAD over aad | text | 16 bytes at `off`. */
static __always_inline int run_aead(struct __sk_buff *skb, struct fpc_scratch *s, struct fpc_test_params *p,
				    __u64 off, __u64 len, int seal)
{
	__u64 aad_len = p->pn_offset, pt_len;
	int rc;

	FPC_BOUND(aad_len, FPC_AAD_MAX, FPC_ERR_LENGTH);
	if (len < aad_len + FPC_TAG_LEN)
		return FPC_ERR_LENGTH;
	pt_len = len - aad_len - FPC_TAG_LEN;
	FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
	s->aad_len = aad_len;
	s->pt_len = pt_len;
	p->pt_len_out = pt_len;
	if (aad_len > 0 && bpf_skb_load_bytes(skb, off, s->aad, aad_len))
		return FPC_ERR_LOAD;
	FPC_BOUND(aad_len, FPC_AAD_MAX, FPC_ERR_LENGTH);
	FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
	if (seal) {
		if (pt_len > 0 && bpf_skb_load_bytes(skb, off + aad_len, s->pt, pt_len))
			return FPC_ERR_LOAD;
		rc = fpc_aead_seal(s, &p->key, p->pn);
		if (rc || (p->flags & FPC_TEST_F_NO_WRITE))
			return rc;
		pt_len = s->pt_len;
		FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
		if (bpf_skb_store_bytes(skb, off + aad_len, s->ct, pt_len + FPC_TAG_LEN, 0))
			return FPC_ERR_STORE;
		return FPC_OK;
	}
	if (bpf_skb_load_bytes(skb, off + aad_len, s->ct, pt_len + FPC_TAG_LEN))
		return FPC_ERR_LOAD;
	rc = fpc_aead_open(s, &p->key, p->pn);
	if (rc || (p->flags & FPC_TEST_F_NO_WRITE))
		return rc;
	pt_len = s->pt_len;
	FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
	if (pt_len > 0 && bpf_skb_store_bytes(skb, off + aad_len, s->pt, pt_len, 0))
		return FPC_ERR_STORE;
	return FPC_OK;
}

/* QUIC seal: the unprotected header and payload come from the frame. */
static __always_inline int run_quic_seal(struct __sk_buff *skb, struct fpc_scratch *s, struct fpc_test_params *p,
					 __u64 off, __u64 len)
{
	__u64 pno = p->pn_offset, pnl = p->pn_len, aad_len, pt_len;

	FPC_BOUND(pno, FPC_PN_OFFSET_MAX, FPC_ERR_LENGTH);
	FPC_BOUND(pnl, 4, FPC_ERR_ARG);
	aad_len = pno + pnl;
	if (aad_len == 0 || len < aad_len + FPC_TAG_LEN)
		return FPC_ERR_LENGTH;
	pt_len = len - aad_len - FPC_TAG_LEN;
	FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
	FPC_BOUND(aad_len, FPC_AAD_MAX, FPC_ERR_LENGTH);
	s->pt_len = pt_len;
	p->pt_len_out = pt_len;
	if (bpf_skb_load_bytes(skb, off, s->aad, aad_len))
		return FPC_ERR_LOAD;
	FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
	if (pt_len > 0 && bpf_skb_load_bytes(skb, off + aad_len, s->pt, pt_len))
		return FPC_ERR_LOAD;
	s->pn_offset = pno;
	s->pn_len = pnl;
	s->pn = p->pn;
	return fpc_quic_seal(skb, s, &p->key, off);
}

/* QUIC open; writes the unprotected header and payload back on success. */
static __always_inline int run_quic_open(struct __sk_buff *skb, struct fpc_scratch *s, struct fpc_test_params *p,
					 __u64 off, __u64 len, int write)
{
	__u64 aad_len, pt_len;
	int rc;

	s->pn_offset = p->pn_offset;
	s->largest_pn = p->pn;
	s->key_phase_check = p->key_phase_check;
	rc = fpc_quic_open(skb, s, &p->key, off, len);

	p->pn_out = s->pn;
	p->pn_len_out = s->pn_len;
	p->first_byte_out = s->aad[0];
	p->pt_len_out = s->pt_len;
	if (rc || !write)
		return rc;
	aad_len = s->aad_len;
	if (aad_len == 0)
		return FPC_ERR_LENGTH;
	FPC_BOUND(aad_len, FPC_AAD_MAX, FPC_ERR_LENGTH);
	if (bpf_skb_store_bytes(skb, off, s->aad, aad_len, 0))
		return FPC_ERR_STORE;
	pt_len = s->pt_len;
	FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
	if (pt_len > 0 && bpf_skb_store_bytes(skb, off + aad_len, s->pt, pt_len, 0))
		return FPC_ERR_STORE;
	return FPC_OK;
}

/* Open with key, re-number (4-byte packet number) and seal with key2. */
static __always_inline int run_quic_reseal(struct __sk_buff *skb, struct fpc_scratch *s, struct fpc_test_params *p,
					   __u64 off, __u64 len)
{
	__u64 pno = p->pn_offset;
	int rc = run_quic_open(skb, s, p, off, len, 0);

	if (rc)
		return rc;
	if (s->pn_len != 4)
		return FPC_ERR_ARG;
	FPC_BOUND(pno, FPC_PN_OFFSET_MAX, FPC_ERR_LENGTH);
	*(fpc_u32a *)(s->aad + pno) = __builtin_bswap32((__u32)p->pn2);
	s->pn_offset = pno;
	s->pn_len = 4;
	s->pn = p->pn2;
	return fpc_quic_seal(skb, s, &p->key2, off);
}

/* One subscriber's copy: its header (the upstream's, renumbered to pn2 + i, 4-byte packet number) sealed
 * with key2 from the payload the open left in the scratch. A global function, verified once: called from
 * the copy loop's callback it keeps the verifier's work independent of the number of copies. */
__noinline int fpc_test_seal_copy(struct __sk_buff *skb, __u32 i)
{
	__u32 zero = 0;
	struct fpc_test_params *p = bpf_map_lookup_elem(&fpc_test_params, &zero);
	struct fpc_test_header *h = bpf_map_lookup_elem(&fpc_test_header, &zero);
	struct fpc_scratch *s = fpc_scratch_get();
	__u64 pno, off, pn;

	if (!skb || !p || !h || !s)
		return FPC_ERR_ARG;
	pno = p->pn_offset;
	off = p->quic_off;
	FPC_BOUND(pno, FPC_PN_OFFSET_MAX, FPC_ERR_LENGTH);
	FPC_BOUND(off, FPC_TEST_OFF_MAX, FPC_ERR_ARG);
	pn = p->pn2 + i;
#pragma unroll
	for (int w = 0; w < FPC_AAD_MAX / 8; w++)
		((fpc_u64a *)s->aad)[w] = ((const fpc_u64a *)h->bytes)[w];
	*(fpc_u32a *)(s->aad + pno) = __builtin_bswap32((__u32)pn);
	s->pn_offset = pno;
	s->pn_len = 4;
	s->pn = pn;
	return fpc_quic_seal(skb, s, &p->key2, off);
}

struct fpc_test_fanout_ctx {
	struct __sk_buff *skb;
	int rc;
};

static long fpc_test_fanout_cb(__u32 i, void *data)
{
	struct fpc_test_fanout_ctx *c = data;
	int rc = fpc_test_seal_copy(c->skb, i);

	if (rc) {
		c->rc = rc;
		return 1;
	}
	return 0;
}

static __always_inline int run_quic_fanout(struct __sk_buff *skb, struct fpc_scratch *s, struct fpc_test_params *p,
					   __u64 off, __u64 len)
{
	__u32 zero = 0;
	struct fpc_test_header *h = bpf_map_lookup_elem(&fpc_test_header, &zero);
	struct fpc_test_fanout_ctx c = { .skb = skb, .rc = 0 };
	__u32 copies = p->copies;
	int rc;

	if (!h)
		return FPC_ERR_ARG;
	if (copies == 0 || copies > FPC_TEST_COPIES_MAX)
		return FPC_ERR_ARG;
	FPC_BOUND(len, FPC_AAD_MAX + FPC_PT_MAX + FPC_TAG_LEN, FPC_ERR_LENGTH);
	if (len == 0 || bpf_skb_load_bytes(skb, off, h->original, len))
		return FPC_ERR_LOAD;
	rc = run_quic_open(skb, s, p, off, len, 0);
	if (rc)
		return rc;
	if (s->pn_len != 4)
		return FPC_ERR_ARG;
#pragma unroll
	for (int w = 0; w < FPC_AAD_BUF / 8; w++)
		((fpc_u64a *)h->bytes)[w] = ((const fpc_u64a *)s->aad)[w];
	bpf_loop(copies, fpc_test_fanout_cb, &c, 0);
	if (c.rc || !(p->flags & FPC_TEST_F_NO_WRITE))
		return c.rc;
	FPC_BOUND(len, FPC_AAD_MAX + FPC_PT_MAX + FPC_TAG_LEN, FPC_ERR_LENGTH);
	if (len == 0 || bpf_skb_store_bytes(skb, off, h->original, len, 0))
		return FPC_ERR_STORE;
	return FPC_OK;
}

SEC("tc")
int fpc_crypto_test(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct fpc_test_params *p = bpf_map_lookup_elem(&fpc_test_params, &zero);
	struct fpc_scratch *s = fpc_scratch_get();
	__u64 off, len;
	int rc;

	if (!p || !s)
		return FPC_ERR_ARG;
	off = p->quic_off;
	FPC_BOUND(off, FPC_TEST_OFF_MAX, FPC_ERR_ARG);
	if (skb->len < off)
		return FPC_ERR_LENGTH;
	len = skb->len - off;

	switch (p->op) {
	case FPC_TEST_AEAD_SEAL:
		rc = run_aead(skb, s, p, off, len, 1);
		break;
	case FPC_TEST_AEAD_OPEN:
		rc = run_aead(skb, s, p, off, len, 0);
		break;
	case FPC_TEST_QUIC_SEAL:
		rc = run_quic_seal(skb, s, p, off, len);
		break;
	case FPC_TEST_QUIC_OPEN:
		rc = run_quic_open(skb, s, p, off, len, !(p->flags & FPC_TEST_F_NO_WRITE));
		break;
	case FPC_TEST_QUIC_RESEAL:
		rc = run_quic_reseal(skb, s, p, off, len);
		break;
	case FPC_TEST_NOP:
		rc = FPC_OK;
		break;
	case FPC_TEST_QUIC_FANOUT:
		rc = run_quic_fanout(skb, s, p, off, len);
		break;
	case FPC_TEST_NONCE: {
		__u8 nonce[FPC_IV_LEN];

		fpc_quic_nonce(p->key.iv, p->pn, nonce);
		rc = bpf_skb_store_bytes(skb, off, nonce, sizeof(nonce), 0) ? FPC_ERR_STORE : FPC_OK;
		break;
	}
	default:
		rc = FPC_ERR_ARG;
	}
	p->status = rc;
	return rc;
}
