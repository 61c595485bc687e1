// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * transit.bpf.c: a measuring probe, not part of the relay. It timestamps the same media packet where it
 * enters the relay's namespace and where each copy of it leaves toward a subscriber, and accumulates
 * the relay's transit delay (ingress -> egress) in a histogram in the kernel: no per-packet work in
 * user space. Used by scripts/bench/transit-lib.bash (docs/BENCHMARKS.md, "Relay transit delay").
 *
 *  transit_ingress  TC ingress of the relay's interface facing the publisher: for every UDP segment (a GSO
 *                   super-packet is walked segment by segment) whose payload is a QUIC short-header
 *                   packet of at least TRANSIT_MIN_PAYLOAD bytes, the last TRANSIT_WINDOW bytes of the
 *                   payload (its "tail") are hashed (64-bit FNV-1a) and the slot of that hash in
 *                   transit_seen gets the hash and the time (CLOCK_MONOTONIC ns). One load, one hash,
 *                   two stores to an array (no lock, no allocation): it runs before the fast path and
 *                   delays it as little as possible.
 *  transit_index    TC egress of the publisher's own interface (optional, outside the relay): indexes
 *                   the media bytes of the same packets by content, for packets the user-space relay
 *                   cuts differently: at every "anchor" (a position whose 4 bytes hash to 0 mod
 *                   TRANSIT_ANCHOR_EVERY, so about one position in 64, chosen by content, not offset)
 *                   the slot of the hash of the TRANSIT_WINDOW bytes from there in transit_anchors gets
 *                   that hash and the tail hash of the packet that carries them.
 *  transit_egress   TC egress of the relay's interfaces facing subscribers: for every eligible segment,
 *                   (1) its tail is looked up in transit_seen ("tail" match: the packet ends where one
 *                   from the publisher ended: every packet the fast path forwards); (2) otherwise the
 *                   last TRANSIT_SCAN bytes are scanned backwards for anchors, and the first one found in
 *                   transit_anchors leads to the tail, then to the ingress time, of the publisher's
 *                   packet that carried those bytes ("anchor" match: a re-packetised packet, measured
 *                   from the arrival of the upstream packet holding its last anchored bytes); at most
 *                   TRANSIT_MAX_TRIES anchors. A hit adds now - seen to the histogram of its path, a
 *                   miss is counted. The path is "forwarded" when the skb came in on an interface
 *                   (ingress_ifindex != 0: a clone the fast path made at the publisher's ingress, or IP
 *                   forwarding) and "local" when a socket of the relay's namespace sent it (user space).
 *
 * Why the payload's tail: with cleartext 1-RTT the frames run to the end of the payload with no AEAD
 * tag, and a media packet carries one STREAM frame, so its last bytes are media bytes. The fast path
 * rewrites the short header (DCID, packet number) and the frame's stream ID (and a subgroup header's
 * alias at offset 0) but never the tail; the user-space relay builds new packets of the same stream
 * bytes with other boundaries (other frame header sizes, coalesced objects), which the anchors match.
 * Encrypted packets never match (their tail is the AEAD tag, their bytes differ per connection).
 * Long-header packets and payloads shorter than TRANSIT_MIN_PAYLOAD (ACKs, control) are not eligible.
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
 *  transit_seen      array of {tail hash, ns}, direct-mapped by the hash (a newer packet whose hash
 *                    falls in the same slot replaces the older: with 2^17 slots and ~400 packets/s a
 *                    packet stays findable for seconds with > 99% probability; a lookup checks the
 *                    whole 64-bit hash).
 *  transit_anchors   array of {window hash, tail hash}, direct-mapped likewise (2^20 slots).
 *  transit_scratch   per-CPU buffers, one per nesting level (a softirq may run the probe inside a
 *                    process-context run on the same CPU).
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
#define TRANSIT_SEEN_SLOTS (1 << 17)
#define TRANSIT_ANCHOR_SLOTS (1 << 20) /* ~18 anchors per 1200-byte packet */
#define TRANSIT_ANCHOR_EVERY 64   /* about one anchor per 64 bytes */
#define TRANSIT_SCAN 256          /* bytes of an egress packet's end scanned for anchors */
#define TRANSIT_MAX_TRIES 4       /* anchors looked up per egress packet */
#define TRANSIT_BUF 2048          /* largest segment the index reads (bigger ones are not indexed) */
#define TRANSIT_NEST 4

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
	TC_IDX_SEGMENTS,      /* segments indexed at the publisher's egress */
	TC_IDX_ANCHORS,       /* anchors recorded */
	TC_ANCHOR_LOCAL,      /* of TC_MATCH_LOCAL, matched through an anchor (the rest by their tail) */
	TC_ANCHOR_FWD,
	TC_IDX_TOO_BIG,       /* segments bigger than TRANSIT_BUF: not indexed */
	TC_NESTED,            /* runs skipped: nested deeper than TRANSIT_NEST */
	TC_EGRESS_NS_FWD,     /* time transit_egress spent on forwarded skbs: with the fast path it runs
	                       * inside fp_upstream_ingress's clone, so it is in that program's run time */
	TC__MAX,
};

