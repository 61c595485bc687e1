/// Where user space stands in one subscriber's sent log (sans I/O: the log is read through a lookup
/// closure, time is passed in).
///
/// Kernel and user space take packet numbers from one counter. The reader walks every number from its
/// cursor to the counter: a number user space took itself (`userTook`) is skipped, a number whose
/// entry the kernel wrote is returned, and a number whose entry is not written yet stays pending — the
/// kernel may be writing it at this moment — and is looked for again at every later read, until
/// `pendingLimit` has passed (the kernel reported that copy on the ring buffer instead, or could not
/// report it and left the number unused). `logRead` is what the kernel may reuse: every number below
/// it was read or given up, so the kernel never overwrites an entry that is still to be read.
public struct SentLogCursor: Sendable {
    /// The next number to look at.
    public private(set) var cursor: UInt64
    /// Numbers user space took, ascending, from `userHead` on not yet passed by the cursor.
    private var user: [UInt64] = []
    private var userHead = 0
    /// Numbers passed whose entry was not written, with when they were first looked for.
    public private(set) var pending: [(packetNumber: UInt64, since: UInt64)] = []

    /// A cursor at `start` (the connection's next packet number when it joined the fast path).
    public init(start: UInt64) { cursor = start }

    /// User space took `packetNumber` (numbers come from an atomic counter: ascending).
    public mutating func userTook(_ packetNumber: UInt64) { user.append(packetNumber) }

    /// The first number the kernel may not overwrite yet.
    public var logRead: UInt64 {
        var read = cursor
        for p in pending where p.packetNumber < read { read = p.packetNumber }
        return read
    }

    /// Reads every number below `end` (the counter's current value) and those still pending, at time
    /// `now`. `lookup(n)` returns the entry written for number `n`, or nil. Returns the entries found (a
    /// pending number's late entry first) and how many pending numbers were given up.
    public mutating func read<Entry>(upTo end: UInt64, now: UInt64, pendingLimit: UInt64,
                                     lookup: (UInt64) -> Entry?) -> (entries: [Entry], givenUp: Int) {
        var entries: [Entry] = []
        var givenUp = 0
        if !pending.isEmpty {
            pending.removeAll { p in
                if let e = lookup(p.packetNumber) {
                    entries.append(e)
                    return true
                }
                if now &- p.since > pendingLimit {
                    givenUp += 1
                    return true
                }
                return false
            }
        }
        var pn = cursor
        while pn < end {
            while userHead < user.count, user[userHead] < pn { userHead += 1 }
            if userHead < user.count, user[userHead] == pn {
                userHead += 1
            } else if let e = lookup(pn) {
                entries.append(e)
            } else {
                pending.append((pn, now))
            }
            pn += 1
        }
        cursor = max(cursor, pn)
        if userHead == user.count || userHead >= 64 {
            user.removeFirst(userHead)
            userHead = 0
        }
        return (entries, givenUp)
    }
}
