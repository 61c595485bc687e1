/// One subgroup stream of a track: its group and subgroup IDs.
struct RelaySubgroupKey: Hashable {
    var group: UInt64
    var subgroup: UInt64
}
