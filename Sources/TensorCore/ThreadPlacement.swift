import CKernels

/// Where the worker pool's helper threads run. Left to the scheduler, a helper that had slept
/// was often woken onto the CPU of the thread that woke it and ran its items only when that
/// thread yielded: the first forward passes of a process took the single-thread time (yolov5n
/// at 320: 15.5–16 ms instead of 8.2, in 3 of 4 fresh processes, for 3–4 passes, until the
/// scheduler's balancing parted the two). A pool that takes every CPU the process may use
/// (the default width) therefore gives each helper a CPU of its own, starting after the one
/// the pool was created on, as ONNX Runtime does for its default intra-op pool. A pool that
/// takes fewer, or more, is left to the scheduler, which can then share the CPUs with other
/// work better than fixed threads would.
enum ThreadPlacement {
    /// The CPU for each helper, or nil to leave them unpinned: `allowed` are the CPUs the
    /// process may run on, `creator` the one the pool's creating thread is on (helpers start
    /// after it, so the creator keeps its CPU), `helpers` the pool's threads besides the caller.
    static func helperCPUs(allowed: [Int], creator: Int, helpers: Int) -> [Int]? {
        guard helpers > 0, helpers + 1 == allowed.count else { return nil }
        let start = allowed.firstIndex(of: creator) ?? 0
        return (1...helpers).map { allowed[(start + $0) % allowed.count] }
    }

    /// The CPUs the calling thread may run on (its affinity mask), in increasing order.
    static var allowedCPUs: [Int] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let count = Int(yolo_allowed_cpus(&cpus, Int32(cpus.count)))
        return cpus.prefix(count).map(Int.init)
    }

    /// The CPU the calling thread is on (-1 where unknown).
    static var currentCPU: Int { Int(yolo_current_cpu()) }

    /// Restricts the calling thread to `cpu`; false where the system refused.
    @discardableResult
    static func pinCurrentThread(to cpu: Int) -> Bool { yolo_pin_current_thread(Int32(cpu)) == 0 }
}
