/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fp_crypto.h: QUIC packet protection with ChaCha20-Poly1305 in pure BPF, for TC programs.
 *
 *   AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8) seal and open over bytes held in a per-CPU scratch area,
 *   the QUIC nonce (IV XOR packet number, RFC 9001 §5.3), ChaCha20 header protection (RFC 9001 §5.4.4),
 *   packet-number decoding (RFC 9000 §A.3), and packet-level seal/open that read and write an skb.
 *
 * The kernel's bpf_crypto kfuncs offer neither an AEAD nor ChaCha20, so everything here is plain BPF.
 * docs/FASTPATH-CRYPTO.md describes the design, the entry points and the measured costs.
 *
 * Shape, chosen so the verifier accepts it cheaply inside a TC program:
 *  - All state (ChaCha20 input/keystream block, Poly1305 accumulator, header, payload, ciphertext) lives in
 *    `struct fpc_scratch`, one value of a per-CPU array (fpc_scratch_map). TC runs to completion on one
 *    CPU, so one value per CPU is enough, and the 512-byte BPF stack (shared by the whole call chain) stays
 *    almost unused.
 *  - The entry points are global functions (fpc_aead_seal, fpc_aead_open, fpc_hp_mask, fpc_quic_seal,
 *    fpc_quic_open, fpc_chacha_block): the verifier checks each once, on its own, with unknown arguments,
 *    so every length is re-checked inside. Global functions that write the packet invalidate the caller's
 *    direct packet pointers: re-derive them after a call.
 *  - The ChaCha20 keystream and Poly1305 run in bpf_loop callbacks (one 64-byte block, four 16-byte
 *    Poly1305 blocks per iteration); the callback context is a stack struct (bpf_loop requires a stack
 *    pointer) carrying the scratch pointer.
 *  - Ciphertext and tag are contiguous (ct[0..len) then tag): the header-protection sample is a plain
 *    load at a small variable offset, never a per-byte select.
 *  - Whole 64-byte blocks are encrypted even for a short last block; the bytes past the payload are
 *    garbage and are zeroed (16 bytes) before Poly1305 reads its zero padding, then replaced by the tag.
 *  - The tag is compared in constant time (two 64-bit XOR/OR); no branch depends on key or plaintext.
 *
 * Limits: header (associated data) at most FPC_AAD_MAX bytes, payload at most FPC_PT_MAX bytes.
 */
#ifndef FP_CRYPTO_H
#define FP_CRYPTO_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define FPC_KEY_LEN 32
#define FPC_IV_LEN 12
#define FPC_TAG_LEN 16
#define FPC_SAMPLE_LEN 16
/* Header bytes covered by the AEAD: first byte + DCID (<= 20) + packet number (<= 4) = 25 for a short
 * header; 32 leaves room. The buffer has 16 bytes more for the Poly1305 zero padding. */
#define FPC_AAD_MAX 32
#define FPC_AAD_BUF (FPC_AAD_MAX + 16)
/* Payload bytes (without tag); a multiple of 64. */
#define FPC_PT_MAX 1536
/* Ciphertext || tag, plus slack so whole-block writes and the zero padding stay inside. */
#define FPC_CT_BUF (FPC_PT_MAX + 64)
/* Largest packet-number offset (first byte + DCID) the packet-level functions accept. */
#define FPC_PN_OFFSET_MAX (FPC_AAD_MAX - 4)

/* Results of every entry point (0 = success). */
enum fpc_status {
	FPC_OK = 0,
	FPC_ERR_TAG = 1,     /* authentication failed: the packet is not ours, corrupted or forged */
	FPC_ERR_LENGTH = 2,  /* header or payload longer than the limits, or too short for a sample */
	FPC_ERR_LOAD = 3,    /* bpf_skb_load_bytes failed (packet shorter than claimed) */
	FPC_ERR_STORE = 4,   /* bpf_skb_store_bytes failed */
	FPC_ERR_ARG = 5,     /* missing scratch or key, or an argument outside its range */
	FPC_ERR_KEY_PHASE = 6, /* fpc_quic_open: the key-phase bit is not the one asked for */
};

/* fpc_quic_open's key-phase check (s->key_phase_check), made before any AEAD work. */
enum fpc_key_phase_check {
	FPC_KEY_PHASE_ANY = 0,  /* no check (the caller looks at the unprotected first byte itself) */
	FPC_KEY_PHASE_0 = 1,    /* the key-phase bit must be 0 */
	FPC_KEY_PHASE_1 = 2,    /* the key-phase bit must be 1 */
};

/* One direction's 1-RTT keys for one key phase, as TLS derives them (RFC 9001 §5.1): the 32-byte AEAD
 * key ("quic key"), the 32-byte header-protection key ("quic hp") and the 12-byte IV ("quic iv"), each
 * in wire byte order. 80 bytes. */
struct fpc_key {
	union {
		__u8 key[FPC_KEY_LEN];
		__u32 key_w[FPC_KEY_LEN / 4];
	};
	union {
		__u8 hp[FPC_KEY_LEN];
		__u32 hp_w[FPC_KEY_LEN / 4];
	};
	union {
		__u8 iv[FPC_IV_LEN];
		__u32 iv_w[FPC_IV_LEN / 4];
	};
	__u32 reserved;
};

