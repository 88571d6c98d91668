import YOLOConfig

/// `DWConv(c1, c2, k=1, s=1, d=1, act=True)`: a Conv with groups = gcd(c1, c2).
public enum DWConvKind: ModuleKind {
    public static let yamlName = "DWConv"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(5, "[c2, k, s, d, act]")
        let (c1, c2, printed) = try row.convFamilyChannels()
        let k = try row.int(1, "kernel size", default: 1)
        let s = try row.int(2, "stride", default: 1)
        let d = try row.int(3, "dilation", default: 1)
        let act = try row.bool(4, "act", default: true)
        let shared = row.defaultActivation
        return ModulePlan(outputChannels: c2, printedArguments: printed) {
            try makeDWConv(c1, c2, kernelSize: k, stride: s, dilation: d, activation: act ? shared : nil)
        }
    }
}

/// A depthwise(-ish) Conv block as Ultralytics' DWConv builds it.
func makeDWConv(_ c1: Int, _ c2: Int, kernelSize: Int, stride: Int, dilation: Int = 1,
                activation: (any Module)?) throws -> ConvBlock {
    try ConvBlock(c1, c2, kernelSize: kernelSize, stride: stride, groups: greatestCommonDivisor(c1, c2),
                  dilation: dilation, activation: activation, typeName: "models.common.DWConv")
}

func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
    var (x, y) = (abs(a), abs(b))
    while y != 0 { (x, y) = (y, x % y) }
    return x
}
