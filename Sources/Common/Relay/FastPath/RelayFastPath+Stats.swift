import FastPath

extension RelayFastPath {
    /// Adds the fast path's share to the relay's `--stats`: `packets_fast_path` (copies the kernel
    /// forwarded), `packets_fast_path_encrypted` (those of them the kernel sealed), `dropped_by_priority` (subscriber streams the kernel dropped, by priority or because
    /// the budget ran out: one per dropped stream, like the user-space queue's drops, minus those of the
    /// most important priority that user space took over), and every kernel
    /// counter under `fast_path`; `packets_user_space` (for fast-path subscribers, the media packets
    /// user space sent them: STREAM frames built from the relay's copy; the relay counts every packet
    /// of the other subscribers); `retransmitted_fast_path` (STREAM frames user space re-sent that
    /// carried bytes the kernel had sent: losses of fast-path packets).
    public func contribute(to stats: inout RelayStats) {
        guard let c = counters() else { return }
        stats.packetsFastPath += Int(clamping: c.forwarded)
        stats.packetsFastPathEncrypted += Int(clamping: c.sealed)
        var named = c.byName
        let plane = planCounters()
        // Kernel drops of the most important streams are taken over by user space, not dropped.
        let kernelDrops = c.droppedByPriority &+ c.droppedByBudget
        stats.droppedByPriority += Int(clamping: kernelDrops - min(kernelDrops, plane["kernel_drops_taken_over"] ?? 0))
        for (key, value) in plane { named[key] = value }
        stats.fastPath = named
        stats.retransmittedFastPath += Int(clamping: plane["retransmitted"] ?? 0)
        stats.packetsUserSpace += Int(clamping: plane["user_space_media_packets_fast_path_subscribers"] ?? 0)
        stats.droppedByPriority += Int(clamping: plane["user_space_stream_resets"] ?? 0)
    }
}
