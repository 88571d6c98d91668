/// A cursor over bytes read from a file. Every read is bounds-checked and reports a
/// `CheckpointError` naming the file, the offset and what was being read, so malformed or
/// truncated input can never trap.
struct ByteReader {
    let bytes: ArraySlice<UInt8>
    /// Names the file (and record) in error messages.
    let source: String
    /// Absolute index into `bytes` (slices keep the indices of their base array).
    private(set) var position: Int

    init(_ bytes: ArraySlice<UInt8>, source: String) {
        self.bytes = bytes
        self.source = source
        self.position = bytes.startIndex
    }

    init(_ bytes: [UInt8], source: String) {
        self.init(bytes[...], source: source)
    }

    /// The position relative to the start of the slice, as a user would count it in the record.
    var offset: Int { position - bytes.startIndex }
    var remaining: Int { bytes.endIndex - position }
    var isAtEnd: Bool { position >= bytes.endIndex }

    func error(_ message: String) -> CheckpointError {
        CheckpointError(message, file: source)
    }

    /// Moves to `offset` (relative to the start of the slice).
    mutating func seek(to offset: Int, _ what: StaticString) throws {
        guard offset >= 0, offset <= bytes.count else {
            throw error("\(what) at offset \(offset) lies outside the \(bytes.count)-byte data")
        }
        position = bytes.startIndex + offset
    }

    private func require(_ count: Int, _ what: StaticString) throws {
        guard count >= 0, remaining >= count else {
            throw error("unexpected end of data at byte offset \(offset) while reading \(what) "
                + "(needs \(count) bytes, \(max(remaining, 0)) left)")
        }
    }

    mutating func readUInt8(_ what: StaticString) throws -> UInt8 {
        try require(1, what)
        defer { position += 1 }
        return bytes[position]
    }

    /// An unsigned little-endian integer of `width` bytes (≤ 8).
    private mutating func readLittleEndian(_ width: Int, _ what: StaticString) throws -> UInt64 {
        try require(width, what)
        var value: UInt64 = 0
        for index in 0..<width {
            value |= UInt64(bytes[position + index]) << (8 * UInt64(index))
        }
        position += width
        return value
    }

    mutating func readUInt16(_ what: StaticString) throws -> UInt16 {
        UInt16(try readLittleEndian(2, what))
    }

    mutating func readUInt32(_ what: StaticString) throws -> UInt32 {
        UInt32(try readLittleEndian(4, what))
    }

    mutating func readInt32(_ what: StaticString) throws -> Int32 {
        Int32(bitPattern: try readUInt32(what))
    }

    mutating func readUInt64(_ what: StaticString) throws -> UInt64 {
        try readLittleEndian(8, what)
    }

    /// A big-endian IEEE double (pickle's BINFLOAT is the one big-endian field we read).
    mutating func readBigEndianDouble(_ what: StaticString) throws -> Double {
        try require(8, what)
        var bits: UInt64 = 0
        for index in 0..<8 {
            bits = bits << 8 | UInt64(bytes[position + index])
        }
        position += 8
        return Double(bitPattern: bits)
    }

    /// `count` bytes as a slice of the underlying buffer (no copy).
    mutating func readBytes(_ count: Int, _ what: StaticString) throws -> ArraySlice<UInt8> {
        try require(count, what)
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    /// The bytes up to the next `\n` (which is consumed but not returned).
    mutating func readLine(_ what: StaticString) throws -> ArraySlice<UInt8> {
        guard let newline = bytes[position...].firstIndex(of: 0x0A) else {
            throw error("unexpected end of data at byte offset \(offset) while reading \(what) (no line end)")
        }
        defer { position = newline + 1 }
        return bytes[position..<newline]
    }

    /// A length read from the file as an `Int`, rejecting values that cannot be a length
    /// (negative or too large for the data that is left).
    func checkedLength(_ value: UInt64, _ what: StaticString) throws -> Int {
        guard value <= UInt64(remaining) else {
            throw error("\(what) of \(value) bytes at byte offset \(offset) runs past the end of the data "
                + "(\(remaining) bytes left)")
        }
        return Int(value)
    }
}
