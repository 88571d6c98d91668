import Foundation
import XCTest
@testable import TensorCore

/// Helpers get CPUs of their own, after the creator's, only when the pool takes every CPU the
/// process may use; and pinned helpers do run there.
final class ThreadPlacementTests: XCTestCase {
    func testHelpersTakeTheOtherAllowedCPUsInTurnAfterTheCreatorsOne() {
        XCTAssertEqual(ThreadPlacement.helperCPUs(allowed: [0, 1], creator: 1, helpers: 1), [0])
        XCTAssertEqual(ThreadPlacement.helperCPUs(allowed: [0, 1], creator: 0, helpers: 1), [1])
        XCTAssertEqual(ThreadPlacement.helperCPUs(allowed: [2, 5, 7], creator: 5, helpers: 2), [7, 2])
        // a creator outside the mask (or unknown, -1) counts as the first allowed CPU
        XCTAssertEqual(ThreadPlacement.helperCPUs(allowed: [2, 5, 7], creator: -1, helpers: 2), [5, 7])
        // fewer or more threads than CPUs, or none to place: left to the scheduler
        XCTAssertNil(ThreadPlacement.helperCPUs(allowed: [0, 1, 2, 3], creator: 0, helpers: 1))
        XCTAssertNil(ThreadPlacement.helperCPUs(allowed: [0, 1], creator: 0, helpers: 2))
        XCTAssertNil(ThreadPlacement.helperCPUs(allowed: [0], creator: 0, helpers: 0))
        XCTAssertNil(ThreadPlacement.helperCPUs(allowed: [], creator: 0, helpers: 1))
    }

    func testTheAffinityMaskListsTheCPUThisThreadIsOn() {
        let allowed = ThreadPlacement.allowedCPUs
        XCTAssertFalse(allowed.isEmpty)
        XCTAssertEqual(allowed, allowed.sorted())
        XCTAssertTrue(allowed.contains(ThreadPlacement.currentCPU), "on CPU \(ThreadPlacement.currentCPU), allowed \(allowed)")
    }

    /// A region as wide as the allowed CPUs runs its helpers' tasks on the helpers' CPUs. The
    /// caller takes the tasks no helper has claimed yet, so each task here lasts a few
    /// milliseconds: long enough for sleeping helpers to wake and claim theirs.
    func testPinnedHelpersRunOnTheirCPUs() throws {
        let allowed = ThreadPlacement.allowedCPUs
        try XCTSkipIf(allowed.count < 2, "one CPU: nothing to place")
        let saved = Parallel.width
        defer { Parallel.width = saved }
        Parallel.width = allowed.count
        let pool = WorkerPool.shared(helpers: allowed.count - 1)
        let cpus = try XCTUnwrap(pool.helperCPUs, "a pool as wide as the CPUs pins its helpers")
        XCTAssertEqual(Set(cpus).count, cpus.count)
        XCTAssertTrue(Set(cpus).isSubset(of: allowed))
        let caller = pthread_self()
        // for each task: whether a helper ran it, and the CPU it ran on
        var ran = [(byHelper: Bool, cpu: Int)](repeating: (false, -2), count: allowed.count)
        ran.withUnsafeMutableBufferPointer { ran in
            Parallel.forEach(allowed.count) { chunk in
                let started = DispatchTime.now().uptimeNanoseconds
                while DispatchTime.now().uptimeNanoseconds - started < 5_000_000 {}
                let byHelper = pthread_equal(pthread_self(), caller) == 0
                for task in chunk { ran[task] = (byHelper, ThreadPlacement.currentCPU) }
            }
        }
        let helperCPUs = ran.filter(\.byHelper).map(\.cpu)
        XCTAssertFalse(helperCPUs.isEmpty, "no helper took a task")
        for cpu in helperCPUs { XCTAssertTrue(cpus.contains(cpu), "a helper ran on CPU \(cpu), not on \(cpus)") }
    }
}
