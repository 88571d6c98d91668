import TensorCore

/// `torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)`, which train.py calls with
/// max_norm 10 before every optimizer step.
///
/// torch takes each gradient's norm, then the norm of those norms (in `model.parameters()`
/// order), computes `coef = max_norm · (1 / (total + 1e-6))` in float32, clamps it to at most 1
/// and multiplies every gradient by it. Multiplying by exactly 1 changes nothing, so only a
/// coefficient below 1 (or NaN, which torch also propagates) touches the gradients.
public enum GradientClipping {
    /// The max_norm train.py passes.
    public static let ultralyticsMaxNorm = 10.0

    /// Clips in place and returns the total norm before clipping (what torch returns).
    /// `gradients` must be in `model.parameters()` order (`Network.parameterGradients` is).
    @discardableResult
    public static func clipNorm(_ gradients: inout [(name: String, gradient: Tensor)],
                                maxNorm: Double = ultralyticsMaxNorm) -> Float {
        let total = totalNorm(gradients.map(\.gradient))
        if let factor = factor(totalNorm: total, maxNorm: maxNorm) {
            for index in gradients.indices { scale(&gradients[index].gradient, by: factor) }
        }
        return total
    }

    /// The same over unnamed tensors in `model.parameters()` order.
    @discardableResult
    public static func clipNorm(_ gradients: inout [Tensor], maxNorm: Double = ultralyticsMaxNorm) -> Float {
        let total = totalNorm(gradients)
        if let factor = factor(totalNorm: total, maxNorm: maxNorm) {
            for index in gradients.indices { scale(&gradients[index], by: factor) }
        }
        return total
    }

    /// torch's clamped coefficient, or nil when it is exactly 1 (multiplying would change nothing).
    static func factor(totalNorm: Float, maxNorm: Double) -> Float? {
        // Python's `max_norm / tensor` is `tensor.reciprocal() * max_norm`, all in float32.
        let coefficient = Float(maxNorm) * (1 / (totalNorm + Float(1e-6)))
        let clamped = coefficient.isNaN ? coefficient : min(coefficient, 1)
        return clamped == 1 ? nil : clamped
    }

    private static func scale(_ tensor: inout Tensor, by factor: Float) {
        let count = tensor.elementCount
        tensor.storage.withUnsafeMutableBufferPointer { g in
            Parallel.forEach(count, minimumChunk: elementwiseChunk) { range in
                for i in range { g[i] = g[i] * factor }
            }
        }
    }

    /// The norm of the per-tensor norms, each computed as torch does.
    public static func totalNorm(_ gradients: [Tensor]) -> Float {
        var norms = [Float](repeating: 0, count: gradients.count)
        norms.withUnsafeMutableBufferPointer { out in
            // Each tensor's norm is computed whole by one thread, so the result is the same on any core count.
            Parallel.forEach(gradients.count) { range in
                for index in range { out[index] = TorchVectorNorm.norm(gradients[index].storage) }
            }
        }
        return TorchVectorNorm.norm(norms)
    }
}
