/// An image that passed verification, with its labels: one entry of a dataset.
public struct VerifiedImage: Sendable, Equatable, Codable {
    /// Whether the image has labels, and if not, why it is a background image.
    public enum LabelStatus: String, Sendable, Codable {
        /// The label file exists and has at least one non-blank line (Ultralytics' "found").
        case found
        /// There is no label file.
        case missing
        /// The label file is empty.
        case empty
    }

    public var imagePath: String
    public var labelPath: String
    /// The size `cv2.imread` gives: after applying the EXIF orientation.
    public var size: ImageSize
    public var labels: [ObjectLabel]
    /// Polygons parallel to `labels` when the label file holds polygons, else empty.
    public var segments: [[Float]]
    public var labelStatus: LabelStatus

    public init(imagePath: String, labelPath: String, size: ImageSize, labels: [ObjectLabel],
                segments: [[Float]] = [], labelStatus: LabelStatus) {
        self.imagePath = imagePath
        self.labelPath = labelPath
        self.size = size
        self.labels = labels
        self.segments = segments
        self.labelStatus = labelStatus
    }
}
