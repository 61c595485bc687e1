/// A CONNECTION_CLOSE frame (RFC 9000 §19.19), transport (0x1c) or application (0x1d).
public struct ConnectionCloseFrame: Equatable, Sendable {
    /// True for type 0x1d (application error code, no frame type).
    public var isApplication: Bool
    /// The transport or application error code.
    public var errorCode: UInt64
    /// The frame type that caused the error (transport closes only; 0 when unknown).
    public var frameType: UInt64
    /// The reason phrase (UTF-8 by convention, not validated).
    public var reason: [UInt8]

    public init(isApplication: Bool, errorCode: UInt64, frameType: UInt64 = 0, reason: [UInt8] = []) {
        self.isApplication = isApplication
        self.errorCode = errorCode
        self.frameType = frameType
        self.reason = reason
    }
}
