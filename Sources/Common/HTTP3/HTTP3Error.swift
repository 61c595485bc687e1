/// An HTTP/3 error code (RFC 9114 §8.1, RFC 9204 §6, RFC 9297 §5, and WebTransport's own).
public struct HTTP3ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let noError = HTTP3ErrorCode(rawValue: 0x100)
    public static let generalProtocolError = HTTP3ErrorCode(rawValue: 0x101)
    public static let internalError = HTTP3ErrorCode(rawValue: 0x102)
    public static let streamCreationError = HTTP3ErrorCode(rawValue: 0x103)
    public static let closedCriticalStream = HTTP3ErrorCode(rawValue: 0x104)
    public static let frameUnexpected = HTTP3ErrorCode(rawValue: 0x105)
    public static let frameError = HTTP3ErrorCode(rawValue: 0x106)
    public static let excessiveLoad = HTTP3ErrorCode(rawValue: 0x107)
    public static let idError = HTTP3ErrorCode(rawValue: 0x108)
    public static let settingsError = HTTP3ErrorCode(rawValue: 0x109)
    public static let missingSettings = HTTP3ErrorCode(rawValue: 0x10a)
    public static let requestRejected = HTTP3ErrorCode(rawValue: 0x10b)
    public static let requestCancelled = HTTP3ErrorCode(rawValue: 0x10c)
    public static let requestIncomplete = HTTP3ErrorCode(rawValue: 0x10d)
    public static let messageError = HTTP3ErrorCode(rawValue: 0x10e)
    public static let connectError = HTTP3ErrorCode(rawValue: 0x10f)
    public static let qpackDecompressionFailed = HTTP3ErrorCode(rawValue: 0x200)
    public static let qpackEncoderStreamError = HTTP3ErrorCode(rawValue: 0x201)
    public static let qpackDecoderStreamError = HTTP3ErrorCode(rawValue: 0x202)
    /// RFC 9297 §5: a malformed datagram or H3_DATAGRAM setting.
    public static let datagramError = HTTP3ErrorCode(rawValue: 0x33)
    /// WebTransport: a stream was buffered for a session that never came, or the buffer was full.
    public static let webTransportBufferedStreamRejected = HTTP3ErrorCode(rawValue: 0x3994_bd84)
    /// WebTransport: the stream's session is gone.
    public static let webTransportSessionGone = HTTP3ErrorCode(rawValue: 0x170d_7b68)

    public var description: String {
        let names: [UInt64: String] = [
            0x100: "H3_NO_ERROR", 0x101: "H3_GENERAL_PROTOCOL_ERROR", 0x102: "H3_INTERNAL_ERROR",
            0x103: "H3_STREAM_CREATION_ERROR", 0x104: "H3_CLOSED_CRITICAL_STREAM", 0x105: "H3_FRAME_UNEXPECTED",
            0x106: "H3_FRAME_ERROR", 0x107: "H3_EXCESSIVE_LOAD", 0x108: "H3_ID_ERROR", 0x109: "H3_SETTINGS_ERROR",
            0x10a: "H3_MISSING_SETTINGS", 0x10b: "H3_REQUEST_REJECTED", 0x10c: "H3_REQUEST_CANCELLED",
            0x10d: "H3_REQUEST_INCOMPLETE", 0x10e: "H3_MESSAGE_ERROR", 0x10f: "H3_CONNECT_ERROR",
            0x200: "QPACK_DECOMPRESSION_FAILED", 0x201: "QPACK_ENCODER_STREAM_ERROR", 0x202: "QPACK_DECODER_STREAM_ERROR",
            0x33: "H3_DATAGRAM_ERROR", 0x3994_bd84: "WT_BUFFERED_STREAM_REJECTED", 0x170d_7b68: "WT_SESSION_GONE",
        ]
        return names[rawValue] ?? "0x\(String(rawValue, radix: 16))"
    }

    /// The HTTP/3 code that carries WebTransport application error `code` on RESET_STREAM and
    /// STOP_SENDING (codes from 0x52e4a40fa8db on, skipping the reserved GREASE points).
    public static func webTransport(_ code: UInt32) -> HTTP3ErrorCode {
        let n = UInt64(code)
        return HTTP3ErrorCode(rawValue: webTransportFirst + n + n / 0x1e)
    }

    /// The WebTransport application error code inside this HTTP/3 code, if it is one.
    public var webTransportCode: UInt32? {
        guard rawValue >= Self.webTransportFirst, rawValue <= Self.webTransportLast else { return nil }
        let shifted = rawValue - Self.webTransportFirst
        guard shifted % 0x1f != 0x1e else { return nil }
        return UInt32(shifted - shifted / 0x1f)
    }

    static let webTransportFirst: UInt64 = 0x52e4_a40f_a8db
    static let webTransportLast: UInt64 = 0x52e5_ac98_3162
}

/// A protocol error: the code to close the connection (or reset the stream) with, and why.
public struct HTTP3Error: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: HTTP3ErrorCode
    public var reason: String
    public init(_ code: HTTP3ErrorCode, _ reason: String) {
        self.code = code
        self.reason = reason
    }
    public var description: String { "\(code): \(reason)" }
}
