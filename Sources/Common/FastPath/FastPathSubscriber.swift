import CFastPathABI
#if canImport(Glibc)
import Glibc
#endif

/// A subscriber connection as the kernel needs it to rewrite packets for it (`fp_subscriber`).
public struct FastPathSubscriber: Sendable, Equatable {
    /// User space's connection number, copied into every ring-buffer record.
    public var connectionID: UInt32
    /// Addresses and ports of packets TO the subscriber: src = relay, dst = subscriber.
    public var path: FastPathEndpointPair
    /// The destination connection ID to write (the subscriber's CID; same length as the relay's CIDs).
    public var destinationConnectionID: [UInt8]
    /// Egress interface; 0 takes it from the FIB lookup or the learned address.
    public var interfaceIndex: UInt32 = 0
    /// Next-hop MAC used when neither the FIB lookup nor learning gives one.
    public var destinationMAC: [UInt8] = [0, 0, 0, 0, 0, 0]
    /// Our MAC on the egress interface, used with `destinationMAC`.
    public var sourceMAC: [UInt8] = [0, 0, 0, 0, 0, 0]
    /// Resolve MACs (and the interface when 0) with bpf_fib_lookup first.
    public var useFIBLookup = false
    /// The key phase bit of the subscriber connection's 1-RTT packets.
    public var keyPhase = false
    /// Low two bits of the uni stream IDs we open on this connection: 3 as server, 2 as client.
    public var uniStreamBase: UInt64 = 3
    /// The subscriber's initial_max_stream_data_uni transport parameter.
    public var initialMaxStreamData: UInt64 = 1 << 20
    /// Bytes of send budget reserved per priority step (FASTPATH.md, "budget and priority").
    public var reserveStep: UInt32 = 1500
    /// Encrypted mode: the slot (0 or 1) of `fp_sub_keys` whose keys seal this subscriber's copies; nil
    /// for a cleartext subscriber.
    public var keySlot: UInt32?

    /// Creates a subscriber entry.
    public init(connectionID: UInt32, path: FastPathEndpointPair, destinationConnectionID: [UInt8]) {
        self.connectionID = connectionID
        self.path = path
        self.destinationConnectionID = destinationConnectionID
    }

    func cValue() throws -> fp_subscriber {
        guard !destinationConnectionID.isEmpty, destinationConnectionID.count <= Int(FP_MAX_CID_LEN) else {
            throw FastPathError(.invalidArgument, "subscriber connection ID of \(destinationConnectionID.count) bytes")
        }
        guard destinationMAC.count == 6, sourceMAC.count == 6 else {
            throw FastPathError(.invalidArgument, "MAC addresses must have 6 bytes")
        }
        var s = fp_subscriber()
        s.active = 1
        s.flags = (useFIBLookup ? FP_SUB_FIB_LOOKUP.rawValue : 0) | (keyPhase ? FP_SUB_KEY_PHASE.rawValue : 0)
        s.ifindex = interfaceIndex
        withUnsafeMutableBytes(of: &s.dst_mac) { $0.copyBytes(from: destinationMAC) }
        withUnsafeMutableBytes(of: &s.src_mac) { $0.copyBytes(from: sourceMAC) }
        s.dcid_len = UInt8(destinationConnectionID.count)
        withUnsafeMutableBytes(of: &s.dcid) { $0.copyBytes(from: destinationConnectionID) }
        s.path = path.cValue
        s.uni_stream_base = uniStreamBase & 3
        s.initial_max_stream_data = initialMaxStreamData
        s.reserve_step = reserveStep
        s.connection_id = connectionID
        s.key_slot = keySlot.map { $0 + 1 } ?? 0
        return s
    }
}
