// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * transit.bpf.c: a measuring probe, not part of the relay. It timestamps the same media packet where it
 * enters the relay's namespace and where each copy of it leaves toward a subscriber, and accumulates
 * the relay's transit delay (ingress -> egress) in a histogram in the kernel: no per-packet work in
 * user space. Used by scripts/bench/transit-lib.bash (docs/BENCHMARKS.md, "Relay transit delay").
 *
 *  transit_ingress  TC ingress of the interface facing the publisher: for every UDP segment (a GSO
 *                   super-packet is walked segment by segment) whose payload is a QUIC short-header
 *                   packet of at least TRANSIT_MIN_PAYLOAD bytes, the last TRANSIT_WINDOW bytes of the
 *                   payload are the key of transit_seen -> the time it was seen (CLOCK_MONOTONIC ns).
 *  transit_egress   TC egress of the interfaces facing subscribers: the same key of every eligible
 *                   segment is looked up; a hit adds now - seen to the histogram of its path, a miss is
 *                   counted. The path is "forwarded" when the skb came in on an interface
 *                   (ingress_ifindex != 0: a clone made by the fast path at the publisher's ingress, or
 *                   IP forwarding) and "local" when a socket of this namespace sent it (the user-space
 *                   relay).
 *
 * Why the tail of the UDP payload: with cleartext 1-RTT the frames run to the end of the payload with
 * no AEAD tag, and a media packet carries one STREAM frame, so its last bytes are media bytes. The fast
 * path rewrites the short header (DCID, packet number) and the frame's stream ID (and a subgroup
 * header's alias at offset 0) but never the tail; the user-space relay builds new packets from the
 * same stream bytes, so its packet matches when it ends at the same stream byte as one the publisher
 * sent (the same packet boundaries), which is measured as the match rate, not assumed. Encrypted
 * packets never match (their tail is the AEAD tag). Long-header packets and payloads shorter than
 * TRANSIT_MIN_PAYLOAD (ACKs, control) are not eligible at either end.
 *
 * Verdict: always TC_ACT_UNSPEC, so the next filter on the hook (the relay's fast path) runs as if
 * the probe were not there. Attach it ahead of the fast path (a lower tc pref) or it never sees what
 * the fast path consumes with TC_ACT_OK.
 *
 * Maps (read with bpftool map dump; per-CPU values are summed by the reader):
 *  transit_hist      per-CPU array of 2 * TRANSIT_BUCKETS u64: [path * TRANSIT_BUCKETS + bucket],
 *                    path 0 = local (user space), 1 = forwarded (kernel); bucket of the delay d in ns:
 *                    d < 16: d; else with e = floor(log2 d): (e - 3) * 16 + ((d >> (e - 4)) & 15)
 *                    (16 linear steps per power of two, <= 6.25% wide), the last bucket takes the rest.
 *  transit_counters  per-CPU array of u64, indexes TC_* below.
 *  transit_seen      LRU hash: TRANSIT_WINDOW payload bytes -> u64 ns.
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

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TRANSIT_WINDOW 32        /* bytes of the payload's tail that identify a packet */
#define TRANSIT_MIN_PAYLOAD 128  /* smaller UDP payloads (ACKs, control) are not eligible */
#define TRANSIT_BUCKETS 608      /* covers delays up to 2^41 ns (~36 min); the last takes the rest */
#define TRANSIT_MAX_SEGS 64      /* UDP GSO: at most 64 segments per super-packet */
#define TRANSIT_SEEN_MAX 65536

enum transit_counter {
	TC_IN_SEGMENTS = 0,   /* UDP segments seen at ingress */
	TC_IN_RECORDED,       /* ... eligible, their key recorded */
	TC_IN_GSO,            /* GSO super-packets at ingress */
	TC_OUT_SEGMENTS,      /* UDP segments seen at egress */
	TC_OUT_INELIGIBLE,    /* ... long header or shorter than TRANSIT_MIN_PAYLOAD */
	TC_OUT_GSO,           /* GSO super-packets at egress */
	TC_MATCH_LOCAL,       /* eligible egress segments found in transit_seen, path local */
	TC_MISS_LOCAL,        /* ... not found */
	TC_MATCH_FWD,         /* the same, path forwarded */
	TC_MISS_FWD,
	TC_SUM_NS_LOCAL,      /* sum of the matched delays (ns) */
	TC_SUM_NS_FWD,
	TC_MAX_NS_LOCAL,      /* largest matched delay (ns) on this CPU */
	TC_MAX_NS_FWD,
	TC__MAX,
};

struct transit_key {
	__u8 tail[TRANSIT_WINDOW];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TRANSIT_SEEN_MAX);
	__type(key, struct transit_key);
	__type(value, __u64);
} transit_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * TRANSIT_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} transit_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TC__MAX);
	__type(key, __u32);
	__type(value, __u64);
} transit_counters SEC(".maps");

