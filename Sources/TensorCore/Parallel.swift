import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one place work is split across cores. Every kernel (GEMM included: OpenBLAS itself runs
/// single-threaded, see `GEMM`) goes through here, so two thread pools never compete for the
/// same cores. Work started from inside a parallel region runs serially on that thread, which
/// lets a per-tile task call kernels that would otherwise split themselves again.
/// Each index is processed exactly once and the split points never depend on the thread
/// count, so results do not either.
public enum Parallel {
    /// How many workers share the work (the machine's active cores).
    public static var width: Int = max(1, sysconfActiveProcessors())

    /// Runs `body` over contiguous chunks of `0..<count`, one chunk per worker.
    public static func forEach(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(width, max(1, count / max(1, minimumChunk)))
        if chunks == 1 || isInsideRegion {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            if start < end { insideRegion { body(start..<end) } }
        }
    }

    /// Hands the items `0..<count` out one at a time to the workers, so a worker slowed by the
    /// machine takes fewer of them. `worker` runs once per worker (set up its scratch there) and
    /// pulls items with `next()` until it returns nil.
    public static func distribute(_ count: Int, _ worker: (_ next: () -> Int?) -> Void) {
        guard count > 0 else { return }
        let workers = min(width, count)
        if workers == 1 || isInsideRegion {
            var item = 0
            worker { () -> Int? in
                defer { item += 1 }
                return item < count ? item : nil
            }
            return
        }
        let counter = ItemCounter(count)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            insideRegion { worker { counter.next() } }
        }
    }

    /// True on a thread that is running a task of a parallel region.
    public static var isInsideRegion: Bool { pthread_getspecific(regionKey) != nil }

    private static func insideRegion(_ body: () -> Void) {
        let previous = pthread_getspecific(regionKey)
        pthread_setspecific(regionKey, UnsafeRawPointer(bitPattern: 1))
        body()
        pthread_setspecific(regionKey, previous)
    }

    private static let regionKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}

/// A shared "next item" counter for `Parallel.distribute`.
private final class ItemCounter: @unchecked Sendable {
    private let count: Int
    private var nextItem = 0
    private let lock = NSLock()

    init(_ count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextItem < count else { return nil }
        nextItem += 1
        return nextItem - 1
    }
}

func sysconfActiveProcessors() -> Int {
    #if canImport(Glibc)
    return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    #else
    return 1
    #endif
}
