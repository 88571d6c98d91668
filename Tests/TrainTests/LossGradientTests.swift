import XCTest
import TensorCore
import YOLOModel
@testable import YOLOTrain

/// YOLOLoss's analytic gradient against central finite differences on a small synthetic batch.
/// The detached quantities (CIoU alpha, objectness targets) are held at their base values, as
/// PyTorch's autograd treats them.
final class LossGradientTests: XCTestCase {
    private let shapes = [[2, 3, 6, 5, 8], [2, 3, 3, 3, 8], [2, 3, 2, 2, 8]]
    private let anchors: [[Float]] = [[1.0, 1.3, 2.0, 1.5, 1.6, 3.0], [0.8, 1.0, 1.5, 1.2, 1.2, 2.0], [0.5, 0.6, 0.9, 0.8, 1.1, 1.3]]
    private let targets = Tensor(shape: [5, 6], values: [
        0, 1, 0.30, 0.40, 0.20, 0.30,
        0, 2, 0.70, 0.65, 0.50, 0.40,
        0, 0, 0.72, 0.60, 0.45, 0.42,
        1, 0, 0.52, 0.30, 0.35, 0.60,
        1, 2, 0.15, 0.85, 0.25, 0.20,
    ])

    /// Deterministic logits in [−2.5, 2.5].
    private func logits() -> [[Double]] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return shapes.map { shape in
            (0..<shape.reduce(1, *)).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return (Double(state >> 11) / Double(1 << 53)) * 5 - 2.5
            }
        }
    }

    private func check(_ loss: YOLOLoss, file: StaticString = #filePath, line: UInt = #line) throws {
        let p = logits()
        let base = try loss.evaluate(p, shapes: shapes, targets: targets)
        XCTAssertTrue(base.targets.allSatisfy { $0.count > 0 }, file: file, line: line)
        XCTAssertGreaterThan(base.classification, 0, file: file, line: line)
        XCTAssertEqual(base.total, (base.box + base.object + base.classification) * 2, accuracy: 1e-12, file: file, line: line)
        let h = 1e-5
        var worst = 0.0, checked = 0
        for level in p.indices {
            for i in p[level].indices {
                var plus = p, minus = p
                plus[level][i] += h
                minus[level][i] -= h
                let numeric = (try loss.evaluate(plus, shapes: shapes, targets: targets, frozen: base).total
                    - loss.evaluate(minus, shapes: shapes, targets: targets, frozen: base).total) / (2 * h)
                let analytic = base.gradientValues[level][i]
                let error = abs(numeric - analytic)
                worst = max(worst, error / max(abs(analytic), 1e-6))
                XCTAssertLessThanOrEqual(error, 1e-4 * abs(analytic) + 1e-9,
                                         "level \(level) index \(i): \(analytic) vs \(numeric)", file: file, line: line)
                checked += 1
            }
        }
        XCTAssertEqual(checked, shapes.reduce(0) { $0 + $1.reduce(1, *) }, file: file, line: line)
        // The Float tensors carry the same values.
        for (tensor, values) in zip(base.gradients, base.gradientValues) {
            XCTAssertEqual(tensor.storage, values.map(Float.init), file: file, line: line)
        }
    }

    func testGradientWithLabelSmoothing() throws {
        try check(YOLOLoss(classCount: 3, anchors: anchors, gains: LossGains(box: 0.05, cls: 0.3, obj: 0.7),
                           labelSmoothing: 0.1))
    }

    func testGradientWithFocalLossAndPositiveWeights() throws {
        try check(YOLOLoss(classCount: 3, anchors: anchors, gains: LossGains(box: 0.05, cls: 0.3, obj: 0.7),
                           classPositiveWeight: 1.3, objectPositiveWeight: 0.8, focalGamma: 1.5, labelSmoothing: 0.1))
    }

    /// With one class the classification term is skipped entirely.
    func testSingleClassHasNoClassLoss() throws {
        let loss = YOLOLoss(classCount: 1, anchors: anchors, gains: LossGains(box: 0.05, cls: 0.3, obj: 0.7))
        let single = shapes.map { [$0[0], $0[1], $0[2], $0[3], 6] }
        let p = single.map { [Double](repeating: 0.1, count: $0.reduce(1, *)) }
        let zeroClass = Tensor(shape: [5, 6], values: targets.storage.enumerated().map { $0.offset % 6 == 1 ? 0 : $0.element })
        let result = try loss.evaluate(p, shapes: single, targets: zeroClass)
        XCTAssertEqual(result.classification, 0)
        XCTAssertGreaterThan(result.box, 0)
        XCTAssertGreaterThan(result.object, 0)
    }

    /// PyTorch's BCEWithLogitsLoss for a few values (computed by hand from its formula).
    func testBCEWithLogitsValues() {
        let plain = BCEWithLogits()
        XCTAssertEqual(plain.evaluate(logit: 0, target: 1).loss, log(2), accuracy: 1e-15)
        XCTAssertEqual(plain.evaluate(logit: 2, target: 0.25).loss, 0.75 * 2 + log1p(exp(-2)), accuracy: 1e-15)
        XCTAssertEqual(plain.evaluate(logit: 2, target: 0.25).derivative, 1 / (1 + exp(-2)) - 0.25, accuracy: 1e-15)
        XCTAssertEqual(BCEWithLogits(positiveWeight: 3).evaluate(logit: 0, target: 1).loss, 3 * log(2), accuracy: 1e-15)
    }

    /// The loss read from the heads' maps [b, na·no, ny, nx] is the loss of the same values as
    /// raw maps [b, na, ny, nx, no], to the bit, and its gradients are the raw gradients in the
    /// heads' layout.
    func testHeadLayoutEqualsRawLayout() throws {
        let loss = YOLOLoss(classCount: 3, anchors: anchors, gains: LossGains(box: 0.05, cls: 0.3, obj: 0.7),
                            labelSmoothing: 0.1)
        let raw = zip(shapes, logits()).map { Tensor(shape: $0, values: $1.map(Float.init)) }
        // [b, na, ny, nx, no] → [b, na, no, ny, nx]
        func toHead(_ map: Tensor) -> Tensor {
            let s = map.shape
            let (pairs, cells, no) = (s[0] * s[1], s[2] * s[3], s[4])
            var values = [Float](repeating: 0, count: map.elementCount)
            for pair in 0..<pairs {
                for cell in 0..<cells {
                    for k in 0..<no { values[(pair * no + k) * cells + cell] = map.storage[(pair * cells + cell) * no + k] }
                }
            }
            return Tensor(shape: [s[0], s[1] * no, s[2], s[3]], values: values)
        }
        let fromRaw = try loss(raw, targets: targets)
        let fromHeads = try loss(raw.map(toHead), targets: targets, layout: .head)
        XCTAssertEqual(fromHeads.total, fromRaw.total)
        XCTAssertEqual([fromHeads.box, fromHeads.object, fromHeads.classification],
                       [fromRaw.box, fromRaw.object, fromRaw.classification])
        XCTAssertEqual(fromHeads.gradientValues, fromRaw.gradientValues)
        for (head, rawGradient) in zip(fromHeads.gradients, fromRaw.gradients) {
            XCTAssertEqual(head.shape, toHead(rawGradient).shape)
            XCTAssertEqual(head.storage, toHead(rawGradient).storage)
        }
        // the same gradients given sparsely: objectness channels dense, the rest as entries
        for (sparse, head) in zip(fromHeads.sparseHeadGradients, fromHeads.gradients) {
            XCTAssertEqual(sparse.denseChannels, [4, 12, 20])
            XCTAssertEqual(sparse.tensor, head)
            // each (image, anchor, cell)'s entries together, in one run
            let cells = sparse.entries.map { [$0.image, $0.channel / 8, $0.pixel] }
            let runStarts = cells.indices.filter { $0 == 0 || cells[$0] != cells[$0 - 1] }.map { cells[$0] }
            XCTAssertEqual(Set(runStarts).count, runStarts.count)
            XCTAssertFalse(sparse.entries.isEmpty)
        }
        // Detect's sparse pass holding exactly these values (objectness everywhere, the rows of
        // the assigned cells) gives the same loss and gradients
        let cells = loss.assignedCells(targets: targets, grids: shapes.map { (height: $0[2], width: $0[3]) })
        let sparseHeads = zip(raw, cells).map { map, levelCells in
            let no = map.shape[4]
            return SparseHeadOutput(objectness: stride(from: 4, to: map.elementCount, by: no).map { map.storage[$0] },
                                    rows: Dictionary(uniqueKeysWithValues: levelCells.map { ($0, Array(map.storage[($0 * no)..<($0 * no + no)])) }),
                                    shape: map.shape)
        }
        let fromSparse = try loss(sparse: sparseHeads, targets: targets)
        XCTAssertEqual(fromSparse.total, fromRaw.total)
        XCTAssertEqual(fromSparse.gradientValues, fromRaw.gradientValues)
        XCTAssertThrowsError(try loss(raw, targets: targets, layout: .head)) { error in
            XCTAssertTrue("\(error)".contains("a head map must be [batch, 24, ny, nx]"), "\(error)")
        }
    }
}