/* Per-CPU working state. Inputs and outputs of the entry points are named on each function. */
struct fpc_scratch {
	__u32 st[16];        /* ChaCha20 input block: constants, key, counter, nonce */
	__u32 ks[16];        /* the last keystream block */
	__u64 h[5];          /* Poly1305 accumulator, 26-bit limbs */
	__u64 r[5];          /* Poly1305 r (clamped), 26-bit limbs */
	__u64 r5[5];         /* 5 * r[i] (r5[0] unused) */
	__u64 mac_lo;        /* the computed tag */
	__u64 mac_hi;
	__u64 pad_lo;        /* Poly1305 s, the one-time key's second half */
	__u64 pad_hi;
	__u64 tag_lo;        /* open: the received tag */
	__u64 tag_hi;
	__u64 pn;            /* quic seal: in, the packet number; quic open: out, the decoded one */
	__u64 largest_pn;    /* quic open: in, the largest packet number received ((u64)-1: none) */
	__u32 aad_len;       /* header (associated data) length */
	__u32 pt_len;        /* payload length, without the tag */
	__u32 pn_offset;     /* quic seal/open: in, offset of the packet number (1 + DCID length) */
	__u32 pn_len;        /* quic seal: in, quic open: out, the packet-number length (1..4) */
	__u32 key_phase_check; /* quic open: in, enum fpc_key_phase_check */
	__u32 reserved;
	__u8 sample[FPC_SAMPLE_LEN];   /* header-protection sample */
	__u8 mask[8];                  /* header-protection mask (5 bytes used) */
	__u8 aad[FPC_AAD_BUF];         /* header; zero-padded by seal/open */
	__u8 ct[FPC_CT_BUF];           /* ciphertext, then the 16-byte tag */
	__u8 pt[FPC_PT_MAX];           /* plaintext */
} __attribute__((aligned(8)));

#ifndef FPC_NO_SCRATCH_MAP
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fpc_scratch);
} fpc_scratch_map SEC(".maps");

/* This CPU's scratch (never NULL in practice; callers still check). */
static __always_inline struct fpc_scratch *fpc_scratch_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&fpc_scratch_map, &zero);
}
#endif

/* Aliasing-safe word views of byte buffers. */
typedef __u64 __attribute__((__may_alias__)) fpc_u64a;
typedef __u32 __attribute__((__may_alias__)) fpc_u32a;

/* Re-establish a bound the verifier may have lost (spills, folded compares): returns `err` when
 * `v > max`. The barrier keeps clang from merging the check into an earlier one. */
#define FPC_BOUND(v, max, err)            \
	do {                              \
		barrier_var(v);           \
		if ((v) > (max))          \
			return (err);     \
	} while (0)

/* ------------------------------------------------------------------------------------------------ */
/* QUIC nonce: the IV XOR the 62-bit packet number, left-padded to 12 bytes big-endian (RFC 9001 §5.3). */

static __always_inline void fpc_quic_nonce(const __u8 iv[FPC_IV_LEN], __u64 pn, __u8 out[FPC_IV_LEN])
{
#pragma unroll
	for (int i = 0; i < 4; i++)
		out[i] = iv[i];
#pragma unroll
	for (int i = 0; i < 8; i++)
		out[4 + i] = iv[4 + i] ^ (__u8)(pn >> (56 - 8 * i));
}

/* The same nonce as the three little-endian words of the ChaCha20 input block (words 13..15). */
static __always_inline void fpc_nonce_words(const struct fpc_key *k, __u64 pn, __u32 *n0, __u32 *n1, __u32 *n2)
{
	*n0 = k->iv_w[0];
	*n1 = k->iv_w[1] ^ __builtin_bswap32((__u32)(pn >> 32));
	*n2 = k->iv_w[2] ^ __builtin_bswap32((__u32)pn);
}

/* Full packet number from its truncated encoding (RFC 9000 §A.3); `largest` is the largest packet number
 * received so far in the space ((u64)-1 before the first). */
static __always_inline __u64 fpc_decode_pn(__u64 largest, __u64 truncated, __u32 bits)
{
	__u64 expected = largest + 1;
	__u64 win = 1ULL << bits;
	__u64 hwin = win >> 1;
	__u64 cand = (expected & ~(win - 1)) | truncated;

	if (cand + hwin <= expected && cand < (1ULL << 62) - win)
		return cand + win;
	if (cand > expected + hwin && cand >= win)
		return cand - win;
	return cand;
}

/* ------------------------------------------------------------------------------------------------ */
/* ChaCha20 (RFC 8439 §2.3) */

#define FPC_ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))

#ifndef FPC_CHACHA_LOW_STACK
/*
 * Default: the 16 words in locals. BPF has ten registers, so clang spills about 30 slots: a 240-byte
 * frame at the end of every call chain that encrypts. Fastest (about 220 ns per block measured, against
 * about 290 for the low-stack variant).
 */
