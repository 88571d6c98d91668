import Synchronization

/// A convolution's weights in `DirectConvolution.blockWeights`' layout, made on first use (a
/// stride-1 kernel needs them only on maps too small for Winograd, which most never see).
public final class DirectBlocks: Sendable {
    private let weight: Tensor
    private let outputs: Int
    private let made = Mutex<[Float]?>(nil)

    init(_ weight: Tensor, outputs: Int) {
        self.weight = weight
        self.outputs = outputs
    }

    var blocks: [Float] {
        made.withLock { made in
            if let made { return made }
            let blocks = weight.storage.withUnsafeBufferPointer {
                DirectConvolution.blockWeights($0.baseAddress!, outputs: outputs, depth: weight.elementCount / outputs)
            }
            made = blocks
            return blocks
        }
    }
}