struct transit_key {
	union {
		__u8 tail[TRANSIT_WINDOW];
		__u64 w[TRANSIT_WINDOW / 8];
	};
};

struct transit_slot {
	__u64 h;   /* the full hash (0: empty) */
	__u64 v;   /* seen: ingress ns; anchors: the tail hash of the packet */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TRANSIT_SEEN_SLOTS);
	__type(key, __u32);
	__type(value, struct transit_slot);
} transit_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TRANSIT_ANCHOR_SLOTS);
	__type(key, __u32);
	__type(value, struct transit_slot);
} transit_anchors SEC(".maps");

struct transit_scratch {
	__u8 b[TRANSIT_BUF];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TRANSIT_NEST + 1); /* [TRANSIT_NEST]: the nesting depth in b[0] */
	__type(key, __u32);
	__type(value, struct transit_scratch);
} transit_scratch SEC(".maps");

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

/* ---- the anchor index ----------------------------------------------------------------------- */

/* Per-CPU scratch slot for this run: the nesting depth picks it. Returns the slot, or -1 (too deep). */
static __always_inline int nest_enter(void)
{
	__u32 k = TRANSIT_NEST;
	struct transit_scratch *d = bpf_map_lookup_elem(&transit_scratch, &k);
	__u8 depth;

	if (!d)
		return -1;
	depth = d->b[0];
	if (depth >= TRANSIT_NEST) {
		count_add(TC_NESTED, 1);
		return -1;
	}
	d->b[0] = depth + 1;
	return depth;
}

static __always_inline void nest_exit(void)
{
	__u32 k = TRANSIT_NEST;
	struct transit_scratch *d = bpf_map_lookup_elem(&transit_scratch, &k);

	if (d && d->b[0])
		d->b[0]--;
}

/* An anchor: the 4 bytes at p hash (Fibonacci) into the top 1/TRANSIT_ANCHOR_EVERY of 2^32 .. 0. */
static __always_inline int is_anchor(const __u8 *b)
{
	__u32 w = (__u32)b[0] | (__u32)b[1] << 8 | (__u32)b[2] << 16 | (__u32)b[3] << 24;

	return (w * 0x9E3779B1u) < (0xFFFFFFFFu / TRANSIT_ANCHOR_EVERY);
}

static __always_inline __u64 fnv1a(const __u8 *b)
{
	__u64 h = 0xcbf29ce484222325ULL;
	int j;

#pragma unroll
	for (j = 0; j < TRANSIT_WINDOW; j++) {
		h ^= b[j];
		h *= 0x100000001b3ULL;
	}
	return h | 1; /* never 0, the empty slot's mark */
}

/* The tail's hash: 4 words, multiply-xorshift (cheaper than FNV's 32 byte steps on the hot path). */
static __always_inline __u64 tail_hash(const struct transit_key *k)
{
	__u64 h = 0;
	int j;

#pragma unroll
	for (j = 0; j < TRANSIT_WINDOW / 8; j++) {
		h = (h ^ k->w[j]) * 0x9E3779B97F4A7C15ULL;
		h ^= h >> 29;
	}
	return h | 1;
}

static __always_inline void slot_put(void *map, __u32 mask, __u64 h, __u64 v)
{
	__u32 k = (__u32)(h ^ (h >> 32)) & mask;
	struct transit_slot *e = bpf_map_lookup_elem(map, &k);

	if (!e)
		return;
	/* A reader that sees h sees v (the same CPU's program order; a reader on another CPU racing the
	 * write may, rarely, take the old v: one wrong sample). */
	e->h = 0;
	e->v = v;
	e->h = h;
}

