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

/// Runs `body`; any failure it reports (a configuration error with its `file:line:column`, an
/// unreadable checkpoint, image or dataset, weights that do not fit) is printed as
/// `error: <description>` and the command exits with status 2, without a stack trace.
func reportingConfigErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        printError("error: \(error)")
        throw ExitCode(2)
    }
}
