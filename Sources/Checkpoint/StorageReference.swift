/// A torch storage named by a pickle persistent id `('storage', <torch XStorage>, key, location, numel)`:
/// the element type, the record key (`<prefix>/data/<key>` in the ZIP) and its raw bytes.
public struct StorageReference: Sendable, Equatable {
    public var dtype: StoredDType
    public var key: String
    /// Where the storage lived when saved (`cpu`, `cuda:0`); the bytes are the same either way.
    public var location: String
    public var elementCount: Int
    /// The record's bytes, a slice of the checkpoint file (no copy), at least `elementCount × itemsize` long.
    public var bytes: ArraySlice<UInt8>

    public init(dtype: StoredDType, key: String, location: String, elementCount: Int, bytes: ArraySlice<UInt8>) {
        self.dtype = dtype
        self.key = key
        self.location = location
        self.elementCount = elementCount
        self.bytes = bytes
    }

    /// The element type of a `torch.<Name>Storage` class, or nil when torch has no such storage.
    /// Types we cannot represent throw, so a checkpoint using them fails loudly rather than loading garbage.
    static func dtype(ofStorageClass name: String, source: String) throws -> StoredDType {
        switch name {
        case "HalfStorage": return .float16
        case "FloatStorage": return .float32
        case "DoubleStorage": return .float64
        case "LongStorage": return .int64
        case "IntStorage": return .int32
        case "ByteStorage": return .uint8
        case "BoolStorage": return .bool
        case "BFloat16Storage", "ShortStorage", "CharStorage", "ComplexFloatStorage", "ComplexDoubleStorage",
             "QInt8Storage", "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage":
            throw CheckpointError("unsupported storage type torch.\(name) (supported: Half, Float, Double, Long, "
                + "Int, Byte and Bool storages)", file: source)
        default:
            throw CheckpointError("unknown storage type '\(name)' in a persistent id", file: source)
        }
    }
}
