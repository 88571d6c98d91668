import YOLOConfig

/// A run's `hyp.yaml`: the hyperparameters in Ultralytics' key order, written as PyYAML writes
/// the dict train.py loaded (`yaml_save(save_dir / "hyp.yaml", hyp)`).
public enum HyperparameterYAML {
    /// The hyperparameters as an ordered mapping, the form they also take under `hyp:` in opt.yaml.
    public static func entries(_ hyp: Hyperparameters) -> [PyYAMLValue.Entry] {
        // `yamlText` is the one ordered view Hyperparameters offers: `key: repr(value)` lines.
        hyp.yamlText.split(separator: "\n").compactMap { line in
            guard let colon = line.firstIndex(of: ":"), let value = Double(line[line.index(after: colon)...].drop(while: { $0 == " " }))
            else { return nil }
            return PyYAMLValue.Entry(String(line[..<colon]), .double(value))
        }
    }

    public static func text(_ hyp: Hyperparameters) -> String {
        PyYAMLWriter.document(entries(hyp))
    }

    /// The text for the hyperparameter file at `path` (loaded and checked as training loads it).
    public static func text(hypFile path: String) throws -> String {
        text(try Hyperparameters.load(path: path))
    }

    public static func write(_ hyp: Hyperparameters, to path: String) throws {
        try AtomicTextFile.write(text(hyp), to: path)
    }
}
