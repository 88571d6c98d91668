import Foundation
import XCTest
@testable import TensorCore

/// A thread keeps its scratch between uses, never lends it twice at once, and lets go of
/// requests too large to keep.
final class WorkerScratchTests: XCTestCase {
    private func address(_ pointer: UnsafeMutablePointer<Float>) -> Int { Int(bitPattern: pointer) }

    func testAThreadGetsTheSameAlignedBufferBackAndItGrows() {
        let first = WorkerScratch.withFloats(1000) { buffer -> Int in
            buffer.update(repeating: 1, count: 1000)
            return address(buffer)
        }
        XCTAssertEqual(first % WorkerScratch.alignment, 0)
        XCTAssertEqual(WorkerScratch.withFloats(10) { address($0) }, first, "a smaller request reuses the kept buffer")
        let grown = WorkerScratch.withFloats(300_000) { buffer -> Int in
            // the whole request is writable
            buffer.update(repeating: 2, count: 300_000)
            XCTAssertEqual(buffer[299_999], 2)
            return address(buffer)
        }
        XCTAssertEqual(grown % WorkerScratch.alignment, 0)
        XCTAssertEqual(WorkerScratch.withFloats(1000) { address($0) }, grown, "the grown buffer is the one kept")
    }

    func testANestedUseGetsABufferOfItsOwn() {
        WorkerScratch.withFloats(64) { outer in
            outer.update(repeating: 7, count: 64)
            WorkerScratch.withFloats(64) { inner in
                XCTAssertNotEqual(address(inner), address(outer))
                inner.update(repeating: -1, count: 64)
            }
            XCTAssertEqual((0..<64).map { outer[$0] }, [Float](repeating: 7, count: 64), "the outer buffer is untouched")
        }
    }

    func testRequestsOverTheKeptSizeAreNotKept() {
        let kept = WorkerScratch.withFloats(16) { address($0) }
        let large = WorkerScratch.keptBytes / MemoryLayout<Float>.stride + 1
        WorkerScratch.withFloats(large) { buffer in
            XCTAssertNotEqual(address(buffer), kept)
            buffer[large - 1] = 3
        }
        XCTAssertEqual(WorkerScratch.withFloats(16) { address($0) }, kept)
    }

    func testEachThreadHasItsOwnBuffer() {
        final class Found: @unchecked Sendable { var address = 0 }
        let here = WorkerScratch.withFloats(256) { address($0) }
        let there = Found()
        let done = DispatchSemaphore(value: 0)
        Thread {
            there.address = WorkerScratch.withFloats(256) { Int(bitPattern: $0) }
            done.signal()
        }.start()
        done.wait()
        XCTAssertNotEqual(there.address, 0)
        XCTAssertNotEqual(there.address, here)
    }
}
