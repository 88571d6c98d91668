/// Walks the chunks of a PNG byte stream (after the 8-byte signature) without checking CRCs:
/// it only locates metadata; libpng validates the image itself. Stops at the first chunk
/// that would run past the end of the data.
struct PNGChunks: Sequence, IteratorProtocol {
    struct Chunk {
        var type: String
        /// The whole chunk: length, type, data and CRC.
        var whole: Range<Int>
        /// Just the data.
        var data: Range<Int>
    }

    private let bytes: [UInt8]
    private var position = 8

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func next() -> Chunk? {
        guard position + 12 <= bytes.count else { return nil }
        let length = Int(bytes[position]) << 24 | Int(bytes[position + 1]) << 16
            | Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
        let dataStart = position + 8
        guard length <= bytes.count - dataStart - 4 else { return nil }
        let type = String(decoding: bytes[(position + 4)..<dataStart], as: UTF8.self)
        let chunk = Chunk(type: type, whole: position..<(dataStart + length + 4), data: dataStart..<(dataStart + length))
        position = chunk.whole.upperBound
        return chunk
    }
}
