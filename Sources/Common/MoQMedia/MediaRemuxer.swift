import Media

/// Puts received objects back into decode order and writes every frame that can be decoded,
/// tolerating missing objects: a gap never corrupts the output.
///
/// Objects may arrive in any order (several subgroup streams per group). Within the group being
/// written, objects are written as soon as all earlier objects are present or given up on. A frame
/// is written only if everything it depends on was written: its `referenceDistance` names the
/// latest earlier reference frame it needs, whose own dependencies were checked when it was written.
/// So a missing P frame skips the rest of its chain until the next keyframe, while a missing
/// non-reference B frame skips nothing else. Every skipped frame is recorded in `report`.
///
/// A group is given up on (its holes become "not received") when an object arrives for a group
/// `maxPendingGroups` or more beyond it, when `endGroup` says how many objects it had, or at `finish`.
public final class MediaRemuxer {
    /// What was written and skipped so far.
    public private(set) var report = MuxReport()
    /// The group and PTS of the first frame written, once one was.
    public private(set) var firstWritten: (group: UInt64, pts: Int64)?
    /// How far ahead objects may arrive before the current group is given up on.
    public let maxPendingGroups: UInt64

    private let sink: FrameSink
    private var current: GroupState?
    private var pending: [UInt64: GroupState] = [:]
    private var highestClosedGroup: UInt64?
    private var lastDTS: Int64?

    private struct GroupState {
        let groupID: UInt64
        var objects: [UInt64: MediaObject] = [:]
        var nextObjectID: UInt64 = 0
        var endObjectID: UInt64?      // one past the last object, when known
        var written: Set<UInt64> = []
        var wroteAny = false
        var highestReceived: UInt64? { objects.keys.max() }
    }

    /// A remuxer writing to `sink`.
    public init(sink: FrameSink, maxPendingGroups: UInt64 = 2) {
        self.sink = sink
        self.maxPendingGroups = max(1, maxPendingGroups)
    }

    /// Takes one received object.
    public func receive(_ object: MediaObject) {
        let group = object.groupID
        if let highestClosedGroup, group <= highestClosedGroup {
            report.skipped.append(SkippedFrame(groupID: group, objectID: object.objectID, reason: .late))
            return
        }
        if current == nil { open(group) }
        guard var state = current else { return }
        if group < state.groupID {
            // An older group than the one being written: too late to interleave it.
            report.skipped.append(SkippedFrame(groupID: group, objectID: object.objectID, reason: .late))
            return
        }
        if group == state.groupID {
            if object.objectID < state.nextObjectID {
                report.skipped.append(SkippedFrame(groupID: group, objectID: object.objectID, reason: .late))
                return
            }
            state.objects[object.objectID] = object
            current = state
            drain()
            return
        }
        pending[group, default: GroupState(groupID: group)].objects[object.objectID] = object
        while let state = current, let newest = pending.keys.max(), newest >= state.groupID + maxPendingGroups {
            closeCurrent()
        }
    }

    /// Declares that group `groupID` had `objectCount` objects (from an END_OF_GROUP status): the
    /// group is complete as soon as objects 0..<objectCount are in, and if some never come, the
    /// report names every one of them (a lost tail would otherwise be invisible).
    public func endGroup(_ groupID: UInt64, objectCount: UInt64) {
        if current?.groupID == groupID {
            current?.endObjectID = objectCount
            drain()
        } else if pending[groupID] != nil {
            pending[groupID]?.endObjectID = objectCount
        } else if highestClosedGroup.map({ groupID > $0 }) ?? true, current.map({ groupID > $0.groupID }) ?? true {
            var state = GroupState(groupID: groupID)
            state.endObjectID = objectCount
            pending[groupID] = state
        }
    }

    /// Gives up on the missing objects of group `groupID` now (e.g. when all of its subgroup
    /// streams have ended or been reset), writing what can still be written.
    public func closeGroup(_ groupID: UInt64) {
        if current?.groupID == groupID {
            closeCurrent()
        } else if let state = current, groupID > state.groupID {
            // A later group cannot be written before the earlier ones: close those first.
            while let state = current, state.groupID <= groupID { closeCurrent() }
        }
    }

    /// Gives up on every missing object and writes whatever can still be written.
    /// Call once, after the last object.
    public func finish() {
        while current != nil { closeCurrent() }
    }

    // MARK: - Internals

    private func open(_ groupID: UInt64) {
        if let previous = highestClosedGroup, groupID > previous + 1 {
            report.missingGroups += Array(previous + 1..<groupID)
        }
        current = pending.removeValue(forKey: groupID) ?? GroupState(groupID: groupID)
        drain()
    }

    /// Writes or skips objects of the current group while the next one is present.
    private func drain() {
        guard var state = current else { return }
        while let object = state.objects[state.nextObjectID] {
            decide(object, in: &state)
            state.objects[state.nextObjectID] = nil
            state.nextObjectID += 1
        }
        let complete = state.endObjectID.map { state.nextObjectID >= $0 } ?? false
        current = state
        if complete { closeCurrent() }
    }

    /// Gives up on the current group's holes, then moves to the next pending group.
    private func closeCurrent() {
        guard var state = current else { return }
        let end = max(state.endObjectID ?? 0, (state.highestReceived ?? 0) + (state.objects.isEmpty ? 0 : 1))
        while state.nextObjectID < end {
            if let object = state.objects[state.nextObjectID] {
                decide(object, in: &state)
            } else {
                report.skipped.append(SkippedFrame(groupID: state.groupID, objectID: state.nextObjectID, reason: .notReceived))
            }
            state.objects[state.nextObjectID] = nil
            state.nextObjectID += 1
        }
        if state.wroteAny { report.groupsWritten += 1 }
        highestClosedGroup = state.groupID
        current = nil
        if let next = pending.keys.min() { open(next) }
    }

    private func decide(_ object: MediaObject, in state: inout GroupState) {
        let frame = object.frame
        let objectID = object.objectID
        if frame.referenceDistance > 0 {
            guard frame.referenceDistance <= objectID else {
                skip(object, .dependsOnMissing, dependsOn: nil)
                return
            }
            let needed = objectID - frame.referenceDistance
            guard state.written.contains(needed) else {
                skip(object, .dependsOnMissing, dependsOn: needed)
                return
            }
        }
        if let lastDTS, frame.dtsMicroseconds <= lastDTS {
            skip(object, .timestampNotIncreasing, dependsOn: nil)
            return
        }
        do {
            try sink.write(frame.encodedFrame)
        } catch {
            skip(object, .rejectedByMuxer, dependsOn: nil)
            return
        }
        lastDTS = frame.dtsMicroseconds
        if firstWritten == nil { firstWritten = (object.groupID, frame.ptsMicroseconds) }
        state.written.insert(objectID)
        state.wroteAny = true
        report.framesWritten += 1
        report.bytesWritten += frame.payload.count
    }

    private func skip(_ object: MediaObject, _ reason: SkippedFrame.Reason, dependsOn: UInt64?) {
        report.skipped.append(SkippedFrame(groupID: object.groupID, objectID: object.objectID,
                                           reason: reason, dependsOnObjectID: dependsOn))
    }
}
