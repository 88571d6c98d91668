#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file as UTF-8 text. A missing or unreadable file is a `ConfigError` naming it.
public func readTextFile(_ path: String) throws -> String {
    guard let handle = fopen(path, "rb") else {
        let reason = String(cString: strerror(errno))
        throw ConfigError("cannot read the file: \(reason)", file: path)
    }
    defer { fclose(handle) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
        if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
        if count < chunk.count {
            if ferror(handle) != 0 { throw ConfigError("error while reading the file", file: path) }
            break
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// True when `path` names an existing regular file or folder.
public func fileExists(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0
}

/// True when `path` names an existing folder.
public func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}
