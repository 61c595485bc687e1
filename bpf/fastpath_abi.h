/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fastpath_abi.h: the ONE description of everything the kernel fast path and user space share.
 *
 * Included by bpf/fastpath.bpf.c (clang -target bpf) and, through the C target CFastPathABI, by the
 * Swift module FastPath. Every struct here has explicit padding and fixed-width fields so the layout is
 * the same for both compilers; Tests/FastPathTests checks the sizes and offsets Swift sees.
 *
 * Wire assumptions (see docs/FASTPATH.md for the full reasoning):
 *  - QUIC v1 1-RTT short header, first byte 0b01xxxxxx; in cleartext mode header protection and packet
 *    protection are the identity, so the first byte's packet-number-length bits are readable.
 *  - The destination connection ID has the relay's fixed local CID length (fp_config.local_cid_len).
 *  - The packet number is always 4 bytes (pn-length bits == 0b11).
 *  - A fast-path packet carries exactly one STREAM frame (0x08..0x0f) reaching the end of the packet.
 *  - Cleartext 1-RTT: payload unchanged, NO AEAD tag (FP_CLEARTEXT_TAG_LEN == 0).
 *  - Encrypted 1-RTT (an upstream and subscribers whose keys are in fp_up_keys / fp_sub_keys):
 *    TLS_CHACHA20_POLY1305_SHA256 only, 16-byte tag (FP_AEAD_TAG_LEN); the kernel opens the upstream
 *    packet once and seals one copy per subscriber (docs/FASTPATH.md, "Encrypted mode").
 */
#ifndef MOQ_FASTPATH_ABI_H
#define MOQ_FASTPATH_ABI_H

#include <linux/types.h>

/* Bumped whenever a struct below changes; the loader refuses an object with another version. */
#define FP_ABI_VERSION 4

/* ---- wire constants ------------------------------------------------------------------------- */
#define FP_MAX_CID_LEN          20   /* RFC 9000: connection IDs are at most 20 bytes */
#define FP_PN_LEN               4    /* our encoder always writes 4-byte packet numbers */
#define FP_CLEARTEXT_TAG_LEN    0    /* cleartext 1-RTT: no AEAD tag follows the frames */
#define FP_AEAD_TAG_LEN         16   /* encrypted 1-RTT: the ChaCha20-Poly1305 tag */
#define FP_DEFAULT_SEAL_CAP     64   /* copies sealed per packet when fp_config.max_sealed_copies is 0 */
#define FP_HEAD_MAX             128  /* bytes of the UDP payload the kernel parses and rewrites */
#define FP_MAX_FANOUT          1024  /* subscribers per track on the fast path (compile-time) */

#define FP_QUIC_SHORT_FORM_MASK 0xc0 /* header form + fixed bit */
#define FP_QUIC_SHORT_FORM      0x40 /* header form 0, fixed bit 1 */
#define FP_QUIC_KEY_PHASE       0x04
#define FP_QUIC_PN_LEN_MASK     0x03
#define FP_QUIC_STREAM_MIN      0x08 /* STREAM frame types 0x08..0x0f */
#define FP_QUIC_STREAM_MAX      0x0f
#define FP_QUIC_STREAM_OFF      0x04
#define FP_QUIC_STREAM_LEN      0x02
#define FP_QUIC_STREAM_FIN      0x01
#define FP_QUIC_STREAM_UNI      0x02 /* stream ID bit: unidirectional */

/* draft-ietf-moq-transport-18 SUBGROUP_HEADER type bits (type range 0x10..0x7f, bit 0x10 set). */
#define FP_MOQ_SUBGROUP_BASE        0x10
#define FP_MOQ_SUBGROUP_PROPERTIES  0x01
#define FP_MOQ_SUBGROUP_ID_MASK     0x06 /* 0x00: ID 0, 0x02: first object ID, 0x04: field present */
#define FP_MOQ_SUBGROUP_ID_PRESENT  0x04
#define FP_MOQ_SUBGROUP_END_OF_GROUP 0x08
#define FP_MOQ_SUBGROUP_DEFAULT_PRIORITY 0x20 /* no publisher-priority byte: use the track default */
#define FP_MOQ_SUBGROUP_FIRST_OBJECT 0x40

/* ---- map and program names (the loader looks them up by these names) ------------------------ */
#define FP_PROG_UPSTREAM   "fp_upstream_ingress"
#define FP_PROG_SUBSCRIBER "fp_subscriber_ingress"

