import Foundation

/// NumPy's `.npy` format (version 1–3): a magic string, a Python-dict header, raw C-order data.
public enum NPYFile {
    public static func read(path: String) throws -> StoredTensor {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError("cannot read the file", file: path)
        }
        return try parse([UInt8](data), file: path)
    }

    public static func parse(_ bytes: [UInt8], file: String) throws -> StoredTensor {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw CheckpointError("not a .npy file (bad magic)", file: file)
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else if major == 2 || major == 3 {
            guard bytes.count >= 12 else { throw CheckpointError("truncated .npy header", file: file) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        } else {
            throw CheckpointError("unsupported .npy version \(major)", file: file)
        }
        guard bytes.count >= headerStart + headerLength else { throw CheckpointError("truncated .npy header", file: file) }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)

        func field(_ key: String) -> Substring? {
            guard let range = header.range(of: "'\(key)':") else { return nil }
            return header[range.upperBound...].drop(while: { $0 == " " })
        }
        guard let descr = field("descr"), descr.first == "'",
              let end = descr.dropFirst().firstIndex(of: "'") else {
            throw CheckpointError("the .npy header has no dtype", file: file)
        }
        let dtypeText = String(descr[descr.index(after: descr.startIndex)..<end])
        let dtypes: [String: StoredDType] = [
            "<f2": .float16, "<f4": .float32, "<f8": .float64, "<i8": .int64, "<i4": .int32, "|u1": .uint8, "|b1": .bool,
        ]
        guard let dtype = dtypes[dtypeText] else {
            throw CheckpointError("unsupported .npy dtype '\(dtypeText)' (expected little-endian f2/f4/f8/i4/i8/u1/b1)", file: file)
        }
        if let order = field("fortran_order"), order.hasPrefix("True") {
            throw CheckpointError("Fortran-ordered .npy arrays are not supported", file: file)
        }
        guard let shapeText = field("shape"), shapeText.first == "(", let close = shapeText.firstIndex(of: ")") else {
            throw CheckpointError("the .npy header has no shape", file: file)
        }
        let shape = try shapeText[shapeText.index(after: shapeText.startIndex)..<close]
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { text -> Int in
                guard let n = Int(text), n >= 0 else { throw CheckpointError("bad .npy shape entry '\(text)'", file: file) }
                return n
            }
        let dataStart = headerStart + headerLength
        var byteCount = dtype.byteCount
        for extent in shape {
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw CheckpointError(".npy shape \(shape) is too large", file: file) }
            byteCount = product
        }
        guard bytes.count - dataStart >= byteCount else {
            throw CheckpointError("truncated .npy data: \(bytes.count - dataStart) of \(byteCount) bytes", file: file)
        }
        return StoredTensor(dtype: dtype, shape: shape, bytes: Array(bytes[dataStart..<(dataStart + byteCount)]))
    }
}
