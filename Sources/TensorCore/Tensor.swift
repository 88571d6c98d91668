/// A dense float32 tensor in row-major (C) order, NCHW for feature maps.
public struct Tensor: Sendable, Equatable {
    public private(set) var shape: [Int]
    public var storage: [Float]

    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.storage = [Float](repeating: value, count: shape.reduce(1, *))
    }

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values do not fill shape \(shape)")
        self.shape = shape
        self.storage = values
    }

    /// A tensor whose values are about to be overwritten completely (a GEMM output, a copy),
    /// so the zero fill is skipped.
    public init(uninitializedShape shape: [Int]) {
        self.shape = shape
        self.storage = [Float](unsafeUninitializedCapacity: shape.reduce(1, *)) { _, count in count = shape.reduce(1, *) }
    }

    public var elementCount: Int { storage.count }

    /// The same values under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, values: storage)
    }

    /// Runs `body` with the storage base of every tensor pinned (the maps a kernel reads in place).
    public static func withBasePointers<R>(_ tensors: ArraySlice<Tensor>, pinned: [UnsafePointer<Float>] = [],
                                           _ body: ([UnsafePointer<Float>]) throws -> R) rethrows -> R {
        guard let first = tensors.first else { return try body(pinned) }
        return try first.storage.withUnsafeBufferPointer { storage in
            try withBasePointers(tensors.dropFirst(), pinned: pinned + [storage.baseAddress!], body)
        }
    }
}
