import CKernels
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
    /// Runs `body` over contiguous chunks of `0..<count`, as many chunks as workers (a chunk no
    /// helper has claimed when the caller is free runs on the caller).
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
    /// pulls items with `next()` until it returns nil. Two workers take them from the two ends,
    /// the caller from the first up and the helper from the last down, meeting where their
    /// speeds put them: kernels order their items by position, so each worker keeps to the same
    /// part of every map from layer to layer and mostly reads what it wrote itself. Taking turns
    /// from the front, a worker's items fell anywhere in the map, and much of what it read had
    /// been written on the other CPU. That costs most where the hypervisor puts the two vCPUs far
    /// apart (a cache line's round trip between them 400–500 ns instead of 100, a third of the
    /// time on the development machine): there yolov5n at 320 took 9.2 ms instead of 10.0
    /// (0.923; ONNX Runtime 10.8), elsewhere 7.9 instead of 8.0 (0.988), over 133 and 248
    /// interleaved rounds of processes. More workers share one counter from the front. (Never
    /// inlined, as `forEach`.)
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
        runOnWorkers(participants: workers) { participant in
            let fromBack = workers == 2 && participant == 1
            worker { counter.next(fromBack: fromBack) }
        }
    }

    /// Runs `task(0..<participants)`, each index once, on the calling thread and the pool's
    /// threads (`WorkerPool.run`). When the pool is busy (another thread, such as a data-loading
    /// worker, is using it) the tasks run one after another on the calling thread: the split
    /// never changes.
    private static func runOnWorkers(participants: Int, _ task: (Int) -> Void) {
        let pool = WorkerPool.shared(helpers: width - 1)
        let ran = pool.run(tasks: participants) { index in insideRegion { task(index) } }
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

/// The items `Parallel.distribute` has not handed out yet, `front..<back` in one word (back in
/// the high half): taken from either end by a compare-and-swap, no lock.
private final class ItemCounter: Sendable {
    private let remaining: Atomic<Int>
    private static let halfBits = 32

    init(_ count: Int) {
        precondition(count < 1 << Self.halfBits, "\(count) items")
        remaining = Atomic(count << Self.halfBits)
    }

    func next(fromBack: Bool) -> Int? {
        var current = remaining.load(ordering: .relaxed)
        while true {
            let (front, back) = (current & (1 << Self.halfBits - 1), current >> Self.halfBits)
            guard front < back else { return nil }
            let (item, updated) = fromBack ? (back - 1, current - 1 << Self.halfBits) : (front, current + 1)
            let (exchanged, original) = remaining.compareExchange(expected: current, desired: updated, ordering: .relaxed)
            if exchanged { return item }
            current = original
        }
    }
}

/// Threads that stay alive between parallel regions: after a task they spin briefly for the
/// next one (a convolution follows another within microseconds), then sleep. Waking sleeping
/// threads for every kernel costs more than the small kernels of a 320×320 forward pass.
final class WorkerPool: @unchecked Sendable {
    let helpers: Int
    private let owner = NSLock()
    /// The current region in one word: its number (the bits from `regionShift` up), its task
    /// count and its next unclaimed task (`taskBits` each). A task is claimed by advancing the
    /// word, so a claim made for one region can never take a task of the next.
    private let claims = Atomic<Int>(0)
    private static let taskBits = 16
    private static let regionShift = 2 * taskBits
    private static let taskMask = 1 << taskBits - 1
    /// Tasks the helpers have finished in the current region.
    private let helperFinished = Atomic<Int>(0)
    private let wakeUp = NSCondition()
    private var job: ((Int) -> Void)?

    /// How long an idle helper spins before it sleeps.
    static let spinNanoseconds: UInt64 = 200_000

    /// Checks a waiting thread makes with a pause between them before it yields its CPU on each
    /// check instead (50–57 µs on Zen 3, a pause taking 25–28 ns; most waits, between and at
    /// the end of regions, are shorter). Yielding at once handed the CPU to any other runnable
    /// process for the rest of its time slice: with a CPU hog at nice 5 on either CPU, yolov5n
    /// at 320 took 14.5–14.9 ms a pass where ONNX Runtime took 12.2–12.6; pausing first, 0.818
    /// of that with the hog beside the helper and 0.914 beside the caller (process A/B), and
    /// 0.84–0.88 of ONNX Runtime's time; calm, 0.988 at 320 and 0.993 at 640.
    static let pauseChecks = 2048

    /// One check of a wait: a pause for the first `pauseChecks`, then a yield.
    @inline(__always)
    private static func relax(after checks: Int) {
        if checks < pauseChecks { yolo_cpu_relax() } else { sched_yield() }
    }

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
                self.helperLoop()
            }
            thread.stackSize = 8 << 20
            thread.name = "yolo-worker-\(index + 1)"
            thread.start()
        }
    }

    /// Runs `task(i)` once for each i in 0..<tasks and returns once all are done; false, without
    /// running anything, when the pool is busy. The calling thread takes task 0, then every task
    /// no helper has claimed by the time it is free, so it waits only for tasks a helper has
    /// started: a helper that is not running (its CPU taken by another process) no longer holds
    /// up the region. Waiting on helpers to check in, a CPU hog at nice 5 on one of the two CPUs
    /// made yolov5n at 320 take 164–194 ms a pass (one time slice per region) where ONNX Runtime
    /// took 12.2–14.4.
    func run(tasks: Int, _ task: (Int) -> Void) -> Bool {
        guard helpers > 0, tasks > 1 else {
            for index in 0..<tasks { task(index) }
            return true
        }
        precondition(tasks < 1 << Self.taskBits, "\(tasks) tasks in one region")
        guard owner.try() else { return false }
        defer { owner.unlock() }
        withoutActuallyEscaping(task) { escapable in
            job = escapable
            helperFinished.store(0, ordering: .relaxed)
            // a new region with task 0 already the caller's; publishes `job`
            let region = (claims.load(ordering: .relaxed) >> Self.regionShift) + 1
            claims.store(region << Self.regionShift | tasks << Self.taskBits | 1, ordering: .releasing)
            wakeUp.lock()
            wakeUp.broadcast()
            wakeUp.unlock()
            escapable(0)
            var ownTasks = 1
            while let index = claim(region: region) {
                escapable(index)
                ownTasks += 1
            }
            var checks = 0
            while helperFinished.load(ordering: .acquiring) < tasks - ownTasks {
                Self.relax(after: checks)
                checks += 1
            }
            job = nil
        }
        return true
    }

    /// The next unclaimed task of region `region`, now claimed; nil when none is left or the
    /// region is over.
    private func claim(region: Int) -> Int? {
        var current = claims.load(ordering: .acquiring)
        while current >> Self.regionShift == region {
            let index = current & Self.taskMask
            guard index < (current >> Self.taskBits) & Self.taskMask else { return nil }
            let (exchanged, original) = claims.compareExchange(expected: current, desired: current + 1,
                                                                ordering: .acquiringAndReleasing)
            if exchanged { return index }
            current = original
        }
        return nil
    }

    private func helperLoop() {
        var seen = 0
        while true {
            var region = claims.load(ordering: .acquiring) >> Self.regionShift
            if region == seen {
                let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
                var spins = 0
                while region == seen {
                    Self.relax(after: spins)
                    spins += 1
                    if spins & 15 == 0 && DispatchTime.now().uptimeNanoseconds > deadline {
                        wakeUp.lock()
                        while claims.load(ordering: .acquiring) >> Self.regionShift == seen { wakeUp.wait() }
                        wakeUp.unlock()
                    }
                    region = claims.load(ordering: .acquiring) >> Self.regionShift
                }
            }
            seen = region
            // `job` is read only once a task is claimed: the caller then waits for that task, so
            // `job` stays this region's until it is finished
            var finished = 0
            while let task = claim(region: region) {
                job?(task)
                finished += 1
            }
            if finished > 0 { helperFinished.add(finished, ordering: .releasing) }
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
