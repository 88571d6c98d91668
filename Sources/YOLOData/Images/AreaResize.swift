/// Shrinking by a fractional factor with INTER_AREA (OpenCV's `resizeArea_` with the tables
/// of `computeResizeAreaTab`): each output pixel averages the source pixels under its
/// footprint, partly covered pixels weighted by the covered fraction.
///
/// Weights are float32 and the sums are accumulated in float32 in OpenCV's order (along a
/// row first, then the weighted rows), then rounded half to even; that order decides the
/// last bit, so it is kept exactly. This is the resize val.py's `load_image` uses to bring
/// the long side down to the image size.
struct AreaResize {
    /// One contribution: output element `target` gets `source` element times `weight`.
    struct Term {
        var target: Int
        var source: Int
        var weight: Float
    }

    let source: PixelGrid
    let target: PixelGrid

    /// OpenCV's `computeResizeAreaTab` for one axis; positions are pre-multiplied by `stride`.
    static func terms(source: Int, target: Int, stride: Int) -> [Term] {
        let scale = 1.0 / (Double(target) / Double(source))
        var terms: [Term] = []
        terms.reserveCapacity(2 * source)
        for d in 0..<target {
            let start = Double(d) * scale
            let end = start + scale
            let cellWidth = min(scale, Double(source) - start)
            var firstWhole = Int(start.rounded(.up))
            let endWhole = min(Int(end.rounded(.down)), source - 1)
            firstWhole = min(firstWhole, endWhole)
            if Double(firstWhole) - start > 1e-3 {
                terms.append(Term(target: d * stride, source: (firstWhole - 1) * stride,
                                  weight: Float((Double(firstWhole) - start) / cellWidth)))
            }
            for s in firstWhole..<max(firstWhole, endWhole) {
                terms.append(Term(target: d * stride, source: s * stride, weight: Float(1.0 / cellWidth)))
            }
            if end - Double(endWhole) > 1e-3 {
                terms.append(Term(target: d * stride, source: endWhole * stride,
                                  weight: Float(min(min(end - Double(endWhole), 1.0), cellWidth) / cellWidth)))
            }
        }
        return terms
    }

    func run(_ src: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let cn = source.channels
        let columnTerms = AreaResize.terms(source: source.width, target: target.width, stride: cn)
        let rowTerms = AreaResize.terms(source: source.height, target: target.height, stride: 1)
        let length = target.rowLength
        var output = [UInt8](repeating: 0, count: target.byteCount)
        var rowSum = [Float](repeating: 0, count: length)     // one source row, resized horizontally
        var sum = [Float](repeating: 0, count: length)        // the weighted rows of one output row
        output.withUnsafeMutableBufferPointer { dst in
            columnTerms.withUnsafeBufferPointer { columns in
                rowSum.withUnsafeMutableBufferPointer { buffer in
                    sum.withUnsafeMutableBufferPointer { accumulated in
                        var currentRow = -1
                        for term in rowTerms {
                            let rowStart = term.source * source.rowLength
                            for i in 0..<length { buffer[i] = 0 }
                            for column in columns {
                                for c in 0..<cn {
                                    buffer[column.target + c] = buffer[column.target + c]
                                        + Float(src[rowStart + column.source + c]) * column.weight
                                }
                            }
                            if term.target != currentRow {
                                if currentRow >= 0 { store(accumulated, row: currentRow, into: dst) }
                                for i in 0..<length { accumulated[i] = term.weight * buffer[i] }
                                currentRow = term.target
                            } else {
                                for i in 0..<length { accumulated[i] = accumulated[i] + term.weight * buffer[i] }
                            }
                        }
                        if currentRow >= 0 { store(accumulated, row: currentRow, into: dst) }
                    }
                }
            }
        }
        return output
    }

    /// `saturate_cast<uchar>` of one accumulated row: round half to even, clamp.
    private func store(_ values: UnsafeMutableBufferPointer<Float>, row y: Int, into dst: UnsafeMutableBufferPointer<UInt8>) {
        let length = target.rowLength
        for i in 0..<length {
            dst[y * length + i] = UInt8(clamping: Int(values[i].rounded(.toNearestOrEven)))
        }
    }
}
