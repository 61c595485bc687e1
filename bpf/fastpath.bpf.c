// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fastpath.bpf.c: the relay's kernel fast path (TC ingress programs).
 *
 *  fp_upstream_ingress   on interfaces facing the upstream publisher: classify cleartext 1-RTT packets
 *                        carrying one STREAM frame of a media subgroup stream, clone one rewritten copy per
 *                        subscriber of that track, restore the original and pass it up (TC_ACT_OK).
 *                        Encrypted mode (the upstream's and the subscribers' ChaCha20-Poly1305 keys in
 *                        fp_up_keys / fp_sub_keys): the packet is opened once, classified on its
 *                        plaintext, and every copy is sealed with its subscriber's keys.
 *  fp_subscriber_ingress on interfaces facing subscribers: learn each subscriber's L2/L3 address; pass
 *                        everything up.
 *
 * All state lives in maps user space fills (bpf/fastpath_abi.h); docs/FASTPATH.md explains the design.
 * Anything the programs do not understand is passed up unchanged: correctness never depends on them.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fastpath_abi.h"
/* The copy's call chain (program -> fp_forward_one -> fpc_quic_seal -> keystream -> ChaCha20 block) must fit
 * the 512-byte stack. The default ChaCha20 block (240 bytes) and four-block Poly1305 callback (192) leave
 * the program and fp_forward_one 176 bytes together, less than fp_forward_one alone uses; the low-stack
 * variants (8 bytes, and single-block calls of 48) leave them 384. */
#define FPC_CHACHA_LOW_STACK
#define FPC_POLY_LOW_STACK
#include "fp_crypto.h"

_Static_assert(sizeof(struct fp_quic_key) == sizeof(struct fpc_key), "fp_quic_key is fpc_key");

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

#define HEAD_MASK (FP_HEAD_MAX - 1)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- maps: max_entries below are defaults; the loader sizes them from configuration ------------ */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_config);
} fp_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct fp_cid_key);
	__type(value, struct fp_cid_owner);
} fp_local_cids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct fp_upstream);
} fp_upstreams SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct fp_track_key);
	__type(value, struct fp_track);
} fp_tracks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct fp_stream_key);
	__type(value, struct fp_stream);
} fp_streams SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct fp_subscriber);
} fp_subscribers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct fp_shared);
} fp_shared SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct fp_sub_stream_key);
	__type(value, struct fp_sub_stream);
} fp_sub_streams SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct fp_learned);
} fp_learned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FP_CNT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} fp_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} fp_records SEC(".maps");

/* FP_LOG_SLOTS entries per subscriber (user space sizes it to fp_subscribers' size times that). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 256 * FP_LOG_SLOTS);
	__type(key, __u32);
	__type(value, struct fp_sent_entry);
} fp_sent_log SEC(".maps");

/* Two slots per upstream / subscriber (user space sizes them to twice fp_upstreams' / fp_subscribers'). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16 * 2);
	__type(key, __u32);
	__type(value, struct fp_key_set);
} fp_up_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256 * 2);
	__type(key, __u32);
	__type(value, struct fp_key_set);
} fp_sub_keys SEC(".maps");

/* Encrypted mode's per-packet state beside fp_crypto.h's scratch (per-CPU, like fp_scratch): the
 * packet as it arrived, to put back before it is passed up, and the checksum bookkeeping. */
#define FP_PKT_MAX (FPC_AAD_MAX + FPC_PT_MAX + FPC_TAG_LEN)   /* largest packet sealed: 1584 */
#define FP_PKT_BUF 2048                                      /* a power of two above FP_PKT_MAX + 4 */
struct fp_enc_scratch {
	__u8  orig[FP_PKT_BUF];   /* the UDP payload as it arrived (zero after payload_len) */
	__u8  cur[FP_PKT_BUF];    /* the UDP payload of the last sealed copy (zero after payload_len) */
	__u32 cur_sum;            /* one's-complement sum of the UDP payload the skb holds now */
	__u16 orig_udp_check;     /* the UDP checksum field as it arrived */
	__u16 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_enc_scratch);
} fp_enc_scratch SEC(".maps");

/* Keeps the compiler from moving memory accesses across it (the log's publication order). */
#define compiler_barrier() asm volatile("" ::: "memory")
/* Room kept in the log for packet numbers other CPUs and user space take between the check and the
 * kernel's own fetch-add: a copy is logged only when the log looks this far from full. */
#define FP_LOG_MARGIN 128

/* Per-packet working state. Per-CPU: a TC ingress program runs to completion on one CPU, and the
 * copies it sends leave through egress queues, so the program is never re-entered for this state. */
struct fp_scratch {
	__u8 orig[FP_HEAD_MAX];   /* the UDP payload head as it arrived (zero beyond head_len) */
	__u8 cur[FP_HEAD_MAX];    /* what the packet holds now */
	__u8 next[FP_HEAD_MAX];   /* being built for the next subscriber */
	__u8 orig_macs[12];       /* destination then source MAC as they arrived */
	__u8 cur_macs[12];
	__u8 orig_addrs[32];      /* source then destination address, packet order (8 or 32 bytes used) */
	__u8 cur_addrs[32];
	__u8 orig_ports[4];       /* source then destination port, network order */
	__u8 cur_ports[4];
	__u8 next_macs[12];       /* targets for the next subscriber */
	__u8 next_addrs[32];
	__u8 next_ports[4];
	__u32 family;
	__u32 l3_off;
	__u32 l4_off;
	__u32 quic_off;           /* packet offset of the UDP payload */
	__u32 payload_len;        /* UDP payload bytes = QUIC packet size */
	__u32 head_len;           /* min(payload_len, FP_HEAD_MAX) */
	__u32 cid_len;
	__u32 sid_off;            /* payload offset of the stream ID field */
	__u32 sid_len;            /* 4 or 8 */
	__u32 alias_off;          /* payload offset of the track alias field (offset-0 packets), or 0 */
	__u32 alias_len;
	__u32 upstream_id;
	__u32 track_id;
	__u32 data_len;
	__u64 stream_id;          /* upstream stream ID */
	__u64 offset;
	__u64 alias;              /* upstream track alias */
	__u64 group;              /* group ID from the subgroup header (offset-0 packets) */
	__u32 data_off;           /* payload offset of the STREAM frame's data */
	__u32 header_len;         /* subgroup header bytes (offset-0 packets) */
	__u8 fin;
	__u8 priority;
	__u8 modified;            /* the packet differs from the original */
	__u8 default_priority;    /* the subgroup header omitted the priority: use the track's */
	__u32 forwarded;          /* copies sent for this packet */
	__u32 tag_len;            /* 0 (cleartext) or FP_AEAD_TAG_LEN (encrypted: the packet was opened) */
	__u32 sealed;             /* copies sealed for this packet (encrypted mode) */
	__u32 seal_cap;           /* copies that may be sealed for this packet */
	struct fp_track_key track_key; /* the packet's track (fp_prepare -> fp_upstream_ingress) */
	struct bpf_fib_lookup fib;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_scratch);
} fp_scratch SEC(".maps");

/* ---- small helpers ------------------------------------------------------------------------------ */
static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&fp_counters, &which);
	if (v)
		*v += 1;
}

/* QUIC variable-length integer (RFC 9000 §16) at buf[off]; returns its length or 0 if it does not fit
 * below lim. */
static __always_inline __u32 quic_varint(const __u8 *buf, __u32 off, __u32 lim, __u64 *out)
{
	if (off >= lim || off >= FP_HEAD_MAX)
		return 0;
	__u8 first = buf[off & HEAD_MASK];
	__u32 len = 1u << (first >> 6);
	if (off + len > lim)
		return 0;
	__u64 v = first & 0x3f;
#pragma unroll
	for (int i = 1; i < 8; i++) {
		if (i >= len)
			break;
		v = (v << 8) | buf[(off + i) & HEAD_MASK];
	}
	*out = v;
	return len;
}