#define FPC_QR(a, b, c, d)                                   \
	do {                                                 \
		a += b; d ^= a; d = FPC_ROTL(d, 16);         \
		c += d; b ^= c; b = FPC_ROTL(b, 12);         \
		a += b; d ^= a; d = FPC_ROTL(d, 8);          \
		c += d; b ^= c; b = FPC_ROTL(b, 7);          \
	} while (0)

/* s->ks = ChaCha20 block of s->st; then the block counter (word 12) advances. */
__noinline int fpc_chacha_block(struct fpc_scratch *s)
{
	if (!s)
		return FPC_ERR_ARG;
	__u32 x0 = s->st[0], x1 = s->st[1], x2 = s->st[2], x3 = s->st[3];
	__u32 x4 = s->st[4], x5 = s->st[5], x6 = s->st[6], x7 = s->st[7];
	__u32 x8 = s->st[8], x9 = s->st[9], x10 = s->st[10], x11 = s->st[11];
	__u32 x12 = s->st[12], x13 = s->st[13], x14 = s->st[14], x15 = s->st[15];

#pragma unroll
	for (int i = 0; i < 10; i++) {
		FPC_QR(x0, x4, x8, x12);
		FPC_QR(x1, x5, x9, x13);
		FPC_QR(x2, x6, x10, x14);
		FPC_QR(x3, x7, x11, x15);
		FPC_QR(x0, x5, x10, x15);
		FPC_QR(x1, x6, x11, x12);
		FPC_QR(x2, x7, x8, x13);
		FPC_QR(x3, x4, x9, x14);
	}
	s->ks[0] = x0 + s->st[0];
	s->ks[1] = x1 + s->st[1];
	s->ks[2] = x2 + s->st[2];
	s->ks[3] = x3 + s->st[3];
	s->ks[4] = x4 + s->st[4];
	s->ks[5] = x5 + s->st[5];
	s->ks[6] = x6 + s->st[6];
	s->ks[7] = x7 + s->st[7];
	s->ks[8] = x8 + s->st[8];
	s->ks[9] = x9 + s->st[9];
	s->ks[10] = x10 + s->st[10];
	s->ks[11] = x11 + s->st[11];
	s->ks[12] = x12 + s->st[12];
	s->ks[13] = x13 + s->st[13];
	s->ks[14] = x14 + s->st[14];
	s->ks[15] = x15 + s->st[15];
	s->st[12] += 1;
	return FPC_OK;
}
#else
/*
 * -DFPC_CHACHA_LOW_STACK: the words stay in s->ks (memory). Two independent quarter rounds at a time
 * (eight words, plus a temporary and the scratch pointer: all ten BPF registers) load their words, run
 * interleaved and store them back; the barrier keeps clang from carrying words across pairs in registers,
 * which would make it spill them to the stack again. Frame: 0 bytes, for call chains that cannot spare
 * 240; about 25% slower per block.
 */
#define FPC_QR2(x, a, b, c, d, e, f, g, h)                                                     \
	do {                                                                                   \
		__u32 A = x[a], B = x[b], C = x[c], D = x[d];                                  \
		__u32 E = x[e], F = x[f], G = x[g], H = x[h];                                  \
		A += B; E += F; D ^= A; H ^= E; D = FPC_ROTL(D, 16); H = FPC_ROTL(H, 16);      \
		C += D; G += H; B ^= C; F ^= G; B = FPC_ROTL(B, 12); F = FPC_ROTL(F, 12);      \
		A += B; E += F; D ^= A; H ^= E; D = FPC_ROTL(D, 8); H = FPC_ROTL(H, 8);        \
		C += D; G += H; B ^= C; F ^= G; B = FPC_ROTL(B, 7); F = FPC_ROTL(F, 7);        \
		x[a] = A; x[b] = B; x[c] = C; x[d] = D;                                        \
		x[e] = E; x[f] = F; x[g] = G; x[h] = H;                                        \
		asm volatile("" ::: "memory");                                                 \
	} while (0)

/* s->ks = ChaCha20 block of s->st; then the block counter (word 12) advances. */
__noinline int fpc_chacha_block(struct fpc_scratch *s)
{
	if (!s)
		return FPC_ERR_ARG;
	__u32 *x = s->ks;
	fpc_u64a *xw = (fpc_u64a *)s->ks;
	const fpc_u64a *sw = (const fpc_u64a *)s->st;

#pragma unroll
	for (int i = 0; i < 8; i++)
		xw[i] = sw[i];
#pragma unroll
	for (int i = 0; i < 10; i++) {
		FPC_QR2(x, 0, 4, 8, 12, 1, 5, 9, 13);
		FPC_QR2(x, 2, 6, 10, 14, 3, 7, 11, 15);
		FPC_QR2(x, 0, 5, 10, 15, 1, 6, 11, 12);
		FPC_QR2(x, 2, 7, 8, 13, 3, 4, 9, 14);
	}
#pragma unroll
	for (int i = 0; i < 16; i++)
		x[i] += s->st[i];
	s->st[12] += 1;
	return FPC_OK;
}
#endif

