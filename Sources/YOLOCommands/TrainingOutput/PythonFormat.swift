#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Python's `%` string formatting for the conversions Ultralytics' console and CSV lines use,
/// so those lines come out character for character as the PyTorch version prints them.
///
/// `%g`, `%f` and `%e` go through C's `snprintf`: CPython formats floats with correctly rounded
/// conversions and the same trimming and exponent rules (at least two exponent digits), so the
/// two agree for every finite value. They differ only for non-finite values, which Python
/// always spells `inf`, `-inf` and `nan` (glibc may print `-nan`); those are handled here.
public enum PythonFormat {
    /// `'%{width}.{precision}g' % value`: `g(0.0001234)` is `0.0001234`, `g(1234567, precision: 4)` is `1.235e+06`.
    public static func g(_ value: Double, precision: Int = 6, width: Int = 0) -> String {
        number(value, conversion: "g", precision: precision, width: width)
    }

    /// `'%{width}.{precision}f' % value`.
    public static func f(_ value: Double, precision: Int = 6, width: Int = 0) -> String {
        number(value, conversion: "f", precision: precision, width: width)
    }

    /// `'%{width}s' % text`: right-aligned in `width` characters (a negative width left-aligns,
    /// as `%-10s` does). Python counts code points, so this does too.
    public static func s(_ text: String, width: Int) -> String {
        let padding = abs(width) - text.unicodeScalars.count
        guard padding > 0 else { return text }
        let spaces = String(repeating: " ", count: padding)
        return width < 0 ? text + spaces : spaces + text
    }

    /// `'%{width}d' % value`.
    public static func d(_ value: Int, width: Int = 0) -> String {
        s(String(value), width: width)
    }

    private static func number(_ value: Double, conversion: Character, precision: Int, width: Int) -> String {
        precondition(precision >= 0 && precision <= 100, "precision \(precision) outside 0...100")
        if !value.isFinite {
            let text = value.isNaN ? "nan" : value < 0 ? "-inf" : "inf"
            return s(text, width: width)
        }
        let format = "%\(width).\(precision)\(conversion)"
        // Enough for any double in %f (309 integer digits) plus the requested precision.
        var buffer = [CChar](repeating: 0, count: 420 + precision + max(width, 0))
        let written = withVaList([value]) { arguments in
            buffer.withUnsafeMutableBufferPointer { out in
                vsnprintf(out.baseAddress, out.count, format, arguments)
            }
        }
        precondition(written >= 0 && Int(written) < buffer.count, "formatting \(value) with \(format) failed")
        return String(cString: buffer)
    }
}
