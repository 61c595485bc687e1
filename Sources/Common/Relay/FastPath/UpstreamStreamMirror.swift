import MoQT
import Wire

/// The relay's copy of one upstream media (subgroup) stream, byte for byte from offset 0.
///
/// A fast-path subscriber's stream is a byte mirror of the upstream stream (same offsets; only the
/// track alias in the header may differ, in the same width), so this copy is what user space sends
/// from: the rest of a stream the kernel handed over, a late joiner's streams, and retransmissions of
/// packets the kernel sent that were lost.
final class UpstreamStreamMirror {
    /// The upstream connection's id in the fast-path maps.
    let upstreamID: UInt32
    /// The upstream stream ID.
    let streamID: UInt64
    /// Every byte received so far, from offset 0.
    private(set) var bytes: [UInt8] = []
    /// The final size, once the FIN arrived.
    private(set) var finalSize: UInt64?
    /// The upstream reset code, if the publisher reset the stream.
    var resetCode: UInt64?
    /// The subgroup header, once enough bytes arrived; nil until then or for other stream types.
    private(set) var header: Draft18.SubgroupHeader?
    /// The subgroup header's length in bytes (0 until known).
    private(set) var headerLength = 0
    /// Where the track alias sits in `bytes`.
    private(set) var aliasRange: Range<Int>?
    /// True when the stream is not a subgroup stream (e.g. FETCH): never mirrored to subscribers.
    private(set) var isForeign = false
    /// When the first bytes arrived (monotonic nanoseconds).
    let created: UInt64
    /// Subscriber streams using this mirror that are not completed yet.
    var users = 0

    init(upstreamID: UInt32, streamID: UInt64, now: UInt64) {
        self.upstreamID = upstreamID
        self.streamID = streamID
        self.created = now
    }

    /// Bytes received (the next offset).
    var count: UInt64 { UInt64(bytes.count) }
    /// Every byte through the final size is here.
    var isComplete: Bool { finalSize.map { $0 == count } ?? false }

    /// When each appended chunk arrived: (end offset, monotonic nanoseconds), ascending.
    private(set) var arrivals: [(end: UInt64, time: UInt64)] = []

    /// When the byte at `offset` arrived from upstream (nil when it has not).
    func arrivalTime(of offset: UInt64) -> UInt64? {
        var lo = 0, hi = arrivals.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if arrivals[mid].end > offset { hi = mid } else { lo = mid + 1 }
        }
        return lo < arrivals.count ? arrivals[lo].time : nil
    }

    /// Appends in-order bytes; returns true when the header became known with this call.
    func append(_ more: [UInt8], fin: Bool, now: UInt64? = nil) -> Bool {
        bytes += more
        if !more.isEmpty { arrivals.append((count, now ?? created)) }
        if fin { finalSize = count }
        guard header == nil, !isForeign else { return false }
        var r = ByteReader(bytes)
        do {
            let h = try Draft18.SubgroupHeader.decode(from: &r)
            header = h
            headerLength = r.offset
            aliasRange = Draft18.SubgroupHeader.trackAliasRange(in: bytes)
            return true
        } catch let e as DecodeError where e == .needMoreData {
            if fin { isForeign = true }
            return false
        } catch {
            isForeign = true
            return false
        }
    }

    /// Bytes [offset, offset+length) with the alias rewritten to `alias` (same width), or nil when
    /// they are not (all) here.
    func slice(offset: UInt64, length: Int, alias: UInt64?) -> [UInt8]? {
        guard length >= 0, offset <= count, offset + UInt64(length) <= count else { return nil }
        let start = Int(offset)
        var out = Array(bytes[start..<start + length])
        if let alias, let range = aliasRange, let header, alias != header.trackAlias,
           range.lowerBound < start + length, range.upperBound > start {
            let encoded = VI64.encode(alias, length: range.count)
            for (i, b) in encoded.enumerated() {
                let at = range.lowerBound + i - start
                if at >= 0 && at < out.count { out[at] = b }
            }
        }
        return out
    }
}