/* Input block: "expand 32-byte k", the 256-bit key, the counter, the 96-bit nonce. */
static __always_inline void fpc_chacha_init(struct fpc_scratch *s, const __u32 *key_w, __u32 counter,
					    __u32 n0, __u32 n1, __u32 n2)
{
	s->st[0] = 0x61707865;
	s->st[1] = 0x3320646e;
	s->st[2] = 0x79622d32;
	s->st[3] = 0x6b206574;
#pragma unroll
	for (int i = 0; i < 8; i++)
		s->st[4 + i] = key_w[i];
	s->st[12] = counter;
	s->st[13] = n0;
	s->st[14] = n1;
	s->st[15] = n2;
}

/* bpf_loop context: must live on the stack. */
struct fpc_loop_ctx {
	struct fpc_scratch *s;
	__u64 base;
};

/* Block `idx` of the payload: to = from XOR keystream (from/to: the scratch's pt and ct, either way). */
static __always_inline long fpc_xor_block(struct fpc_scratch *s, __u32 idx, const __u8 *from, __u8 *to)
{
	__u32 i = idx;

	barrier_var(i);
	if (i >= FPC_PT_MAX / 64)
		return 1;
	fpc_chacha_block(s);
	const fpc_u64a *src = (const fpc_u64a *)(from + i * 64);
	fpc_u64a *dst = (fpc_u64a *)(to + i * 64);
	const fpc_u64a *ks = (const fpc_u64a *)s->ks;
#pragma unroll
	for (int w = 0; w < 8; w++)
		dst[w] = src[w] ^ ks[w];
	return 0;
}

/* bpf_loop callbacks: ct = pt XOR keystream (seal), pt = ct XOR keystream (open). */
static long fpc_seal_xor_cb(__u32 idx, void *data)
{
	struct fpc_scratch *s = ((struct fpc_loop_ctx *)data)->s;

	return fpc_xor_block(s, idx, s->pt, s->ct);
}

static long fpc_open_xor_cb(__u32 idx, void *data)
{
	struct fpc_scratch *s = ((struct fpc_loop_ctx *)data)->s;

	return fpc_xor_block(s, idx, s->ct, s->pt);
}

/* ------------------------------------------------------------------------------------------------ */
/* Poly1305 (RFC 8439 §2.5) with five 26-bit limbs: every product fits in 64 bits. */

#define FPC_M26 0x3ffffffULL
#define FPC_HIBIT (1ULL << 24) /* 2^128 in limb 4 */

/* h = (h + block) * r mod 2^130 - 5 for one 16-byte block (little-endian lo/hi) plus 2^128; r and 5r are
 * read from the scratch, h from and to `hh`. */
static __always_inline void fpc_poly_step(struct fpc_scratch *s, __u64 *hh, __u64 lo, __u64 hi)
{
	__u64 h0 = hh[0] + (lo & FPC_M26);
	__u64 h1 = hh[1] + ((lo >> 26) & FPC_M26);
	__u64 h2 = hh[2] + (((lo >> 52) | (hi << 12)) & FPC_M26);
	__u64 h3 = hh[3] + ((hi >> 14) & FPC_M26);
	__u64 h4 = hh[4] + ((hi >> 40) | FPC_HIBIT);
	__u64 d0, d1, d2, d3, d4, c;

	d0 = h0 * s->r[0] + h1 * s->r5[4] + h2 * s->r5[3] + h3 * s->r5[2] + h4 * s->r5[1];
	d1 = h0 * s->r[1] + h1 * s->r[0] + h2 * s->r5[4] + h3 * s->r5[3] + h4 * s->r5[2];
	d2 = h0 * s->r[2] + h1 * s->r[1] + h2 * s->r[0] + h3 * s->r5[4] + h4 * s->r5[3];
	d3 = h0 * s->r[3] + h1 * s->r[2] + h2 * s->r[1] + h3 * s->r[0] + h4 * s->r5[4];
	d4 = h0 * s->r[4] + h1 * s->r[3] + h2 * s->r[2] + h3 * s->r[1] + h4 * s->r[0];

	c = d0 >> 26; h0 = d0 & FPC_M26; d1 += c;
	c = d1 >> 26; h1 = d1 & FPC_M26; d2 += c;
	c = d2 >> 26; h2 = d2 & FPC_M26; d3 += c;
	c = d3 >> 26; h3 = d3 & FPC_M26; d4 += c;
	c = d4 >> 26; h4 = d4 & FPC_M26; h0 += c * 5;
	c = h0 >> 26; h0 &= FPC_M26; h1 += c;
	hh[0] = h0; hh[1] = h1; hh[2] = h2; hh[3] = h3; hh[4] = h4;
}

/* One block as a subprogram of its own (not inlined), for the single blocks (header, remainder, lengths):
 * the 5x5 limb products need more than BPF's ten registers, and the spills then land in this small
 * frame rather than in every caller's. */
