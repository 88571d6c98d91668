/// Counts multiply-accumulates the way Ultralytics counts them (through the `thop` profiler),
/// so reported GFLOPs (2 × MACs) agree: convolutions `out·(cin/groups)·kh·kw` (bias not counted),
/// BatchNorm `4·elements`; activations, pooling, upsampling, padding, concatenation and YOLO's
/// own leaf modules count zero.
public struct FLOPCounter: Sendable {
    public private(set) var multiplyAccumulates: Double = 0

    public init() {}

    public mutating func add(_ macs: Double) { multiplyAccumulates += macs }

    public var gigaFLOPs: Double { 2 * multiplyAccumulates / 1e9 }
}
