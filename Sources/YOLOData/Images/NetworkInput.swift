import TensorCore

/// The network's input tensor: NCHW float32 with values `float(x) / 255`, the conversion
/// Ultralytics does after `letterbox` (`torch.from_numpy(im).float() / 255`).
public enum NetworkInput {
    /// `x / 255` in float32 for every byte; a division, not a multiplication by 1/255, because
    /// the two differ in the last bit for some bytes.
    static let unitScale: [Float] = (0...255).map { Float($0) / 255 }

    /// A batch of one: shape `[1, 3, height, width]`.
    public static func tensor(_ image: RGBImage) -> Tensor {
        var values = [Float](repeating: 0, count: 3 * image.width * image.height)
        values.withUnsafeMutableBufferPointer { fill($0, from: image) }
        return Tensor(shape: [1, 3, image.height, image.width], values: values)
    }

    /// A batch of same-size images: shape `[n, 3, height, width]` in the order given.
    public static func batch(_ images: [RGBImage]) throws -> Tensor {
        guard let first = images.first else {
            throw ImageError("a batch needs at least one image", file: "<batch>")
        }
        for (index, image) in images.enumerated() where image.width != first.width || image.height != first.height {
            throw ImageError("image is \(image.width)x\(image.height) but the batch is \(first.width)x\(first.height)",
                             file: "<batch image \(index)>")
        }
        let perImage = 3 * first.width * first.height
        var values = [Float](repeating: 0, count: perImage * images.count)
        values.withUnsafeMutableBufferPointer { out in
            for (index, image) in images.enumerated() {
                fill(UnsafeMutableBufferPointer(rebasing: out[(index * perImage)..<((index + 1) * perImage)]), from: image)
            }
        }
        return Tensor(shape: [images.count, 3, first.height, first.width], values: values)
    }

    /// Writes one image as three planes of scaled floats.
    private static func fill(_ out: UnsafeMutableBufferPointer<Float>, from image: RGBImage) {
        let plane = image.width * image.height
        unitScale.withUnsafeBufferPointer { scale in
            image.pixels.withUnsafeBufferPointer { src in
                for p in 0..<plane {
                    out[p] = scale[Int(src[3 * p])]
                    out[plane + p] = scale[Int(src[3 * p + 1])]
                    out[2 * plane + p] = scale[Int(src[3 * p + 2])]
                }
            }
        }
    }
}

extension RGBImage {
    /// This image as a batch of one network input, `[1, 3, height, width]`, values in [0, 1].
    public func networkInput() -> Tensor { NetworkInput.tensor(self) }
}
