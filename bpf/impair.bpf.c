// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * impair.bpf.c: a TC program that impairs the traffic of one interface hook, for the demo and the
 * namespace tests (this kernel has no netem and no fq qdisc).
 *
 *  impair   attach at TC ingress or egress (clsact, direct-action). For each IPv4/IPv6 packet that
 *           matches the filter (optionally UDP only, optionally a UDP port, source or destination):
 *             1. random loss: dropped with probability loss_threshold / 2^32 (bpf_get_prandom_u32);
 *             2. rate cap: a token-bucket POLICER of rate_bytes_per_s and burst_bytes, counted on the
 *                L2 length (skb->len); a packet that finds too few tokens is dropped.
 *           Everything else (non-IP frames such as ARP, packets outside the filter) is not touched.
 *
 * A policer, not a shaper: delaying packets needs a queue (fq / EDT with skb->tstamp honoured by a
 * qdisc), which this kernel lacks, so over-rate traffic is dropped, as a policer on a real link does.
 *
 * Verdicts: a dropped packet is TC_ACT_SHOT; any other packet returns TC_ACT_UNSPEC, so later filters
 * on the same hook (e.g. the relay's fast path) still run.
 *
 * Parameters live in the map impair_cfg (key 0, struct impair_cfg below; scripts/netem/impair.sh
 * writes it with bpftool), counters in impair_counters (key 0, struct impair_counters).
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

/* impair_cfg.flags */
#define IMPAIR_F_UDP_ONLY 0x1 /* impair UDP packets only */

#define NSEC_PER_SEC 1000000000ULL

/* 32 bytes, little-endian, no implicit padding: scripts/netem/impair.sh packs it with
 * struct.pack("<IIQQHHI"). */
struct impair_cfg {
	__u32 loss_threshold;   /* drop when bpf_get_prandom_u32() < this; 0 = no random loss */
	__u32 flags;            /* IMPAIR_F_* */
	__u64 rate_bytes_per_s; /* token rate; 0 = no rate cap */
	__u64 burst_bytes;      /* bucket depth */
	__u16 port;             /* UDP port to match (source or destination), host order; 0 = any */
	__u16 reserved0;
	__u32 generation;       /* bumped by the loader on every change: resets the bucket to full */
};

/* 64 bytes, all counters u64 in this order (the loader unpacks "<8Q"). */
struct impair_counters {
	__u64 seen;          /* packets that reached the program */
	__u64 unmatched;     /* not IP, or outside the UDP/port filter: untouched */
	__u64 passed;        /* matched and passed */
	__u64 passed_bytes;
	__u64 lost;          /* dropped by random loss */
	__u64 lost_bytes;
	__u64 policed;       /* dropped by the rate cap */
	__u64 policed_bytes;
};

struct impair_bucket {
	struct bpf_spin_lock lock;
	__u32 generation;
	__u64 tokens; /* bytes x 1e9 (byte-nanoseconds), so refills are exact integers */
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct impair_cfg);
} impair_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct impair_counters);
} impair_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct impair_bucket);
} impair_bucket SEC(".maps");

/* Whether the packet is one the configuration impairs. Non-IP frames never are. */
static __always_inline int matches(struct __sk_buff *skb, const struct impair_cfg *cfg)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	__u8 proto;
	void *l4;

	if ((void *)(eth + 1) > data_end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > data_end || ip->ihl < 5)
			return 0;
		proto = ip->protocol;
		l4 = (void *)ip + ip->ihl * 4;
		/* Only the first fragment carries the UDP header. */
		if (proto == IPPROTO_UDP && (ip->frag_off & bpf_htons(0x1fff)))
			return cfg->port == 0; /* no port to compare */
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > data_end)
			return 0;
		proto = ip6->nexthdr;
		l4 = (void *)(ip6 + 1);
	} else {
		return 0;
	}
	if (!(cfg->flags & IMPAIR_F_UDP_ONLY) && cfg->port == 0)
		return 1;
	if (proto != IPPROTO_UDP)
		return 0;
	if (cfg->port == 0)
		return 1;
	struct udphdr *udp = l4;
	if ((void *)(udp + 1) > data_end)
		return 0;
	return bpf_ntohs(udp->source) == cfg->port || bpf_ntohs(udp->dest) == cfg->port;
}

/* Token-bucket policer: takes len bytes if the bucket holds them. */
static __always_inline int police(const struct impair_cfg *cfg, __u64 len)
{
	__u32 key = 0;
	struct impair_bucket *b = bpf_map_lookup_elem(&impair_bucket, &key);
	if (!b)
		return 1;
	__u64 rate = cfg->rate_bytes_per_s;
	__u64 depth = cfg->burst_bytes * NSEC_PER_SEC;
	__u64 cost = len * NSEC_PER_SEC;
	/* Beyond fill_ns of idle time the bucket is full whatever it held (and elapsed * rate cannot
	 * overflow below it). */
	__u64 fill_ns = cfg->burst_bytes * NSEC_PER_SEC / rate + 1;
	__u64 now = bpf_ktime_get_ns();
	int ok;

	bpf_spin_lock(&b->lock);
	if (b->generation != cfg->generation) {
		b->generation = cfg->generation;
		b->tokens = depth;
		b->last_ns = now;
	}
	__u64 elapsed = now > b->last_ns ? now - b->last_ns : 0;
	__u64 tokens;
	if (elapsed >= fill_ns) {
		tokens = depth;
	} else {
		tokens = b->tokens + elapsed * rate;
		if (tokens > depth)
			tokens = depth;
	}
	b->last_ns = now;
	ok = tokens >= cost;
	b->tokens = ok ? tokens - cost : tokens;
	bpf_spin_unlock(&b->lock);
	return ok;
}

SEC("tc")
int impair(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct impair_counters *c = bpf_map_lookup_elem(&impair_counters, &key);
	const struct impair_cfg *cfg = bpf_map_lookup_elem(&impair_cfg, &key);
	if (!c || !cfg)
		return TC_ACT_UNSPEC;
	__u64 len = skb->len;

	__sync_fetch_and_add(&c->seen, 1);
	if (!matches(skb, cfg)) {
		__sync_fetch_and_add(&c->unmatched, 1);
		return TC_ACT_UNSPEC;
	}
	if (cfg->loss_threshold && bpf_get_prandom_u32() < cfg->loss_threshold) {
		__sync_fetch_and_add(&c->lost, 1);
		__sync_fetch_and_add(&c->lost_bytes, len);
		return TC_ACT_SHOT;
	}
	if (cfg->rate_bytes_per_s && !police(cfg, len)) {
		__sync_fetch_and_add(&c->policed, 1);
		__sync_fetch_and_add(&c->policed_bytes, len);
		return TC_ACT_SHOT;
	}
	__sync_fetch_and_add(&c->passed, 1);
	__sync_fetch_and_add(&c->passed_bytes, len);
	return TC_ACT_UNSPEC;
}
