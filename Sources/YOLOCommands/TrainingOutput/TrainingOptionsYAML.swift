/// A run's `opt.yaml`: the training options, as train.py saves `vars(opt)` with PyYAML.
///
/// The trainer passes its flags as ordered (key, value) pairs under Ultralytics' names; a resumed
/// run (this project's or Ultralytics') reads them back by those names. `ultralyticsKeys` is the
/// order train.py's namespace has (its argparse order, then `save_dir`, which `main` adds).
/// Note that train.py replaces `hyp` (the file path) by the loaded dict before saving, so the
/// value of `hyp` is a mapping: pass `.mapping(HyperparameterYAML.entries(hyp))`.
public enum TrainingOptionsYAML {
    public static let ultralyticsKeys = [
        "weights", "cfg", "data", "hyp", "epochs", "batch_size", "imgsz", "rect", "resume", "nosave", "noval",
        "noautoanchor", "noplots", "evolve", "evolve_population", "resume_evolve", "bucket", "cache", "image_weights",
        "device", "multi_scale", "single_cls", "optimizer", "sync_bn", "workers", "project", "name", "exist_ok", "quad",
        "cos_lr", "label_smoothing", "patience", "freeze", "save_period", "seed", "local_rank", "entity",
        "upload_dataset", "bbox_interval", "save_dir",
    ]

    public static func text(_ options: [(key: String, value: PyYAMLValue)]) -> String {
        PyYAMLWriter.document(options.map { PyYAMLValue.Entry($0.key, $0.value) })
    }

    /// Writes the options; a repeated key is refused (it would make the mapping ambiguous).
    public static func write(_ options: [(key: String, value: PyYAMLValue)], to path: String) throws {
        var seen: Set<String> = []
        for (key, _) in options where !seen.insert(key).inserted {
            throw TrainingOutputError("option '\(key)' given twice", file: path)
        }
        try AtomicTextFile.write(text(options), to: path)
    }
}
