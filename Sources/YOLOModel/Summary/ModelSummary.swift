import Foundation
import YOLOConfig

/// The text Ultralytics prints when it builds a model: the per-row table of parse_model and
/// the one-line summary of model_info.
public enum ModelSummary {
    /// The table header, column widths as Ultralytics' parse_model.
    public static var tableHeader: String {
        pad("", 3) + pad("from", 18) + pad("n", 3) + pad("params", 10) + "  " + padRight("module", 40) + padRight("arguments", 30)
    }

    /// One table line: index, from, n, params, module class, arguments.
    public static func tableLine(_ row: CompiledRow) -> String {
        pad(String(row.index), 3) + pad(row.from.description, 18) + pad(String(row.repeats), 3)
            + pad(String(row.parameterCount), 10) + "  " + padRight(row.typeName, 40)
            + padRight(ModuleArgument.list(row.arguments).description, 30)
    }

    public static func table(_ network: Network) -> [String] {
        [tableHeader] + network.rows.map(tableLine)
    }

    /// `YOLOv5s summary: 125 layers, 7,235,389 parameters, 7,235,389 gradients, 16.6 GFLOPs`.
    public static func summaryLine(_ network: Network, imageSize: Int) throws -> String {
        let parameters = network.parameterCount
        let gflops = try network.gigaFLOPs(imageSize: imageSize)
        return "\(modelName(network.spec.file)) summary: \(grouped(network.layerCount)) layers, "
            + "\(grouped(parameters)) parameters, \(grouped(parameters)) gradients, "
            + "\(formatFixed(gflops, decimals: 1)) GFLOPs"
    }

    /// The file's stem with `yolo` written `YOLO`, as Ultralytics names models.
    public static func modelName(_ file: String) -> String {
        let base = file.split(separator: "/").last.map(String.init) ?? file
        let stem = base.hasSuffix(".yaml") ? String(base.dropLast(5)) : (base.hasSuffix(".yml") ? String(base.dropLast(4)) : base)
        let name = stem.replacingOccurrences(of: "yolo", with: "YOLO")
        return name.isEmpty ? "Model" : name
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    static func padRight(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// Thousands separators, as Python's `{:,}`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return value < 0 ? "-" + out : out
    }

    /// Fixed-point formatting with round-half-even on the binary value, like Python's `{:.1f}`.
    public static func formatFixed(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value * scale).rounded(.toNearestOrEven)
        let integer = Int(scaled)
        let whole = integer / Int(scale)
        let fraction = abs(integer % Int(scale))
        if decimals == 0 { return String(whole) }
        var fractionText = String(fraction)
        while fractionText.count < decimals { fractionText = "0" + fractionText }
        return (value < 0 && whole == 0 ? "-" : "") + "\(whole).\(fractionText)"
    }
}