static __always_inline void count_add(__u32 idx, __u64 v)
{
	__u64 *c = bpf_map_lookup_elem(&transit_counters, &idx);

	if (c)
		__sync_fetch_and_add(c, v);
}

static __always_inline void count_max(__u32 idx, __u64 v)
{
	__u64 *c = bpf_map_lookup_elem(&transit_counters, &idx);

	if (c && *c < v)
		*c = v;
}

/* floor(log2 v) for v > 0 (no clz instruction in BPF). */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

static __always_inline __u32 bucket_of(__u64 ns)
{
	__u32 e, idx;

	if (ns < 16)
		return (__u32)ns;
	e = log2_u64(ns);
	idx = (e - 3) * 16 + (__u32)((ns >> (e - 4)) & 15);
	return idx < TRANSIT_BUCKETS ? idx : TRANSIT_BUCKETS - 1;
}

/* Finds the UDP payload: sets *off (packet offset) and *len (UDP length - 8). Returns 0 if the skb
 * is an unfragmented UDP datagram over IPv4 or IPv6 (no extension headers) on Ethernet. */
static __always_inline int udp_payload(struct __sk_buff *skb, __u32 *off, __u32 *len)
{
	__u32 l4;
	struct udphdr udp;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0)
			return -1;
		if (ip.protocol != IPPROTO_UDP || ip.ihl < 5)
			return -1;
		if (ip.frag_off & bpf_htons(0x3fff)) /* MF or a fragment offset */
			return -1;
		l4 = ETH_HLEN + ip.ihl * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)) < 0)
			return -1;
		if (ip6.nexthdr != IPPROTO_UDP)
			return -1;
		l4 = ETH_HLEN + sizeof(ip6);
	} else {
		return -1;
	}
	if (bpf_skb_load_bytes(skb, l4, &udp, sizeof(udp)) < 0)
		return -1;
	*off = l4 + sizeof(udp);
	/* A GSO super-packet's UDP length is that of its first segment's datagram or of the whole (it
	 * varies by path): use what the skb holds. */
	*len = skb->len > *off ? skb->len - *off : 0;
	if (!skb->gso_size) {
		__u32 ulen = bpf_ntohs(udp.len);

		if (ulen < sizeof(udp))
			return -1;
		if (ulen - sizeof(udp) < *len)
			*len = ulen - sizeof(udp); /* Ethernet padding after the datagram */
	}
	return 0;
}

/* Loads the key of the segment [start, start + seg_len) of the payload at packet offset off. Returns 0
 * when the segment is eligible. */
static __always_inline int segment_key(struct __sk_buff *skb, __u32 off, __u32 start, __u32 seg_len,
				       struct transit_key *key)
{
	__u8 first;

	if (seg_len < TRANSIT_MIN_PAYLOAD)
		return -1;
	if (bpf_skb_load_bytes(skb, off + start, &first, 1) < 0)
		return -1;
	if ((first & 0xc0) != 0x40) /* not a QUIC short header */
		return -1;
	if (bpf_skb_load_bytes(skb, off + start + seg_len - TRANSIT_WINDOW, key->tail, TRANSIT_WINDOW) < 0)
		return -1;
	return 0;
}

