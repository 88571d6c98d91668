import CKernels

/// Training-mode batch normalisation over NCHW: batch statistics per channel over the
/// N = B·H·W values of that channel, running statistics updated as PyTorch's `BatchNorm2d`
/// does, and the backward pass.
public enum BatchNormTraining {
    /// What the backward pass needs besides the input: per channel the batch mean and
    /// 1/√(biased variance + eps) (PyTorch's `save_mean`, `save_invstd`).
    public struct Saved: Sendable, Equatable {
        public var mean: [Float]
        public var inverseStandardDeviation: [Float]
    }

    /// y = (x − mean_B)/√(var_B + eps)·γ + β with the batch mean and biased batch variance
    /// (Σx and Σx² in Float64, one pass over x; then one pass normalising it). Updates the running statistics in place:
    /// running_mean = momentum·mean_B + (1 − momentum)·running_mean,
    /// running_var = momentum·var_B·N/(N − 1) + (1 − momentum)·running_var (unbiased, N = B·H·W > 1).
    /// YOLOv5's BatchNorm2d has eps 1e-3 and momentum 0.03.
    /// With an `activation`, the output is f(y) instead, applied piece by piece while y is in
    /// L1 (the pre-activation is not kept: `backward` with the same activation recomputes it).
    public static func forward(_ x: Tensor, weight: Tensor, bias: Tensor, runningMean: inout Tensor,
                               runningVariance: inout Tensor, epsilon: Float = 1e-3,
                               momentum: Float = 0.03, activation: ActivationFunction = .identity) -> (output: Tensor, saved: Saved) {
        precondition(x.shape.count == 4, "batch norm needs NCHW, got \(x.shape)")
        let (batch, channels) = (x.shape[0], x.shape[1])
        let pixels = x.shape[2] * x.shape[3]
        let count = batch * pixels
        precondition(count > 1, "batch norm training needs more than one value per channel, got \(x.shape)")
        precondition(weight.elementCount == channels && bias.elementCount == channels
                     && runningMean.elementCount == channels && runningVariance.elementCount == channels,
                     "batch norm parameters do not have \(channels) channels")
        var output = Tensor(uninitializedShape: x.shape)
        var mean = [Float](repeating: 0, count: channels)
        var inverseStd = [Float](repeating: 0, count: channels)
        var unbiasedVariance = [Float](repeating: 0, count: channels)
        x.storage.withUnsafeBufferPointer { input in
            output.storage.withUnsafeMutableBufferPointer { y in
                mean.withUnsafeMutableBufferPointer { meanOut in
                    inverseStd.withUnsafeMutableBufferPointer { invStdOut in
                        unbiasedVariance.withUnsafeMutableBufferPointer { unbiasedOut in
                            Parallel.forEach(channels, minimumChunk: max(1, 8192 / max(count, 1))) { range in
                                for c in range {
                                    var (sum, sumOfSquares) = (0.0, 0.0)
                                    for b in 0..<batch {
                                        let plane = planeSums(input.baseAddress! + (b * channels + c) * pixels, count: pixels)
                                        sum += plane.sum
                                        sumOfSquares += plane.squares
                                    }
                                    let m = sum / Double(count)
                                    // Σ(x − mean)², from the one pass's sums
                                    let squares = max(0, sumOfSquares - sum * m)
                                    let invStd = Float(1 / (squares / Double(count) + Double(epsilon)).squareRoot())
                                    let meanF = Float(m)
                                    meanOut[c] = meanF
                                    invStdOut[c] = invStd
                                    unbiasedOut[c] = Float(squares / Double(count - 1))
                                    let scale = weight.storage[c] * invStd
                                    let shift = bias.storage[c]
                                    for b in 0..<batch {
                                        let offset = (b * channels + c) * pixels
                                        normalize(input.baseAddress! + offset, into: y.baseAddress! + offset, count: pixels,
                                                  mean: meanF, scale: scale, shift: shift, activation: activation)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for c in 0..<channels {
            runningMean.storage[c] = momentum * mean[c] + (1 - momentum) * runningMean.storage[c]
            runningVariance.storage[c] = momentum * unbiasedVariance[c] + (1 - momentum) * runningVariance.storage[c]
        }
        return (output, Saved(mean: mean, inverseStandardDeviation: inverseStd))
    }

    /// The backward pass of `forward` for dY = `outputGradient`, with x̂ = (x − mean)·invstd:
    /// dβ += Σ dY, dγ += Σ dY·x̂ (accumulated into the given gradients, which start from zeros),
    /// and returns dX = γ·invstd·(dY − Σ dY/N − x̂·Σ(dY·x̂)/N). Sums in Float64 per channel.
    ///
    /// With an `activation` (and the batch norm's `bias`), `outputGradient` is the gradient of
    /// f(y), as `forward` with that activation returned: dY = dZ·f′(y) is formed on the way, y
    /// recomputed from x exactly as the forward pass computed it.
    public static func backward(_ outputGradient: Tensor, input x: Tensor, weight: Tensor, saved: Saved,
                                weightGradient: inout Tensor, biasGradient: inout Tensor,
                                activation: ActivationFunction = .identity, bias: Tensor? = nil) -> Tensor {
        precondition(activation == .identity || bias?.elementCount == weight.elementCount,
                     "the batch norm's bias is needed to recompute the activation's input")
        precondition(outputGradient.shape == x.shape && x.shape.count == 4,
                     "gradient \(outputGradient.shape) and input \(x.shape) differ")
        let (batch, channels) = (x.shape[0], x.shape[1])
        let pixels = x.shape[2] * x.shape[3]
        let count = batch * pixels
        precondition(weight.elementCount == channels && weightGradient.elementCount == channels
                     && biasGradient.elementCount == channels && saved.mean.count == channels,
                     "batch norm parameters do not have \(channels) channels")
        var dx = Tensor(uninitializedShape: x.shape)
        let inC = ActivationFunction.elementwiseInC
        outputGradient.storage.withUnsafeBufferPointer { dy in
            x.storage.withUnsafeBufferPointer { input in
                dx.storage.withUnsafeMutableBufferPointer { dxOut in
                    weightGradient.storage.withUnsafeMutableBufferPointer { dGamma in
                        biasGradient.storage.withUnsafeMutableBufferPointer { dBeta in
                            Parallel.forEach(channels, minimumChunk: max(1, 8192 / max(count, 1))) { range in
                                for c in range {
                                    let meanF = saved.mean[c]
                                    let invStd = saved.inverseStandardDeviation[c]
                                    var sumDy = 0.0, sumDyXhat = 0.0
                                    for b in 0..<batch {
                                        let offset = (b * channels + c) * pixels
                                        var g = dy.baseAddress! + offset
                                        if inC, let code = activation.codeInC {
                                            // dY = dZ·f′(y) into dX's place and the sums, in one pass
                                            var sums = (dy: 0.0, dyXhat: 0.0)
                                            yolo_batchnorm_gradient_sums(g, input.baseAddress! + offset, dxOut.baseAddress! + offset,
                                                                         pixels, meanF, invStd, weight.storage[c] * invStd,
                                                                         bias?.storage[c] ?? 0, code, &sums.dy, &sums.dyXhat)
                                            sumDy += sums.dy
                                            sumDyXhat += sums.dyXhat
                                            continue
                                        }
                                        if activation != .identity {
                                            // dY = dZ·f′(y) into dX's place, read again below
                                            let scale = weight.storage[c] * invStd, shift = bias!.storage[c]
                                            let src = input.baseAddress! + offset, out = dxOut.baseAddress! + offset
                                            if activation == .silu {
                                                // ActivationFunction.backward's SiLU arithmetic, so the same values
                                                for i in 0..<pixels {
                                                    let y = (src[i] - meanF) * scale + shift
                                                    let sigma = 1 / (1 + fastExp(-y))
                                                    out[i] = g[i] * (sigma * (1 + y * (1 - sigma)))
                                                }
                                            } else {
                                                for i in 0..<pixels {
                                                    out[i] = g[i] * activation.derivative((src[i] - meanF) * scale + shift)
                                                }
                                            }
                                            g = UnsafePointer(out)
                                        }
                                        let sums = gradientSums(g, input.baseAddress! + offset, count: pixels, mean: meanF,
                                                                inverseStd: invStd)
                                        sumDy += sums.dy
                                        sumDyXhat += sums.dyXhat
                                    }
                                    dBeta[c] += Float(sumDy)
                                    dGamma[c] += Float(sumDyXhat)
                                    let meanDy = Float(sumDy / Double(count))
                                    let meanDyXhat = Float(sumDyXhat / Double(count))
                                    let scale = weight.storage[c] * invStd
                                    for b in 0..<batch {
                                        let offset = (b * channels + c) * pixels
                                        let out = dxOut.baseAddress! + offset
                                        let g = activation == .identity ? dy.baseAddress! + offset : UnsafePointer(out)
                                        let src = input.baseAddress! + offset
                                        inputGradient(g, src, into: out, count: pixels, mean: meanF, inverseStd: invStd,
                                                      scale: scale, meanDy: meanDy, meanDyXhat: meanDyXhat)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// dx = scale·(dy − mean(dY) − x̂·mean(dY·x̂)), eight lanes at a time: `dy` may be `dx` itself
    /// (the fused activation's dY), which keeps the compiler from vectorising the plain loop.
    @inline(__always)
    private static func inputGradient(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                                      count: Int, mean: Float, inverseStd: Float, scale: Float, meanDy: Float,
                                      meanDyXhat: Float) {
        if ActivationFunction.elementwiseInC {
            yolo_batchnorm_input_gradient(dy, x, dx, count, mean, inverseStd, scale, meanDy, meanDyXhat)
            return
        }
        var i = 0
        while i + 8 <= count {
            let xHat = (UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - mean) * inverseStd
            let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dx + i).storeBytes(of: scale * (g - meanDy - xHat * meanDyXhat), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            let xHat = (x[i] - mean) * inverseStd
            dx[i] = scale * (dy[i] - meanDy - xHat * meanDyXhat)
            i += 1
        }
    }

    /// Floats normalised and then activated at a time (in L1), where Swift applies the activation.
    static let activationPiece = 2048

    /// Σx and Σx² of a plane in Float64.
    private static func planeSums(_ plane: UnsafePointer<Float>, count: Int) -> (sum: Double, squares: Double) {
        guard ActivationFunction.elementwiseInC else { return PlaneSums.sumAndSquares(plane, count: count) }
        var sums = (sum: 0.0, squares: 0.0)
        yolo_plane_sum_squares(plane, count, &sums.sum, &sums.squares)
        return sums
    }

    /// Σ dY and Σ dY·x̂ of a plane in Float64.
    private static func gradientSums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, mean: Float,
                                     inverseStd: Float) -> (dy: Double, dyXhat: Double) {
        guard ActivationFunction.elementwiseInC else {
            return PlaneSums.gradientSums(dy, x, count: count, mean: mean, inverseStd: inverseStd)
        }
        var sums = (dy: 0.0, dyXhat: 0.0)
        yolo_batchnorm_gradient_sums(dy, x, nil, count, mean, inverseStd, 0, 0, Int32(YOLO_TILE_IDENTITY), &sums.dy, &sums.dyXhat)
        return sums
    }

    /// y = f((x − mean)·scale + shift) over a plane: in one C pass where SiLU and sigmoid run in C,
    /// else normalised and activated a piece at a time.
    private static func normalize(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int, mean: Float,
                                  scale: Float, shift: Float, activation: ActivationFunction) {
        let inC = ActivationFunction.elementwiseInC
        if inC, let code = activation.codeInC {
            yolo_plane_normalize(x, y, count, mean, scale, shift, code)
            return
        }
        var start = 0
        while start < count {
            let end = min(count, start + activationPiece)
            if inC {
                yolo_plane_normalize(x + start, y + start, end - start, mean, scale, shift, Int32(YOLO_TILE_IDENTITY))
            } else {
                for i in start..<end { y[i] = (x[i] - mean) * scale + shift }
            }
            activation.apply(UnsafeMutableBufferPointer(start: y + start, count: end - start))
            start = end
        }
    }
}
