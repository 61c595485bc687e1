import QUIC
import QUICTLS
import XCTest

/// A client and a server GnuTLSSession joined in memory: handshake bytes are carried between them
/// per encryption level, the way CRYPTO frames would carry them.
final class HandshakePair {
    let client: GnuTLSSession
    let server: GnuTLSSession
    private(set) var clientEvents: [TLSEvent] = []
    private(set) var serverEvents: [TLSEvent] = []
    private(set) var clientError: TLSError?
    private(set) var serverError: TLSError?
    /// Maximum bytes handed over per `handle` call (to exercise fragmented delivery).
    var chunkSize = Int.max

    init(client: TLSConfiguration, server: TLSConfiguration,
         clientParameters: [UInt8] = HandshakePair.clientParameters,
         serverParameters: [UInt8] = HandshakePair.serverParameters) throws {
        self.client = try GnuTLSSession(configuration: client, localTransportParameters: clientParameters)
        self.server = try GnuTLSSession(configuration: server, localTransportParameters: serverParameters)
    }

    static let clientParameters: [UInt8] = [0x0f, 0x04, 0xc1, 0xc2, 0xc3, 0xc4, 0x04, 0x02, 0x44, 0x00]
    static let serverParameters: [UInt8] = [0x0f, 0x08, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x01, 0x02, 0x67, 0x10]

    /// A server with a fresh self-signed certificate, shared by the tests of one process.
    static let certificate: (certificatePEM: String, privateKeyPEM: String) = {
        // Generation cannot fail on a working GnuTLS; a failure fails every test that uses it.
        (try? SelfSignedCertificate.generate(commonName: "localhost", subjectAlternativeNames: ["localhost", "127.0.0.1"]))
            ?? (certificatePEM: "", privateKeyPEM: "")
    }()

    static func serverConfiguration(alpn: [String] = ["hq-interop"], suites: [CipherSuite]? = nil) -> TLSConfiguration {
        .server(alpnProtocols: alpn, certificateChain: .pem(certificate.certificatePEM),
                privateKey: .pem(certificate.privateKeyPEM), cipherSuites: suites)
    }

    static func clientConfiguration(alpn: [String] = ["hq-interop"], suites: [CipherSuite]? = nil) -> TLSConfiguration {
        .client(alpnProtocols: alpn, serverName: "localhost", verifyPeer: false, cipherSuites: suites)
    }

    /// Runs until neither side produces anything more or one side fails.
    func run() {
        do {
            try client.start()
        } catch {
            clientError = error
            return
        }
        var progress = true
        while progress && clientError == nil && serverError == nil {
            progress = false
            while let event = client.pollEvent() {
                progress = true
                clientEvents.append(event)
                if case .handshakeData(let level, let bytes) = event, serverError == nil {
                    deliver(bytes, at: level, to: server, error: &serverError)
                }
            }
            while let event = server.pollEvent() {
                progress = true
                serverEvents.append(event)
                if case .handshakeData(let level, let bytes) = event, clientError == nil {
                    deliver(bytes, at: level, to: client, error: &clientError)
                }
            }
        }
    }

    private func deliver(_ bytes: [UInt8], at level: EncryptionLevel, to session: GnuTLSSession, error: inout TLSError?) {
        var offset = 0
        repeat {
            let end = min(bytes.count, offset + max(1, min(chunkSize, bytes.count)))
            do {
                try session.handle(handshakeData: Array(bytes[offset..<end]), at: level)
            } catch let failure {
                error = failure
                return
            }
            offset = end
        } while offset < bytes.count
    }

    /// The secret one side's events installed for a level and direction.
    static func secret(in events: [TLSEvent], level: EncryptionLevel, direction: TLSDirection) -> (CipherSuite, [UInt8])? {
        for case .secret(let eventLevel, let eventDirection, let suite, let secret) in events
        where eventLevel == level && eventDirection == direction {
            return (suite, secret)
        }
        return nil
    }
}
