/// Path-string helpers that reproduce what Ultralytics' Python does with paths, so that image
/// lists, label paths and their order come out the same.
enum PathText {
    /// `pathlib.Path(p)` as text: repeated slashes collapsed, `.` components and a trailing slash
    /// dropped (`..` is kept, as pathlib keeps it).
    static func normalized(_ path: String) -> String {
        guard !path.isEmpty else { return "." }
        let absolute = path.hasPrefix("/")
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// The folder part of a path (`os.path.dirname`, `.` for a bare name).
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// `a/b` without doubling a slash.
    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// Python's `str < str`: code point order (Swift's `<` on `String` compares canonical
    /// equivalents as equal and can order differently outside ASCII).
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }

    /// `pathlib.Path(p).with_suffix(suffix)`: the last component's suffix (from its last dot,
    /// unless that dot starts the name or ends it) replaced, or `suffix` appended.
    static func replacingSuffix(of path: String, with suffix: String) -> String {
        let nameStart = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let name = path[nameStart...]
        if let dot = name.lastIndex(of: "."), dot != name.startIndex, name.index(after: dot) != name.endIndex {
            return String(path[..<dot]) + suffix
        }
        return path + suffix
    }
}