/* ---- fp_config: ARRAY, one entry (key 0) ------------------------------------------------------ */
enum fp_config_flags {
	/* Tests only: do not restore the original after the last rewrite, so BPF_PROG_TEST_RUN's
	 * data_out shows the packet exactly as the last forwarded subscriber received it. */
	FP_CFG_KEEP_LAST_REWRITE = 1u << 0,
	/* Tests only: rewrite and account, but do not call bpf_clone_redirect. */
	FP_CFG_NO_CLONE = 1u << 1,
	/* Master switch: when clear the programs pass everything up and touch nothing. */
	FP_CFG_ENABLED = 1u << 2,
	/* Sent packets go to the subscriber's slots in fp_sent_log (read by user space when it needs them)
	 * instead of one FP_REC_SENT ring-buffer record each; the ring buffer keeps the rare events and the
	 * copies the log has no room for. */
	FP_CFG_SENT_LOG = 1u << 3,
};

struct fp_config {
	__u32 abi_version;     /* user space writes FP_ABI_VERSION; the programs do nothing otherwise */
	__u32 flags;           /* enum fp_config_flags */
	__u32 local_cid_len;   /* length of the connection IDs the relay issues (1..20) */
	__u32 max_sealed_copies; /* encrypted mode: copies sealed per upstream packet (0: FP_DEFAULT_SEAL_CAP);
	                          * the streams of the subscribers beyond it go to user space (FP_REASON_SEAL_CAP) */
};

/* ---- fp_local_cids: HASH, connection IDs the relay issued -> owner ---------------------------- */
enum fp_cid_kind {
	FP_CID_UPSTREAM = 1,   /* owner is an upstream (publisher) connection: id indexes fp_upstreams */
	FP_CID_SUBSCRIBER = 2, /* owner is a subscriber connection: id indexes fp_subscribers */
};

struct fp_cid_key {
	__u8 cid[FP_MAX_CID_LEN]; /* the first local_cid_len bytes, rest zero */
};

struct fp_cid_owner {
	__u32 kind;            /* enum fp_cid_kind */
	__u32 id;
};

/* ---- addresses: IPv4 lives in addr[0..3], the rest zero; ports and addresses in network order -- */
struct fp_endpoint_pair {
	__u8  family;          /* AF_INET (2) or AF_INET6 (10) */
	__u8  _pad[3];
	__be16 src_port;
	__be16 dst_port;
	__u8  src_addr[16];
	__u8  dst_addr[16];
};

/* ---- fp_upstreams: ARRAY indexed by upstream id ----------------------------------------------- */
/* The 5-tuple of packets arriving FROM the publisher: src = publisher, dst = relay. */
struct fp_upstream {
	__u32 active;
	__u32 key_slot;        /* 0: cleartext; 1 or 2: its keys are fp_up_keys[id * 2 + key_slot - 1] */
	struct fp_endpoint_pair path;
};

/* ---- fp_tracks: HASH {upstream id, upstream track alias} -> track ----------------------------- */
struct fp_track_key {
	__u32 upstream_id;
	__u32 _pad;
	__u64 alias;           /* track alias in the upstream session's subgroup headers */
};

struct fp_track_sub {
	__u32 subscriber_id;   /* index into fp_subscribers */
	__u32 _pad;
	__u64 alias;           /* this subscriber's track alias (rewritten when it differs) */
};

struct fp_track {
	__u32 track_id;        /* user space's name for the track, copied into records */
	__u8  default_priority;/* used when a subgroup header omits the publisher priority */
	__u8  _pad[3];
	__u32 subscriber_count;/* valid entries in subscribers[] (<= FP_MAX_FANOUT) */
	__u32 _pad2;
	struct fp_track_sub subscribers[FP_MAX_FANOUT];
};

/* ---- fp_streams: HASH {upstream id, upstream stream id} -> media stream (created by the kernel) - */
struct fp_stream_key {
	__u32 upstream_id;
	__u32 _pad;
	__u64 stream_id;       /* upstream stream ID */
};

struct fp_stream {
	__u64 alias;           /* upstream track alias from the subgroup header */
	__u64 group_id;
	__u8  priority;        /* publisher priority (header byte or track default) */
	__u8  header_len;      /* bytes of the subgroup header at offset 0 */
	__u8  alias_off;       /* offset of the track alias field within the stream */
	__u8  alias_len;       /* its vi64 length */
	__u32 track_id;
};

/* ---- fp_subscribers: ARRAY indexed by subscriber id (written by user space) ------------------- */
enum fp_subscriber_flags {
	FP_SUB_FIB_LOOKUP = 1u << 0,  /* resolve MACs (and ifindex when 0) with bpf_fib_lookup */
	FP_SUB_KEY_PHASE  = 1u << 1,  /* key phase bit to write into the first byte */
};

