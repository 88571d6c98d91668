import XCTest
import YOLOConfig
@testable import YOLOTrain

final class LossGainsTests: XCTestCase {
    /// The reference loss fixture's scaled gains (loss_values.json hyp_scaled): box 0.05, cls 0.5, obj 0.25 at 320.
    func testGainsScaleLikeTrainPy() {
        let gains = LossGains(hyperparameters: Hyperparameters(), levels: 3, classes: 80, imageSize: 320)
        XCTAssertEqual(gains.box, 0.05, accuracy: 1e-15)
        XCTAssertEqual(gains.cls, 0.5, accuracy: 1e-15)
        XCTAssertEqual(gains.obj, 0.25, accuracy: 1e-15)
    }
}
