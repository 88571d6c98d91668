/// The weight gradient of a 3×3 stride-1 convolution through the transposed Winograd F(2×2, 3×3):
/// the forward pass computes each 2×2 block of outputs as Aᵀ[U ⊙ V_t]A with U = G·w·Gᵀ and
/// V_t = Bᵀ·d_t·B, so dW = Gᵀ[Σ_t (A·dY_t·Aᵀ) ⊙ V_t]G, summed over every block t of every image.
/// The sum over blocks is 16 matrix products S_ξ = P_ξ·V_ξᵀ ([O × blocks]·[blocks × C]) whose
/// inner dimension is all the batch's blocks: long products that sgemm runs near its peak, with
/// 16 multiplications per block where the direct gradient needs 36.
///
/// Group by group of images (sized by shape alone), every image's V (the forward's input
/// transform) and P = A·dY·Aᵀ are written for all its blocks (images shared out to the workers),
/// then the 16 products run one per worker task, each adding the group's blocks onto S_ξ; at
/// the end dW[o][c] += Gᵀ·S[o][c]·G. Nothing depends on the thread count.
struct WinogradWeightGradient {
    let geometry: Conv2DGeometry
    let forward: WinogradConvolution
    let blocksPerImage: Int

    /// Channel counts below this leave the products too small to beat the direct gradient.
    static let minimumChannels = 64

    /// Larger maps keep the tiled direct kernel: their transforms no longer fit in cache, and
    /// streaming them through memory made the gradient slower than the direct one whenever other
    /// processes loaded the memory bus (measured 1.4× at 40×40).
    static let maximumPixels = 20 * 20

    static func applies(to g: Conv2DGeometry, height: Int, width: Int) -> Bool {
        WinogradConvolution.hasKernelShape(g) && g.inputChannels >= minimumChannels
            && g.outputChannels >= minimumChannels && height >= 8 && width >= 8 && height * width <= maximumPixels
    }

    init(geometry g: Conv2DGeometry, input: FeatureBlock) {
        geometry = g
        forward = WinogradConvolution(geometry: g, input: input)
        blocksPerImage = forward.blocksAcross * forward.blockRows
    }

    /// Bytes of transformed inputs and gradients per group of images: the products run group by
    /// group (accumulating onto S), so the transforms stay in the last-level cache instead of
    /// streaming the whole batch's through memory.
    nonisolated(unsafe) static var groupBytes = 6 << 20