struct fp_subscriber {
	__u32 active;
	__u32 flags;                  /* enum fp_subscriber_flags */
	__u32 ifindex;                /* egress interface (0: take it from the FIB lookup) */
	__u32 track_count;            /* informational */
	__u8  dst_mac[6];             /* configured next hop (fallback after fib and learned) */
	__u8  src_mac[6];
	__u8  dcid_len;               /* must equal local_cid_len of upstream packets */
	__u8  _pad[3];
	__u8  dcid[FP_MAX_CID_LEN];   /* the subscriber's connection ID (DCID of packets to it) */
	struct fp_endpoint_pair path; /* src = relay, dst = subscriber */
	__u32 key_slot;               /* 0: cleartext; 1 or 2: its keys are fp_sub_keys[id * 2 + key_slot - 1] */
	__u64 uni_stream_base;        /* low two bits of our uni stream IDs: 3 as server, 2 as client */
	__u64 initial_max_stream_data;/* the subscriber's initial_max_stream_data_uni */
	__u32 reserve_step;           /* bytes of budget reserved per priority step (see FASTPATH.md) */
	__u32 connection_id;          /* user space's connection number, copied into records */
};

/* ---- fp_up_keys / fp_sub_keys: ARRAY, two slots per connection ---------------------------------- */
/* One direction's 1-RTT keys for one key phase, the layout of fp_crypto.h's struct fpc_key: AEAD key,
 * header-protection key, IV, each in wire byte order as TLS derives it. */
struct fp_quic_key {
	__u8  key[32];
	__u8  hp[32];
	__u8  iv[12];
	__u32 reserved;
};

/* A connection's keys as the kernel uses them: for an upstream the keys that open the publisher's packets
 * (the relay's read keys), for a subscriber the keys that seal packets to it (the relay's write keys).
 * Double-buffered: user space writes the slot the connection's key_slot does NOT name, then switches
 * key_slot (one aligned 32-bit word in fp_upstream / fp_subscriber), so a program never reads a key
 * being written. A slot is written again only at the next key change, long after any program that
 * read the old selector has finished. */
struct fp_key_set {
	__u32 key_phase;              /* the current key phase (0 or 1): seal with phase[key_phase] and set the
	                               * key-phase bit; upstream: open only packets of this phase */
	__u32 _pad;
	__u64 largest_pn;             /* upstream: the largest packet number received (PN decoding); the kernel
	                               * raises it, user space seeds it when it installs the slot */
	struct fp_quic_key phase[2];  /* keys of key phase 0 and key phase 1 */
};

/* ---- fp_shared: ARRAY, BPF_F_MMAPABLE, indexed by subscriber id -------------------------------- */
/* Counters both sides change with atomic adds in shared memory (mmap in user space). */
struct fp_shared {
	__u64 next_packet_number;     /* fetch-add 1 per packet, by kernel and user space alike */
	__u64 next_uni_stream;        /* fetch-add 1 per opened uni stream: ID = n*4 + uni_stream_base */
	__s64 budget;                 /* congestion budget: cwnd - bytes in flight (user space adds) */
	__s64 conn_credit;            /* connection flow control: MAX_DATA - data sent */
	__s64 streams_credit;         /* MAX_STREAMS (uni) - streams opened */
	__u64 forwarded_packets;
	__u64 forwarded_bytes;
	__u64 dropped_priority;
	__u64 dropped_budget;
	__u64 handoffs;               /* streams left to user space (flow control, encoding) */
	__u64 unreported;             /* decisions whose ring-buffer record could not be reserved */
	__u64 congested_until_ns;     /* bpf_ktime_get_ns before which a budget shortfall is real
	                               * congestion (user space sets it on loss): drop by priority;
	                               * after it a shortfall is transient: hand the stream to user space */
	__u64 shortfall_handoffs;     /* streams handed to user space on a transient budget shortfall */
	__u64 log_read;               /* fp_sent_log: every packet number below this was read by user space,
	                               * so their slots may be written again (user space stores it) */
	__u64 log_overruns;           /* copies the log had no room for (reported on the ring buffer) */
	__u64 sealed_packets;         /* copies the kernel sealed (encrypted mode); 128 bytes: two cache lines */
};