/* MoQT vi64 (draft-17+): the count of leading one bits plus one is the length (0xff: 9 bytes). */
static __always_inline __u32 moq_vi64(const __u8 *buf, __u32 off, __u32 lim, __u64 *out)
{
	if (off >= lim || off >= FP_HEAD_MAX)
		return 0;
	__u8 first = buf[off & HEAD_MASK];
	__u32 len = 1;
#pragma unroll
	for (int i = 7; i >= 0; i--) {
		if (!(first & (1u << i)))
			break;
		len++;
	}
	if (off + len > lim)
		return 0;
	__u64 v = len >= 8 ? 0 : (first & (0xffu >> len));
#pragma unroll
	for (int i = 1; i < 9; i++) {
		if (i >= len)
			break;
		v = (v << 8) | buf[(off + i) & HEAD_MASK];
	}
	*out = v;
	return len;
}

static __always_inline int vi64_fits(__u32 len, __u64 v)
{
	if (len < 1 || len > 9)
		return 0;
	return len >= 9 || (v >> (7 * len)) == 0;
}

static __always_inline int varint_fits(__u32 len, __u64 v)
{
	return (len == 4 && v < (1ull << 30)) || (len == 8 && v < (1ull << 62));
}

/* Writes v as a vi64 of exactly len bytes (non-minimal encodings are legal). 0 if it does not fit. */
static __always_inline int put_vi64(__u8 *buf, __u32 off, __u32 len, __u64 v)
{
	if (len < 1 || len > 9)
		return 0;
	if (len < 9 && (7 * len) < 64 && (v >> (7 * len)) != 0)
		return 0;
	__u8 prefix = len >= 9 ? 0xff : (__u8)(0xff00u >> (len - 1));
#pragma unroll
	for (int i = 8; i >= 1; i--) {
		if (i < len) {
			buf[(off + i) & HEAD_MASK] = (__u8)v;
			v >>= 8;
		}
	}
	if (len < 9)
		buf[off & HEAD_MASK] = prefix | (__u8)v;
	else
		buf[off & HEAD_MASK] = 0xff;
	return 1;
}

/* Writes v as a QUIC varint of exactly len (4 or 8) bytes. 0 if it does not fit. */
static __always_inline int put_varint(__u8 *buf, __u32 off, __u32 len, __u64 v)
{
	if (len == 4) {
		if (v >= (1ull << 30))
			return 0;
		buf[off & HEAD_MASK] = 0x80 | (__u8)(v >> 24);
		buf[(off + 1) & HEAD_MASK] = (__u8)(v >> 16);
		buf[(off + 2) & HEAD_MASK] = (__u8)(v >> 8);
		buf[(off + 3) & HEAD_MASK] = (__u8)v;
		return 1;
	}
	if (len == 8) {
		if (v >= (1ull << 62))
			return 0;
#pragma unroll
		for (int i = 7; i >= 1; i--) {
			buf[(off + i) & HEAD_MASK] = (__u8)v;
			v >>= 8;
		}
		buf[off & HEAD_MASK] = 0xc0 | (__u8)v;
		return 1;
	}
	return 0;
}

/* Byte comparison (there is no memcmp in BPF): 1 when the first n bytes differ. */
static __always_inline int differ(const __u8 *a, const __u8 *b, __u32 n)
{
	__u8 acc = 0;
#pragma unroll
	for (int i = 0; i < 32; i++) {
		if (i < n)
			acc |= a[i] ^ b[i];
	}
	return acc != 0;
}

static __always_inline __u32 addr_len(__u32 family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* ---- parsing the outer headers (direct packet access, bounds checked) --------------------------- */

/* Returns 1 for an unfragmented Ethernet/IPv4|IPv6/UDP packet wholly present in the skb. */
static __always_inline int parse_outer(struct __sk_buff *skb, struct fp_scratch *o)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return 0;
	__builtin_memcpy(o->orig_macs, eth->h_dest, 6);
	__builtin_memcpy(o->orig_macs + 6, eth->h_source, 6);
	struct udphdr *udp;
	o->l3_off = sizeof(*eth);
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > data_end)
			return 0;
		if (ip->version != 4 || ip->ihl < 5 || ip->protocol != IPPROTO_UDP)
			return 0;
		if (ip->frag_off & bpf_htons(0x3fff))
			return 0;
		__u32 ihl = ip->ihl * 4;
		udp = (void *)ip + ihl;
		if ((void *)(udp + 1) > data_end)
			return 0;
		o->family = AF_INET;
		o->l4_off = sizeof(*eth) + ihl;
		__builtin_memcpy(o->orig_addrs, &ip->saddr, 4);
		__builtin_memcpy(o->orig_addrs + 4, &ip->daddr, 4);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > data_end)
			return 0;
		if (ip6->nexthdr != IPPROTO_UDP)
			return 0;
		udp = (void *)(ip6 + 1);
		if ((void *)(udp + 1) > data_end)
			return 0;
		o->family = AF_INET6;
		o->l4_off = sizeof(*eth) + sizeof(*ip6);
		__builtin_memcpy(o->orig_addrs, &ip6->saddr, 16);
		__builtin_memcpy(o->orig_addrs + 16, &ip6->daddr, 16);
	} else {
		return 0;
	}
	__builtin_memcpy(o->orig_ports, &udp->source, 2);
	__builtin_memcpy(o->orig_ports + 2, &udp->dest, 2);
	__u32 ulen = bpf_ntohs(udp->len);
	if (ulen < sizeof(*udp) + 1)
		return 0;
	o->quic_off = o->l4_off + sizeof(*udp);
	o->payload_len = ulen - sizeof(*udp);
	/* Truncated packets: the UDP length must not claim more than is really there (Ethernet padding of
	 * short frames may follow it). */
	if (o->quic_off + o->payload_len > skb->len)
		return 0;
	return 1;
}

/* True when the packet's addresses and ports are `p`'s (`reversed`: `p`'s read backwards, destination
 * as source). */
static __always_inline int endpoints_match(const struct fp_endpoint_pair *p, const struct fp_scratch *o, int reversed)
{
	const __u8 *src_port = reversed ? (const __u8 *)&p->dst_port : (const __u8 *)&p->src_port;
	const __u8 *dst_port = reversed ? (const __u8 *)&p->src_port : (const __u8 *)&p->dst_port;
	const __u8 *src_addr = reversed ? p->dst_addr : p->src_addr;
	const __u8 *dst_addr = reversed ? p->src_addr : p->dst_addr;
	if (p->family != o->family)
		return 0;
	if (differ(src_port, o->orig_ports, 2) || differ(dst_port, o->orig_ports + 2, 2))
		return 0;
	if (o->family == AF_INET)
		return !differ(src_addr, o->orig_addrs, 4) && !differ(dst_addr, o->orig_addrs + 4, 4);
	return !differ(src_addr, o->orig_addrs, 16) && !differ(dst_addr, o->orig_addrs + 16, 16);
}

static __always_inline int path_matches(const struct fp_endpoint_pair *p, const struct fp_scratch *o)
{
	return endpoints_match(p, o, 0);
}

/* ---- rewriting ------------------------------------------------------------------------------------ */

/* Moves the packet from the scratch's "cur" state to the given MACs, addresses, ports and head, keeping
 * the IPv4 header checksum and the UDP checksum valid incrementally (a computed 0 becomes 0xffff). */