    /// dW += the gradient for output gradient `dy` ([B, O, H, W], the input's size).
    func accumulate(outputGradient dy: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>) {
        let (inputs, outputs) = (geometry.inputChannels, geometry.outputChannels)
        let input = forward.input
        // at least four images a group, so that the workers share each group's transforms
        let groupImages = min(input.batch, max(4, Self.groupBytes / (16 * 4 * (inputs + outputs) * blocksPerImage)))
        let blocks = groupImages * blocksPerImage
        let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * (inputs + outputs) * blocks + 16 * inputs * outputs)
        defer { v.deallocate() }
        let p = v + 16 * inputs * blocks
        let s = p + 16 * outputs * blocks
        let (rows, padded) = (forward.blockRows, forward.paddedAcross)
        for firstImage in stride(from: 0, to: input.batch, by: groupImages) {
            let images = firstImage..<min(input.batch, firstImage + groupImages)
            let groupBlocks = images.count * blocksPerImage
            Parallel.distribute(images.count) { next in
                let scratchCount = (2 * rows + 2) * 4 * padded + forward.paddedRowLength + 2 * gradientRowLength
                WorkerScratch.withFloats(scratchCount) { scratch in
                    let paddedRow = scratch + (2 * rows + 2) * 4 * padded
                    let gradientRows = paddedRow + forward.paddedRowLength
                    gradientRows.initialize(repeating: 0, count: 2 * gradientRowLength)
                    while let index = next() {
                        let image = images.lowerBound + index
                        let firstBlock = index * blocksPerImage
                        paddedRow.update(repeating: 0, count: forward.paddedRowLength)
                        let planes = input.base + image * input.imageStride
                        for c in 0..<inputs {
                            forward.transformInput(plane: planes + c * input.height * input.width, blockRows: 0..<rows,
                                                   columnTransforms: scratch, paddedRow: paddedRow,
                                                   into: v + c * blocks + firstBlock, matrixStride: inputs * blocks)
                        }
                        let gradientPlanes = dy + image * outputs * input.height * input.width
                        for o in 0..<outputs {
                            transformGradient(plane: gradientPlanes + o * input.height * input.width, rows: gradientRows,
                                              into: p + o * blocks + firstBlock, matrixStride: outputs * blocks)
                        }
                    }
                }
            }
            Parallel.distribute(16) { next in
                while let xi = next() {
                    GEMM.multiply(m: outputs, n: inputs, k: groupBlocks, a: p + xi * outputs * blocks, lda: blocks,
                                  b: v + xi * inputs * blocks, transposeB: true, ldb: blocks, c: s + xi * outputs * inputs,
                                  beta: firstImage == 0 ? 0 : 1)
                }
            }
        }
        Parallel.forEach(outputs * inputs, minimumChunk: 256) { pairs in
            for pair in pairs { Self.addInverseTransform(s + pair, elementStride: outputs * inputs, into: dw + pair * 9) }
        }
    }

    /// P_ξ for one output-gradient plane: A·dY_t·Aᵀ for every 2×2 block t, A = [[1, 0], [1, 1],
    /// [1, −1], [0, −1]]. `rows` holds two rows of 2·paddedAcross + 16 floats, zero past the width,
    /// so past an odd size's last column (and row) zeros stand in.
    private func transformGradient(plane: UnsafePointer<Float>, rows: UnsafeMutablePointer<Float>,
                                   into target: UnsafeMutablePointer<Float>, matrixStride: Int) {
        let (height, width, across) = (forward.input.height, forward.input.width, forward.blocksAcross)
        let (upperRow, lowerRow) = (rows, rows + gradientRowLength)
        for blockRow in 0..<forward.blockRows {
            upperRow.update(from: plane + 2 * blockRow * width, count: width)
            if 2 * blockRow + 1 < height {
                lowerRow.update(from: plane + (2 * blockRow + 1) * width, count: width)
            } else {
                lowerRow.update(repeating: 0, count: width)
            }
            let row = target + blockRow * across
            var b = 0
            while b < across {
                let (upper, lower) = (forward.load16(upperRow + 2 * b), forward.load16(lowerRow + 2 * b))
                let count = min(8, across - b)
                func write(_ value: SIMD8<Float>, _ xi: Int) {
                    let element = row + xi * matrixStride + b
                    if count == 8 {
                        forward.store(value, element)
                    } else {
                        for lane in 0..<count { element[lane] = value[lane] }
                    }
                }
                // along x: (p, p + q, p − q, −q) from a row's left (even) and right (odd) columns
                func put(_ i: Int, _ column: SIMD16<Float>) {
                    let (left, right) = (column.evenHalf, column.oddHalf)
                    write(left, 4 * i); write(left + right, 4 * i + 1); write(left - right, 4 * i + 2); write(-right, 4 * i + 3)
                }
                // down y: (a, a + c, a − c, −c) from the upper row a and the lower row c
                put(0, upper); put(1, upper + lower); put(2, upper - lower); put(3, -lower)
                b += 8
            }
        }
    }

    /// Floats in one gradient row buffer: the loads of sixteen read up to 2·paddedAcross + 16.
    private var gradientRowLength: Int { 2 * forward.paddedAcross + 16 }

    /// dW[o][c] += Gᵀ·S·G for the 4×4 S at `s` (elements `elementStride` apart), Gᵀ = [[1, ½, ½, 0],
    /// [0, ½, −½, 0], [0, ½, ½, 1]].
    private static func addInverseTransform(_ s: UnsafePointer<Float>, elementStride: Int, into w: UnsafeMutablePointer<Float>) {
        func row(_ i: Int) -> SIMD4<Float> {
            SIMD4(s[4 * i * elementStride], s[(4 * i + 1) * elementStride], s[(4 * i + 2) * elementStride],
                  s[(4 * i + 3) * elementStride])
        }
        let (s0, s1, s2, s3) = (row(0), row(1), row(2), row(3))
        func add(_ r: SIMD4<Float>, toRow i: Int) {
            w[3 * i] += r[0] + 0.5 * (r[1] + r[2])
            w[3 * i + 1] += 0.5 * (r[1] - r[2])
            w[3 * i + 2] += 0.5 * (r[1] + r[2]) + r[3]
        }
        add(s0 + 0.5 * (s1 + s2), toRow: 0)
        add(0.5 * (s1 - s2), toRow: 1)
        add(0.5 * (s1 + s2) + s3, toRow: 2)
    }
}
