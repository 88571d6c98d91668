/// A digest of everything a label cache depends on: each image and label path with the file's
/// size and modification time (nanoseconds), the class count, and the cache format version.
/// A changed, added, removed or touched file gives another fingerprint, so the cache is
/// rebuilt. (Ultralytics' `get_hash` covers the same paths, sizes and times with SHA-256; this
/// is 64-bit FNV-1a, which is ample for noticing a change and is not meant to resist forgery.)
struct DatasetFingerprint: Equatable {
    let value: String

    init(imagePaths: [String], labelPaths: [String], classCount: Int, version: Int) {
        var hash = FNV1a()
        hash.add("yolov5-swift labels v\(version) nc \(classCount)\0")
        for path in labelPaths + imagePaths {
            hash.add(path)
            hash.add("\0")
            if let status = FileStatus.of(path) {
                hash.add("\(status.size):\(status.modified)")
            }
            hash.add("\0")
        }
        value = String(hash.state, radix: 16).leftPadded(to: 16)
    }
}

/// 64-bit FNV-1a over UTF-8 bytes.
struct FNV1a {
    private(set) var state: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        for byte in text.utf8 {
            state ^= UInt64(byte)
            state = state &* 0x0000_0100_0000_01b3
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
