/// A problem in a configuration file: where it is and what was expected there.
///
/// The description reads `file:line:column: message`, the form editors and terminals link to.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var mark: SourceMark?
    public var file: String?
    public var message: String

    /// An error at a known place in a file.
    public init(_ message: String, at mark: SourceMark) {
        self.mark = mark
        self.file = mark.file
        self.message = message
    }

    /// An error about a whole file (it cannot be read, or something is missing from it).
    public init(_ message: String, file: String?) {
        self.mark = nil
        self.file = file
        self.message = message
    }

    public var description: String {
        if let mark { return "\(mark): \(message)" }
        if let file { return "\(file): \(message)" }
        return message
    }
}