/* The value stored for h, or 0. */
static __always_inline __u64 slot_get(void *map, __u32 mask, __u64 h)
{
	__u32 k = (__u32)(h ^ (h >> 32)) & mask;
	struct transit_slot *e = bpf_map_lookup_elem(map, &k);

	return e && e->h == h ? e->v : 0;
}

struct index_ctx {
	struct transit_scratch *buf;
	__u32 len;
	__u32 anchors;
	__u64 tail_h;
};

/* Positions 4i .. 4i + 3: one 8-byte load gives the four 4-byte words to test. */
static long index_cb(__u32 i, void *data)
{
	struct index_ctx *c = data;
	struct transit_scratch *buf = c->buf;
	__u32 base = i * 4, j;
	__u64 word;

	if (!buf || base > TRANSIT_BUF - TRANSIT_WINDOW - 8)
		return 1;
	word = *(__u64 *)&buf->b[base]; /* unaligned: fine on the architectures this runs on */
#pragma unroll
	for (j = 0; j < 4; j++) {
		__u32 w = (__u32)(word >> (8 * j));
		__u64 h;

		if (base + j + TRANSIT_WINDOW > c->len)
			return 1;
		if (w * 0x9E3779B1u >= 0xFFFFFFFFu / TRANSIT_ANCHOR_EVERY)
			continue;
		{
			__u32 pos = base + j;

			asm volatile("" : "+r"(pos)); /* keep the check: the verifier needs it on pos itself */
			if (pos > TRANSIT_BUF - TRANSIT_WINDOW)
				return 1;
			h = fnv1a(&buf->b[pos]);
		}
		slot_put(&transit_anchors, TRANSIT_ANCHOR_SLOTS - 1, h, c->tail_h);
		c->anchors++;
	}
	return 0;
}

struct scan_ctx {
	__u32 slot;
	__u32 len;
	__u32 tries;
	__u32 found;
	__u64 seen;
};

static long scan_cb(__u32 i, void *data)
{
	struct scan_ctx *c = data;
	struct transit_scratch *buf;
	__u64 h, tail_h, seen;
	__u32 p;

	if (i + TRANSIT_WINDOW > c->len)
		return 1;
	p = c->len - TRANSIT_WINDOW - i; /* backwards from the end */
	if (p > TRANSIT_SCAN - TRANSIT_WINDOW)
		return 1;
	buf = bpf_map_lookup_elem(&transit_scratch, &c->slot);
	if (!buf)
		return 1;
	if (!is_anchor(&buf->b[p]))
		return 0;
	h = fnv1a(&buf->b[p]);
	tail_h = slot_get(&transit_anchors, TRANSIT_ANCHOR_SLOTS - 1, h);
	seen = tail_h ? slot_get(&transit_seen, TRANSIT_SEEN_SLOTS - 1, tail_h) : 0;
	if (!seen)
		return ++c->tries >= TRANSIT_MAX_TRIES;
	c->seen = seen;
	c->found = 1;
	return 1;
}

/* Global functions (verified once each, whatever the arguments), so the segment loops below stay
 * small for the verifier. */
__attribute__((noinline)) int transit_index_segment(struct __sk_buff *skb, __u32 off, __u32 start,
						     __u32 seg_len)
{
	struct index_ctx c = {};
	struct transit_scratch *buf;
	struct transit_key key;
	int slot;

	if (!skb)
		return 0;
	if (segment_key(skb, off, start, seg_len, &key) < 0)
		return 0;
	c.tail_h = tail_hash(&key);
	if (seg_len > TRANSIT_BUF) {
		count_add(TC_IDX_TOO_BIG, 1);
		return 0;
	}
	slot = nest_enter();
	if (slot < 0)
		return 0;
	c.len = seg_len;
	buf = bpf_map_lookup_elem(&transit_scratch, &slot);
	c.buf = buf;
	if (buf && seg_len >= TRANSIT_WINDOW && seg_len <= TRANSIT_BUF &&
	    bpf_skb_load_bytes(skb, off + start, buf->b, seg_len) == 0) {
		bpf_loop((seg_len - TRANSIT_WINDOW) / 4 + 1, index_cb, &c, 0);
		count_add(TC_IDX_SEGMENTS, 1);
		count_add(TC_IDX_ANCHORS, c.anchors);
	}
	nest_exit();
	return 0;
}

