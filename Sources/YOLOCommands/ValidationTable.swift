import Foundation
import YOLOEval

/// val.py's printed table: the header, the `all` row, and a row per class.
enum ValidationTable {
    static var header: String {
        pad("Class", 22) + ["Images", "Instances", "P", "R", "mAP50", "mAP50-95"].map { pad($0, 11) }.joined()
    }

    /// The header, `all`, and (when `perClass`) one row per class with labels.
    static func lines(result: Validator.Result, names: [String], perClass: Bool) -> [String] {
        let stats = result.statistics
        let summary = stats.summary()
        let instances = stats.instancesPerClass
        let seen = result.images.count
        var lines = [header, row("all", seen, instances.reduce(0, +), summary.precision, summary.recall, summary.map50, summary.map)]
        if perClass, let classes = stats.perClass() {
            for (i, c) in classes.classes.enumerated() {
                lines.append(row(c < names.count ? names[c] : "class\(c)", seen, instances[c], classes.precision[i],
                                 classes.recall[i], classes.ap50[i], classes.ap50to95[i]))
            }
        }
        return lines
    }

    static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    static func row(_ name: String, _ images: Int, _ instances: Int, _ p: Double, _ r: Double, _ map50: Double, _ map: Double) -> String {
        pad(name, 22) + pad(String(images), 11) + pad(String(instances), 11)
            + [p, r, map50, map].map { String(format: "%11.3g", $0) }.joined()
    }
}
