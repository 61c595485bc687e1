/// What a remuxer wrote and what it had to leave out.
public struct MuxReport: Equatable, Sendable, Codable {
    /// Frames written to the output.
    public var framesWritten = 0
    /// Payload bytes written.
    public var bytesWritten = 0
    /// Groups from which at least one frame was written.
    public var groupsWritten = 0
    /// Every frame that was not written, in the order the remuxer gave up on it.
    public var skipped: [SkippedFrame] = []
    /// Groups of which no object arrived at all, between the first and the last group seen.
    public var missingGroups: [UInt64] = []

    /// An empty report.
    public init() {}

    /// Skipped frames by reason.
    public func skippedCount(_ reason: SkippedFrame.Reason) -> Int {
        skipped.filter { $0.reason == reason }.count
    }

    /// A human-readable summary: one line of totals, then one line per skipped frame.
    public var text: String {
        var lines = ["written \(framesWritten) frames (\(bytesWritten) bytes) in \(groupsWritten) groups; "
                     + "skipped \(skipped.count) frames; \(missingGroups.count) groups missing"]
        if !missingGroups.isEmpty { lines.append("missing groups: " + missingGroups.map(String.init).joined(separator: ", ")) }
        lines += skipped.map { "skipped \($0)" }
        return lines.joined(separator: "\n")
    }
}
