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

    /// A region as wide as the allowed CPUs runs each helper's share on that helper's CPU.
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
        var seen = [Int](repeating: -2, count: allowed.count)
        seen.withUnsafeMutableBufferPointer { seen in
            Parallel.forEach(allowed.count) { chunk in
                for participant in chunk { seen[participant] = ThreadPlacement.currentCPU }
            }
        }
        XCTAssertEqual(Array(seen.dropFirst()), cpus)
    }
}
