import MoQT
@testable import Relay

/// An object for tests: `bytes` of payload filled with a pattern of its location.
func obj(_ group: UInt64, _ object: UInt64, sg: UInt64? = 0, prio: UInt8 = 128, bytes: Int = 10,
         at time: RelayTime = .zero, status: ObjectStatus = .normal) -> RelayObject {
    RelayObject(location: Location(group: group, object: object),
                forwarding: sg.map { .subgroup($0) } ?? .datagram,
                publisherPriority: prio, status: status, properties: [],
                payload: status == .normal ? [UInt8](repeating: UInt8(truncatingIfNeeded: group &* 31 &+ object), count: bytes) : [],
                arrival: time)
}

/// Media-like priorities: I = 1, P = 2, B = 3 (lower value = more important).
enum Prio {
    static let i: UInt8 = 1
    static let p: UInt8 = 2
    static let b: UInt8 = 3
}

/// One group of a media-like track: object 0 is the I frame on subgroup 0, then P frames on
/// subgroup 1 and B frames on subgroup 2, object IDs interleaved as frames would be (I P B B P B B ...).
func mediaGroup(_ group: UInt64, frames: Int, bytes: (i: Int, p: Int, b: Int) = (300, 100, 50), at time: RelayTime = .zero) -> [RelayObject] {
    var out: [RelayObject] = [obj(group, 0, sg: 0, prio: Prio.i, bytes: bytes.i, at: time)]
    for k in 1..<max(frames, 1) {
        let isP = k % 3 == 1
        out.append(obj(group, UInt64(k), sg: isP ? 1 : 2, prio: isP ? Prio.p : Prio.b, bytes: isP ? bytes.p : bytes.b, at: time))
    }
    return out
}
