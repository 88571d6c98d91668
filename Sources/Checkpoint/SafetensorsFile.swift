import Foundation

/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each
/// name to `{dtype, shape, data_offsets}` (plus an optional `__metadata__` of string → string),
/// then the raw little-endian tensor bytes, offsets relative to the end of the header.
public struct SafetensorsFile: Sendable {
    /// In data order (which is also header order for files written by the safetensors library).
    public var tensors: [(name: String, tensor: StoredTensor)]
    public var metadata: [String: String]

    public init(tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public func tensor(named name: String) -> StoredTensor? {
        tensors.first { $0.name == name }?.tensor
    }

    /// The library's limit; a larger header is a corrupt length field, not a real header.
    static let maximumHeaderLength = 100_000_000
    private static let metadataKey = "__metadata__"

    private static let dtypeNames: [(name: String, dtype: StoredDType)] = [
        ("F16", .float16), ("F32", .float32), ("F64", .float64), ("I64", .int64), ("I32", .int32),
        ("U8", .uint8), ("BOOL", .bool),
    ]

    // MARK: - Reading

    public static func read(path: String) throws -> SafetensorsFile {
        try parse(try FileBytes.read(path: path), file: path)
    }

    public static func parse(_ bytes: [UInt8], file: String) throws -> SafetensorsFile {
        var reader = ByteReader(bytes, source: file)
        let declaredLength = try reader.readUInt64("safetensors header length")
        guard declaredLength <= UInt64(maximumHeaderLength), declaredLength <= UInt64(reader.remaining) else {
            throw CheckpointError("safetensors header length \(declaredLength) exceeds the \(reader.remaining) bytes "
                + "after it (truncated, or not a safetensors file)", file: file)
        }
        let headerBytes = try reader.readBytes(Int(declaredLength), "safetensors header")
        let dataStart = reader.position
        let dataLength = bytes.count - dataStart
        guard case let .object(members) = try HeaderJSON.parse(headerBytes, source: file) else {
            throw CheckpointError("the safetensors header is not a JSON object", file: file)
        }

        var metadata: [String: String] = [:]
        var seen: Set<String> = []
        var entries: [(name: String, dtype: StoredDType, shape: [Int], begin: Int, end: Int)] = []
        for (name, description) in members {
            guard seen.insert(name).inserted else {
                throw CheckpointError("the safetensors header names '\(name)' twice", file: file)
            }
            if name == metadataKey {
                metadata = try readMetadata(description, file: file)
                continue
            }
            let entry = try readEntry(name, description, dataLength: dataLength, file: file)
            entries.append((name, entry.dtype, entry.shape, entry.begin, entry.end))
        }
        // Stable: two empty tensors at the same offset keep their header order.
        let ordered = entries.enumerated().sorted {
            ($0.element.begin, $0.element.end, $0.offset) < ($1.element.begin, $1.element.end, $1.offset)
        }.map(\.element)
        var previous: (name: String, end: Int)?
        for entry in ordered {
            if let previous, entry.begin < previous.end {
                throw CheckpointError("safetensors tensors '\(previous.name)' and '\(entry.name)' overlap "
                    + "(bytes \(entry.begin)..<\(previous.end))", file: file)
            }
            previous = (entry.name, entry.end)
        }
        let tensors = ordered.map { entry in
            (name: entry.name, tensor: StoredTensor(dtype: entry.dtype, shape: entry.shape,
                                                    bytes: Array(bytes[(dataStart + entry.begin)..<(dataStart + entry.end)])))
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    private static func readMetadata(_ description: HeaderJSON, file: String) throws -> [String: String] {
        guard case let .object(pairs) = description else {
            throw CheckpointError("safetensors __metadata__ is a JSON \(description.kindName), not an object", file: file)
        }
        var metadata: [String: String] = [:]
        for (key, value) in pairs {
            guard case let .string(text) = value else {
                throw CheckpointError("safetensors __metadata__['\(key)'] is a JSON \(value.kindName), not a string",
                                      file: file)
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func readEntry(_ name: String, _ description: HeaderJSON, dataLength: Int, file: String) throws
        -> (dtype: StoredDType, shape: [Int], begin: Int, end: Int)
    {
        func failure(_ message: String) -> CheckpointError {
            CheckpointError("safetensors tensor '\(name)': \(message)", file: file)
        }
        guard case let .object(fields) = description else {
            throw failure("its description is a JSON \(description.kindName), not an object")
        }
        func field(_ key: String) -> HeaderJSON? { fields.first { $0.key == key }?.value }

        guard case let .string(dtypeName)? = field("dtype") else { throw failure("missing or non-string 'dtype'") }
        guard let dtype = dtypeNames.first(where: { $0.name == dtypeName })?.dtype else {
            throw failure("unsupported dtype '\(dtypeName)' (supported: \(dtypeNames.map(\.name).joined(separator: ", ")))")
        }
        guard case let .array(shapeItems)? = field("shape") else { throw failure("missing or non-array 'shape'") }
        var shape: [Int] = []
        var count = 1
        for item in shapeItems {
            guard case let .int(extent) = item, extent >= 0 else { throw failure("shape \(shapeItems.map(\.serialized)) is not a list of non-negative integers") }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw failure("shape \(shape + [extent]) overflows") }
            shape.append(extent)
            count = product
        }
        guard case let .array(offsets)? = field("data_offsets"), offsets.count == 2,
              case let .int(begin) = offsets[0], case let .int(end) = offsets[1] else {
            throw failure("missing 'data_offsets' [begin, end]")
        }
        guard begin >= 0, begin <= end, end <= dataLength else {
            throw failure("data_offsets [\(begin), \(end)] lie outside the \(dataLength) data bytes "
                + "(truncated or corrupt file)")
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteCount)
        guard !overflow, end - begin == byteCount else {
            throw failure("data_offsets [\(begin), \(end)] span \(end - begin) bytes but \(dtypeName) \(shape) "
                + "needs \(overflow ? "more" : String(byteCount))")
        }
        return (dtype, shape, begin, end)
    }

    // MARK: - Writing

    /// Writes `tensors` in the given order. The file is written under a temporary name in the
    /// same folder and renamed over `path`, so a crash never leaves a half-written file behind.
    /// `beforeRename` runs once the temporary file is complete (fault-injection tests stop there).
    public static func write(_ tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String] = [:],
                             to path: String, beforeRename: () -> Void = {}) throws {
        let header = try headerBytes(tensors, metadata: metadata, file: path)
        let target = URL(fileURLWithPath: path)
        let folder = target.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CheckpointError("cannot create a temporary file in \(folder.path)", file: path)
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                var length = UInt64(header.count).littleEndian
                try handle.write(contentsOf: withUnsafeBytes(of: &length) { Data($0) })
                try handle.write(contentsOf: header)
                for entry in tensors where !entry.tensor.bytes.isEmpty {
                    try handle.write(contentsOf: entry.tensor.bytes)
                }
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            beforeRename()
            guard rename(temporary.path, path) == 0 else {
                throw CheckpointError("cannot move the written file into place (errno \(errno))", file: path)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if let error = error as? CheckpointError { throw error }
            throw CheckpointError("cannot write the file (\(error.localizedDescription))", file: path)
        }
    }

    public func write(to path: String) throws {
        try Self.write(tensors, metadata: metadata, to: path)
    }

    /// The JSON header, padded with spaces to a multiple of 8 bytes so the data starts aligned.
    private static func headerBytes(_ tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String],
                                    file: String) throws -> [UInt8] {
        var members: [(key: String, value: HeaderJSON)] = []
        if !metadata.isEmpty {
            members.append((metadataKey, .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        var names: Set<String> = [metadataKey]
        var offset = 0
        for (name, tensor) in tensors {
            guard names.insert(name).inserted else {
                throw CheckpointError(name == metadataKey ? "a tensor cannot be named \(metadataKey)"
                    : "tensor name '\(name)' is used twice", file: file)
            }
            var count = 1
            for extent in tensor.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: extent)
                guard extent >= 0, !overflow else {
                    throw CheckpointError("tensor '\(name)' has an invalid shape \(tensor.shape)", file: file)
                }
                count = product
            }
            guard tensor.bytes.count == count * tensor.dtype.byteCount else {
                throw CheckpointError("tensor '\(name)' has \(tensor.bytes.count) bytes but \(tensor.dtype) "
                    + "\(tensor.shape) needs \(count * tensor.dtype.byteCount)", file: file)
            }
            let dtypeName = dtypeNames.first { $0.dtype == tensor.dtype }?.name ?? tensor.dtype.rawValue
            members.append((name, .object([
                ("dtype", .string(dtypeName)),
                ("shape", .array(tensor.shape.map { .int($0) })),
                ("data_offsets", .array([.int(offset), .int(offset + tensor.bytes.count)])),
            ])))
            offset += tensor.bytes.count
        }
        var bytes = Array(HeaderJSON.object(members).serialized.utf8)
        while bytes.count % 8 != 0 { bytes.append(0x20) }
        return bytes
    }
}
