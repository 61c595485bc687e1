import Wire

extension Draft18 {
    /// One fuzzing input through every draft-18 decoder, for a libFuzzer harness
    /// (`LLVMFuzzerTestOneInput` only has to call this). Bad input must end in `MoQTError` or
    /// "need more data"; anything else, and any decoded value that does not survive
    /// encode-then-decode, stops the process so the fuzzer reports it.
    public static func fuzzOneInput(_ bytes: [UInt8]) {
        func expectTyped(_ body: () throws -> Void) {
            do { try body() } catch is MoQTError {} catch DecodeError.needMoreData {} catch {
                preconditionFailure("untyped decode failure: \(error)")
            }
        }
        expectTyped {
            var r = ByteReader(bytes)
            let m = try ControlMessage.decode(from: &r)
            var again = ByteReader(m.encoded())
            let m2 = try ControlMessage.decode(from: &again)
            // Strings decoded leniently from invalid UTF-8 may change length; everything else must match.
            if case .goAway = m {} else if case .requestError = m {} else if case .publishDone = m {} else if case .setup = m {} else {
                precondition(m2 == m, "control message does not round-trip")
            }
        }
        // The draft-22 profile: the same decoders with its encodings, round-tripped in it.
        expectTyped {
            let d22 = DecodeOptions.lenient.with(draft: .draft22)
            var r = ByteReader(bytes)
            let m = try ControlMessage.decode(from: &r, options: d22)
            var again = ByteReader(m.encoded(draft: .draft22))
            let m2 = try ControlMessage.decode(from: &again, options: d22)
            if case .goAway = m {} else if case .requestError = m {} else if case .publishDone = m {} else if case .setup = m {} else {
                precondition(m2 == m, "draft-22 control message does not round-trip")
            }
        }
        for streaming in [false, true] {
            for order in GroupOrder.allCases {
                expectTyped {
                    var p = DataStreamParser(streamPayloads: streaming, groupOrderForFetch: { _ in order })
                    p.append(bytes)
                    _ = try p.drain()
                    try p.finish()
                }
            }
        }
        expectTyped {
            if case .object(let d) = try Datagram.decode(bytes) {
                precondition((try? ObjectDatagram.decode(d.encoded())) == d, "datagram does not round-trip")
            }
        }
        expectTyped {
            var r = ByteReader(bytes)
            let p = try ObjectProperties.decode(from: &r)
            var w = ByteWriter()
            p.encode(into: &w)
            var again = ByteReader(w.bytes)
            precondition((try? ObjectProperties.decode(from: &again)) == ObjectProperties(KeyValuePair.sortedForWire(p.pairs)),
                         "properties do not round-trip")
        }
    }
}