static __noinline void fpc_poly_block(struct fpc_scratch *s, __u64 lo, __u64 hi)
{
	fpc_poly_step(s, s->h, lo, hi);
}

/* One-time key = the first 32 bytes of the block in s->ks: r (clamped) and s. h = 0. */
static __always_inline void fpc_poly_init(struct fpc_scratch *s)
{
	const fpc_u64a *k = (const fpc_u64a *)s->ks;
	__u64 lo = k[0] & 0x0ffffffc0fffffffULL;
	__u64 hi = k[1] & 0x0ffffffc0ffffffcULL;

	s->r[0] = lo & FPC_M26;
	s->r[1] = (lo >> 26) & FPC_M26;
	s->r[2] = ((lo >> 52) | (hi << 12)) & FPC_M26;
	s->r[3] = (hi >> 14) & FPC_M26;
	s->r[4] = hi >> 40;
	s->r5[0] = 0;
	s->r5[1] = s->r[1] * 5;
	s->r5[2] = s->r[2] * 5;
	s->r5[3] = s->r[3] * 5;
	s->r5[4] = s->r[4] * 5;
	s->pad_lo = k[2];
	s->pad_hi = k[3];
	s->h[0] = 0; s->h[1] = 0; s->h[2] = 0; s->h[3] = 0; s->h[4] = 0;
}

/* Four 16-byte blocks of s->ct starting at idx * 64. */
static long fpc_poly4_cb(__u32 idx, void *data)
{
	struct fpc_loop_ctx *c = data;
	struct fpc_scratch *s = c->s;
	__u32 i = idx;

	barrier_var(i);
	if (i >= FPC_CT_BUF / 64)
		return 1;
	const fpc_u64a *m = (const fpc_u64a *)(s->ct + i * 64);

#ifndef FPC_POLY_LOW_STACK
	/* inlined: h stays in registers across the four blocks (≈ 25% faster than four calls) */
	fpc_poly_step(s, s->h, m[0], m[1]);
	fpc_poly_step(s, s->h, m[2], m[3]);
	fpc_poly_step(s, s->h, m[4], m[5]);
	fpc_poly_step(s, s->h, m[6], m[7]);
#else
	/* -DFPC_POLY_LOW_STACK: four calls of the single-block subprogram; this callback's frame shrinks from
	 * 192 bytes to a few, for call chains that cannot spare them (the relay's fast path) */
	fpc_poly_block(s, m[0], m[1]);
	fpc_poly_block(s, m[2], m[3]);
	fpc_poly_block(s, m[4], m[5]);
	fpc_poly_block(s, m[6], m[7]);
#endif
	return 0;
}

/* One 16-byte block of s->ct at base + idx * 16. */
static long fpc_poly1_cb(__u32 idx, void *data)
{
	struct fpc_loop_ctx *c = data;
	struct fpc_scratch *s = c->s;
	__u64 off = c->base + (__u64)idx * 16;

	barrier_var(off);
	if (off > FPC_CT_BUF - 16)
		return 1;
	const fpc_u64a *m = (const fpc_u64a *)(s->ct + off);

	fpc_poly_block(s, m[0], m[1]);
	return 0;
}

/* The header, zero-padded to 16 (the caller zeroed the 16 bytes after it). */
static __always_inline void fpc_poly_aad(struct fpc_scratch *s, __u32 aad_len)
{
	const fpc_u64a *a = (const fpc_u64a *)s->aad;

	if (aad_len > 0)
		fpc_poly_block(s, a[0], a[1]);
	if (aad_len > 16)
		fpc_poly_block(s, a[2], a[3]);
}

/* The ciphertext, zero-padded to 16 (the caller zeroed the 16 bytes after it). */
static __always_inline void fpc_poly_ct(struct fpc_scratch *s, __u32 ct_len)
{
	__u32 blocks = (ct_len + 15) / 16;
	struct fpc_loop_ctx c = { .s = s, .base = (__u64)(blocks / 4) * 64 };

	bpf_loop(blocks / 4, fpc_poly4_cb, &c, 0);
	bpf_loop(blocks % 4, fpc_poly1_cb, &c, 0);
}

/* Absorbs le64(aad_len) || le64(ct_len), reduces, adds s: the tag as two little-endian words in
 * s->mac_lo / s->mac_hi. */