static __always_inline int apply_outer(struct __sk_buff *skb, struct fp_scratch *s, const __u8 *macs,
				       const __u8 *addrs, const __u8 *ports)
{
	__u32 udp_csum = s->l4_off + offsetof(struct udphdr, check);
	__s64 diff;

	if (differ((const __u8 *)s->cur_macs, macs, 12)) {
		if (bpf_skb_store_bytes(skb, 0, macs, 12, 0))
			return -1;
		__builtin_memcpy(s->cur_macs, macs, 12);
	}

	if (s->family == AF_INET) {
		if (differ((const __u8 *)s->cur_addrs, addrs, 8)) {
			diff = bpf_csum_diff((__be32 *)s->cur_addrs, 8, (__be32 *)addrs, 8, 0);
			if (bpf_skb_store_bytes(skb, s->l3_off + offsetof(struct iphdr, saddr), addrs, 8, 0))
				return -1;
			if (bpf_l3_csum_replace(skb, s->l3_off + offsetof(struct iphdr, check), 0, diff, 0))
				return -1;
			if (bpf_l4_csum_replace(skb, udp_csum, 0, diff, BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0))
				return -1;
			__builtin_memcpy(s->cur_addrs, addrs, 8);
		}
	} else {
		if (differ((const __u8 *)s->cur_addrs, addrs, 32)) {
			diff = bpf_csum_diff((__be32 *)s->cur_addrs, 32, (__be32 *)addrs, 32, 0);
			if (bpf_skb_store_bytes(skb, s->l3_off + offsetof(struct ipv6hdr, saddr), addrs, 32, 0))
				return -1;
			if (bpf_l4_csum_replace(skb, udp_csum, 0, diff, BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0))
				return -1;
			__builtin_memcpy(s->cur_addrs, addrs, 32);
		}
	}

	if (differ((const __u8 *)s->cur_ports, ports, 4)) {
		diff = bpf_csum_diff((__be32 *)s->cur_ports, 4, (__be32 *)ports, 4, 0);
		if (bpf_skb_store_bytes(skb, s->l4_off, ports, 4, 0))
			return -1;
		if (bpf_l4_csum_replace(skb, udp_csum, 0, diff, BPF_F_MARK_MANGLED_0))
			return -1;
		__builtin_memcpy(s->cur_ports, ports, 4);
	}
	return 0;
}

/* The outer headers (apply_outer) and the cleartext head. */
static __always_inline int apply(struct __sk_buff *skb, struct fp_scratch *s, const __u8 *macs,
				 const __u8 *addrs, const __u8 *ports, const __u8 *head)
{
	__u32 udp_csum = s->l4_off + offsetof(struct udphdr, check);
	__s64 diff;

	if (apply_outer(skb, s, macs, addrs, ports) < 0)
		return -1;

	/* The head starts at the UDP payload, an even offset from the UDP header, so 16-bit words line up
	 * with the checksum's; bytes beyond head_len are zero in both buffers and add nothing. */
	diff = bpf_csum_diff((__be32 *)s->cur, FP_HEAD_MAX, (__be32 *)head, FP_HEAD_MAX, 0);
	__u32 len = s->head_len;
	if (len < 1 || len > FP_HEAD_MAX)
		return -1;
	if (bpf_skb_store_bytes(skb, s->quic_off, head, len, 0))
		return -1;
	if (bpf_l4_csum_replace(skb, udp_csum, 0, diff, BPF_F_MARK_MANGLED_0))
		return -1;
	__builtin_memcpy(s->cur, head, FP_HEAD_MAX);
	return 0;
}

/* ---- encrypted mode ------------------------------------------------------------------------------ */

/* One's-complement 32-bit a - b (end-around carry). */
static __always_inline __u32 csum_sub32(__u32 a, __u32 b)
{
	__u32 nb = ~b;
	__u32 r = a + nb;
	return r + (r < nb);
}

/* The one's-complement sum of buf[0..len) (len <= FP_PKT_MAX; the bytes after it up to a multiple of 4
 * are zero), in 512-byte pieces: older kernels limit bpf_csum_diff to 512 bytes. The UDP payload starts
 * at an even offset, so this sum lines up with the UDP checksum's words. */
static __always_inline __u32 payload_sum(const __u8 *buf, __u32 len)
{
	__u32 words = (len + 3) & ~3u;
	__s64 sum = 0;
#pragma unroll
	for (int c = 0; c < FP_PKT_BUF / 512; c++) {
		__u32 start = c * 512;
		if (start >= words)
			break;
		__u32 n = words - start;
		if (n > 512)
			n = 512;
		barrier_var(n);
		if (n > 512)
			break;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)(buf + start), n, (__u32)sum);
		if (sum < 0)
			return 0;
	}
	return (__u32)sum;
}

/* Zero buf[len..len+4) so that payload_sum may read whole words. */
static __always_inline void zero_tail(__u8 *buf, __u32 len)
{
	if (len > FP_PKT_MAX)
		return;
#pragma unroll
	for (int i = 0; i < 4; i++)
		buf[(len + i) & (FP_PKT_BUF - 1)] = 0;
}

/* bpf_loop context (on the stack) for building the plaintext head byte by byte. */
struct plain_head_ctx {
	struct fp_scratch *s;
	struct fpc_scratch *fs;
	__u32 hdr;
	__u32 plain;
};

/* s->orig[i]: the unprotected header's byte, then the plaintext's, zero after the plaintext. */
static long plain_head_cb(__u32 i, void *data)
{
	struct plain_head_ctx *c = data;
	__u8 b = 0;
	if (i < c->hdr)
		b = c->fs->aad[i & 31];
	else if (i < c->plain)
		b = c->fs->pt[(i - c->hdr) & 1023];
	c->s->orig[i & HEAD_MASK] = b;
	return 0;
}

/* Opens upstream `up_id`'s packet with its installed keys (slot 1 or 2): header protection removed, tag
 * verified, nothing written to the skb. Keeps the packet as it arrived and its UDP checksum for the
 * restore, and fills s->orig with the plaintext head (unprotected header, then the frames). Returns the
 * plaintext packet length (header and frames, no tag), or 0 when the packet is not for the kernel: not
 * authentic, of the other key phase, not a 4-byte packet number, too long. */
static __always_inline __u32 open_upstream(struct __sk_buff *skb, struct fp_scratch *s, __u32 up_id, __u32 slot,
					   __u32 cid_len)
{
	__u32 zero = 0;
	struct fpc_scratch *fs = fpc_scratch_get();
	struct fp_enc_scratch *es = bpf_map_lookup_elem(&fp_enc_scratch, &zero);
	if (!fs || !es || slot < 1 || slot > 2)
		return 0;
	__u32 kidx = up_id * 2 + slot - 1;
	struct fp_key_set *ks = bpf_map_lookup_elem(&fp_up_keys, &kidx);
	if (!ks)
		return 0;
	__u32 len = s->payload_len;
	if (len > FP_PKT_MAX || len < 1 + cid_len + FP_PN_LEN + FPC_TAG_LEN + 1)
		return 0;
	__u32 phase = ks->key_phase & 1;
	fs->pn_offset = 1 + cid_len;
	fs->largest_pn = ks->largest_pn;
	fs->key_phase_check = phase ? FPC_KEY_PHASE_1 : FPC_KEY_PHASE_0;
	if (fpc_quic_open(skb, fs, (const struct fpc_key *)&ks->phase[phase], s->quic_off, len) != FPC_OK)
		return 0;
	if (fs->pn_len != FP_PN_LEN || fs->aad_len != 1 + cid_len + FP_PN_LEN)
		return 0;
	if (fs->pn > ks->largest_pn)
		ks->largest_pn = fs->pn;

	len = s->payload_len;
	if (len > FP_PKT_MAX || len < 1)
		return 0;
	if (bpf_skb_load_bytes(skb, s->quic_off, es->orig, len))
		return 0;
	zero_tail(es->orig, len);
	es->cur_sum = payload_sum(es->orig, s->payload_len);
	if (bpf_skb_load_bytes(skb, s->l4_off + offsetof(struct udphdr, check), &es->orig_udp_check, 2))
		return 0;

	struct plain_head_ctx c = { .s = s, .fs = fs, .hdr = 1 + cid_len + FP_PN_LEN,
				    .plain = s->payload_len - FPC_TAG_LEN };
	bpf_loop(FP_HEAD_MAX, plain_head_cb, &c, 0);
	return c.plain;
}

/* Seals the copy for one subscriber: outer headers as apply_outer, then its header (s->next: first byte,
 * DCID, packet number pn) and the frames with the stream ID and alias it gets (s->next), sealed with
 * its keys, header protection applied, written over the skb's UDP payload; the UDP checksum follows
 * the new payload. */
