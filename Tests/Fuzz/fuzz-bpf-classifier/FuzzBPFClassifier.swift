import CFastPathABI
import CLibBPF
import FastPath
import FuzzSupport
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer harness for the kernel fast path's classifier (bpf/fastpath.bpf.c), run through
/// BPF_PROG_TEST_RUN: both TC programs get mutated packets with their maps populated as the relay
/// populates them, so the parsers (Ethernet/IPv4/IPv6/UDP, the QUIC short header, the STREAM frame,
/// the MoQT subgroup header) and the forwarding decisions are reached.
///
/// Maps: upstream 0 (IPv4, CID a1..a8) with track alias 5 -> subscriber 0; upstream 1 (IPv6, CID
/// c1..c8) with track alias 5 -> subscriber 2; subscriber 1 registered but on no track; subscriber
/// 0 also owns a local CID (d1..d8), so the learning path runs. The configuration has NO_CLONE: the
/// program decides and rewrites as for real, but no copy leaves (nothing is sent anywhere).
///
/// The first input byte chooses how the rest becomes a packet (raw frame, QUIC payload after a
/// valid header, a structured media packet whose fields come from the input, a subscriber packet,
/// GSO context, a lying UDP length). Invariants checked on every run:
/// - both programs return TC_ACT_OK and pass the packet up exactly as it came (the original is
///   restored after the rewrites);
/// - counters: one packet seen; passed up once unless a copy was forwarded; forwarded copies equal
///   the `sent` records; at most one copy per subscriber of the track; media counted at most once;
/// - nothing is forwarded that the reference parser below does not call an eligible media packet of
///   a known stream of a track, and no record ever names a subscriber that is not on that track.
enum FuzzBPFClassifier {
    static let cidLength = 8
    static let upstreamCID: [UInt8] = [0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8]
    static let upstream6CID: [UInt8] = [0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8]
    static let subscriberCID: [UInt8] = [0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8]
    static let alias: UInt64 = 5
    static let relayMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x01]
    static let peerMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x02]
    /// Subscribers on the track of each upstream.
    static let trackSubscribers: [UInt32: Set<UInt32>] = [0: [0], 1: [2]]

    final class State {
        let object: FastPathObject
        let shared: FastPathSharedMemory
        let reader: RingBufferReader
        let log: FastPathSentLog
        /// Odd runs report sent copies in the per-subscriber sent log (`FP_CFG_SENT_LOG`), even runs on
        /// the ring buffer.
        var logMode = false
        let paths: [FastPathEndpointPair]
        let subscriberPath: FastPathEndpointPair
        /// Upstream streams the program may have registered (deleted from time to time, so the
        /// stream map never stays full).
        var streams: Set<[UInt64]> = []
        var runs = 0

        init() throws {
            try FastPathPrivileges.check()
            guard let path = FastPathObjectLocator.locate() else {
                throw FastPathError(.objectNotFound, errno: ENOENT, "bpf/fastpath.bpf.o not found (make bpf, or set \(FastPathObjectLocator.environmentVariable))")
            }
            var c = FastPathConfiguration()
            c.maxSubscribers = 8
            c.maxUpstreams = 4
            c.maxTracks = 8
            c.maxStreams = 64
            c.maxSubscriberStreams = 256
            c.maxLocalConnectionIDs = 16
            c.ringBufferBytes = 1 << 16
            object = try FastPathObject.load(path: path, configuration: c)
            shared = try FastPathSharedMemory(object: object)
            reader = try RingBufferReader(object: object)
            log = try FastPathSentLog(object: object)
            paths = [try FastPathEndpointPair(source: "10.0.0.2", sourcePort: 5000, destination: "10.0.0.1", destinationPort: 4443),
                     try FastPathEndpointPair(source: "fd00::2", sourcePort: 5000, destination: "fd00::1", destinationPort: 4443)]
            subscriberPath = try FastPathEndpointPair(source: "10.0.1.2", sourcePort: 6000, destination: "10.0.1.1", destinationPort: 4443)
            try object.setConfiguration(localConnectionIDLength: FuzzBPFClassifier.cidLength, flags: [.enabled, .noClone])
            try object.setLocalConnectionID(FuzzBPFClassifier.upstreamCID, owner: .upstream(0))
            try object.setLocalConnectionID(FuzzBPFClassifier.upstream6CID, owner: .upstream(1))
            try object.setLocalConnectionID(FuzzBPFClassifier.subscriberCID, owner: .subscriber(0))
            try object.setUpstream(0, path: paths[0])
            try object.setUpstream(1, path: paths[1])
            for id: UInt32 in 0...2 {
                let six = id == 2
                let p = six
                    ? try FastPathEndpointPair(source: "fd01::1", sourcePort: 4443, destination: "fd01::\(2 + id)", destinationPort: UInt16(6000 + id))
                    : try FastPathEndpointPair(source: "10.0.1.1", sourcePort: 4443, destination: "10.0.1.\(2 + id)", destinationPort: UInt16(6000 + id))
                var s = FastPathSubscriber(connectionID: 100 + id, path: p, destinationConnectionID: [0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, UInt8(0xb8 + id)])
                s.destinationMAC = [0x02, 0, 0, 0, 0x01, UInt8(2 + id)]
                s.sourceMAC = [0x02, 0, 0, 0, 0x01, 0x01]
                s.reserveStep = 1000
                try object.setSubscriber(id, s)
            }
            refill()
            try object.setTrack(upstreamID: 0, alias: FuzzBPFClassifier.alias, trackID: 42, defaultPriority: 7,
                                subscribers: [FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
            try object.setTrack(upstreamID: 1, alias: FuzzBPFClassifier.alias, trackID: 43, defaultPriority: 7,
                                subscribers: [FastPathTrackSubscriber(subscriberID: 2, alias: 11)])
        }

        /// Budget, credit and packet numbers as user space keeps them topped up.
        func refill() {
            for id: UInt32 in 0...2 {
                log.clear(id)
                shared.reset(id, nextPacketNumber: 0, nextUniStream: 0, budget: 1 << 40, connectionCredit: 1 << 40, streamsCredit: 1 << 20)
                shared.setCongestedUntil(id, .max)
            }
        }

        func forgetStreams() {
            for s in streams {
                _ = try? object.removeStream(upstreamID: UInt32(s[0]), streamID: s[1])
                for sub: UInt32 in 0...2 { _ = try? object.removeSubscriberStream(subscriberID: sub, upstreamID: UInt32(s[0]), streamID: s[1]) }
            }
            streams.removeAll()
        }
    }

    nonisolated(unsafe) static var state: State?

    static func setUp() -> State {
        if let s = state { return s }
        do {
            let s = try State()
            state = s
            return s
        } catch {
            // Not a finding in the classifier: the harness cannot run (it needs root and the object).
            let text = "fuzz-bpf-classifier: cannot load the fast path: \(error)\n"
            text.utf8CString.withUnsafeBufferPointer { p in _ = write(2, p.baseAddress, p.count - 1) }
            exit(3)
        }
    }

    // MARK: Packets

    static func varint(_ v: UInt64, length: Int) -> [UInt8] {
        let prefix: UInt8 = [1: 0x00, 2: 0x40, 4: 0x80, 8: 0xc0][length]!
        var out = (0..<length).map { i in UInt8((v >> (8 * UInt64(length - 1 - i))) & 0xff) }
        out[0] |= prefix
        return out
    }

    static func vi64(_ v: UInt64) -> [UInt8] {
        if v < 0x80 { return [UInt8(v)] }
        if v < 0x4000 { return [0x80 | UInt8(v >> 8), UInt8(v & 0xff)] }
        return [0xc0 | UInt8((v >> 16) & 0x1f), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
    }

    static func be16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }

    static func checksum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt16 {
        var total = initial
        var i = 0
        while i < bytes.count {
            total &+= UInt32(bytes[i]) << 8 | UInt32(i + 1 < bytes.count ? bytes[i + 1] : 0)
            total = (total & 0xffff) &+ (total >> 16)
            i += 2
        }
        while total > 0xffff { total = (total & 0xffff) &+ (total >> 16) }
        return ~UInt16(total)
    }

    /// An Ethernet/IP/UDP frame around `payload` on `path`, checksums valid; `udpLength` may lie.
    static func frame(_ path: FastPathEndpointPair, _ payload: [UInt8], udpLength: Int? = nil) -> [UInt8] {
        let len = udpLength ?? (8 + payload.count)
        var udp = be16(Int(path.sourcePort)) + be16(Int(path.destinationPort)) + be16(len) + [0, 0] + payload
        var pseudo = path.sourceAddress + path.destinationAddress
        pseudo += path.family == AF_INET ? [0, 17] + be16(8 + payload.count) : [0, 0] + be16(8 + payload.count) + [0, 0, 0, 17]
        var sum: UInt32 = 0
        for k in stride(from: 0, to: pseudo.count, by: 2) { sum &+= UInt32(pseudo[k]) << 8 | UInt32(pseudo[k + 1]) }
        var c = checksum(udp, initial: sum)
        if c == 0 { c = 0xffff }
        udp[6] = UInt8(c >> 8)
        udp[7] = UInt8(c & 0xff)
        var f = relayMAC + peerMAC
        if path.family == AF_INET {
            var ip: [UInt8] = [0x45, 0] + be16(20 + udp.count) + [0x12, 0x34, 0x40, 0, 64, 17, 0, 0] + path.sourceAddress + path.destinationAddress
            let ic = checksum(ip)
            ip[10] = UInt8(ic >> 8)
            ip[11] = UInt8(ic & 0xff)
            f += [0x08, 0x00] + ip
        } else {
            f += [0x86, 0xdd, 0x60, 0, 0, 0] + be16(udp.count) + [17, 64] + path.sourceAddress + path.destinationAddress
        }
        return f + udp
    }

    /// A media packet whose fields come from the input: one STREAM frame, at offset 0 with a
    /// subgroup header (alias, group, subgroup, priority chosen by the input), then input bytes.
    static func structured(_ r: inout Reader, cid: [UInt8]) -> [UInt8] {
        let flags = r.byte()
        let streamIDs: [UInt64] = [2, 6, 10, 3, 0, 14]
        let sid = streamIDs[Int(r.byte()) % streamIDs.count]
        let sidLength = [4, 8, 1, 2][Int(flags & 3)]
        let offset: UInt64 = flags & 0x04 != 0 ? UInt64(r.byte()) * 17 : 0
        let withLength = flags & 0x08 == 0
        let fin = flags & 0x10 != 0
        var data: [UInt8] = []
        if offset == 0 && flags & 0x20 == 0 {
            let pick = r.byte()
            var type: UInt64 = 0x10 | UInt64(pick & 0x0f)
            if pick & 0x10 != 0 { type |= 0x20 }
            if pick & 0x20 != 0 { type = UInt64(r.byte()) }
            let alias = pick & 0x40 != 0 ? UInt64(r.byte()) : FuzzBPFClassifier.alias
            data += vi64(type) + vi64(alias) + vi64(UInt64(r.byte()) << UInt64(r.byte() & 7))
            if type & 0x06 == 0x04 { data += vi64(UInt64(r.byte())) }
            if type & 0x20 == 0 { data.append(r.byte()) }
        }
        data += r.rest(max: 160)
        var quic: [UInt8] = [0x43 | (flags & 0x80 != 0 ? 0x04 : 0)] + cid + [0, 0, UInt8(r.byte()), 1]
        var type: UInt8 = 0x08 | (offset != 0 || flags & 0x40 != 0 ? 0x04 : 0) | (withLength ? 0x02 : 0) | (fin ? 0x01 : 0)
        if flags & 0x20 != 0 && flags & 0x40 != 0 { type = r.byte() }
        quic.append(type)
        quic += varint(sid, length: sidLength)
        if type & 0x04 != 0 { quic += varint(offset, length: 4) }
        if type & 0x02 != 0 {
            let lie = flags & 0x80 != 0 && flags & 0x03 == 3 ? Int(r.byte()) - 128 : 0
            quic += varint(UInt64(max(0, data.count + lie)) & 0x3fff, length: 2)
        }
        return quic + data
    }

    struct Reader {
        var bytes: ArraySlice<UInt8>
        mutating func byte() -> UInt8 { bytes.popFirst() ?? 0 }
        mutating func rest(max: Int) -> [UInt8] {
            let out = Array(bytes.prefix(max))
            bytes = bytes.dropFirst(out.count)
            return out
        }
    }

    // MARK: The reference parser

    /// What the reference parser makes of a frame the upstream program saw: the upstream, stream
    /// and whether it starts at offset 0 with a subgroup header of `alias`, or nil when no copy may
    /// be forwarded (not one eligible STREAM frame of a known upstream's path and CID).
    static func reference(_ f: [UInt8], _ st: State, _ context: __sk_buff?) -> (upstream: UInt32, stream: UInt64, offsetZero: Bool, aliasOK: Bool)? {
        if let c = context, c.gso_segs > 1 || c.gso_size != 0 { return nil }
        guard f.count >= 14 else { return nil }
        var p = 14
        let family: Int32
        let src: [UInt8], dst: [UInt8]
        if f[12] == 0x08 && f[13] == 0x00 {
            guard f.count >= p + 20, f[p] >> 4 == 4, f[p] & 0x0f >= 5, f[p + 9] == 17 else { return nil }
            guard (UInt16(f[p + 6]) << 8 | UInt16(f[p + 7])) & 0x3fff == 0 else { return nil }
            family = AF_INET
            src = Array(f[p + 12..<p + 16]); dst = Array(f[p + 16..<p + 20])
            p += Int(f[p] & 0x0f) * 4
        } else if f[12] == 0x86 && f[13] == 0xdd {
            guard f.count >= p + 40, f[p + 6] == 17 else { return nil }
            family = AF_INET6
            src = Array(f[p + 8..<p + 24]); dst = Array(f[p + 24..<p + 40])
            p += 40
        } else {
            return nil
        }
        guard f.count >= p + 8 else { return nil }
        let sport = UInt16(f[p]) << 8 | UInt16(f[p + 1]), dport = UInt16(f[p + 2]) << 8 | UInt16(f[p + 3])
        let ulen = Int(f[p + 4]) << 8 | Int(f[p + 5])
        guard ulen >= 9, p + ulen <= f.count else { return nil }
        let q = Array(f[p + 8..<p + ulen])
        guard let up = st.paths.firstIndex(where: { $0.family == family && $0.sourceAddress == src && $0.destinationAddress == dst
            && $0.sourcePort == sport && $0.destinationPort == dport }) else { return nil }
        let cid = up == 0 ? upstreamCID : upstream6CID
        guard q.count >= 1 + cidLength, q[0] & 0xc0 == 0x40, Array(q[1...cidLength]) == cid, q[0] & 0x03 == 3 else { return nil }
        let head = Array(q.prefix(128))
        var k = 1 + cidLength + 4
        guard k < head.count else { return nil }
        let type = head[k]
        guard (0x08...0x0f).contains(type) else { return nil }
        k += 1
        func quicVarint() -> (UInt64, Int)? {
            guard k < head.count else { return nil }
            let n = 1 << Int(head[k] >> 6)
            guard k + n <= head.count else { return nil }
            var v = UInt64(head[k] & 0x3f)
            for j in 1..<n { v = v << 8 | UInt64(head[k + j]) }
            return (v, n)
        }
        guard let (sid, sidLen) = quicVarint(), sidLen == 4 || sidLen == 8, sid & 0x02 != 0 else { return nil }
        k += sidLen
        var offset: UInt64 = 0
        if type & 0x04 != 0 { guard let (o, n) = quicVarint() else { return nil }; offset = o; k += n }
        var len: UInt64
        if type & 0x02 != 0 {
            guard let (l, n) = quicVarint() else { return nil }
            k += n
            len = l
            guard UInt64(k) + len == UInt64(q.count) else { return nil }
        } else {
            guard k <= q.count else { return nil }
            len = UInt64(q.count - k)
        }
        guard len <= 0xffff else { return nil }
        if offset != 0 { return (UInt32(up), sid, false, false) }
        // The subgroup header, within the data and the parsed head.
        let dlim = min(k + Int(len), head.count)
        var m = k
        func vi() -> UInt64? {
            guard m < dlim else { return nil }
            let lead = head[m]
            var n = 1
            while n <= 8 && lead & (0x80 >> (n - 1)) != 0 { n += 1 }
            guard m + n <= dlim else { return nil }
            var v: UInt64 = n == 9 ? 0 : UInt64(lead & (0xff >> n))
            for j in 1..<n { v = v << 8 | UInt64(head[m + j]) }
            m += n
            return v
        }
        guard let htype = vi(), htype & ~0x7f == 0, htype & 0x10 != 0, htype & 0x06 != 0x06, let alias = vi(), vi() != nil else { return nil }
        if htype & 0x06 == 0x04 { guard vi() != nil else { return nil } }
        if htype & 0x20 == 0 { guard m < dlim else { return nil } }
        return (UInt32(up), sid, true, alias == FuzzBPFClassifier.alias)
    }

    // MARK: One input

    static func run(_ input: [UInt8]) {
        let st = setUp()
        st.runs += 1
        if st.runs % 512 == 0 { st.refill() }
        st.logMode = st.runs % 2 == 1
        try? st.object.setConfiguration(localConnectionIDLength: cidLength, flags: st.logMode ? [.enabled, .noClone, .sentLog] : [.enabled, .noClone])
        if st.streams.count > 32 { st.forgetStreams() }
        var r = Reader(bytes: input[...])
        let mode = r.byte()
        var context: __sk_buff?
        let packet: [UInt8]
        switch mode % 8 {
        case 0:
            packet = r.rest(max: 1500)
        case 1:
            packet = frame(st.paths[0], [0x43] + upstreamCID + r.rest(max: 1400))
        case 2:
            packet = frame(st.paths[0], structured(&r, cid: upstreamCID))
        case 3:
            packet = frame(st.paths[1], structured(&r, cid: upstream6CID))
        case 4:
            // A subscriber's packet (learning) on its own path, or a stranger's with its CID.
            let path = mode & 0x80 != 0 ? st.paths[0].reversed : st.subscriberPath
            packet = frame(path, [0x40 | (r.byte() & 0x3f)] + subscriberCID + r.rest(max: 1400))
        case 5:
            var c = __sk_buff()
            c.gso_segs = UInt32(r.byte() % 4)
            c.gso_size = r.byte() & 1 == 0 ? 0 : 1200
            context = c
            packet = frame(st.paths[0], structured(&r, cid: upstreamCID))
        case 6:
            let payload = structured(&r, cid: upstreamCID)
            packet = frame(st.paths[0], payload, udpLength: 8 + payload.count + Int(Int8(bitPattern: r.byte())))
        default:
            // A valid header with a path or CID that is not quite the upstream's.
            var path = st.paths[0]
            let which = r.byte()
            if which & 1 != 0 { path.sourcePort ^= UInt16(which) << 4 }
            var cid = upstreamCID
            if which & 2 != 0 { cid[Int(which >> 4) % cid.count] ^= 0x01 }
            if which & 4 != 0 { path = st.paths[1] }
            packet = frame(path, structured(&r, cid: cid))
        }
        check(packet, st, context)
    }

    static func check(_ packet: [UInt8], _ st: State, _ context: __sk_buff?) {
        let expected = reference(packet, st, context)
        var known = false
        if let e = expected, !e.offsetZero { known = (try? st.object.stream(upstreamID: e.upstream, streamID: e.stream)) != nil }
        let before: FastPathCounters
        let result: FastPathTestRunResult
        let numbersBefore = (0...2).map { st.shared.nextPacketNumber(UInt32($0)) }
        do {
            before = try st.object.counters()
            result = try st.object.testRun(.upstreamIngress, packet: packet, context: context)
        } catch {
            // The kernel refuses (EINVAL) to build an skb from a frame shorter than its Ethernet
            // header, or whose IP header it cannot pull: that is the test run, not the program.
            if kernelRefuses(packet, error) { return }
            fuzzCheck(false, "BPF_PROG_TEST_RUN failed on a \(packet.count)-byte packet: \(error)")
            return
        }
        let delta = (try? st.object.counters().since(before)) ?? before
        var records = (try? st.reader.drain()) ?? []
        // Log entries written by this run count as SENT records; the log is then read (never full).
        for sub: UInt32 in 0...2 {
            let after = st.shared.nextPacketNumber(sub)
            for pn in numbersBefore[Int(sub)]..<max(after, numbersBefore[Int(sub)]) {
                if let e = st.log.read(sub, packetNumber: pn, connection: 100 + sub) {
                    fuzzCheck(st.logMode, "a log entry written without FP_CFG_SENT_LOG")
                    records.append(FastPathRecord(sent: e, subscriberID: sub))
                }
            }
            st.shared.setLogRead(sub, after)
        }
        fuzzCheckEqual(result.returnCode, 0, "fp_upstream_ingress verdict (TC_ACT_OK)")
        fuzzCheck(result.output == packet, "fp_upstream_ingress changed the packet it passed up: in \(FuzzBytes.hex(packet)) out \(FuzzBytes.hex(result.output))")
        fuzzCheckEqual(delta.seen, 1, "packets seen")
        fuzzCheckEqual(delta.passedUp, delta.forwarded == 0 ? 1 : 0, "passed up (forwarded \(delta.forwarded))")
        fuzzCheck(delta.media <= 1, "media counted \(delta.media) times")
        fuzzCheck(delta.forwarded == 0 || delta.media == 1, "forwarded without counting media")
        let sent = records.filter { $0.kind == .sent }
        fuzzCheckEqual(UInt64(sent.count), delta.forwarded, "sent records and forwarded copies")
        if delta.forwarded > 0 || !records.isEmpty {
            guard let e = expected else {
                fuzzCheck(false, "a copy was forwarded (or a record written) for a packet the reference parser refuses: \(FuzzBytes.hex(packet)), records \(records.map { ($0.kind?.rawValue ?? 0, $0.subscriberID) })")
                return
            }
            fuzzCheck(e.offsetZero ? e.aliasOK : known, "forwarded a packet of an unknown track or stream: \(e)")
            let allowed = trackSubscribers[e.upstream] ?? []
            fuzzCheck(delta.forwarded <= UInt64(allowed.count), "\(delta.forwarded) copies for \(allowed.count) subscriber(s)")
            for rec in records {
                fuzzCheck(allowed.contains(rec.subscriberID), "a record names subscriber \(rec.subscriberID), not on the track of upstream \(e.upstream)")
            }
            if e.offsetZero && e.aliasOK { st.streams.insert([UInt64(e.upstream), e.stream]) }
        }
        // The subscriber-side program: learns at most, never changes or drops anything.
        do {
            let sub = try st.object.testRun(.subscriberIngress, packet: packet, context: context)
            fuzzCheckEqual(sub.returnCode, 0, "fp_subscriber_ingress verdict (TC_ACT_OK)")
            fuzzCheck(sub.output == packet, "fp_subscriber_ingress changed the packet")
        } catch {
            fuzzCheck(kernelRefuses(packet, error), "BPF_PROG_TEST_RUN of fp_subscriber_ingress failed: \(error)")
        }
        fuzzCheck((try? st.reader.drain())?.isEmpty ?? true, "fp_subscriber_ingress wrote a record")
    }

    /// True for an EINVAL the kernel answers a frame it cannot make an skb of (shorter than an
    /// Ethernet header plus the IPv4 or IPv6 header its protocol field announces).
    static func kernelRefuses(_ packet: [UInt8], _ error: Error) -> Bool {
        guard let e = error as? FastPathError, e.errno == EINVAL else { return false }
        if packet.count < 14 { return true }
        let proto = UInt16(packet[12]) << 8 | UInt16(packet[13])
        if proto == 0x0800 { return packet.count < 14 + 20 }
        if proto == 0x86dd { return packet.count < 14 + 40 }
        return false
    }

    static func seeds() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        let data = (0..<60).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        // Structured media packets: flags, stream pick, [offset], header pick, group, shift, ..., PN byte.
        out.append(("media-offset0-v4", [2, 0x00, 0, 0x00, 9, 0] + [3] + data))
        out.append(("media-offset0-default-priority-v4", [2, 0x00, 0, 0x10, 9, 0] + data))
        out.append(("media-offset0-v6", [3, 0x00, 0, 0x00, 9, 0] + [3] + data))
        out.append(("media-offset-v4", [2, 0x04, 0, 4] + data))
        out.append(("media-no-length-fin-v4", [2, 0x18, 0, 0x00, 9, 0, 3] + data))
        out.append(("media-wrong-alias-v4", [2, 0x00, 0, 0x40, 77, 9, 0, 3] + data))
        out.append(("media-8-byte-sid", [2, 0x01, 0, 0x00, 9, 0, 3] + data))
        out.append(("quic-after-header", [1, 0x00, 0, 0, 1, 0x0e, 0x80, 0, 0, 2] + data))
        out.append(("subscriber-learn", [4, 0x03, 0, 0, 0, 9] + data))
        out.append(("gso", [5, 2, 1, 0x00, 0, 0x00, 9, 0, 3] + data))
        out.append(("udp-length-lie", [6, 0x00, 0, 0x00, 9, 0, 3] + data + [0x90]))
        out.append(("near-miss-path", [7, 0x03, 0x00, 0, 0x00, 9, 0, 3] + data))
        out.append(("raw-garbage", [0] + (0..<80).map { UInt8(truncatingIfNeeded: $0 &* 37) }))
        return out
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzBPFClassifier.run(FuzzBytes.array(data, size))
    return 0
}

#if !FUZZING
@main
enum Replay {
    static func main() {
        FuzzReplay.main(name: "fuzz-bpf-classifier", harness: FuzzBPFClassifier.run, seeds: FuzzBPFClassifier.seeds)
        // Which paths the inputs reached (the kernel's counters over this replay).
        if let c = try? FuzzBPFClassifier.state?.object.counters() {
            print("fuzz-bpf-classifier: kernel counters " + c.byName.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
    }
}
#endif
