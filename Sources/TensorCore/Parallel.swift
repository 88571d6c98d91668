import Dispatch

/// Splits `0..<count` into contiguous chunks run on all cores; used for every non-GEMM loop.
/// Each index is processed exactly once, so results do not depend on the thread count.
public enum Parallel {
    /// How many chunks work is split into (the machine's active cores).
    public static var width: Int = max(1, sysconfActiveProcessors())

    public static func forEach(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(width, max(1, count / max(1, minimumChunk)))
        if chunks == 1 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

func sysconfActiveProcessors() -> Int {
    #if canImport(Glibc)
    return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    #else
    return 1
    #endif
}
