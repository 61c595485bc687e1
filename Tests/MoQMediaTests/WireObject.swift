import MoQMedia
import MoQT
import Wire

/// An object as the network would carry it: IDs and priority in the MoQT header, then the
/// LOC properties block and the payload as bytes. Tests push every object through this form.
struct WireObject {
    let groupID: UInt64
    let objectID: UInt64
    let priority: UInt8
    let bytes: [UInt8]
    /// Set on a group's last object: the group's object count, as an END_OF_GROUP status tells it.
    var endOfGroup: UInt64?

    init(_ object: MediaObject) {
        groupID = object.groupID
        objectID = object.objectID
        priority = object.publisherPriority
        bytes = object.frame.serialized()
    }

    /// The properties block and the payload, parsed from the bytes as a subgroup stream parser would.
    func propertiesAndPayload() throws -> (ObjectProperties, [UInt8]) {
        var reader = ByteReader(bytes)
        let properties = try ObjectProperties.decode(from: &reader)
        return (properties, reader.readRest())
    }
}