static __always_inline int seal_copy(struct __sk_buff *skb, struct fp_scratch *s, const struct fp_key_set *ks,
				     const __u8 *macs, const __u8 *addrs, const __u8 *ports, __u64 pn)
{
	__u32 zero = 0;
	struct fpc_scratch *fs = fpc_scratch_get();
	struct fp_enc_scratch *es = bpf_map_lookup_elem(&fp_enc_scratch, &zero);
	if (!fs || !es)
		return -1;
	if (apply_outer(skb, s, macs, addrs, ports) < 0)
		return -1;
	__u32 phase = ks->key_phase & 1;
	s->next[0] = (s->next[0] & ~FP_QUIC_KEY_PHASE) | (phase ? FP_QUIC_KEY_PHASE : 0);
#pragma unroll
	for (int i = 0; i < 1 + FP_MAX_CID_LEN + FP_PN_LEN; i++)
		fs->aad[i] = s->next[i];
	/* The frames differ from the upstream's only in the stream ID and the alias (s->next holds both
	 * at their payload offsets; the opened plaintext starts hdr bytes into the packet). */
	__u32 hdr = 1 + s->cid_len + FP_PN_LEN;
#pragma unroll
	for (int k = 0; k < 8; k++) {
		if (k < s->sid_len) {
			__u32 o = s->sid_off + k;
			fs->pt[(o - hdr) & 1023] = s->next[o & HEAD_MASK];
		}
	}
	if (s->alias_len) {
#pragma unroll
		for (int k = 0; k < 9; k++) {
			if (k < s->alias_len) {
				__u32 o = s->alias_off + k;
				fs->pt[(o - hdr) & 1023] = s->next[o & HEAD_MASK];
			}
		}
	}
	fs->pn = pn;
	fs->pn_len = FP_PN_LEN;
	fs->pn_offset = 1 + s->cid_len;
	s->sealed++;
	if (fpc_quic_seal(skb, fs, (const struct fpc_key *)&ks->phase[phase], s->quic_off) != FPC_OK) {
		count(FP_CNT_SEAL_FAILED);
		return -1;
	}
	__u32 len = s->payload_len;
	if (len > FP_PKT_MAX || len < 1)
		return -1;
	if (bpf_skb_load_bytes(skb, s->quic_off, es->cur, len))
		return -1;
	zero_tail(es->cur, len);
	__u32 sum = payload_sum(es->cur, s->payload_len);
	if (bpf_l4_csum_replace(skb, s->l4_off + offsetof(struct udphdr, check), 0, csum_sub32(sum, es->cur_sum),
				BPF_F_MARK_MANGLED_0))
		return -1;
	es->cur_sum = sum;
	count(FP_CNT_SEALED);
	return 0;
}

/* Puts back the packet exactly as it arrived: payload, outer headers, UDP checksum. */
static __always_inline void restore_encrypted(struct __sk_buff *skb, struct fp_scratch *s)
{
	__u32 zero = 0;
	struct fp_enc_scratch *es = bpf_map_lookup_elem(&fp_enc_scratch, &zero);
	if (!es)
		return;
	__u32 len = s->payload_len;
	if (len > FP_PKT_MAX || len < 1)
		return;
	bpf_skb_store_bytes(skb, s->quic_off, es->orig, len, 0);
	apply_outer(skb, s, s->orig_macs, s->orig_addrs, s->orig_ports);
	bpf_skb_store_bytes(skb, s->l4_off + offsetof(struct udphdr, check), &es->orig_udp_check, 2, 0);
}

static __always_inline void shared_add(__u64 *field, __u64 v)
{
	__sync_fetch_and_add(field, v);
}