__attribute__((noinline)) int transit_record(struct __sk_buff *skb, __u32 off, __u32 start, __u32 seg_len,
					     __u64 now)
{
	struct transit_key key;

	if (!skb)
		return 0;
	count_add(TC_IN_SEGMENTS, 1);
	if (segment_key(skb, off, start, seg_len, &key) < 0)
		return 0;
	slot_put(&transit_seen, TRANSIT_SEEN_SLOTS - 1, tail_hash(&key), now);
	count_add(TC_IN_RECORDED, 1);
	return 0;
}

/* The ingress time of the segment's media bytes: by its tail, else by anchors. 0: not found. */
static __always_inline __u64 lookup_seen(struct __sk_buff *skb, __u32 off, __u32 start, __u32 seg_len,
					 struct transit_key *key, __u32 *by_anchor)
{
	struct scan_ctx c = {};
	struct transit_scratch *buf;
	__u64 seen = slot_get(&transit_seen, TRANSIT_SEEN_SLOTS - 1, tail_hash(key));
	__u32 n;
	int slot;

	*by_anchor = 0;
	if (seen)
		return seen;
	slot = nest_enter();
	if (slot < 0)
		return 0;
	c.slot = slot;
	n = seg_len >= TRANSIT_SCAN ? TRANSIT_SCAN : TRANSIT_MIN_PAYLOAD;
	c.len = n;
	buf = bpf_map_lookup_elem(&transit_scratch, &c.slot);
	if (buf) {
		int r = n == TRANSIT_SCAN
			? bpf_skb_load_bytes(skb, off + start + seg_len - TRANSIT_SCAN, buf->b, TRANSIT_SCAN)
			: bpf_skb_load_bytes(skb, off + start + seg_len - TRANSIT_MIN_PAYLOAD, buf->b, TRANSIT_MIN_PAYLOAD);

		if (r == 0)
			bpf_loop(n - TRANSIT_WINDOW + 1, scan_cb, &c, 0);
	}
	nest_exit();
	*by_anchor = c.found;
	return c.found ? c.seen : 0;
}

__attribute__((noinline)) int transit_match(struct __sk_buff *skb, __u32 off, __u32 start, __u32 seg_len)
{
	__u64 now = bpf_ktime_get_ns();
	struct transit_key key;
	__u64 seen, *h, d;
	__u32 idx, path, by_anchor;

	if (!skb)
		return 0;
	path = skb->ingress_ifindex ? 1 : 0;
	count_add(TC_OUT_SEGMENTS, 1);
	if (segment_key(skb, off, start, seg_len, &key) < 0) {
		count_add(TC_OUT_INELIGIBLE, 1);
		return 0;
	}
	seen = lookup_seen(skb, off, start, seg_len, &key, &by_anchor);
	if (!seen) {
		count_add(path ? TC_MISS_FWD : TC_MISS_LOCAL, 1);
		return 0;
	}
	d = now > seen ? now - seen : 0;
	idx = path * TRANSIT_BUCKETS + bucket_of(d);
	count_add(path ? TC_MATCH_FWD : TC_MATCH_LOCAL, 1);
	if (by_anchor)
		count_add(path ? TC_ANCHOR_FWD : TC_ANCHOR_LOCAL, 1);
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
int transit_index(struct __sk_buff *skb)
{
	__u32 off, len, seg_size, n, i;

	if (udp_payload(skb, &off, &len) < 0)
		return TC_ACT_UNSPEC;
	n = segments(skb, len, &seg_size);
	for (i = 0; i < TRANSIT_MAX_SEGS && i < n; i++) {
		__u32 start = i * seg_size;

		if (start >= len)
			break;
		transit_index_segment(skb, off, start, len - start < seg_size ? len - start : seg_size);
	}
	return TC_ACT_UNSPEC;
}

SEC("tc")
int transit_egress(struct __sk_buff *skb)
{
	__u64 t0 = skb->ingress_ifindex ? bpf_ktime_get_ns() : 0;
	__u32 off, len, seg_size, n, i;

	if (udp_payload(skb, &off, &len) < 0)
		goto out;
	n = segments(skb, len, &seg_size);
	if (n > 1)
		count_add(TC_OUT_GSO, 1);
	for (i = 0; i < TRANSIT_MAX_SEGS && i < n; i++) {
		__u32 start = i * seg_size;

		if (start >= len)
			break;
		transit_match(skb, off, start, len - start < seg_size ? len - start : seg_size);
	}
out:
	if (t0)
		count_add(TC_EGRESS_NS_FWD, bpf_ktime_get_ns() - t0);
	return TC_ACT_UNSPEC;
}
