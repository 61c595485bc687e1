/// Where the bytes of external send streams come from (the relay's copy of what the kernel fast
/// path sends): the connection pulls ranges from it to retransmit lost data and to send ranges the
/// kernel did not send (`Connection.sendExternalStreamData`).
package protocol StreamDataSource: AnyObject {
    /// The bytes [offset, offset+length) of stream `streamID`, or nil when no longer available
    /// (the connection then resets the stream with `Connection.unavailableResetCode`). Anything but
    /// exactly `length` bytes counts as unavailable.
    func streamData(streamID: UInt64, offset: UInt64, length: Int) -> [UInt8]?
}
