import TensorCore

extension Detect {
    /// Inference without raw maps: each level's head runs as a 1×1 convolution with σ applied in
    /// its registers, tile by tile; each tile of cells (all its channels, in the worker's cache)
    /// is then written out as decoded rows, rows[cell][k] = σ(bias[a·no + k] + Σ_c W[a·no + k, c]·x[c, cell]),
    /// and the box decode runs on them. No head output map is written; the three levels share one
    /// parallel region (the workers wait for each other once, after the smallest level).
    func decodedRows(_ inputs: [Tensor]) throws -> Tensor {
        let no = outputsPerAnchor, na = anchorsPerLevel
        let batch = inputs[0].shape[0]
        for (head, x) in zip(heads, inputs) {
            guard x.shape.count == 4, x.shape[0] == batch, x.shape[1] == head.inputChannels else {
                throw ShapeError("Detect expects [\(batch), \(head.inputChannels), h, w] at this level, got \(x.shape)")
            }
        }
        let totalRows = inputs.reduce(0) { $0 + na * $1.shape[2] * $1.shape[3] }
        var decoded = Tensor(uninitializedShape: [batch, totalRows, no])
        let firstRows = inputs.reduce(into: [0]) { $0.append($0.last! + na * $1.shape[2] * $1.shape[3]) }
        let anchorSizes = (0..<inputs.count).map { level in (0..<na).map { anchorSize(level: level, anchor: $0) } }
        let weights = try heads.enumerated().map { level, head in
            guard let packed = head.packedWeights else { throw ShapeError("Detect head \(level) is not a 1×1 convolution") }
            return packed
        }
        Tensor.withBasePointers(inputs[...]) { bases in
            let levels = (0..<inputs.count).map { level in
                (input: FeatureBlock(bases[level], batch: batch, channels: inputs[level].shape[1], height: inputs[level].shape[2],
                                     width: inputs[level].shape[3]),
                 weights: weights[level], bias: heads[level].bias?.storage)
            }
            decoded.storage.withUnsafeMutableBufferPointer { out in
                // every level's tiles in one parallel region
                PackedConvolution.pointwiseTiles(levels: levels, activation: .sigmoid) { level, b, positions, tile, tileStride in
                    let (nx, cells) = (inputs[level].shape[3], inputs[level].shape[2] * inputs[level].shape[3])
                    for a in 0..<na {
                        let rows = out.baseAddress! + (b * totalRows + firstRows[level] + a * cells + positions.lowerBound) * no
                        RowGather.gather(planes: tile + a * no * tileStride, channelStride: tileStride, channels: no,
                                         count: positions.count, into: rows)
                        let anchor = anchorSizes[level][a]
                        for (c, cell) in positions.enumerated() {
                            Self.decodeBox(rows + c * no, cell: cell, gridWidth: nx, stride: strides[level],
                                           anchorWidth: anchor.width, anchorHeight: anchor.height)
                        }
                    }
                }
            }
        }
        return decoded
    }

    /// Anchor `anchor` of level `level` in input pixels (the buffer holds stride units).
    func anchorSize(level: Int, anchor: Int) -> (width: Float, height: Float) {
        let stride = strides[level]
        return (anchors.storage[(level * anchorsPerLevel + anchor) * 2] * stride,
                anchors.storage[(level * anchorsPerLevel + anchor) * 2 + 1] * stride)
    }

    /// The box of one row from its σ-ed first four values, in place: xy = (2σ − 0.5 + grid)·stride,
    /// wh = (2σ)²·anchor (anchor sizes in pixels).
    @inline(__always)
    static func decodeBox(_ row: UnsafeMutablePointer<Float>, cell: Int, gridWidth: Int, stride: Float,
                          anchorWidth: Float, anchorHeight: Float) {
        row[0] = (row[0] * 2 + (Float(cell % gridWidth) - 0.5)) * stride
        row[1] = (row[1] * 2 + (Float(cell / gridWidth) - 0.5)) * stride
        let w = row[2] * 2, h = row[3] * 2
        row[2] = w * w * anchorWidth
        row[3] = h * h * anchorHeight
    }
}