static __always_inline void emit_simple(__u32 kind, __u32 sub_id, const struct fp_subscriber *sub,
					const struct fp_scratch *s, __u64 stream_id, __u16 flags, __u8 reason,
					__u64 final_size, struct fp_shared *sh, struct fp_sub_stream *ss)
{
	struct fp_record *r = bpf_ringbuf_reserve(&fp_records, sizeof(*r), 0);
	if (!r) {
		count(FP_CNT_RINGBUF_FULL);
		shared_add(&sh->unreported, 1);
		if (ss)
			ss->flags |= FP_SS_UNREPORTED;
		return;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->subscriber_id = sub_id;
	r->connection_id = sub->connection_id;
	r->upstream_id = s->upstream_id;
	r->send_time_ns = bpf_ktime_get_ns();
	r->stream_id = stream_id;
	r->upstream_stream_id = s->stream_id;
	r->offset = s->offset;
	r->final_size = final_size;
	r->length = s->data_len;
	r->packet_size = s->payload_len;
	r->track_id = s->track_id;
	r->flags = flags | (s->fin ? FP_RECF_FIN : 0);
	r->reason = reason;
	r->priority = s->priority;
	bpf_ringbuf_submit(r, 0);
}

/* Marks a subscriber stream as handed to user space (creating the entry if needed). */
static __always_inline void handoff(__u32 sub_id, const struct fp_subscriber *sub, struct fp_scratch *s,
				    struct fp_shared *sh, struct fp_sub_stream_key *key,
				    struct fp_sub_stream *ss, __u8 reason)
{
	struct fp_sub_stream fresh = {};
	__u64 sid = 0;
	__u16 flags = 0;
	__u64 next = s->offset;
	if (ss) {
		ss->flags |= FP_SS_HANDOFF;
		if (ss->flags & FP_SS_OPEN) {
			sid = ss->stream_id;
			flags = FP_RECF_STREAM_OPEN;
		}
	} else {
		fresh.flags = FP_SS_HANDOFF;
		fresh.priority = s->priority;
		if (bpf_map_update_elem(&fp_sub_streams, key, &fresh, BPF_ANY))
			count(FP_CNT_MAP_FULL);
		ss = bpf_map_lookup_elem(&fp_sub_streams, key);
	}
	count(FP_CNT_HANDOFF);
	shared_add(&sh->handoffs, 1);
	emit_simple(FP_REC_HANDOFF, sub_id, sub, s, sid, flags, reason, next, sh, ss);
}

/*
 * One subscriber's copy of the current media packet. A global (non-inlined) function: the verifier checks
 * it once, so the fan-out loop stays cheap to verify for FP_MAX_FANOUT subscribers.
 */
__noinline int fp_forward_one(struct __sk_buff *skb, __u32 sub_id, __u64 sub_alias)
{
	__u32 zero = 0;
	struct fp_scratch *s = bpf_map_lookup_elem(&fp_scratch, &zero);
	struct fp_config *cfg = bpf_map_lookup_elem(&fp_config, &zero);
	struct fp_subscriber *sub = bpf_map_lookup_elem(&fp_subscribers, &sub_id);
	struct fp_shared *sh = bpf_map_lookup_elem(&fp_shared, &sub_id);
	if (!s || !cfg || !sub || !sh)
		return 0;
	if (!sub->active || sub->path.family != s->family || sub->dcid_len != s->cid_len ||
	    sub->dcid_len > FP_MAX_CID_LEN) {
		count(FP_CNT_SUB_MISMATCH);
		return 0;
	}

	struct fp_sub_stream_key key = { .subscriber_id = sub_id, .upstream_id = s->upstream_id,
					  .stream_id = s->stream_id };
	struct fp_sub_stream *ss = bpf_map_lookup_elem(&fp_sub_streams, &key);
	int new_stream = 0;
	if (ss) {
		if (ss->flags & FP_SS_DROPPED) {
			count(FP_CNT_SKIP_DROPPED);
			return 0;
		}
		if (ss->flags & FP_SS_HANDOFF) {
			count(FP_CNT_HANDOFF);
			return 0;
		}
		if (!(ss->flags & FP_SS_OPEN)) {
			count(FP_CNT_SKIP_MIDSTREAM);
			return 0;
		}
	} else {
		if (s->offset != 0) {
			count(FP_CNT_SKIP_MIDSTREAM);
			return 0;
		}
		new_stream = 1;
	}

	/* The subscriber's track alias must fit the upstream alias field (same vi64 width). Every packet
	 * carrying offset 0 (also an upstream retransmission of it) gets the subscriber's alias. */
	int rewrite_alias = 0;
	if (s->alias_len && sub_alias != s->alias) {
		if (!s->alias_len || !vi64_fits(s->alias_len, sub_alias)) {
			handoff(sub_id, sub, s, sh, &key, ss, FP_REASON_ALIAS_WIDTH);
			return 0;
		}
		rewrite_alias = 1;
	}

	/* Encrypted mode: the copy is sealed with the subscriber's keys, so it needs keys exactly when the
	 * upstream packet was opened; at most seal_cap copies are sealed per packet, the next subscribers'
	 * streams go to user space. */
	struct fp_key_set *keys = NULL;
	__u32 slot = *(volatile __u32 *)&sub->key_slot;
	if (s->tag_len && (slot == 1 || slot == 2)) {
		__u32 kidx = sub_id * 2 + slot - 1;
		keys = bpf_map_lookup_elem(&fp_sub_keys, &kidx);
	}
	if (s->tag_len ? !keys : slot != 0) {
		count(FP_CNT_KEY_MISMATCH);
		handoff(sub_id, sub, s, sh, &key, ss, FP_REASON_KEYS);
		return 0;
	}
	if (keys && s->sealed >= s->seal_cap) {
		count(FP_CNT_SEAL_CAP);
		handoff(sub_id, sub, s, sh, &key, ss, FP_REASON_SEAL_CAP);
		return 0;
	}

	/* Congestion budget with priority reserve: a packet of priority p (0 = most important) may use the
	 * budget only while what remains after it stays >= p * reserve_step. */
	__s64 size = s->payload_len;
	__s64 reserve = (__s64)s->priority * (__s64)sub->reserve_step;
	__s64 before = __sync_fetch_and_add(&sh->budget, -size);
	__s64 after = before - size;
	if (after < reserve) {
		__sync_fetch_and_add(&sh->budget, size);
		__u8 reason = after >= 0 ? FP_REASON_PRIORITY : FP_REASON_BUDGET;
		/* Without a loss in the last round trips the shortfall is transient (user space's view of the
		 * window lags the ACKs, or a keyframe burst outran it): hand the stream to user space, whose
		 * congestion controller sends the rest as the window opens. Dropping, lowest priority
		 * first, is the answer to real congestion only. */
		if (bpf_ktime_get_ns() >= sh->congested_until_ns) {
			count(FP_CNT_SHORTFALL_HANDOFF);
			shared_add(&sh->shortfall_handoffs, 1);
			handoff(sub_id, sub, s, sh, &key, ss, reason);
			return 0;
		}
		count(after >= 0 ? FP_CNT_DROP_PRIORITY : FP_CNT_DROP_BUDGET);
		shared_add(after >= 0 ? &sh->dropped_priority : &sh->dropped_budget, 1);
		struct fp_sub_stream fresh = {};
		__u64 sid = 0, final_size = 0;
		__u16 flags = 0;
		if (ss) {
			ss->flags |= FP_SS_DROPPED;
			sid = ss->stream_id;
			final_size = ss->sent_end;
			flags = FP_RECF_STREAM_OPEN;
		} else {
			fresh.flags = FP_SS_DROPPED;
			fresh.priority = s->priority;
			if (bpf_map_update_elem(&fp_sub_streams, &key, &fresh, BPF_ANY))
				count(FP_CNT_MAP_FULL);
			ss = bpf_map_lookup_elem(&fp_sub_streams, &key);
		}
		emit_simple(FP_REC_DROPPED, sub_id, sub, s, sid, flags, reason, final_size, sh, ss);
		return 0;
	}

	/* Flow control: MAX_STREAM_DATA (absolute), MAX_DATA (new bytes), MAX_STREAMS (new stream). */
	__u64 end = s->offset + s->data_len;
	__u64 limit = ss ? ss->max_stream_data : sub->initial_max_stream_data;
	__u64 sent_end = ss ? ss->sent_end : 0;
	__s64 fresh_bytes = end > sent_end ? (__s64)(end - sent_end) : 0;
	__u8 blocked = 0;
	int took_conn = 0, took_stream = 0;
	if (end > limit) {
		blocked = FP_REASON_STREAM_CREDIT;
	} else {
		if (fresh_bytes > 0) {
			__s64 c = __sync_fetch_and_add(&sh->conn_credit, -fresh_bytes);
			took_conn = 1;
			if (c - fresh_bytes < 0)
				blocked = FP_REASON_CONN_CREDIT;
		}
		if (!blocked && new_stream) {
			__s64 c = __sync_fetch_and_add(&sh->streams_credit, -1);
			took_stream = 1;
			if (c - 1 < 0)
				blocked = FP_REASON_STREAMS_CREDIT;
		}
	}
	if (blocked) {
		__sync_fetch_and_add(&sh->budget, size);
		if (took_conn)
			__sync_fetch_and_add(&sh->conn_credit, fresh_bytes);
		if (took_stream)
			__sync_fetch_and_add(&sh->streams_credit, 1);
		count(FP_CNT_FLOW_BLOCKED);
		handoff(sub_id, sub, s, sh, &key, ss, blocked);
		return 0;
	}

	/* Every sent packet is reported: in the subscriber's sent log when it has room (checked again once
	 * the number is taken), else by a ring-buffer record reserved before any number is taken. */
	int use_log = 0;
	if (cfg->flags & FP_CFG_SENT_LOG) {
		__u64 peek = *(volatile __u64 *)&sh->next_packet_number;
		__u64 read = *(volatile __u64 *)&sh->log_read;
		use_log = peek - read < FP_LOG_SLOTS - FP_LOG_MARGIN;
		if (!use_log)
			shared_add(&sh->log_overruns, 1);
	}
	struct fp_record *r = use_log ? NULL : bpf_ringbuf_reserve(&fp_records, sizeof(*r), 0);
	if (!use_log && !r) {
		__sync_fetch_and_add(&sh->budget, size);
		if (took_conn)
			__sync_fetch_and_add(&sh->conn_credit, fresh_bytes);
		if (took_stream)
			__sync_fetch_and_add(&sh->streams_credit, 1);
		count(FP_CNT_RINGBUF_FULL);
		shared_add(&sh->unreported, 1);
		if (ss) {
			ss->flags |= FP_SS_HANDOFF | FP_SS_UNREPORTED;
		} else {
			struct fp_sub_stream fresh = { .flags = FP_SS_HANDOFF | FP_SS_UNREPORTED,
						       .priority = s->priority };
			if (bpf_map_update_elem(&fp_sub_streams, &key, &fresh, BPF_ANY))
				count(FP_CNT_MAP_FULL);
		}
		return 0;
	}

	__u64 sub_sid;
	if (new_stream) {
		__u64 n = __sync_fetch_and_add(&sh->next_uni_stream, 1);
		sub_sid = (n << 2) | (sub->uni_stream_base & 3);
		struct fp_sub_stream fresh = { .stream_id = sub_sid, .sent_end = 0,
					       .max_stream_data = sub->initial_max_stream_data,
					       .flags = FP_SS_OPEN, .priority = s->priority };
		__u8 failed = 0;
		if (!varint_fits(s->sid_len, sub_sid)) {
			/* Beyond the upstream field's width: the ID is this stream's, but user space sends it
			 * (it can encode any width). */
			failed = FP_REASON_STREAM_ID_WIDTH;
			fresh.flags |= FP_SS_HANDOFF;
			if (bpf_map_update_elem(&fp_sub_streams, &key, &fresh, BPF_NOEXIST))
				count(FP_CNT_MAP_FULL);
		} else if (bpf_map_update_elem(&fp_sub_streams, &key, &fresh, BPF_NOEXIST)) {
			count(FP_CNT_MAP_FULL);
			failed = FP_REASON_MAP_FULL;
		}
		if (failed) {
			/* Nothing is sent: give back budget and data credit. The stream ID (and its MAX_STREAMS
			 * credit) stays consumed; the record tells user space to send the stream on it. */
			if (r)
				bpf_ringbuf_discard(r, 0);
			__sync_fetch_and_add(&sh->budget, size);
			if (took_conn)
				__sync_fetch_and_add(&sh->conn_credit, fresh_bytes);
			count(FP_CNT_HANDOFF);
			shared_add(&sh->handoffs, 1);
			emit_simple(FP_REC_HANDOFF, sub_id, sub, s, sub_sid, FP_RECF_STREAM_OPEN, failed, s->offset, sh,
				    bpf_map_lookup_elem(&fp_sub_streams, &key));
			return 0;
		}
		ss = bpf_map_lookup_elem(&fp_sub_streams, &key);
		if (!ss) {
			if (r)
				bpf_ringbuf_discard(r, 0);
			return 0;
		}
	} else {
		sub_sid = ss->stream_id;
	}

	__u64 pn = __sync_fetch_and_add(&sh->next_packet_number, 1);
	struct fp_sent_entry *e = NULL;
	if (use_log) {
		/* The entry for pn is free once user space read pn - FP_LOG_SLOTS. Should the margin not have
		 * sufficed, a ring-buffer record reports the copy; with neither, nothing is sent and the
		 * number stays unused (a gap the peer never sees acknowledged; user space skips it). */
		if (pn - *(volatile __u64 *)&sh->log_read < FP_LOG_SLOTS) {
			__u32 idx = sub_id * FP_LOG_SLOTS + (__u32)(pn & (FP_LOG_SLOTS - 1));
			e = bpf_map_lookup_elem(&fp_sent_log, &idx);
		}
		if (!e) {
			shared_add(&sh->log_overruns, 1);
			r = bpf_ringbuf_reserve(&fp_records, sizeof(*r), 0);
			if (!r) {
				__sync_fetch_and_add(&sh->budget, size);
				if (took_conn)
					__sync_fetch_and_add(&sh->conn_credit, fresh_bytes);
				count(FP_CNT_RINGBUF_FULL);
				shared_add(&sh->unreported, 1);
				ss->flags |= FP_SS_HANDOFF | FP_SS_UNREPORTED;
				return 0;
			}
		}
	}

	/* Build this subscriber's head from the original. */
	__builtin_memcpy(s->next, s->orig, FP_HEAD_MAX);
	__u8 first = s->orig[0] & ~FP_QUIC_KEY_PHASE;
	if (sub->flags & FP_SUB_KEY_PHASE)
		first |= FP_QUIC_KEY_PHASE;
	s->next[0] = first;
#pragma unroll
	for (int i = 0; i < FP_MAX_CID_LEN; i++) {
		if (i < s->cid_len)
			s->next[(1 + i) & HEAD_MASK] = sub->dcid[i];
	}
	__u32 pn_off = 1 + s->cid_len;
	s->next[pn_off & HEAD_MASK] = (__u8)(pn >> 24);
	s->next[(pn_off + 1) & HEAD_MASK] = (__u8)(pn >> 16);
	s->next[(pn_off + 2) & HEAD_MASK] = (__u8)(pn >> 8);
	s->next[(pn_off + 3) & HEAD_MASK] = (__u8)pn;
	put_varint(s->next, s->sid_off, s->sid_len, sub_sid);
	if (rewrite_alias)
		put_vi64(s->next, s->alias_off, s->alias_len, sub_alias);

	/* L2 next hop: FIB lookup if asked, then the learned address, then the configured one. */
	__u8 *macs = s->next_macs;
	__builtin_memcpy(macs, sub->dst_mac, 6);
	__builtin_memcpy(macs + 6, sub->src_mac, 6);
	__u32 ifindex = sub->ifindex;
	struct fp_learned *learned = bpf_map_lookup_elem(&fp_learned, &sub_id);
	if (!ifindex && learned && learned->seen_ns)
		ifindex = learned->ifindex;
	int resolved = 0;
	if (sub->flags & FP_SUB_FIB_LOOKUP) {
		struct bpf_fib_lookup *fibp = &s->fib;
		__builtin_memset(fibp, 0, sizeof(*fibp));
#define fib (*fibp)
		fib.family = s->family;
		fib.l4_protocol = IPPROTO_UDP;
		/* An output lookup from the egress interface (no forwarding sysctl needed). */
		fib.ifindex = ifindex ? ifindex : skb->ifindex;
		if (s->family == AF_INET) {
			__builtin_memcpy(&fib.ipv4_src, sub->path.src_addr, 4);
			__builtin_memcpy(&fib.ipv4_dst, sub->path.dst_addr, 4);
		} else {
			__builtin_memcpy(fib.ipv6_src, sub->path.src_addr, 16);
			__builtin_memcpy(fib.ipv6_dst, sub->path.dst_addr, 16);
		}
		if (bpf_fib_lookup(skb, fibp, sizeof(*fibp), BPF_FIB_LOOKUP_OUTPUT) == BPF_FIB_LKUP_RET_SUCCESS) {
			__builtin_memcpy(macs, fib.dmac, 6);
			__builtin_memcpy(macs + 6, fib.smac, 6);
			if (!ifindex)
				ifindex = fib.ifindex;
			resolved = 1;
		}
#undef fib
	}
	if (!resolved && learned && learned->seen_ns) {
		__builtin_memcpy(macs, learned->peer_mac, 6);
		__builtin_memcpy(macs + 6, learned->local_mac, 6);
	}

	__u8 *addrs = s->next_addrs;
	__u8 *ports = s->next_ports;
	__builtin_memset(addrs, 0, 32);
	__u32 alen = addr_len(s->family);
	if (alen == 4) {
		__builtin_memcpy(addrs, sub->path.src_addr, 4);
		__builtin_memcpy(addrs + 4, sub->path.dst_addr, 4);
	} else {
		__builtin_memcpy(addrs, sub->path.src_addr, 16);
		__builtin_memcpy(addrs + 16, sub->path.dst_addr, 16);
	}
	__builtin_memcpy(ports, &sub->path.src_port, 2);
	__builtin_memcpy(ports + 2, &sub->path.dst_port, 2);

	s->modified = 1;
	__u16 flags = FP_RECF_STREAM_OPEN;
	if (new_stream)
		flags |= FP_RECF_NEW_STREAM;
	if (rewrite_alias)
		flags |= FP_RECF_ALIAS_REWRITTEN;
	int failed;
	if (keys) {
		failed = seal_copy(skb, s, keys, macs, addrs, ports, pn) < 0;
		if (!failed)
			shared_add(&sh->sealed_packets, 1);
	} else {
		failed = apply(skb, s, macs, addrs, ports, s->next) < 0;
	}
	if (failed) {
		flags |= FP_RECF_CLONE_FAILED;
		count(FP_CNT_CLONE_FAILED);
	} else if (!(cfg->flags & FP_CFG_NO_CLONE)) {
		if (bpf_clone_redirect(skb, ifindex, 0)) {
			flags |= FP_RECF_CLONE_FAILED;
			count(FP_CNT_CLONE_FAILED);
		}
	}

	if (end > ss->sent_end)
		ss->sent_end = end;
	s->forwarded++;
	count(FP_CNT_FORWARDED);
	shared_add(&sh->forwarded_packets, 1);
	shared_add(&sh->forwarded_bytes, (__u64)size);

	if (e) {
		*(volatile __u64 *)&e->packet_number = FP_LOG_EMPTY;
		compiler_barrier();
		e->send_time_ns = bpf_ktime_get_ns();
		e->stream_id = sub_sid;
		e->upstream_stream_id = s->stream_id;
		e->offset = s->offset;
		e->length = s->data_len;
		e->packet_size = s->payload_len;
		e->upstream_id = s->upstream_id;
		e->track_id = s->track_id;
		e->connection_id = sub->connection_id;
		e->flags = flags | (s->fin ? FP_RECF_FIN : 0);
		e->priority = s->priority;
		e->_pad = 0;
		compiler_barrier();
		*(volatile __u64 *)&e->packet_number = pn;
		return 0;
	}
	if (!r)
		return 0;
	__builtin_memset(r, 0, sizeof(*r));
	r->kind = FP_REC_SENT;
	r->subscriber_id = sub_id;
	r->connection_id = sub->connection_id;
	r->upstream_id = s->upstream_id;
	r->packet_number = pn;
	r->send_time_ns = bpf_ktime_get_ns();
	r->stream_id = sub_sid;
	r->upstream_stream_id = s->stream_id;
	r->offset = s->offset;
	r->length = s->data_len;
	r->packet_size = s->payload_len;
	r->track_id = s->track_id;
	r->flags = flags | (s->fin ? FP_RECF_FIN : 0);
	r->priority = s->priority;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* Records where subscriber `id`'s packets come from (the packet's outer headers are in the scratch). */
/* Learns where subscriber `id` is (interface, MACs) from one of its packets, but only from a packet on
 * its validated path: anyone can send a packet carrying a subscriber's connection ID, and learning from
 * a spoofed one would send that subscriber's media to the spoofer's next hop. */
static __always_inline void learn(struct __sk_buff *skb, const struct fp_scratch *o, __u32 id)
{
	struct fp_subscriber *sub = bpf_map_lookup_elem(&fp_subscribers, &id);
	if (!sub || !sub->active || !endpoints_match(&sub->path, o, 1)) {
		count(FP_CNT_LEARN_REFUSED);
		return;
	}
	struct fp_learned *l = bpf_map_lookup_elem(&fp_learned, &id);
	if (!l)
		return;
	l->seen_ns = bpf_ktime_get_ns();
	l->ifindex = skb->ifindex;
	l->packets += 1;
	__builtin_memcpy(l->local_mac, o->orig_macs, 6);
	__builtin_memcpy(l->peer_mac, o->orig_macs + 6, 6);
	l->path.family = o->family;
	__builtin_memcpy(&l->path.src_port, o->orig_ports, 2);
	__builtin_memcpy(&l->path.dst_port, o->orig_ports + 2, 2);
	if (o->family == AF_INET) {
		__builtin_memcpy(l->path.src_addr, o->orig_addrs, 4);
		__builtin_memcpy(l->path.dst_addr, o->orig_addrs + 4, 4);
	} else {
		__builtin_memcpy(l->path.src_addr, o->orig_addrs, 16);
		__builtin_memcpy(l->path.dst_addr, o->orig_addrs + 16, 16);
	}
	count(FP_CNT_LEARNED);
}

/* ---- classification --------------------------------------------------------------------------- */

/* Parses the QUIC short header, the single STREAM frame and (at offset 0) the subgroup header from
 * s->orig. Returns 1 when the packet is an eligible media packet; fills the scratch. */
static __always_inline int classify(struct fp_scratch *s, const struct fp_config *cfg)
{
	const __u8 *b = s->orig;
	__u32 lim = s->head_len;
	__u32 cid_len = s->cid_len;
	if ((b[0] & FP_QUIC_PN_LEN_MASK) != (FP_PN_LEN - 1))
		return 0;
	__u32 p = 1 + cid_len + FP_PN_LEN;
	if (p >= lim)
		return 0;
	__u8 type = b[p & HEAD_MASK];
	if (type < FP_QUIC_STREAM_MIN || type > FP_QUIC_STREAM_MAX)
		return 0;
	p++;
	__u64 sid = 0, off = 0, len = 0;
	__u32 n = quic_varint(b, p, lim, &sid);
	if (n != 4 && n != 8)
		return 0; /* 1- and 2-byte stream IDs cannot carry every subscriber's stream ID */
	if (!(sid & FP_QUIC_STREAM_UNI))
		return 0; /* bidirectional streams carry control and requests, never media */
	s->sid_off = p;
	s->sid_len = n;
	p += n;
	if (type & FP_QUIC_STREAM_OFF) {
		n = quic_varint(b, p, lim, &off);
		if (!n)
			return 0;
		p += n;
	}
	__u32 payload = s->payload_len;
	if (type & FP_QUIC_STREAM_LEN) {
		n = quic_varint(b, p, lim, &len);
		if (!n)
			return 0;
		p += n;
		/* Exactly one frame: it must end where the packet ends (or its AEAD tag begins). */
		if ((__u64)p + len + s->tag_len != payload)
			return 0;
	} else {
		if (p + s->tag_len > payload)
			return 0;
		len = payload - p - s->tag_len;
	}
	if (len > 0xffff)
		return 0;
	s->stream_id = sid;
	s->offset = off;
	s->data_len = (__u32)len;
	s->fin = type & FP_QUIC_STREAM_FIN;
	s->alias_off = 0;
	s->alias_len = 0;

	s->data_off = p;
	s->header_len = 0;
	if (off == 0) {
		/* The subgroup header must be wholly inside this packet's data and the parsed head. */
		__u32 dlim = p + (__u32)len;
		if (dlim > lim)
			dlim = lim;
		__u64 htype = 0, alias = 0, group = 0, subgroup = 0;
		__u32 q = p;
		n = moq_vi64(b, q, dlim, &htype);
		if (!n)
			return 0;
		if ((htype & ~0x7full) || !(htype & FP_MOQ_SUBGROUP_BASE) ||
		    (htype & FP_MOQ_SUBGROUP_ID_MASK) == FP_MOQ_SUBGROUP_ID_MASK)
			return 0; /* not a subgroup stream (e.g. FETCH): user space */
		q += n;
		n = moq_vi64(b, q, dlim, &alias);
		if (!n)
			return 0;
		s->alias_off = q;
		s->alias_len = n;
		q += n;
		n = moq_vi64(b, q, dlim, &group);
		if (!n)
			return 0;
		q += n;
		if ((htype & FP_MOQ_SUBGROUP_ID_MASK) == FP_MOQ_SUBGROUP_ID_PRESENT) {
			n = moq_vi64(b, q, dlim, &subgroup);
			if (!n)
				return 0;
			q += n;
		}
		if (!(htype & FP_MOQ_SUBGROUP_DEFAULT_PRIORITY)) {
			if (q >= dlim)
				return 0;
			s->priority = b[q & HEAD_MASK];
			q += 1;
			s->default_priority = 0;
		} else {
			s->default_priority = 1;
		}
		s->alias = alias;
		s->group = group;
		s->header_len = q - p;
		return 2; /* offset 0 with a subgroup header */
	}
	return 1;
}

/* Puts the original packet back before it is passed up (a global function: see fp_prepare). */
__noinline int fp_restore(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct fp_scratch *s = bpf_map_lookup_elem(&fp_scratch, &zero);
	if (!s)
		return 0;
	if (s->tag_len)
		restore_encrypted(skb, s);
	else
		apply(skb, s, s->orig_macs, s->orig_addrs, s->orig_ports, s->orig);
	return 0;
}

/*
 * Everything before the fan-out: parse, (encrypted) open, classify, find the track. Returns 1 for a media
 * packet to fan out (the track key in s->track_key, the scratch ready), 0 to pass it up (counted). A
 * global function, so that fp_upstream_ingress keeps a small stack frame: the frames along the
 * per-copy call chain (program, fp_forward_one, the seal) share the 512-byte stack.
 */
__noinline int fp_prepare(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct fp_config *cfg = bpf_map_lookup_elem(&fp_config, &zero);
	if (!cfg || cfg->local_cid_len < 1 || cfg->local_cid_len > FP_MAX_CID_LEN)
		return 0;
	if (skb->gso_segs > 1 || skb->gso_size) {
		count(FP_CNT_GSO);
		count(FP_CNT_PASSED);
		return 0;
	}
	struct fp_scratch *s = bpf_map_lookup_elem(&fp_scratch, &zero);
	if (!s)
		return 0;
	if (!parse_outer(skb, s)) {
		count(FP_CNT_FOREIGN);
		count(FP_CNT_PASSED);
		return 0;
	}
	__u32 head_len = s->payload_len < FP_HEAD_MAX ? s->payload_len : FP_HEAD_MAX;
	__builtin_memset(s->orig, 0, FP_HEAD_MAX);
	if (head_len < 1 || head_len > FP_HEAD_MAX ||
	    bpf_skb_load_bytes(skb, s->quic_off, s->orig, head_len)) {
		count(FP_CNT_FOREIGN);
		count(FP_CNT_PASSED);
		return 0;
	}
	__u32 cid_len = cfg->local_cid_len;
	if ((s->orig[0] & FP_QUIC_SHORT_FORM_MASK) != FP_QUIC_SHORT_FORM || head_len < 1 + cid_len) {
		/* Long headers (handshake, 0-RTT) and non-QUIC traffic: user space. */
		count((s->orig[0] & 0x80) ? FP_CNT_INELIGIBLE : FP_CNT_FOREIGN);
		count(FP_CNT_PASSED);
		return 0;
	}
	struct fp_cid_key ck = {};
#pragma unroll
	for (int i = 0; i < FP_MAX_CID_LEN; i++) {
		if (i < cid_len)
			ck.cid[i] = s->orig[1 + i];
	}
	struct fp_cid_owner *owner = bpf_map_lookup_elem(&fp_local_cids, &ck);
	if (owner && owner->kind == FP_CID_SUBSCRIBER) {
		/* One interface may face both the publisher and subscribers: a TC_ACT_OK verdict ends the
		 * filter chain, so this program also does fp_subscriber_ingress's learning. */
		learn(skb, s, owner->id);
		count(FP_CNT_PASSED);
		return 0;
	}
	if (!owner || owner->kind != FP_CID_UPSTREAM) {
		count(FP_CNT_FOREIGN);
		count(FP_CNT_PASSED);
		return 0;
	}
	__u32 up_id = owner->id;
	struct fp_upstream *up = bpf_map_lookup_elem(&fp_upstreams, &up_id);
	if (!up || !up->active || !path_matches(&up->path, s)) {
		count(FP_CNT_FOREIGN);
		count(FP_CNT_PASSED);
		return 0;
	}

	s->tag_len = FP_CLEARTEXT_TAG_LEN;
	s->sealed = 0;
	s->seal_cap = cfg->max_sealed_copies ? cfg->max_sealed_copies : FP_DEFAULT_SEAL_CAP;
	__u32 up_slot = *(volatile __u32 *)&up->key_slot;
	if (up_slot) {
		/* Encrypted: open once; a packet that does not open goes up untouched. */
		__u32 plain = open_upstream(skb, s, up_id, up_slot, cid_len);
		if (!plain) {
			count(FP_CNT_OPEN_FAILED);
			count(FP_CNT_PASSED);
			return 0;
		}
		count(FP_CNT_OPENED);
		s->tag_len = FP_AEAD_TAG_LEN;
		head_len = plain < FP_HEAD_MAX ? plain : FP_HEAD_MAX;
	}
	s->head_len = head_len;
	s->cid_len = cid_len;
	s->upstream_id = up_id;
	int kind = classify(s, cfg);
	if (!kind) {
		count(FP_CNT_INELIGIBLE);
		count(FP_CNT_PASSED);
		return 0;
	}

	struct fp_stream_key sk = { .upstream_id = up_id, .stream_id = s->stream_id };
	struct fp_track_key tk = { .upstream_id = up_id };
	struct fp_track *track;
	if (kind == 2) {
		tk.alias = s->alias;
		track = bpf_map_lookup_elem(&fp_tracks, &tk);
		if (!track) {
			count(FP_CNT_INELIGIBLE);
			count(FP_CNT_PASSED);
			return 0;
		}
		if (s->default_priority)
			s->priority = track->default_priority;
		struct fp_stream st = {};
		st.alias = s->alias;
		st.group_id = s->group;
		st.priority = s->priority;
		st.header_len = (__u8)s->header_len;
		st.alias_off = (__u8)(s->alias_off - s->data_off);
		st.alias_len = (__u8)s->alias_len;
		st.track_id = track->track_id;
		if (bpf_map_update_elem(&fp_streams, &sk, &st, BPF_ANY)) {
			count(FP_CNT_MAP_FULL);
			count(FP_CNT_PASSED);
			return 0;
		}
	} else {
		struct fp_stream *st = bpf_map_lookup_elem(&fp_streams, &sk);
		if (!st) {
			count(FP_CNT_INELIGIBLE);
			count(FP_CNT_PASSED);
			return 0;
		}
		s->alias = st->alias;
		s->priority = st->priority;
		tk.alias = st->alias;
		track = bpf_map_lookup_elem(&fp_tracks, &tk);
		if (!track) {
			count(FP_CNT_INELIGIBLE);
			count(FP_CNT_PASSED);
			return 0;
		}
	}
	s->track_id = track->track_id;
	s->track_key = tk;

	count(FP_CNT_MEDIA);
	__builtin_memcpy(s->cur, s->orig, FP_HEAD_MAX);
	__builtin_memcpy(s->cur_macs, s->orig_macs, 12);
	__builtin_memcpy(s->cur_addrs, s->orig_addrs, 32);
	__builtin_memcpy(s->cur_ports, s->orig_ports, 4);
	s->modified = 0;
	s->forwarded = 0;

	return 1;
}

SEC("tc")
int fp_upstream_ingress(struct __sk_buff *skb)
{
	__u32 zero = 0;
	count(FP_CNT_SEEN);
	struct fp_config *cfg = bpf_map_lookup_elem(&fp_config, &zero);
	if (!cfg || cfg->abi_version != FP_ABI_VERSION || !(cfg->flags & FP_CFG_ENABLED) ||
	    cfg->local_cid_len < 1 || cfg->local_cid_len > FP_MAX_CID_LEN) {
		count(FP_CNT_PASSED);
		return TC_ACT_OK;
	}
	if (!fp_prepare(skb))
		return TC_ACT_OK;
	struct fp_scratch *s = bpf_map_lookup_elem(&fp_scratch, &zero);
	if (!s)
		return TC_ACT_OK;
	struct fp_track *track = bpf_map_lookup_elem(&fp_tracks, &s->track_key);
	if (!track) {
		count(FP_CNT_PASSED);
		return TC_ACT_OK;
	}
	__u32 n = track->subscriber_count;
	for (__u32 i = 0; i < FP_MAX_FANOUT; i++) {
		if (i >= n)
			break;
		fp_forward_one(skb, track->subscribers[i].subscriber_id, track->subscribers[i].alias);
	}

	/* The scratch pointer stays valid across the calls (per-CPU map value). */
	if (s->modified && !(cfg->flags & FP_CFG_KEEP_LAST_REWRITE))
		fp_restore(skb);
	if (!s->forwarded)
		count(FP_CNT_PASSED);
	return TC_ACT_OK;
}

SEC("tc")
int fp_subscriber_ingress(struct __sk_buff *skb)
{
	__u32 zero = 0;
#ifdef FP_TEST_VERIFIER_REJECT
	/* Test-only (FastPathLoaderTests): an unchecked packet read the verifier must reject. */
	if (*(volatile __u8 *)(long)skb->data == 0xff)
		return TC_ACT_SHOT;
#endif
	struct fp_config *cfg = bpf_map_lookup_elem(&fp_config, &zero);
	if (!cfg || cfg->abi_version != FP_ABI_VERSION || !(cfg->flags & FP_CFG_ENABLED) ||
	    cfg->local_cid_len < 1 || cfg->local_cid_len > FP_MAX_CID_LEN)
		return TC_ACT_OK;
	if (skb->gso_segs > 1 || skb->gso_size)
		return TC_ACT_OK;
	struct fp_scratch *o = bpf_map_lookup_elem(&fp_scratch, &zero);
	if (!o || !parse_outer(skb, o))
		return TC_ACT_OK;
	__u8 head[1 + FP_MAX_CID_LEN] = {};
	__u32 cid_len = cfg->local_cid_len;
	if (o->payload_len < 1 + cid_len)
		return TC_ACT_OK;
	__u32 want = (1 + cid_len) & 0x1f;
	if (want < 2 || want > sizeof(head))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, o->quic_off, head, want))
		return TC_ACT_OK;
	if ((head[0] & FP_QUIC_SHORT_FORM_MASK) != FP_QUIC_SHORT_FORM)
		return TC_ACT_OK;
	struct fp_cid_key ck = {};
#pragma unroll
	for (int i = 0; i < FP_MAX_CID_LEN; i++) {
		if (i < cid_len)
			ck.cid[i] = head[1 + i];
	}
	struct fp_cid_owner *owner = bpf_map_lookup_elem(&fp_local_cids, &ck);
	if (!owner || owner->kind != FP_CID_SUBSCRIBER)
		return TC_ACT_OK;
	learn(skb, o, owner->id);
	return TC_ACT_OK;
}
