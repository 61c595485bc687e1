/// The receiving side of a stream (RFC 9000 §3.2) with its flow-control window.
package final class ReceiveStream {
    package let id: UInt64
    package var buffer = ReassemblyBuffer()
    package var finalSize: UInt64?
    /// The limit we advertised (MAX_STREAM_DATA).
    package var maxStreamData: UInt64
    /// Current window size; grows when the reader keeps up (auto-tuning).
    package var window: UInt64
    package var maxStreamDataPending = false
    package var lastWindowUpdate: QUICTime?
    /// RESET_STREAM received: (error code, final size).
    package var reset: (errorCode: UInt64, finalSize: UInt64)?
    /// STOP_SENDING requested by the application.
    package var stopSendingCode: UInt64?
    package var stopSendingPending = false
    /// The application got everything including the FIN (or the reset).
    package var isDone = false
    /// A `.streamReadable` event is outstanding.
    package var readableSignaled = false
    package var finishedSignaled = false

    package init(id: UInt64, window: UInt64) {
        self.id = id
        self.maxStreamData = window
        self.window = window
    }

    /// True when all data up to the final size is received.
    package var allDataReceived: Bool { finalSize.map { buffer.contiguousEnd == $0 } ?? false }
}
