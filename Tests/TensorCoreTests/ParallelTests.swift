import CBLAS
import CKernels
import Foundation
import Synchronization
import XCTest
@testable import TensorCore

final class ParallelTests: XCTestCase {
    /// Every index once, for counts around the worker count and chunk minimums.
    func testForEachAndDistributeVisitEveryIndexOnce() {
        for count in [1, 2, 3, 7, 64, 1000] {
            for minimumChunk in [1, 5, 100] {
                let visits = UnsafeMutablePointer<Int>.allocate(capacity: count)
                visits.initialize(repeating: 0, count: count)
                Parallel.forEach(count, minimumChunk: minimumChunk) { range in
                    for i in range { visits[i] += 1 }
                }
                XCTAssertEqual(Array(UnsafeBufferPointer(start: visits, count: count)), Array(repeating: 1, count: count))
                visits.deinitialize(count: count)
                visits.deallocate()
            }
            let claimed = UnsafeMutablePointer<Int>.allocate(capacity: count)
            claimed.initialize(repeating: 0, count: count)
            Parallel.distribute(count) { next in
                while let item = next() { claimed[item] += 1 }
            }
            XCTAssertEqual(Array(UnsafeBufferPointer(start: claimed, count: count)), Array(repeating: 1, count: count))
            claimed.deallocate()
        }
    }

    /// Two workers take the items from the two ends, so that each keeps to one part of every
    /// map: one a prefix from the first up, the other the rest from the last down.
    func testTwoWorkersTakeTheItemsFromTheTwoEnds() {
        let saved = Parallel.width
        defer { Parallel.width = saved }
        Parallel.width = 2
        let count = 300
        let lock = NSLock()
        var runs: [[Int]] = []
        Parallel.distribute(count) { next in
            var taken: [Int] = []
            while let item = next() {
                taken.append(item)
                for _ in 0..<200 { yolo_cpu_relax() }  // a little work per item, so both workers get some
            }
            lock.lock()
            runs.append(taken)
            lock.unlock()
        }
        let front = runs.first { $0.first == 0 } ?? []
        let back = runs.first { $0.first == count - 1 } ?? []
        XCTAssertEqual(front, Array(0..<front.count))
        XCTAssertEqual(back, Array((front.count..<count).reversed()))
        XCTAssertEqual(runs.map(\.count).reduce(0, +), count)
    }

    /// Work started inside a region runs on the thread that started it, and regions started
    /// from several threads at once (the data loader's workers beside the network) all finish.
    func testNestedAndConcurrentRegionsComplete() {
        let total = Atomic<Int>(0)
        Parallel.forEach(8) { outer in
            XCTAssertTrue(Parallel.isInsideRegion)
            let thread = pthread_self()
            Parallel.forEach(100) { inner in
                XCTAssertTrue(pthread_equal(thread, pthread_self()) != 0, "nested work moved to another thread")
                total.add(inner.count * outer.count, ordering: .relaxed)
            }
        }
        XCTAssertEqual(total.load(ordering: .relaxed), 800)
        XCTAssertFalse(Parallel.isInsideRegion)

        let sums = (0..<4).map { _ in Counter() }
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for _ in 0..<200 {
                Parallel.forEach(64) { range in sums[caller].value.add(range.count, ordering: .relaxed) }
            }
        }
        for sum in sums { XCTAssertEqual(sum.value.load(ordering: .relaxed), 200 * 64) }
    }

    /// A GEMM split into blocks equals one sgemm call over the whole matrix (to rounding: OpenBLAS
    /// picks its kernels by size), and gives the same bits with one worker or several.
    func testSplitGEMMEqualsOneCallAndIgnoresTheThreadCount() {
        let (m, n, k) = (96, 1300, 70)
        let a = testValues(m * k, seed: 11), b = testValues(k * n, seed: 12)
        XCTAssertGreaterThan(GEMM.Split(m: m, n: n, k: k).blocks, 1)
        func product(width: Int) -> [Float] {
            let saved = Parallel.width
            defer { Parallel.width = saved }
            Parallel.width = width
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        GEMM.multiply(m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!)
                    }
                }
            }
            return c
        }
        let split = product(width: 2)
        XCTAssertEqual(product(width: 1), split)
        XCTAssertEqual(product(width: 3), split)
        var whole = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                whole.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                pa.baseAddress!, Int32(k), pb.baseAddress!, Int32(n), 0, pc.baseAddress!, Int32(n))
                }
            }
        }
        for (x, y) in zip(split, whole) { XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(y))) }
    }
}

private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