static __noinline void fpc_poly_finish(struct fpc_scratch *s, __u64 aad_len, __u64 ct_len)
{
	__u64 h0, h1, h2, h3, h4, g0, g1, g2, g3, g4, c, sel, lo, hi, t;

	fpc_poly_block(s, aad_len, ct_len);
	h0 = s->h[0]; h1 = s->h[1]; h2 = s->h[2]; h3 = s->h[3]; h4 = s->h[4];

	/* full carry */
	c = h1 >> 26; h1 &= FPC_M26; h2 += c;
	c = h2 >> 26; h2 &= FPC_M26; h3 += c;
	c = h3 >> 26; h3 &= FPC_M26; h4 += c;
	c = h4 >> 26; h4 &= FPC_M26; h0 += c * 5;
	c = h0 >> 26; h0 &= FPC_M26; h1 += c;

	/* g = h + 5 - 2^130; use g when it did not go negative (h >= p) */
	g0 = h0 + 5; c = g0 >> 26; g0 &= FPC_M26;
	g1 = h1 + c; c = g1 >> 26; g1 &= FPC_M26;
	g2 = h2 + c; c = g2 >> 26; g2 &= FPC_M26;
	g3 = h3 + c; c = g3 >> 26; g3 &= FPC_M26;
	g4 = h4 + c - (1ULL << 26);
	sel = (g4 >> 63) - 1; /* all ones when g4 >= 0 */
	h0 = (h0 & ~sel) | (g0 & sel);
	h1 = (h1 & ~sel) | (g1 & sel);
	h2 = (h2 & ~sel) | (g2 & sel);
	h3 = (h3 & ~sel) | (g3 & sel);
	h4 = (h4 & ~sel) | (g4 & sel & FPC_M26);

	/* h mod 2^128 as two words (additions, so a limb one bit wider than 26 still carries right) */
	lo = h0 + (h1 << 26);
	t = lo + (h2 << 52);
	c = t < lo;
	lo = t;
	hi = (h2 >> 12) + (h3 << 14) + (h4 << 40) + c;

	/* + s mod 2^128 */
	t = lo + s->pad_lo;
	c = t < lo;
	s->mac_lo = t;
	s->mac_hi = hi + s->pad_hi + c;
}

/* ------------------------------------------------------------------------------------------------ */
/* AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8) with the QUIC nonce. */

/* Key, counter 0, nonce; block 0 gives the Poly1305 key; the payload uses counters from 1. */
static __always_inline void fpc_aead_begin(struct fpc_scratch *s, const struct fpc_key *k, __u64 pn)
{
	__u32 n0, n1, n2;

	fpc_nonce_words(k, pn, &n0, &n1, &n2);
	fpc_chacha_init(s, k->key_w, 0, n0, n1, n2);
	fpc_chacha_block(s);
	fpc_poly_init(s);
}

/* A scratch length re-read from memory: after a call, re-reading is cheaper than keeping the value alive
 * in a stack slot, and the frames along the call chain are what the 512-byte stack limit counts. */
#define FPC_RD(field) ((__u64)*(volatile __u32 *)&(field))

static __always_inline int fpc__aead_seal(struct fpc_scratch *s, const struct fpc_key *k, __u64 pn)
{
	struct fpc_loop_ctx c = { .s = s };
	__u64 aad_len = FPC_RD(s->aad_len), pt_len = FPC_RD(s->pt_len);

	FPC_BOUND(aad_len, FPC_AAD_MAX, FPC_ERR_LENGTH);
	FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
	/* Poly1305 zero padding after the header */
	*(fpc_u64a *)(s->aad + aad_len) = 0;
	*(fpc_u64a *)(s->aad + aad_len + 8) = 0;

	fpc_aead_begin(s, k, pn);
	pt_len = FPC_RD(s->pt_len);
	bpf_loop((__u32)(pt_len + 63) / 64, fpc_seal_xor_cb, &c, 0);

	pt_len = FPC_RD(s->pt_len);
	FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
	/* the whole-block XOR left keystream garbage after the payload: zero padding for Poly1305 */
	*(fpc_u64a *)(s->ct + pt_len) = 0;
	*(fpc_u64a *)(s->ct + pt_len + 8) = 0;

	fpc_poly_aad(s, FPC_RD(s->aad_len));
	fpc_poly_ct(s, FPC_RD(s->pt_len));
	fpc_poly_finish(s, FPC_RD(s->aad_len), FPC_RD(s->pt_len));

	pt_len = FPC_RD(s->pt_len);
	FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
	*(fpc_u64a *)(s->ct + pt_len) = s->mac_lo;
	*(fpc_u64a *)(s->ct + pt_len + 8) = s->mac_hi;
	return FPC_OK;
}

static __always_inline int fpc__aead_open(struct fpc_scratch *s, const struct fpc_key *k, __u64 pn)
{
	struct fpc_loop_ctx c = { .s = s };
	__u64 aad_len = FPC_RD(s->aad_len), pt_len = FPC_RD(s->pt_len), diff;

	FPC_BOUND(aad_len, FPC_AAD_MAX, FPC_ERR_LENGTH);
	FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
	*(fpc_u64a *)(s->aad + aad_len) = 0;
	*(fpc_u64a *)(s->aad + aad_len + 8) = 0;
	/* take the tag out; its place becomes Poly1305's zero padding */
	s->tag_lo = *(fpc_u64a *)(s->ct + pt_len);
	s->tag_hi = *(fpc_u64a *)(s->ct + pt_len + 8);
	*(fpc_u64a *)(s->ct + pt_len) = 0;
	*(fpc_u64a *)(s->ct + pt_len + 8) = 0;

	fpc_aead_begin(s, k, pn);
	fpc_poly_aad(s, FPC_RD(s->aad_len));
	fpc_poly_ct(s, FPC_RD(s->pt_len));
	fpc_poly_finish(s, FPC_RD(s->aad_len), FPC_RD(s->pt_len));

	pt_len = FPC_RD(s->pt_len);
	FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
	*(fpc_u64a *)(s->ct + pt_len) = s->tag_lo;
	*(fpc_u64a *)(s->ct + pt_len + 8) = s->tag_hi;
	diff = (s->mac_lo ^ s->tag_lo) | (s->mac_hi ^ s->tag_hi);
	if (diff)
		return FPC_ERR_TAG;
	bpf_loop((__u32)(FPC_RD(s->pt_len) + 63) / 64, fpc_open_xor_cb, &c, 0);
	return FPC_OK;
}

