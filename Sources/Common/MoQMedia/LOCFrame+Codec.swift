import MoQT
import Wire
import Media

extension LOCFrame {
    /// The object properties of this frame (LOC TIMESTAMP and this project's private types).
    public var properties: ObjectProperties {
        let classBits: UInt64
        switch frameClass {
        case .i: classBits = 0
        case .p: classBits = 1
        case .b: classBits = 2
        }
        return ObjectProperties([
            KeyValuePair(type: LOCPropertyType.timestamp, integer: captureTimestampMicroseconds),
            KeyValuePair(type: LOCPropertyType.pts, integer: LOCPropertyType.zigzag(ptsMicroseconds)),
            KeyValuePair(type: LOCPropertyType.dts, integer: LOCPropertyType.zigzag(dtsMicroseconds)),
            KeyValuePair(type: LOCPropertyType.duration, integer: durationMicroseconds),
            KeyValuePair(type: LOCPropertyType.frameInfo, integer: classBits | (isKeyframe ? 4 : 0)),
            KeyValuePair(type: LOCPropertyType.referenceDistance, integer: referenceDistance),
        ])
    }

    /// A frame from an object's properties and payload, as a subscriber receives them.
    /// Unknown property types are ignored (other publishers may add their own).
    /// - Throws: `LOCError` for missing, repeated or inconsistent properties, or an empty payload.
    public init(properties: ObjectProperties, payload: [UInt8]) throws(LOCError) {
        var values: [UInt64: UInt64] = [:]
        let known = Set(LOCPropertyType.required)
        for pair in properties.pairs where known.contains(pair.type) {
            // Every type of ours is even, so the Key-Value-Pair codec has already made it an integer.
            guard let value = pair.integerValue else { continue }
            guard values.updateValue(value, forKey: pair.type) == nil else { throw .duplicateProperty(pair.type) }
        }
        func value(_ type: UInt64) throws(LOCError) -> UInt64 {
            guard let value = values[type] else { throw .missingProperty(type) }
            return value
        }
        let info = try value(LOCPropertyType.frameInfo)
        guard info & ~0x7 == 0 else { throw .invalidFrameInfo(info) }
        let frameClass: VideoFrameClass
        switch info & 0x3 {
        case 0: frameClass = .i
        case 1: frameClass = .p
        case 2: frameClass = .b
        default: throw .invalidFrameInfo(info)
        }
        let isKeyframe = info & 0x4 != 0
        let distance = try value(LOCPropertyType.referenceDistance)
        if isKeyframe {
            guard frameClass == .i else { throw .keyframeNotIntra }
            guard distance == 0 else { throw .keyframeWithDependency }
        }
        let pts = LOCPropertyType.unzigzag(try value(LOCPropertyType.pts))
        let dts = LOCPropertyType.unzigzag(try value(LOCPropertyType.dts))
        guard pts >= dts else { throw .presentationBeforeDecode }
        guard !payload.isEmpty else { throw .emptyPayload }
        self.init(captureTimestampMicroseconds: try value(LOCPropertyType.timestamp), ptsMicroseconds: pts,
                  dtsMicroseconds: dts, durationMicroseconds: try value(LOCPropertyType.duration),
                  frameClass: frameClass, isKeyframe: isKeyframe, referenceDistance: distance, payload: payload)
    }

    /// The frame as one byte string: the Object Properties block (vi64 length, then Key-Value-Pairs,
    /// exactly as in a MoQT object header) followed by the payload to the end.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: payload.count + 48)
        properties.encode(into: &writer)
        writer.writeBytes(payload)
        return writer.bytes
    }

    /// Decodes `serialized()` output.
    /// - Throws: `LOCError.truncated` when the properties block runs past the end,
    ///   `.malformedProperties` when it is not a valid Key-Value-Pair list, or any error of
    ///   `init(properties:payload:)`.
    public init(serialized bytes: [UInt8]) throws(LOCError) {
        var reader = ByteReader(bytes)
        let properties: ObjectProperties
        do {
            properties = try ObjectProperties.decode(from: &reader)
        } catch DecodeError.needMoreData {
            throw .truncated
        } catch let error as MoQTError {
            throw .malformedProperties(error.reason)
        } catch {
            throw .malformedProperties("\(error)")
        }
        try self.init(properties: properties, payload: reader.readRest())
    }
}
