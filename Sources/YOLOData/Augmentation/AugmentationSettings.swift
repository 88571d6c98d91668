/// The augmentation half of a hyperparameter file (Ultralytics' `hyp` keys), as the data pipeline
/// needs it. YOLOData does not read YAML; the command layer maps `YOLOConfig.Hyperparameters`
/// onto this.
public struct AugmentationSettings: Sendable, Equatable {
    /// `hsv_h`, `hsv_s`, `hsv_v`: HSV gain ranges (fractions).
    public var hsvHue: Double
    public var hsvSaturation: Double
    public var hsvValue: Double
    /// `degrees`: rotation range ±degrees.
    public var degrees: Double
    /// `translate`: translation range ±fraction of the output size.
    public var translate: Double
    /// `scale`: scale range 1 ± scale.
    public var scale: Double
    /// `shear`: shear range ±degrees.
    public var shear: Double
    /// `perspective`: perspective range ±fraction.
    public var perspective: Double
    /// `flipud`, `fliplr`: flip probabilities.
    public var flipUpDown: Double
    public var flipLeftRight: Double
    /// `mosaic`, `mixup`, `copy_paste`: probabilities.
    public var mosaic: Double
    public var mixup: Double
    public var copyPaste: Double
    /// The Albumentations-like photometric set (Blur, MedianBlur, ToGray, CLAHE at p = 0.01 each),
    /// which Ultralytics applies whenever the `albumentations` package happens to be installed.
    /// Off unless asked for, so results do not depend on what is installed.
    public var photometric: Bool

    /// The values of hyps/hyp.scratch-low.yaml.
    public init(hsvHue: Double = 0.015, hsvSaturation: Double = 0.7, hsvValue: Double = 0.4, degrees: Double = 0,
                translate: Double = 0.1, scale: Double = 0.5, shear: Double = 0, perspective: Double = 0,
                flipUpDown: Double = 0, flipLeftRight: Double = 0.5, mosaic: Double = 1, mixup: Double = 0,
                copyPaste: Double = 0, photometric: Bool = false) {
        self.hsvHue = hsvHue
        self.hsvSaturation = hsvSaturation
        self.hsvValue = hsvValue
        self.degrees = degrees
        self.translate = translate
        self.scale = scale
        self.shear = shear
        self.perspective = perspective
        self.flipUpDown = flipUpDown
        self.flipLeftRight = flipLeftRight
        self.mosaic = mosaic
        self.mixup = mixup
        self.copyPaste = copyPaste
        self.photometric = photometric
    }

    /// hyps/hyp.no-augmentation.yaml: every augmentation off (only letterboxing remains).
    public static let none = AugmentationSettings(hsvHue: 0, hsvSaturation: 0, hsvValue: 0, degrees: 0, translate: 0,
                                                  scale: 0, shear: 0, perspective: 0, flipUpDown: 0, flipLeftRight: 0,
                                                  mosaic: 0, mixup: 0, copyPaste: 0, photometric: false)
}
