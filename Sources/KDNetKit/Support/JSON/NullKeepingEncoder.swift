import Foundation

/// An encoder that writes an absent optional as `null` where Swift's synthesized `Encodable`
/// (which calls `encodeIfPresent`) would leave its key out. `JSONOutput` encodes through it,
/// so every `--json` document keeps all its keys whatever is known, and no type needs a
/// hand-written `encode(to:)` only to say null.
struct NullKeepingEncoder: Encoder {
    let base: any Encoder
    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Keyed(base: base.container(keyedBy: type)))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { Unkeyed(base: base.unkeyedContainer()) }
    func singleValueContainer() -> any SingleValueEncodingContainer { Single(base: base.singleValueContainer()) }

    /// What to hand the underlying encoder for `value`: the value behind this encoder, except
    /// for the values `JSONEncoder` writes its own way (a `[String: …]` keeps its keys as they
    /// are instead of snake-casing them; Date, Data, URL and Decimal follow its strategies).
    static func wrap<T: Encodable>(_ value: T) -> any Encodable {
        if let dictionary = value as? any StringKeyedEncodable { return dictionary.keepingNulls }
        if value is Date || value is Data || value is URL || value is Decimal { return value }
        return NullKeeping(value: value)
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        var base: KeyedEncodingContainer<Key>
        var codingPath: [any CodingKey] { base.codingPath }

        mutating func encodeNil(forKey key: Key) throws { try base.encodeNil(forKey: key) }
        mutating func encode(_ v: Bool, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode(_ v: String, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode(_ v: Double, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode(_ v: Float, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode(_ v: Int, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode(_ v: Int8, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode(_ v: Int16, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode(_ v: Int32, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode(_ v: Int64, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode(_ v: UInt, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode(_ v: UInt8, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode(_ v: UInt16, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode(_ v: UInt32, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode(_ v: UInt64, forKey key: Key) throws { try base.encode(v, forKey: key) }
        mutating func encode<T: Encodable>(_ v: T, forKey key: Key) throws { try base.encode(NullKeepingEncoder.wrap(v), forKey: key) }

        // The point of this encoder: an absent value keeps its key, as null.
        mutating func encodeIfPresent(_ v: Bool?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent(_ v: String?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent(_ v: Double?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent(_ v: Float?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent(_ v: Int?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent(_ v: Int8?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent(_ v: Int16?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent(_ v: Int32?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent(_ v: Int64?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent(_ v: UInt?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent(_ v: UInt8?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent(_ v: UInt16?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent(_ v: UInt32?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent(_ v: UInt64?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent<T: Encodable>(_ v: T?, forKey key: Key) throws { if let v { try encode(v, forKey: key) } else { try encodeNil(forKey: key) } }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Keyed<NestedKey>(base: base.nestedContainer(keyedBy: type, forKey: key)))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            Unkeyed(base: base.nestedUnkeyedContainer(forKey: key))
        }
        mutating func superEncoder() -> any Encoder { NullKeepingEncoder(base: base.superEncoder()) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { NullKeepingEncoder(base: base.superEncoder(forKey: key)) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        var base: any UnkeyedEncodingContainer
        var codingPath: [any CodingKey] { base.codingPath }
        var count: Int { base.count }

        mutating func encodeNil() throws { try base.encodeNil() }
        mutating func encode(_ v: Bool) throws { try base.encode(v) }
        mutating func encode(_ v: String) throws { try base.encode(v) }
        mutating func encode(_ v: Double) throws { try base.encode(v) }
        mutating func encode(_ v: Float) throws { try base.encode(v) }
        mutating func encode(_ v: Int) throws { try base.encode(v) }
        mutating func encode(_ v: Int8) throws { try base.encode(v) }
        mutating func encode(_ v: Int16) throws { try base.encode(v) }
        mutating func encode(_ v: Int32) throws { try base.encode(v) }
        mutating func encode(_ v: Int64) throws { try base.encode(v) }
        mutating func encode(_ v: UInt) throws { try base.encode(v) }
        mutating func encode(_ v: UInt8) throws { try base.encode(v) }
        mutating func encode(_ v: UInt16) throws { try base.encode(v) }
        mutating func encode(_ v: UInt32) throws { try base.encode(v) }
        mutating func encode(_ v: UInt64) throws { try base.encode(v) }
        mutating func encode<T: Encodable>(_ v: T) throws { try base.encode(NullKeepingEncoder.wrap(v)) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Keyed<NestedKey>(base: base.nestedContainer(keyedBy: type)))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { Unkeyed(base: base.nestedUnkeyedContainer()) }
        mutating func superEncoder() -> any Encoder { NullKeepingEncoder(base: base.superEncoder()) }
    }

    struct Single: SingleValueEncodingContainer {
        var base: any SingleValueEncodingContainer
        var codingPath: [any CodingKey] { base.codingPath }

        mutating func encodeNil() throws { try base.encodeNil() }
        mutating func encode(_ v: Bool) throws { try base.encode(v) }
        mutating func encode(_ v: String) throws { try base.encode(v) }
        mutating func encode(_ v: Double) throws { try base.encode(v) }
        mutating func encode(_ v: Float) throws { try base.encode(v) }
        mutating func encode(_ v: Int) throws { try base.encode(v) }
        mutating func encode(_ v: Int8) throws { try base.encode(v) }
        mutating func encode(_ v: Int16) throws { try base.encode(v) }
        mutating func encode(_ v: Int32) throws { try base.encode(v) }
        mutating func encode(_ v: Int64) throws { try base.encode(v) }
        mutating func encode(_ v: UInt) throws { try base.encode(v) }
        mutating func encode(_ v: UInt8) throws { try base.encode(v) }
        mutating func encode(_ v: UInt16) throws { try base.encode(v) }
        mutating func encode(_ v: UInt32) throws { try base.encode(v) }
        mutating func encode(_ v: UInt64) throws { try base.encode(v) }
        mutating func encode<T: Encodable>(_ v: T) throws { try base.encode(NullKeepingEncoder.wrap(v)) }
    }
}

/// A value encoded through `NullKeepingEncoder`.
struct NullKeeping<Value: Encodable>: Encodable {
    let value: Value
    func encode(to encoder: any Encoder) throws { try value.encode(to: NullKeepingEncoder(base: encoder)) }
}

/// A `[String: …]`: handed to `JSONEncoder` as a dictionary again (so its keys are not
/// snake-cased), with each value behind `NullKeepingEncoder`.
protocol StringKeyedEncodable {
    var keepingNulls: any Encodable { get }
}

extension Dictionary: StringKeyedEncodable where Key == String, Value: Encodable {
    var keepingNulls: any Encodable { mapValues { NullKeeping(value: $0) } }
}
