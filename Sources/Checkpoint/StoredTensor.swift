/// The element types stored tensors use in .pt, safetensors and .npy files.
public enum StoredDType: String, Sendable, Equatable, CaseIterable {
    case float16, float32, float64, int64, int32, uint8, bool

    public var byteCount: Int {
        switch self {
        case .float16: return 2
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .uint8, .bool: return 1
        }
    }
}

/// A tensor as read from (or written to) a file: element type, shape and little-endian bytes,
/// contiguous in row-major order.
public struct StoredTensor: Sendable, Equatable {
    public var dtype: StoredDType
    public var shape: [Int]
    public var bytes: [UInt8]

    public init(dtype: StoredDType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A float32 tensor from values.
    public init(shape: [Int], floats: [Float]) {
        self.dtype = .float32
        self.shape = shape
        self.bytes = floats.withUnsafeBytes { Array($0) }
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// The values converted to Float (float16 subnormals included; int64 and uint8 exactly while they fit).
    public func floats() -> [Float] {
        let count = elementCount
        return bytes.withUnsafeBytes { raw -> [Float] in
            switch dtype {
            case .float32:
                return (0..<count).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self).littleEndian) }
            case .float16:
                return (0..<count).map { floatFromHalf(raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self).littleEndian) }
            case .float64:
                return (0..<count).map { Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self).littleEndian)) }
            case .int64:
                return (0..<count).map { Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
            case .int32:
                return (0..<count).map { Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
            case .uint8, .bool:
                return (0..<count).map { Float(raw[$0]) }
            }
        }
    }

    /// The values as integers (for int64/int32/uint8/bool tensors; floats are truncated).
    public func integers() -> [Int] {
        let count = elementCount
        return bytes.withUnsafeBytes { raw -> [Int] in
            switch dtype {
            case .int64: return (0..<count).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
            case .int32: return (0..<count).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
            case .uint8, .bool: return (0..<count).map { Int(raw[$0]) }
            default: return floats().map { Int($0) }
            }
        }
    }
}

/// IEEE 754 half → single, exact for every value including subnormals, infinities and NaN.
public func floatFromHalf(_ half: UInt16) -> Float {
    let sign = UInt32(half & 0x8000) << 16
    let exponent = Int((half >> 10) & 0x1F)
    let mantissa = UInt32(half & 0x3FF)
    if exponent == 0 {
        // zero or subnormal: mantissa · 2^-24, exactly representable in float32
        let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -magnitude : magnitude
    }
    if exponent == 31 {
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
}