/* ---- fp_sent_log: ARRAY, BPF_F_MMAPABLE, FP_LOG_SLOTS entries per subscriber -------------------- */
/* With FP_CFG_SENT_LOG the kernel writes what it sent to subscriber s with packet number pn into entry
 * s * FP_LOG_SLOTS + pn % FP_LOG_SLOTS, and only while pn < log_read + FP_LOG_SLOTS (otherwise it
 * reports the copy on the ring buffer). It writes packet_number last (after a compiler barrier; the
 * programs run on x86, whose stores become visible in program order): user space, which maps the
 * array, takes an entry as written when packet_number equals the number it looks for and
 * connection_id its connection's. Numbers user space took itself never appear here. */
#define FP_LOG_SLOTS 512             /* a power of two */
#define FP_LOG_EMPTY (~0ULL)          /* packet_number of an entry never written for this connection */

struct fp_sent_entry {
	__u64 packet_number;        /* written last; FP_LOG_EMPTY while the entry is being written */
	__u64 send_time_ns;         /* bpf_ktime_get_ns() */
	__u64 stream_id;            /* subscriber stream ID */
	__u64 upstream_stream_id;
	__u64 offset;               /* STREAM frame offset */
	__u32 length;               /* STREAM frame data length */
	__u32 packet_size;          /* QUIC packet bytes */
	__u32 upstream_id;
	__u32 track_id;
	__u32 connection_id;        /* fp_subscriber.connection_id */
	__u16 flags;                /* enum fp_record_flags */
	__u8  priority;
	__u8  _pad;
};

/* ---- fp_sub_streams: HASH {subscriber, upstream, upstream stream} -> subscriber stream state --- */
struct fp_sub_stream_key {
	__u32 subscriber_id;
	__u32 upstream_id;
	__u64 stream_id;              /* upstream stream ID */
};

enum fp_sub_stream_flags {
	FP_SS_OPEN       = 1u << 0,   /* stream_id is allocated and data was sent */
	FP_SS_DROPPED    = 1u << 1,   /* a packet was dropped: RESET_STREAM, forward nothing more */
	FP_SS_HANDOFF    = 1u << 2,   /* user space forwards the rest of this stream itself */
	FP_SS_UNREPORTED = 1u << 3,   /* a decision's ring-buffer record was lost: scan and repair */
};

struct fp_sub_stream {
	__u64 stream_id;              /* the subscriber's stream ID (valid with FP_SS_OPEN) */
	__u64 sent_end;               /* highest offset+length sent by the kernel (final size on reset) */
	__u64 max_stream_data;        /* absolute flow-control limit granted by the subscriber */
	__u32 flags;                  /* enum fp_sub_stream_flags */
	__u8  priority;
	__u8  _pad[3];
};

/* ---- fp_learned: ARRAY indexed by subscriber id (written by fp_subscriber_ingress) ------------ */
struct fp_learned {
	__u64 seen_ns;                /* bpf_ktime_get_ns of the last packet; 0 = never */
	__u32 ifindex;                /* interface the subscriber's packets arrive on */
	__u32 packets;
	__u8  peer_mac[6];            /* the subscriber's (or its next hop's) MAC */
	__u8  local_mac[6];           /* our MAC on that interface */
	__u8  _pad[4];
	struct fp_endpoint_pair path; /* as seen arriving: src = subscriber, dst = relay */
};

/* ---- fp_counters: PERCPU_ARRAY, one __u64 per decision --------------------------------------- */
enum fp_counter {
	FP_CNT_SEEN = 0,              /* packets seen by fp_upstream_ingress */
	FP_CNT_PASSED,                /* packets passed up with no copy forwarded */
	FP_CNT_MEDIA,                 /* eligible media packets (original also passed up) */
	FP_CNT_FORWARDED,             /* copies sent to subscribers */
	FP_CNT_DROP_PRIORITY,         /* copies dropped: budget kept for more important data */
	FP_CNT_DROP_BUDGET,           /* copies dropped: budget exhausted outright */
	FP_CNT_FLOW_BLOCKED,          /* copies not sent for lack of flow-control credit (handoff) */
	FP_CNT_SKIP_DROPPED,          /* copies skipped: the stream was dropped for that subscriber */
	FP_CNT_SKIP_MIDSTREAM,        /* copies skipped: subscriber joined after the stream began */
	FP_CNT_HANDOFF,               /* copies skipped: stream handed to user space */
	FP_CNT_INELIGIBLE,            /* upstream packets the kernel does not handle (passed up) */
	FP_CNT_FOREIGN,               /* packets not of any upstream connection (passed up) */
	FP_CNT_GSO,                   /* GSO/GRO super-packets (passed up) */
	FP_CNT_RINGBUF_FULL,          /* ring-buffer reservations that failed */
	FP_CNT_MAP_FULL,              /* map insertions that failed */
	FP_CNT_CLONE_FAILED,          /* bpf_clone_redirect errors */
	FP_CNT_LEARNED,               /* subscriber packets seen by fp_subscriber_ingress */
	FP_CNT_SUB_MISMATCH,          /* subscriber not usable (inactive, family or CID length) */
	FP_CNT_SHORTFALL_HANDOFF,     /* streams handed to user space: budget short but no recent loss */
	FP_CNT_LEARN_REFUSED,         /* packets with a subscriber's CID off its validated path: not learned */
	FP_CNT_OPENED,                /* encrypted upstream packets the kernel opened (tag verified) */
	FP_CNT_OPEN_FAILED,           /* encrypted upstream packets that failed to open or had another key phase (passed up) */
	FP_CNT_SEALED,                /* copies sealed for a subscriber (encrypted mode) */
	FP_CNT_SEAL_FAILED,           /* seals that failed (the copy is not sent; the number counts as lost) */
	FP_CNT_SEAL_CAP,              /* copies handed to user space: the per-packet seal cap was reached */
	FP_CNT_KEY_MISMATCH,          /* copies handed to user space: upstream and subscriber not both encrypted (or no keys) */
	FP_CNT__MAX
};

