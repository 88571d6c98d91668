import YOLOConfig

/// Finds a model YAML the way Ultralytics' check_yaml does for its own files: the path as
/// given, else the name under models/ or models/hub/ (with `.yaml` added when missing).
public enum ModelFileLocator {
    public static let searchFolders = ["models", "models/hub"]

    public static func locate(_ name: String) throws -> String {
        if fileExists(name) && !isDirectory(name) { return name }
        let candidates = name.hasSuffix(".yaml") || name.hasSuffix(".yml") ? [name] : [name, name + ".yaml"]
        if !name.contains("/") {
            for folder in searchFolders {
                for candidate in candidates {
                    let path = folder + "/" + candidate
                    if fileExists(path) && !isDirectory(path) { return path }
                }
            }
        }
        for candidate in candidates where fileExists(candidate) && !isDirectory(candidate) { return candidate }
        throw ConfigError("model file not found (also looked in \(searchFolders.joined(separator: ", ")))", file: name)
    }
}
