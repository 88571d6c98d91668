import TensorCore

extension Detect {
    /// Inference without raw maps: the decoded rows computed in their final layout. Each task
    /// (image, anchor, tile of cells) is one GEMM that reads the level's features transposed, so
    /// rows[cell][k] = bias[a·no + k] + Σ_c x[c, cell]·W[a·no + k, c] lands where the decoded
    /// output keeps it; σ and the box decode then run on those rows while they are in cache. No
    /// head output map is written and nothing is transposed afterwards.
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
            let (channels, nx) = (head.inputChannels, x.shape[3])
            let cells = x.shape[2] * nx
            let stride = strides[level]
            let tile = 256
            let tiles = (cells + tile - 1) / tile
            let offset = rowOffset
            let anchorSizes = (0..<na).map { anchorSize(level: level, anchor: $0) }
            let bias = head.bias?.storage
            x.storage.withUnsafeBufferPointer { features in
                head.weight.storage.withUnsafeBufferPointer { weights in
                    decoded.storage.withUnsafeMutableBufferPointer { out in
                        Parallel.distribute(batch * na * tiles) { next in
                            while let task = next() {
                                let (pair, tileIndex) = (task / tiles, task % tiles)
                                let (b, a) = (pair / na, pair % na)
                                let first = tileIndex * tile
                                let count = min(tile, cells - first)
                                let rows = out.baseAddress! + (b * totalRows + offset + a * cells + first) * no
                                if let bias {
                                    bias.withUnsafeBufferPointer { values in
                                        for c in 0..<count { (rows + c * no).update(from: values.baseAddress! + a * no, count: no) }
                                    }
                                }
                                GEMM.multiply(m: count, n: no, k: channels,
                                              a: features.baseAddress! + b * channels * cells + first, transposeA: true, lda: cells,
                                              b: weights.baseAddress! + a * no * channels, transposeB: true, ldb: channels,
                                              c: rows, ldc: no, beta: bias == nil ? 0 : 1)
                                ActivationFunction.sigmoid.apply(UnsafeMutableBufferPointer(start: rows, count: count * no))
                                let anchor = anchorSizes[a]
                                for c in 0..<count {
                                    Self.decodeBox(rows + c * no, cell: first + c, gridWidth: nx, stride: stride,
                                                   anchorWidth: anchor.width, anchorHeight: anchor.height)
                                }
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
