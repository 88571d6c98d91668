import Foundation

/// The memory the kernel says a new allocation can use (`MemAvailable` in /proc/meminfo), the
/// figure `psutil.virtual_memory().available` reports and Ultralytics checks before `--cache ram`.
public enum AvailableMemory {
    /// Bytes available, or nil where /proc/meminfo is missing or has no such line.
    public static func bytes(meminfo: String = "/proc/meminfo") -> UInt64? {
        guard let text = try? String(contentsOfFile: meminfo, encoding: .utf8) else { return nil }
        return parse(text)
    }

    /// The `MemAvailable:` value of a meminfo text, converted from kB.
    public static func parse(_ text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = UInt64(fields[1]) else { return nil }
            let unit = fields.count >= 3 ? fields[2].lowercased() : "kb"
            return unit == "kb" ? kilobytes * 1024 : kilobytes
        }
        return nil
    }
}