/* Seal: s->aad[0..aad_len) is the associated data, s->pt[0..pt_len) the plaintext; the nonce is
 * k->iv XOR pn. Output: s->ct[0..pt_len) ciphertext, s->ct[pt_len..+16) tag. */
__noinline int fpc_aead_seal(struct fpc_scratch *s, const struct fpc_key *k, __u64 pn)
{
	if (!s || !k)
		return FPC_ERR_ARG;
	return fpc__aead_seal(s, k, pn);
}

/* Open: s->aad[0..aad_len) associated data, s->ct[0..pt_len) ciphertext followed by the tag.
 * FPC_OK: s->pt[0..pt_len) holds the plaintext. FPC_ERR_TAG: s->pt is untouched. */
__noinline int fpc_aead_open(struct fpc_scratch *s, const struct fpc_key *k, __u64 pn)
{
	if (!s || !k)
		return FPC_ERR_ARG;
	return fpc__aead_open(s, k, pn);
}

/* ------------------------------------------------------------------------------------------------ */
/* QUIC header protection with ChaCha20 (RFC 9001 §5.4.4) */

/* s->mask[0..5) = ChaCha20(k->hp, counter = LE32(sample[0..4]), nonce = sample[4..16]) on zeros. */
__noinline int fpc_hp_mask(struct fpc_scratch *s, const struct fpc_key *k)
{
	if (!s || !k)
		return FPC_ERR_ARG;
	const fpc_u32a *sm = (const fpc_u32a *)s->sample;

	fpc_chacha_init(s, k->hp_w, sm[0], sm[1], sm[2], sm[3]);
	fpc_chacha_block(s);
	*(fpc_u64a *)s->mask = ((__u64)s->ks[1] << 32) | s->ks[0];
	return FPC_OK;
}

/* The mask's packet-number bytes (mask[1..1+pn_len)) as a little-endian word over the PN field. */
static __always_inline __u32 fpc_pn_mask(const struct fpc_scratch *s, __u32 pn_len)
{
	__u32 m = (__u32)(*(const fpc_u64a *)s->mask >> 8);

	return m & (0xffffffffu >> (32 - 8 * pn_len));
}

/* The first byte's protected bits: 4 for a long header, 5 for a short one. */
static __always_inline __u8 fpc_first_byte_mask(const struct fpc_scratch *s, __u8 first)
{
	return s->mask[0] & ((first & 0x80) ? 0x0f : 0x1f);
}

/* ------------------------------------------------------------------------------------------------ */
/* Packet level: the QUIC packet starts at byte `off` of the skb. */

/*
 * Seal one packet and write it (BPF functions take at most five arguments, so the rest come in the
 * scratch). Input: s->pn_offset, s->pn_len (1..4), s->pn (the full packet number: the nonce), s->aad[0..
 * pn_offset + pn_len) the unprotected header whose last pn_len bytes are the truncated packet number,
 * s->pt[0..s->pt_len) the payload. The skb must hold at least off + pn_offset + pn_len + pt_len + 16
 * bytes. Output: the protected header and ciphertext||tag written at `off` (checksums untouched: the
 * caller fixes them); s->aad is left header-protected.
 */
