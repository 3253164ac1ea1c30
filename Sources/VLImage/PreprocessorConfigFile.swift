import Foundation
import VLCore

/// The fields of a transformers `preprocessor_config.json` that the CLIP, SigLIP and Bit (DINOv2) image
/// processors read, with transformers' defaults for absent ones.
struct PreprocessorConfigFile: Decodable {
    let processor: ImageProcessor

    /// `size` / `crop_size`: a bare integer, or an object with `shortest_edge` or `height` and `width`.
    private enum SizeField: Decodable {
        case integer(Int)
        case object(shortestEdge: Int?, height: Int?, width: Int?)

        private enum Keys: String, CodingKey { case shortestEdge = "shortest_edge", height, width }

        init(from decoder: any Decoder) throws {
            if let value = try? decoder.singleValueContainer().decode(Int.self) {
                self = .integer(value)
                return
            }
            guard let container = try? decoder.container(keyedBy: Keys.self) else {
                throw ConfigurationError(field: decoder.fieldName(""), reason: "expected an integer or an object")
            }
            self = .object(shortestEdge: try container.decodeIfPresent(Int.self, forKey: .shortestEdge),
                           height: try container.decodeIfPresent(Int.self, forKey: .height),
                           width: try container.decodeIfPresent(Int.self, forKey: .width))
        }
    }

    /// `image_mean` / `image_std`: three numbers, or one for every channel.
    private enum ChannelValues: Decodable {
        case values([Double])

        init(from decoder: any Decoder) throws {
            if let single = try? decoder.singleValueContainer().decode(Double.self) {
                self = .values([single, single, single])
                return
            }
            let values = try decoder.singleValueContainer().decode([Double].self)
            guard values.count == 3 else {
                throw ConfigurationError(field: decoder.fieldName(""), reason: "expected 3 values")
            }
            self = .values(values)
        }

        var floats: [Float] {
            switch self { case .values(let values): values.map { Float($0) } }
        }
    }

    private enum Keys: String, CodingKey {
        case resample, size, doResize = "do_resize", cropSize = "crop_size", doCenterCrop = "do_center_crop"
        case doRescale = "do_rescale", rescaleFactor = "rescale_factor", doNormalize = "do_normalize"
        case imageMean = "image_mean", imageStd = "image_std"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let file = decoder.configurationFile
        let resample = try c.decodeIfPresent(Int.self, forKey: .resample) ?? 3
        guard resample == 3 else {
            throw ConfigurationError(field: "\(file): resample", reason: "only bicubic (3) is supported, got \(resample)")
        }
        func checked(_ value: Int?, _ name: String) throws(ConfigurationError) -> Int? {
            guard let value else { return nil }
            guard (1...ImageProcessor.maximumSide).contains(value) else {
                throw ConfigurationError(field: "\(file): \(name)", reason: "\(value) is outside 1 ... \(ImageProcessor.maximumSide)")
            }
            return value
        }
        // transformers' get_size_dict: a bare integer `size` is the shortest edge (CLIP, SigLIP and Bit processors
        // all set default_to_square = False); a bare integer `crop_size` is a square.
        func sides(_ key: Keys, integerIsShortestEdge: Bool) throws -> (edge: Int?, height: Int?, width: Int?) {
            switch try c.decodeIfPresent(SizeField.self, forKey: key) {
            case .integer(let value)?:
                let side = try checked(value, key.rawValue)
                return integerIsShortestEdge ? (side, nil, nil) : (nil, side, side)
            case .object(let edge, let height, let width)?:
                return (try checked(edge, key.rawValue + ".shortest_edge"), try checked(height, key.rawValue + ".height"),
                        try checked(width, key.rawValue + ".width"))
            case nil:
                return (nil, nil, nil)
            }
        }
        var resize: ImageProcessor.Resize?
        if try c.decodeIfPresent(Bool.self, forKey: .doResize) ?? true {
            let size = try sides(.size, integerIsShortestEdge: true)
            if let edge = size.edge {
                resize = .shortestEdge(edge)
            } else if let height = size.height, let width = size.width {
                resize = .exact(height: height, width: width)
            } else {
                throw ConfigurationError(field: "\(file): size", reason: "needs shortest_edge, or height and width")
            }
        }
        var crop: (height: Int, width: Int)?
        if try c.decodeIfPresent(Bool.self, forKey: .doCenterCrop) ?? false {
            let size = try sides(.cropSize, integerIsShortestEdge: false)
            guard let height = size.height, let width = size.width else {
                throw ConfigurationError(field: "\(file): crop_size", reason: "needs height and width")
            }
            crop = (height, width)
        }
        let rescale: Double? = try c.decodeIfPresent(Bool.self, forKey: .doRescale) ?? true
            ? try c.decodeIfPresent(Double.self, forKey: .rescaleFactor) ?? 1.0 / 255 : nil
        let normalize = try c.decodeIfPresent(Bool.self, forKey: .doNormalize) ?? true
        let mean = try c.decodeIfPresent(ChannelValues.self, forKey: .imageMean)?.floats ?? ImageProcessor.clipMean
        let std = try c.decodeIfPresent(ChannelValues.self, forKey: .imageStd)?.floats ?? ImageProcessor.clipStd
        processor = ImageProcessor(resize: resize, crop: crop, rescaleFactor: rescale, mean: normalize ? mean : nil,
                                   std: normalize ? std : nil)
    }
}
