import Foundation

/// The process's resident memory (what CPU training shows where Ultralytics shows CUDA
/// memory): `VmRSS` now and `VmHWM`, the peak, from `/proc/self/status`.
public struct ResidentMemory: Sendable, Equatable {
    /// Bytes resident now.
    public var current: Int
    /// The most bytes resident so far.
    public var peak: Int

    public init(current: Int, peak: Int) {
        self.current = current
        self.peak = peak
    }

    /// This process's memory, or nil where there is no `/proc` (macOS).
    public static func now(statusFile: String = "/proc/self/status") -> ResidentMemory? {
        guard let text = try? String(contentsOfFile: statusFile, encoding: .utf8) else { return nil }
        return parse(status: text)
    }

    /// The `VmRSS:` and `VmHWM:` lines (`VmRSS:    123456 kB`) of a status file.
    public static func parse(status text: String) -> ResidentMemory? {
        var values: [String: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") || line.hasPrefix("VmHWM:") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 3, fields[2] == "kB", let kilobytes = Int(fields[1]) else { continue }
            values[String(fields[0].dropLast())] = kilobytes * 1024
        }
        guard let current = values["VmRSS"] else { return nil }
        return ResidentMemory(current: current, peak: values["VmHWM"] ?? current)
    }

    /// Ultralytics' memory cell: gigabytes (10⁹ bytes) as `f"{x:.3g}G"`, e.g. `1.23G`.
    public static func gigabytes(_ bytes: Int) -> String {
        PythonFormat.g(Double(bytes) / 1e9, precision: 3) + "G"
    }
}
