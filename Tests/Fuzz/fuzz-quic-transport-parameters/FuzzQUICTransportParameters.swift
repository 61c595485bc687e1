import FuzzSupport
import QUIC
import Wire

/// libFuzzer harness for the QUIC transport parameter decoder (`TransportParameters.decode`,
/// RFC 9000 §18), which reads what the peer sent inside its TLS handshake.
///
/// Byte 0 bit 0 picks the sender role (client / server); the rest is the parameter list.
/// Failures must be TRANSPORT_PARAMETER_ERROR; a decoded set must encode to bytes that decode to
/// the same set for the same role, with a stable encoding.
enum FuzzQUICTransportParameters {
    static func run(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let role: ConnectionRole = mode & 1 == 0 ? .client : .server
        let bytes = Array(input.dropFirst())
        let params: TransportParameters
        do {
            params = try TransportParameters.decode(bytes, sentBy: role)
        } catch {
            fuzzCheckEqual(error.code, TransportErrorCode.transportParameterError, "transport parameter error code")
            return
        }
        if role == .client {
            fuzzCheck(params.originalDestinationConnectionID == nil && params.statelessResetToken == nil
                      && params.preferredAddress == nil && params.retrySourceConnectionID == nil, "server-only parameter accepted from a client")
        }
        let encoded = params.encode()
        let back: TransportParameters
        do { back = try TransportParameters.decode(encoded, sentBy: role) } catch {
            fuzzCheck(false, "re-encoded transport parameters rejected: \(error) (\(FuzzBytes.hex(encoded)))"); return
        }
        fuzzCheckEqual(back, params, "transport parameters after re-encoding")
        fuzzCheckEqual(back.encode(), encoded, "transport parameter encoding after a round trip")
    }

    static func seeds() -> [(String, [UInt8])] {
        var client = TransportParameters()
        client.maxIdleTimeout = 30_000
        client.initialMaxData = 1 << 20
        client.initialMaxStreamDataBidiLocal = 1 << 18
        client.initialMaxStreamDataBidiRemote = 1 << 18
        client.initialMaxStreamDataUni = 1 << 18
        client.initialMaxStreamsBidi = 100
        client.initialMaxStreamsUni = 100
        client.initialSourceConnectionID = QUICConnectionID([1, 2, 3, 4])
        client.maxDatagramFrameSize = 65535
        client.unknown[0x2ab2] = [1, 2]
        var server = client
        server.originalDestinationConnectionID = QUICConnectionID([9, 9, 9, 9, 9, 9, 9, 9])
        server.retrySourceConnectionID = QUICConnectionID([7])
        server.statelessResetToken = Array(repeating: 0x11, count: 16)
        server.ackDelayExponent = 10
        server.maxAckDelay = 100
        server.activeConnectionIDLimit = 4
        server.disableActiveMigration = true
        server.maxUDPPayloadSize = 1500
        // preferred_address (0x0d, 45 bytes): IPv4 + port, IPv6 + port, CID length + CID, reset token.
        var preferred = ByteWriter()
        preferred.writeVarint(0x0d)
        preferred.writeVarint(45)
        preferred.writeBytes([10, 0, 0, 1, 0x11, 0x51] + Array(repeating: 0, count: 15) + [1, 0x11, 0x51, 4, 5, 5, 5, 5])
        preferred.writeBytes(Array(repeating: 0x22, count: 16))
        return [("client", [0] + client.encode()), ("server", [1] + server.encode() + preferred.bytes)]
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzQUICTransportParameters.run(FuzzBytes.array(data, size))
    return 0
}

#if !FUZZING
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-quic-transport-parameters", harness: FuzzQUICTransportParameters.run, seeds: FuzzQUICTransportParameters.seeds) }
}
#endif
