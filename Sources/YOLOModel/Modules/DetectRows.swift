import TensorCore

extension Detect {
    /// Inference without raw maps: each level's head runs as a 1×1 convolution with σ applied in
    /// its registers, tile by tile; each tile of cells (all its channels, in the worker's cache)
    /// is then written out as decoded rows, rows[cell][k] = σ(bias[a·no + k] + Σ_c W[a·no + k, c]·x[c, cell]),
    /// and the box decode runs on them. No head output map is written.
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
        var rowOffset = 0
        for (level, (head, x)) in zip(heads, inputs).enumerated() {
            let nx = x.shape[3]
            let cells = x.shape[2] * nx
            let stride = strides[level]
            let offset = rowOffset
            let anchorSizes = (0..<na).map { anchorSize(level: level, anchor: $0) }
            guard let weights = head.packedWeights else { throw ShapeError("Detect head \(level) is not a 1×1 convolution") }
            x.storage.withUnsafeBufferPointer { features in
                decoded.storage.withUnsafeMutableBufferPointer { out in
                    let input = FeatureBlock(features.baseAddress!, batch: batch, channels: x.shape[1],
                                             height: x.shape[2], width: nx)
                    PackedConvolution.pointwiseTiles(input: input, weights: weights, bias: head.bias?.storage,
                                                     activation: .sigmoid) { b, positions, tile, tileStride in
                        for a in 0..<na {
                            let rows = out.baseAddress! + (b * totalRows + offset + a * cells + positions.lowerBound) * no
                            RowGather.gather(planes: tile + a * no * tileStride, channelStride: tileStride, channels: no,
                                             count: positions.count, into: rows)
                            let anchor = anchorSizes[a]
                            for (c, cell) in positions.enumerated() {
                                Self.decodeBox(rows + c * no, cell: cell, gridWidth: nx, stride: stride,
                                               anchorWidth: anchor.width, anchorHeight: anchor.height)
                            }
                        }
                    }
                }
            }
            rowOffset += na * cells
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
