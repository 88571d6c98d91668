/// A weight or tensor file that cannot be read: which file and what is wrong with it.
public struct CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var message: String

    public init(_ message: String, file: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
