import Foundation

/// Where the label file of an image is: Ultralytics' `img2label_paths`.
public enum LabelPaths {
    /// The image path with its last `/images/` component replaced by `/labels/` (or by
    /// `/<labelsFolder>/`, the data YAML's `labels:` key) and its suffix (from the last dot of
    /// the path) replaced by `.txt`. A path without an `/images/` component keeps its folder,
    /// so the label sits beside the image.
    public static func labelPath(forImage imagePath: String, labelsFolder: String? = nil) -> String {
        var path = imagePath
        if let range = path.range(of: "/images/", options: .backwards) {
            path.replaceSubrange(range, with: "/\(labelsFolder ?? "labels")/")
        }
        if let dot = path.lastIndex(of: ".") { path = String(path[..<dot]) }
        return path + ".txt"
    }
}