__noinline int fpc_quic_seal(struct __sk_buff *skb, struct fpc_scratch *s, const struct fpc_key *k, __u32 off)
{
	if (!skb || !s || !k)
		return FPC_ERR_ARG;
	__u64 pnl = FPC_RD(s->pn_len), pno = FPC_RD(s->pn_offset), pt_len = FPC_RD(s->pt_len), aad_len;
	int rc;

	if (pnl == 0)
		return FPC_ERR_ARG;
	FPC_BOUND(pnl, 4, FPC_ERR_ARG);
	FPC_BOUND(pno, FPC_PN_OFFSET_MAX, FPC_ERR_LENGTH);
	/* the sample (at pn_offset + 4) must lie inside ciphertext || tag */
	if (pt_len + pnl < 4)
		return FPC_ERR_LENGTH;
	s->aad_len = pno + pnl;

	rc = fpc__aead_seal(s, k, s->pn);
	if (rc)
		return rc;

	pnl = FPC_RD(s->pn_len);
	if (pnl == 0)
		return FPC_ERR_ARG;
	FPC_BOUND(pnl, 4, FPC_ERR_ARG);
	__u64 so = 4 - pnl;
	FPC_BOUND(so, 3, FPC_ERR_ARG);
	*(fpc_u64a *)s->sample = *(const fpc_u64a *)(s->ct + so);
	*(fpc_u64a *)(s->sample + 8) = *(const fpc_u64a *)(s->ct + so + 8);
	rc = fpc_hp_mask(s, k);
	if (rc)
		return rc;

	pnl = FPC_RD(s->pn_len);
	pno = FPC_RD(s->pn_offset);
	if (pnl == 0)
		return FPC_ERR_ARG;
	FPC_BOUND(pnl, 4, FPC_ERR_ARG);
	FPC_BOUND(pno, FPC_PN_OFFSET_MAX, FPC_ERR_LENGTH);
	s->aad[0] ^= fpc_first_byte_mask(s, s->aad[0]);
	*(fpc_u32a *)(s->aad + pno) ^= fpc_pn_mask(s, pnl);

	aad_len = pno + pnl;
	FPC_BOUND(aad_len, FPC_AAD_MAX, FPC_ERR_LENGTH);
	if (bpf_skb_store_bytes(skb, off, s->aad, aad_len, 0))
		return FPC_ERR_STORE;
	aad_len = FPC_RD(s->aad_len);
	pt_len = FPC_RD(s->pt_len);
	if (aad_len == 0)
		return FPC_ERR_ARG;
	FPC_BOUND(aad_len, FPC_AAD_MAX, FPC_ERR_LENGTH);
	FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
	if (bpf_skb_store_bytes(skb, off + aad_len, s->ct, pt_len + FPC_TAG_LEN, 0))
		return FPC_ERR_STORE;
	return FPC_OK;
}

/*
 * Remove header protection from the packet of `len` bytes at `off` and open it; the skb is not written.
 * Input: s->pn_offset (1 + the DCID length for a short header), s->largest_pn (the largest packet number
 * received in the space, (u64)-1 before any), s->key_phase_check (FPC_ERR_KEY_PHASE, before any AEAD
 * work, when a short header's unprotected key-phase bit is not the expected one). Output: s->aad[0..s->aad_len) the unprotected header (the
 * first byte's key-phase bit included), s->pn / s->pn_len the packet number, and on FPC_OK
 * s->pt[0..s->pt_len) the payload. FPC_ERR_TAG: the packet failed authentication (pass it up untouched).
 */
__noinline int fpc_quic_open(struct __sk_buff *skb, struct fpc_scratch *s, const struct fpc_key *k,
			     __u32 off, __u32 len)
{
	if (!skb || !s || !k)
		return FPC_ERR_ARG;
	__u64 pno = s->pn_offset, plen = len, pnl, aad_len, pt_len;
	__u32 word, truncated;
	__u8 first;
	int rc;

	FPC_BOUND(pno, FPC_PN_OFFSET_MAX, FPC_ERR_LENGTH);
	/* header, 4 packet-number bytes, a 16-byte sample */
	if (plen < pno + 4 + FPC_SAMPLE_LEN)
		return FPC_ERR_LENGTH;
	if (bpf_skb_load_bytes(skb, off + pno + 4, s->sample, FPC_SAMPLE_LEN))
		return FPC_ERR_LOAD;
	rc = fpc_hp_mask(s, k);
	if (rc)
		return rc;

	FPC_BOUND(pno, FPC_PN_OFFSET_MAX, FPC_ERR_LENGTH);
	if (bpf_skb_load_bytes(skb, off, s->aad, pno + 4))
		return FPC_ERR_LOAD;
	FPC_BOUND(pno, FPC_PN_OFFSET_MAX, FPC_ERR_LENGTH);
	first = s->aad[0];
	first ^= fpc_first_byte_mask(s, first);
	s->aad[0] = first;
	/* a packet of another key phase is not for these keys: no AEAD work (short header only) */
	if (!(first & 0x80) && s->key_phase_check != FPC_KEY_PHASE_ANY &&
	    ((first >> 2) & 1) != (s->key_phase_check == FPC_KEY_PHASE_1))
		return FPC_ERR_KEY_PHASE;
	pnl = (first & 3) + 1;
	word = *(fpc_u32a *)(s->aad + pno) ^ fpc_pn_mask(s, pnl);
	word &= 0xffffffffu >> (32 - 8 * pnl);
	*(fpc_u32a *)(s->aad + pno) = word;
	truncated = __builtin_bswap32(word) >> (32 - 8 * pnl);

	aad_len = pno + pnl;
	pt_len = plen - aad_len - FPC_TAG_LEN; /* plen >= pno + 20 >= aad_len + 16 */
	FPC_BOUND(pt_len, FPC_PT_MAX, FPC_ERR_LENGTH);
	s->aad_len = aad_len;
	s->pt_len = pt_len;
	s->pn_len = pnl;
	s->pn = fpc_decode_pn(s->largest_pn, truncated, pnl * 8);
	if (bpf_skb_load_bytes(skb, off + aad_len, s->ct, pt_len + FPC_TAG_LEN))
		return FPC_ERR_LOAD;
	return fpc__aead_open(s, k, s->pn);
}

#endif /* FP_CRYPTO_H */
