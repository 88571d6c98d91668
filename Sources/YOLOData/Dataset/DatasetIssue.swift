/// Something wrong with one image or one label line, found while verifying a dataset. The
/// dataset is still used: an image-level issue skips that image (Ultralytics' "corrupt"
/// count), a line-level issue drops that line (or, for a duplicate, the repeated line).
public struct DatasetIssue: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The image cannot be read or decoded. Skips the image.
        case unreadableImage
        /// A supported suffix, but neither JPEG nor PNG: not decoded here. Skips the image.
        case unsupportedImage
        /// A side shorter than 10 pixels (Ultralytics' limit). Skips the image.
        case imageTooSmall
        /// The label file exists but cannot be read as UTF-8 text. Skips the image.
        case unreadableLabels
        /// A line without the 5 fields `class x y w h` (or, in a polygon file, without
        /// `class x1 y1 x2 y2 ...` pairs). Drops the line.
        case wrongFieldCount
        /// A field that is not a number. Drops the line.
        case notANumber
        /// A class that is not an integer in `0 ..< classCount`. Drops the line.
        case classOutOfRange
        /// A centre or size outside [0, 1]: the label is not normalised. Drops the line.
        case coordinateOutOfRange
        /// A width or height of 0. Drops the line.
        case emptyBox
        /// The same row as an earlier line. Drops the repeated line.
        case duplicateLabel

        /// Whether the issue takes the whole image out of the dataset.
        public var skipsImage: Bool {
            switch self {
            case .unreadableImage, .unsupportedImage, .imageTooSmall, .unreadableLabels: return true
            default: return false
            }
        }
    }

    public var kind: Kind
    /// The image (image-level issues) or the label file (line-level issues).
    public var file: String
    /// The 1-based line in `file`, for line-level issues.
    public var line: Int?
    public var message: String

    public init(_ kind: Kind, file: String, line: Int? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message` (or `file: message`).
    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
