import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one place work is split across cores. Every kernel (GEMM included: OpenBLAS itself runs
/// single-threaded, see `GEMM`) goes through here, so two thread pools never compete for the
/// same cores. Work started from inside a parallel region runs serially on that thread, which
/// lets a per-tile task call kernels that would otherwise split themselves again.
/// Each index is processed exactly once, and kernels compute an index the same way whichever
/// chunk or worker it lands in, so results do not depend on the thread count.
public enum Parallel {
    /// How many workers share the work (the machine's active cores).
    public static var width: Int = max(1, sysconfActiveProcessors())

    // never inlined: inlined, the serial branch (one worker, or a call from inside a region) got
    // its own copy of the caller's closure, too large for the compiler to inline the kernels'
    // vector loads into; yolov5n ran 5× slower with one thread (77 against 15 ms at 320)
    /// Runs `body` over contiguous chunks of `0..<count`, one chunk per worker.
    @inline(never)
    public static func forEach(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(width, max(1, count / max(1, minimumChunk)))
        if chunks == 1 || isInsideRegion {
            body(0..<count)
            return
        }
        runOnWorkers(participants: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }

    /// Hands the items `0..<count` out one at a time to the workers, so a worker slowed by the
    /// machine takes fewer of them. `worker` runs once per worker (set up its scratch there) and
    /// pulls items with `next()` until it returns nil; each worker gets its items in increasing
    /// order (the packed driver's multi-job regions rely on it). (Never inlined, as `forEach`.)
    @inline(never)
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
        runOnWorkers(participants: workers) { _ in worker { counter.next() } }
    }

    /// Runs `task(0..<participants)`, one index per worker, on the calling thread and the pool's
    /// threads. When the pool is busy (another thread, such as a data-loading worker, is using
    /// it) the tasks run one after another on the calling thread: the split never changes.
    private static func runOnWorkers(participants: Int, _ task: (Int) -> Void) {
        let pool = WorkerPool.shared(helpers: width - 1)
        let ran = pool.run { index in
            var participant = index
            while participant < participants {
                insideRegion { task(participant) }
                participant += width
            }
        }
        if !ran {
            for participant in 0..<participants { insideRegion { task(participant) } }
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

/// A shared "next item" counter for `Parallel.distribute`: one atomic add per item, no lock.
private final class ItemCounter: Sendable {
    private let count: Int
    private let nextItem = Atomic<Int>(0)

    init(_ count: Int) { self.count = count }

    func next() -> Int? {
        let item = nextItem.wrappingAdd(1, ordering: .relaxed).oldValue
        return item < count ? item : nil
    }
}

/// Threads that stay alive between parallel regions: after a task they spin briefly for the
/// next one (a convolution follows another within microseconds), then sleep. Waking sleeping
/// threads for every kernel costs more than the small kernels of a 320×320 forward pass.
final class WorkerPool: @unchecked Sendable {
    let helpers: Int
    private let owner = NSLock()
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let wakeUp = NSCondition()
    private var job: ((Int) -> Void)?

    /// How long an idle helper spins before it sleeps.
    static let spinNanoseconds: UInt64 = 200_000

    private nonisolated(unsafe) static var pools: [Int: WorkerPool] = [:]
    private static let creation = NSLock()

    /// The pool with `helpers` threads besides the caller, made on first use (one per count, so
    /// changing `Parallel.width` back and forth does not keep starting threads).
    static func shared(helpers: Int) -> WorkerPool {
        creation.lock()
        defer { creation.unlock() }
        if let pool = pools[helpers] { return pool }
        let pool = WorkerPool(helpers: helpers)
        pools[helpers] = pool
        return pool
    }

    /// The CPU each helper is pinned to (`ThreadPlacement`), or nil.
    let helperCPUs: [Int]?

    private init(helpers: Int) {
        self.helpers = max(0, helpers)
        let cpus = ThreadPlacement.helperCPUs(allowed: ThreadPlacement.allowedCPUs, creator: ThreadPlacement.currentCPU,
                                              helpers: self.helpers)
        helperCPUs = cpus
        for index in 0..<self.helpers {
            let thread = Thread { [unowned self] in
                if let cpus { ThreadPlacement.pinCurrentThread(to: cpus[index]) }
                self.helperLoop(index + 1)
            }
            thread.stackSize = 8 << 20
            thread.name = "yolo-worker-\(index + 1)"
            thread.start()
        }
    }

    /// Runs `task(i)` for i in 0...helpers (0 on the calling thread) and returns once all are
    /// done; false, without running anything, when the pool is busy.
    func run(_ task: (Int) -> Void) -> Bool {
        guard helpers > 0 else {
            task(0)
            return true
        }
        guard owner.try() else { return false }
        defer { owner.unlock() }
        withoutActuallyEscaping(task) { escapable in
            job = escapable
            pending.store(helpers, ordering: .relaxed)
            generation.add(1, ordering: .releasing)  // publishes `job`
            wakeUp.lock()
            wakeUp.broadcast()
            wakeUp.unlock()
            escapable(0)
            // waiting threads yield on every check: the two CPUs may be hyperthreads of one core,
            // where a tight loop would slow down the thread doing the work
            while pending.load(ordering: .acquiring) > 0 { sched_yield() }
            job = nil
        }
        return true
    }

    private func helperLoop(_ index: Int) {
        var seen = 0
        while true {
            var now = generation.load(ordering: .acquiring)
            if now == seen {
                let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
                var spins = 0
                while now == seen {
                    spins += 1
                    sched_yield()
                    if spins & 15 == 0 && DispatchTime.now().uptimeNanoseconds > deadline {
                        wakeUp.lock()
                        while generation.load(ordering: .acquiring) == seen { wakeUp.wait() }
                        wakeUp.unlock()
                    }
                    now = generation.load(ordering: .acquiring)
                }
            }
            seen = now
            job?(index)
            pending.subtract(1, ordering: .releasing)
        }
    }
}

func sysconfActiveProcessors() -> Int {
    #if canImport(Glibc)
    return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    #else
    return 1
    #endif
}
