import XCTest
@testable import YOLOEval

final class NumpyKernelTests: XCTestCase {
    /// Tie-heavy keys of 8 to 2000 elements, and (last probe) McIlroy-adversary keys on which numpy's
    /// introsort exhausts its depth budget and heapsorts 962 elements with ties.
    func testArgsortReproducesNumpyScalarIntrosort() throws {
        let fixture = try MetricsFixture.load()
        for probe in fixture.kernels.argsort {
            let keys = probe.keys.map { Float($0) }
            XCTAssertEqual(NumpyArgsort.ascending(keys), probe.order, "n = \(keys.count)")
            XCTAssertEqual(NumpyArgsort.ascending(keys.map { -$0 }), probe.negated_order, "n = \(keys.count), negated")
        }
        // below 17 elements numpy insertion-sorts: stable
        XCTAssertEqual(NumpyArgsort.ascending([Float(1), 1, 1, 0, 0, 1, 0, 1]), [3, 4, 6, 0, 1, 2, 5, 7])
        XCTAssertEqual(NumpyArgsort.descendingByReversal([Float(1), 1, 1, 0, 0, 1, 0, 1]), [7, 5, 2, 1, 0, 6, 4, 3])
    }

    func testArgsortSortsAndPermutes() {
        var keys: [Double] = []
        for i in 0..<4096 { keys.append(Double((i * 7919) % 61)) }
        let order = NumpyArgsort.ascending(keys)
        XCTAssertEqual(order.sorted(), Array(0..<keys.count))
        XCTAssertTrue(zip(order, order.dropFirst()).allSatisfy { keys[$0] <= keys[$1] })
    }

    func testSmoothMatchesUltralytics() throws {
        let fixture = try MetricsFixture.load()
        let probe = fixture.kernels.smooth
        let ours = BoxFilter.smooth(probe.y, fraction: probe.f)
        XCTAssertEqual(ours.count, probe.out.count)
        if fixture.openblas_core == "Haswell" || fixture.openblas_core == "Zen" {
            XCTAssertEqual(ours, probe.out)  // same ddot kernel: bit for bit
        } else {
            for (a, b) in zip(ours, probe.out) { assertRelative(a, b, 1e-14, "smooth") }
        }
        XCTAssertEqual(APPerClass.firstMaximum(ours), APPerClass.firstMaximum(probe.out))
    }

    func testLinspaceInterpAndSums() {
        XCTAssertEqual(NumpyInterp.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1])
        XCTAssertEqual(NumpyInterp.linspace(0, 1, 1000)[999], 1)
        // repeated xp: the last index with xp <= x wins; outside the range left / right
        XCTAssertEqual(NumpyInterp.interp([-1, 0, 0.5, 1, 2], [0, 0, 1], [1, 0.5, 0], left: 9, right: 7), [9, 0.5, 0.25, 0, 7])
        XCTAssertEqual(NumpyInterp.interp([0.5], [1], [3]), [3])
        XCTAssertEqual(NumpySum.pairwise([]), 0)
        XCTAssertEqual(NumpySum.mean([1, 2, 3, 4]), 2.5)
        XCTAssertEqual(NumpySum.columnMeans([[1, 2], [3, 4]]), [2, 3])
        XCTAssertEqual(NumpyUnique.firstOccurrences([3, 1, 3, 2, 1]), [1, 3, 0])
        XCTAssertEqual(NumpyUnique.counts([2, 0, 2, 2]).counts, [1, 3])
    }
}
