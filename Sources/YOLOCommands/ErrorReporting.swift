import ArgumentParser
import YOLOConfig
#if canImport(Glibc)
import Glibc
#endif

/// Writes a line to standard error.
func printError(_ message: String) {
    var line = message
    line += "\n"
    fputs(line, stderr)
}

/// Runs `body`; a configuration error is printed as `error: file:line:column: message` and the
/// command exits with status 2, without a stack trace.
func reportingConfigErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ConfigError {
        printError("error: \(error)")
        throw ExitCode(2)
    }
}
