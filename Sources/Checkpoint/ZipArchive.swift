/// A read-only view of a ZIP archive held in memory, enough for `torch.save` files: the
/// central directory (classic or ZIP64), and the payload of each *stored* (uncompressed) entry.
///
/// Sizes always come from the central directory: torch writes data descriptors, so its local
/// headers carry zero sizes. The payload offset uses the *local* header's extra-field length,
/// which differs from the central one (torch pads payloads to 64 bytes through that field).
public struct ZipArchive: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        /// 0 = stored, 8 = deflate, ...
        public var method: UInt16
        public var compressedSize: Int
        public var uncompressedSize: Int
        public var localHeaderOffset: Int
        /// Where the payload starts in the file (after the local header, name and extra field).
        public var payloadOffset: Int
    }

    public let file: String
    public let bytes: [UInt8]
    /// Entries in central-directory order.
    public let entries: [Entry]
    private let indexByName: [String: Int]

    private static let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50
    private static let zip64EndOfCentralDirectorySignature: UInt32 = 0x0606_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let centralHeaderSignature: UInt32 = 0x0201_4B50
    private static let localHeaderSignature: UInt32 = 0x0403_4B50
    private static let classicRecordLength = 22
    private static let zip64LocatorLength = 20

    public init(path: String) throws {
        try self.init(bytes: try FileBytes.read(path: path), file: path)
    }

    public init(bytes: [UInt8], file: String) throws {
        self.file = file
        self.bytes = bytes
        var reader = ByteReader(bytes, source: file)
        let directory = try Self.readDirectoryLocation(&reader)
        let entries = try Self.readCentralDirectory(&reader, at: directory)
        self.entries = entries
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() where index[entry.name] == nil {
            index[entry.name] = position
        }
        indexByName = index
    }

    public func entry(named name: String) -> Entry? {
        indexByName[name].map { entries[$0] }
    }

    /// The payload of a stored entry, as a slice of `bytes` (no copy).
    public func contents(of entry: Entry) throws -> ArraySlice<UInt8> {
        guard entry.method == 0 else {
            let kind = entry.method == 8 ? "deflate-compressed" : "compressed (method \(entry.method))"
            throw CheckpointError("ZIP entry '\(entry.name)' is \(kind); only stored (uncompressed) entries are supported",
                                  file: file)
        }
        guard entry.compressedSize == entry.uncompressedSize else {
            throw CheckpointError("stored ZIP entry '\(entry.name)' has compressed size \(entry.compressedSize) "
                + "but uncompressed size \(entry.uncompressedSize)", file: file)
        }
        guard entry.payloadOffset <= bytes.count, entry.compressedSize <= bytes.count - entry.payloadOffset else {
            throw CheckpointError("ZIP entry '\(entry.name)' (\(entry.compressedSize) bytes at offset "
                + "\(entry.payloadOffset)) runs past the end of the \(bytes.count)-byte file (truncated?)", file: file)
        }
        return bytes[entry.payloadOffset..<(entry.payloadOffset + entry.compressedSize)]
    }

    public func contents(ofEntryNamed name: String) throws -> ArraySlice<UInt8> {
        guard let entry = entry(named: name) else {
            throw CheckpointError("the ZIP archive has no entry '\(name)'", file: file)
        }
        return try contents(of: entry)
    }

    // MARK: - End of central directory

    private struct DirectoryLocation {
        var entryCount: Int
        var offset: Int
        var size: Int
    }

    private static func readDirectoryLocation(_ reader: inout ByteReader) throws -> DirectoryLocation {
        let count = reader.bytes.count
        // The classic record is the last 22 bytes plus an optional comment of up to 65,535 bytes.
        guard count >= classicRecordLength else {
            throw reader.error("not a ZIP archive: \(count) bytes is too short for an end-of-central-directory record")
        }
        var recordOffset: Int?
        var candidate = count - classicRecordLength
        let lowest = max(0, count - classicRecordLength - 0xFFFF)
        let bytes = reader.bytes
        let base = bytes.startIndex
        while candidate >= lowest {
            // Compare the signature bytes in place: this loop may visit 64 K positions.
            if bytes[base + candidate] == 0x50, bytes[base + candidate + 1] == 0x4B,
               bytes[base + candidate + 2] == 0x05, bytes[base + candidate + 3] == 0x06 {
                try reader.seek(to: candidate + 20, "ZIP comment length")
                let commentLength = Int(try reader.readUInt16("ZIP comment length"))
                if candidate + classicRecordLength + commentLength <= count {
                    recordOffset = candidate
                    break
                }
            }
            candidate -= 1
        }
        guard let recordOffset else {
            throw reader.error("not a ZIP archive (no end-of-central-directory record; truncated or not a ZIP file)")
        }
        try reader.seek(to: recordOffset + 4, "end-of-central-directory record")
        let diskNumber = try reader.readUInt16("EOCD disk number")
        let directoryDisk = try reader.readUInt16("EOCD central-directory disk")
        _ = try reader.readUInt16("EOCD entries on this disk")
        let totalEntries = try reader.readUInt16("EOCD total entries")
        let directorySize = try reader.readUInt32("EOCD central-directory size")
        let directoryOffset = try reader.readUInt32("EOCD central-directory offset")
        if totalEntries == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            return try readZip64DirectoryLocation(&reader, classicRecordOffset: recordOffset)
        }
        guard diskNumber == 0, directoryDisk == 0 else {
            throw reader.error("multi-disk (spanned) ZIP archives are not supported")
        }
        return DirectoryLocation(entryCount: Int(totalEntries), offset: Int(directoryOffset), size: Int(directorySize))
    }

    private static func readZip64DirectoryLocation(_ reader: inout ByteReader, classicRecordOffset: Int) throws
        -> DirectoryLocation
    {
        let locatorOffset = classicRecordOffset - zip64LocatorLength
        guard locatorOffset >= 0 else {
            throw reader.error("the end-of-central-directory record needs ZIP64 but no ZIP64 locator precedes it")
        }
        try reader.seek(to: locatorOffset, "ZIP64 locator")
        guard try reader.readUInt32("ZIP64 locator signature") == zip64LocatorSignature else {
            throw reader.error("the end-of-central-directory record needs ZIP64 but no ZIP64 locator precedes it")
        }
        _ = try reader.readUInt32("ZIP64 locator disk")
        let recordOffset = try reader.readUInt64("ZIP64 end-of-central-directory offset")
        guard recordOffset < UInt64(reader.bytes.count) else {
            throw reader.error("ZIP64 end-of-central-directory offset \(recordOffset) is past the end of the file")
        }
        try reader.seek(to: Int(recordOffset), "ZIP64 end-of-central-directory record")
        guard try reader.readUInt32("ZIP64 end-of-central-directory signature") == zip64EndOfCentralDirectorySignature else {
            throw reader.error("no ZIP64 end-of-central-directory record at offset \(recordOffset)")
        }
        _ = try reader.readUInt64("ZIP64 record size")
        _ = try reader.readUInt16("ZIP64 version made by")
        _ = try reader.readUInt16("ZIP64 version needed")
        let diskNumber = try reader.readUInt32("ZIP64 disk number")
        let directoryDisk = try reader.readUInt32("ZIP64 central-directory disk")
        _ = try reader.readUInt64("ZIP64 entries on this disk")
        let totalEntries = try reader.readUInt64("ZIP64 total entries")
        let directorySize = try reader.readUInt64("ZIP64 central-directory size")
        let directoryOffset = try reader.readUInt64("ZIP64 central-directory offset")
        guard diskNumber == 0, directoryDisk == 0 else {
            throw reader.error("multi-disk (spanned) ZIP archives are not supported")
        }
        let fileSize = UInt64(reader.bytes.count)
        guard directoryOffset <= fileSize, directorySize <= fileSize - directoryOffset,
              totalEntries <= directorySize / 46 else {
            throw reader.error("ZIP64 central directory (\(totalEntries) entries, \(directorySize) bytes at offset "
                + "\(directoryOffset)) does not fit in the \(fileSize)-byte file")
        }
        return DirectoryLocation(entryCount: Int(totalEntries), offset: Int(directoryOffset), size: Int(directorySize))
    }

    // MARK: - Central directory

    private static func readCentralDirectory(_ reader: inout ByteReader, at directory: DirectoryLocation) throws
        -> [Entry]
    {
        let fileSize = reader.bytes.count
        guard directory.offset <= fileSize, directory.size <= fileSize - directory.offset else {
            throw reader.error("the central directory (\(directory.size) bytes at offset \(directory.offset)) "
                + "lies outside the \(fileSize)-byte file (truncated?)")
        }
        try reader.seek(to: directory.offset, "central directory")
        var entries: [Entry] = []
        entries.reserveCapacity(min(directory.entryCount, directory.size / 46))
        for number in 0..<directory.entryCount {
            let headerOffset = reader.offset
            guard try reader.readUInt32("central directory header signature") == centralHeaderSignature else {
                throw reader.error("central directory entry \(number) at offset \(headerOffset) has a bad signature")
            }
            _ = try reader.readUInt16("version made by")
            _ = try reader.readUInt16("version needed")
            let flags = try reader.readUInt16("general-purpose flags")
            let method = try reader.readUInt16("compression method")
            _ = try reader.readUInt32("modification time and date")
            _ = try reader.readUInt32("CRC-32")
            var compressedSize = UInt64(try reader.readUInt32("compressed size"))
            var uncompressedSize = UInt64(try reader.readUInt32("uncompressed size"))
            let nameLength = Int(try reader.readUInt16("file name length"))
            let extraLength = Int(try reader.readUInt16("extra field length"))
            let commentLength = Int(try reader.readUInt16("file comment length"))
            _ = try reader.readUInt16("disk number start")
            _ = try reader.readUInt16("internal attributes")
            _ = try reader.readUInt32("external attributes")
            var localHeaderOffset = UInt64(try reader.readUInt32("local header offset"))
            let nameBytes = try reader.readBytes(nameLength, "file name")
            let extra = try reader.readBytes(extraLength, "extra field")
            _ = try reader.readBytes(commentLength, "file comment")
            // Non-UTF-8 names (no flag bit 11) are CP437; torch always writes ASCII, so decoding as
            // UTF-8 loses nothing that matters here.
            let name = String(decoding: nameBytes, as: UTF8.self)
            if flags & 0x0001 != 0 {
                throw reader.error("ZIP entry '\(name)' is encrypted")
            }
            if compressedSize == 0xFFFF_FFFF || uncompressedSize == 0xFFFF_FFFF || localHeaderOffset == 0xFFFF_FFFF {
                try readZip64Sizes(extra, name: name, reader: reader, uncompressed: &uncompressedSize,
                                   compressed: &compressedSize, localHeaderOffset: &localHeaderOffset)
            }
            guard localHeaderOffset < UInt64(fileSize), compressedSize <= UInt64(fileSize),
                  uncompressedSize <= UInt64(Int.max) else {
                throw reader.error("ZIP entry '\(name)' points outside the \(fileSize)-byte file "
                    + "(local header offset \(localHeaderOffset), size \(compressedSize)); truncated?")
            }
            let payloadOffset = try localPayloadOffset(reader.bytes, source: reader.source, name: name,
                                                       localHeaderOffset: Int(localHeaderOffset))
            entries.append(Entry(name: name, method: method, compressedSize: Int(compressedSize),
                                 uncompressedSize: Int(uncompressedSize), localHeaderOffset: Int(localHeaderOffset),
                                 payloadOffset: payloadOffset))
        }
        return entries
    }

    /// Replaces 0xFFFFFFFF fields with the 64-bit values of the ZIP64 extra field (id 0x0001),
    /// which lists only the fields that overflowed, in this fixed order.
    private static func readZip64Sizes(_ extra: ArraySlice<UInt8>, name: String, reader: ByteReader,
                                       uncompressed: inout UInt64, compressed: inout UInt64,
                                       localHeaderOffset: inout UInt64) throws {
        var fields = ByteReader(extra, source: reader.source)
        while fields.remaining >= 4 {
            let id = try fields.readUInt16("extra field id")
            let size = Int(try fields.readUInt16("extra field size"))
            var body = ByteReader(try fields.readBytes(size, "extra field body"), source: reader.source)
            guard id == 0x0001 else { continue }
            if uncompressed == 0xFFFF_FFFF { uncompressed = try body.readUInt64("ZIP64 uncompressed size") }
            if compressed == 0xFFFF_FFFF { compressed = try body.readUInt64("ZIP64 compressed size") }
            if localHeaderOffset == 0xFFFF_FFFF { localHeaderOffset = try body.readUInt64("ZIP64 local header offset") }
            return
        }
        throw reader.error("ZIP entry '\(name)' needs a ZIP64 extra field but has none")
    }

    private static func localPayloadOffset(_ bytes: ArraySlice<UInt8>, source: String, name: String,
                                           localHeaderOffset: Int) throws -> Int {
        var local = ByteReader(bytes, source: source)
        try local.seek(to: localHeaderOffset, "local file header")
        guard try local.readUInt32("local file header signature") == localHeaderSignature else {
            throw local.error("ZIP entry '\(name)': no local file header at offset \(localHeaderOffset)")
        }
        try local.seek(to: localHeaderOffset + 26, "local file header")
        let nameLength = Int(try local.readUInt16("local file name length"))
        let extraLength = Int(try local.readUInt16("local extra field length"))
        return localHeaderOffset + 30 + nameLength + extraLength
    }
}