/* The segments of the UDP payload: one, or gso_segs of gso_size bytes (the last may be shorter). */
static __always_inline __u32 segments(struct __sk_buff *skb, __u32 len, __u32 *seg_size)
{
	__u32 n;

	if (!skb->gso_size || skb->gso_size >= len) {
		*seg_size = len;
		return 1;
	}
	*seg_size = skb->gso_size;
	n = (len + skb->gso_size - 1) / skb->gso_size;
	/* Hidden from the compiler, so it keeps the loops' constant bound the verifier needs. */
	asm volatile("" : "+r"(n));
	return n;
}

/* Global functions (verified once each, whatever the arguments), so the segment loops below stay
 * small for the verifier. */
__attribute__((noinline)) int transit_record(struct __sk_buff *skb, __u32 off, __u32 start, __u32 seg_len,
					     __u64 now)
{
	struct transit_key key;

	if (!skb)
		return 0;
	count_add(TC_IN_SEGMENTS, 1);
	if (segment_key(skb, off, start, seg_len, &key) < 0)
		return 0;
	bpf_map_update_elem(&transit_seen, &key, &now, BPF_ANY);
	count_add(TC_IN_RECORDED, 1);
	return 0;
}

__attribute__((noinline)) int transit_match(struct __sk_buff *skb, __u32 off, __u32 start, __u32 seg_len)
{
	__u64 now = bpf_ktime_get_ns();
	struct transit_key key;
	__u64 *seen, *h, d;
	__u32 idx, path;

	if (!skb)
		return 0;
	path = skb->ingress_ifindex ? 1 : 0;
	count_add(TC_OUT_SEGMENTS, 1);
	if (segment_key(skb, off, start, seg_len, &key) < 0) {
		count_add(TC_OUT_INELIGIBLE, 1);
		return 0;
	}
	seen = bpf_map_lookup_elem(&transit_seen, &key);
	if (!seen) {
		count_add(path ? TC_MISS_FWD : TC_MISS_LOCAL, 1);
		return 0;
	}
	d = now > *seen ? now - *seen : 0;
	idx = path * TRANSIT_BUCKETS + bucket_of(d);
	count_add(path ? TC_MATCH_FWD : TC_MATCH_LOCAL, 1);
	count_add(path ? TC_SUM_NS_FWD : TC_SUM_NS_LOCAL, d);
	count_max(path ? TC_MAX_NS_FWD : TC_MAX_NS_LOCAL, d);
	h = bpf_map_lookup_elem(&transit_hist, &idx);
	if (h)
		__sync_fetch_and_add(h, 1);
	return 0;
}

SEC("tc")
int transit_ingress(struct __sk_buff *skb)
{
	__u32 off, len, seg_size, n, i;
	__u64 now = bpf_ktime_get_ns();

	if (udp_payload(skb, &off, &len) < 0)
		return TC_ACT_UNSPEC;
	n = segments(skb, len, &seg_size);
	if (n > 1)
		count_add(TC_IN_GSO, 1);
	for (i = 0; i < TRANSIT_MAX_SEGS && i < n; i++) {
		__u32 start = i * seg_size;

		if (start >= len)
			break;
		transit_record(skb, off, start, len - start < seg_size ? len - start : seg_size, now);
	}
	return TC_ACT_UNSPEC;
}

SEC("tc")
int transit_egress(struct __sk_buff *skb)
{
	__u32 off, len, seg_size, n, i;

	if (udp_payload(skb, &off, &len) < 0)
		return TC_ACT_UNSPEC;
	n = segments(skb, len, &seg_size);
	if (n > 1)
		count_add(TC_OUT_GSO, 1);
	for (i = 0; i < TRANSIT_MAX_SEGS && i < n; i++) {
		__u32 start = i * seg_size;

		if (start >= len)
			break;
		transit_match(skb, off, start, len - start < seg_size ? len - start : seg_size);
	}
	return TC_ACT_UNSPEC;
}
