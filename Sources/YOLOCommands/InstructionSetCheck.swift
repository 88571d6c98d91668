import Foundation

/// The numeric libraries are compiled for x86-64-v3 (see Package.swift); on an x86 CPU without
/// those instructions they would stop with an illegal-instruction signal, so the command line
/// checks first and says what is missing.
public enum InstructionSetCheck {
    /// The CPU features `-target-cpu haswell` lets the compiler use.
    static let required = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "popcnt", "sse4_2"]

    /// Nil when the CPU has them all (or is not x86-64, or /proc/cpuinfo is unreadable), else a
    /// message naming the missing ones.
    public static func problem(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> String? {
        #if arch(x86_64)
        guard let cpuinfo,
              let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
        let missing = required.filter { !flags.contains($0) }
        guard !missing.isEmpty else { return nil }
        return "error: this build of yolo needs an x86-64-v3 CPU (AVX2, FMA); this one lacks \(missing.joined(separator: ", ")). "
            + "Rebuild without the vectorISA flags in Package.swift to run here."
        #else
        return nil
        #endif
    }
}
