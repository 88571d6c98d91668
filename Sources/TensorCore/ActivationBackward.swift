import CKernels

/// Activation backward from the pre-activation input x: dX = dY · f′(x), with PyTorch's
/// conventions at the kinks (ReLU′(0) = 0, LeakyReLU′(0) = slope, Hardswish′ = 0 below −3,
/// x/3 + ½ on [−3, 3], 1 above 3).
extension ActivationFunction {
    /// f′(x).
    @inline(__always)
    public func derivative(_ x: Float) -> Float {
        switch self {
        case .identity: return 1
        case .silu:
            let s = 1 / (1 + fastExp(-x))
            return s * (1 + x * (1 - s))
        case .leakyReLU(let slope): return x > 0 ? 1 : slope
        case .relu: return x > 0 ? 1 : 0
        case .hardswish: return x < -3 ? 0 : (x <= 3 ? x / 3 + 0.5 : 1)
        case .sigmoid:
            let s = 1 / (1 + fastExp(-x))
            return s * (1 - s)
        }
    }

    /// dX = dY · f′(x) for the pre-activation input x (same shapes), into a new tensor: the
    /// output gradient is usually still held by the caller, so working in place would first copy it.
    public func backward(_ outputGradient: Tensor, input: Tensor) -> Tensor {
        precondition(outputGradient.shape == input.shape, "gradient \(outputGradient.shape) and input \(input.shape) differ")
        if self == .identity { return outputGradient }
        var dx = Tensor(uninitializedShape: input.shape)
        input.storage.withUnsafeBufferPointer { x in
            outputGradient.storage.withUnsafeBufferPointer { dy in
                dx.storage.withUnsafeMutableBufferPointer { out in
                    guard let xBase = x.baseAddress else { return }
                    backward(input: xBase, outputGradient: dy.baseAddress!, into: out.baseAddress!, count: out.count)
                }
            }
        }
        return dx
    }

    /// dx[i] = dy[i] · f′(x[i]) (not for the identity, which returns dY itself); SiLU′ and sigmoid′
    /// from the C tiles' sigmoid where `elementwiseInC`.
    private func backward(input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                          into dx: UnsafeMutablePointer<Float>, count: Int) {
        let code = Self.elementwiseInC ? codeInC : nil
        Parallel.forEach(count, minimumChunk: 65_536) { range in
            if let code {
                yolo_activation_gradient(x + range.lowerBound, dy + range.lowerBound, dx + range.lowerBound, range.count, code)
                return
            }
            switch self {
            case .silu:
                for i in range {
                    let s = 1 / (1 + fastExp(-x[i]))
                    dx[i] = dy[i] * (s * (1 + x[i] * (1 - s)))
                }
            case .sigmoid:
                for i in range {
                    let s = 1 / (1 + fastExp(-x[i]))
                    dx[i] = dy[i] * (s * (1 - s))
                }
            default:
                for i in range { dx[i] = dy[i] * derivative(x[i]) }
            }
        }
    }
}