/* ---- fp_records: RINGBUF ------------------------------------------------------------------------ */
enum fp_record_kind {
	FP_REC_SENT = 1,      /* a packet was sent: register it in the connection's sent history */
	FP_REC_DROPPED = 2,   /* a copy was dropped: reset the subscriber stream (if open) */
	FP_REC_HANDOFF = 3,   /* user space takes over the subscriber stream from next_offset */
};

enum fp_record_reason {
	FP_REASON_NONE = 0,
	FP_REASON_PRIORITY = 1,      /* dropped (handoff when not congested): budget above zero but below this priority's reserve */
	FP_REASON_BUDGET = 2,        /* dropped (handoff when not congested): budget exhausted */
	FP_REASON_STREAM_CREDIT = 3, /* handoff: MAX_STREAM_DATA would be exceeded */
	FP_REASON_CONN_CREDIT = 4,   /* handoff: MAX_DATA would be exceeded */
	FP_REASON_STREAMS_CREDIT = 5,/* handoff: MAX_STREAMS exhausted, stream not opened */
	FP_REASON_ALIAS_WIDTH = 6,   /* handoff: subscriber's alias does not fit the alias field */
	FP_REASON_STREAM_ID_WIDTH = 7,/* handoff: the assigned stream ID does not fit the field; send it on stream_id */
	FP_REASON_MAP_FULL = 8,      /* handoff: fp_sub_streams is full; send the stream on stream_id */
	FP_REASON_SEAL_CAP = 9,      /* handoff: the packet's seal cap was reached before this subscriber */
	FP_REASON_KEYS = 10,         /* handoff: the subscriber's protection does not match the upstream's */
};

enum fp_record_flags {
	FP_RECF_FIN = 1u << 0,          /* the STREAM frame carried FIN */
	FP_RECF_NEW_STREAM = 1u << 1,   /* first packet of the subscriber stream (offset 0) */
	FP_RECF_CLONE_FAILED = 1u << 2, /* number consumed but the copy never left: treat as lost */
	FP_RECF_STREAM_OPEN = 1u << 3,  /* stream_id is the subscriber stream ID assigned to this stream */
	FP_RECF_ALIAS_REWRITTEN = 1u << 4,
};

struct fp_record {
	__u32 kind;                 /* enum fp_record_kind */
	__u32 subscriber_id;
	__u32 connection_id;        /* fp_subscriber.connection_id */
	__u32 upstream_id;
	__u64 packet_number;        /* full packet number on the subscriber connection (SENT) */
	__u64 send_time_ns;         /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 stream_id;            /* subscriber stream ID (valid with FP_RECF_STREAM_OPEN) */
	__u64 upstream_stream_id;
	__u64 offset;               /* STREAM frame offset */
	__u64 final_size;           /* DROPPED: RESET_STREAM final size; HANDOFF: next offset to send */
	__u32 length;               /* STREAM frame data length */
	__u32 packet_size;          /* QUIC packet (UDP payload) bytes: what congestion control counts */
	__u32 track_id;
	__u16 flags;                /* enum fp_record_flags */
	__u8  reason;               /* enum fp_record_reason */
	__u8  priority;
};

#endif /* MOQ_FASTPATH_ABI_H */
