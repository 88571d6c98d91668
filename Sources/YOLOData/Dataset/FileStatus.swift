#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat` (following symbolic links) says about a path: enough to tell folders from files,
/// to notice a changed file, and to recognise a folder already visited.
struct FileStatus: Equatable {
    var isDirectory: Bool
    var size: Int64
    /// Modification time in nanoseconds since the epoch.
    var modified: Int64
    var device: UInt64
    var inode: UInt64

    /// The status of `path`, or nil when it does not exist (or cannot be examined).
    static func of(_ path: String) -> FileStatus? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Glibc)
        let seconds = Int64(info.st_mtim.tv_sec), nanoseconds = Int64(info.st_mtim.tv_nsec)
        #else
        let seconds = Int64(info.st_mtimespec.tv_sec), nanoseconds = Int64(info.st_mtimespec.tv_nsec)
        #endif
        return FileStatus(isDirectory: (info.st_mode & S_IFMT) == S_IFDIR, size: Int64(info.st_size),
                          modified: seconds &* 1_000_000_000 &+ nanoseconds,
                          device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}
