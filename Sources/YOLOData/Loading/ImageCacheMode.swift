/// Where decoded training images are kept between epochs (Ultralytics' `--cache ram|disk`).
public enum ImageCacheMode: String, Sendable, CaseIterable {
    /// Decode every time.
    case none
    /// Keep every image, already resized by `load_image`, in memory (checked against the
    /// available memory first).
    case ram
    /// Keep each decoded full-size image in a raw file beside the source image
    /// (`<image>.rgbcache`), reused while the source's size and modification time are unchanged.
    case disk
}
