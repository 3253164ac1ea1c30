import Foundation
import VLCore
import VLImage

/// A self-contained HTML page about mined CLIP-blind pairs: the top pairs side by side as thumbnails (encoded into
/// the page, so it works when moved; an unreadable image gets a placeholder), a 2-D histogram of (CLIP cosine,
/// DINOv2 cosine) over all pairs (or a uniform sample of 10^6 when there are more) with the CLIP-blind region drawn,
/// and a 2-D PCA map of each embedding set with the pairs drawn as lines.
///
/// The markup is well-formed XHTML, so an XML parser reads it as well as a browser does.
public struct PairReport: Sendable {
    public var clip: EmbeddingFile
    public var dino: EmbeddingFile
    public var pairs: [BlindPair]
    public var clipMinimum: Float
    public var dinoMaximum: Float
    /// Pairs shown as thumbnails.
    public var shownPairs = 48
    /// Pairs sampled for the histogram when there are more.
    public var histogramSample = 1_000_000
    /// Points drawn per PCA map (a uniform subsample beyond it; every image of a shown pair is drawn).
    public var mapPoints = 4000
    /// Longer side of a thumbnail, in pixels.
    public var thumbnailSide = 160

    public init(clip: EmbeddingFile, dino: EmbeddingFile, pairs: [BlindPair], clipMinimum: Float, dinoMaximum: Float) {
        self.clip = clip
        self.dino = dino
        self.pairs = pairs
        self.clipMinimum = clipMinimum
        self.dinoMaximum = dinoMaximum
    }

    /// The page. Relative image paths are read from the current directory.
    public func html() throws -> String {
        let n = clip.items.count
        let shown = Array(pairs.prefix(shownPairs))
        var page = """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/>
            <title>CLIP-blind pairs</title>
            <style>
            body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
            .pairs { display: flex; flex-wrap: wrap; gap: 14px; }
            .pair { border: 1px solid #ccc; border-radius: 6px; padding: 8px; }
            .pair img, .pair .missing { width: \(thumbnailSide)px; height: \(thumbnailSide)px; object-fit: contain; background: #f4f4f4; }
            .missing { display: inline-flex; align-items: center; justify-content: center; color: #999; font-size: 12px; }
            .caption { font-size: 12px; margin-top: 4px; max-width: \(2 * thumbnailSide + 8)px; word-break: break-all; }
            svg text { font: 11px system-ui, sans-serif; }
            </style></head><body>
            <h1>CLIP-blind pairs</h1>
            <p>\(n) images; \(pairs.count) pairs with CLIP cosine &gt; \(clipMinimum) and DINOv2 cosine &lt; \(dinoMaximum)
            (\(Self.escape(clip.embedding)) of \(Self.escape(clip.checkpoint)), \(Self.escape(dino.embedding)) of \(Self.escape(dino.checkpoint))).</p>
            <h2>Top pairs</h2>
            <div class="pairs" id="pairs">

            """
        var thumbnails: [Int: String] = [:]  // "" marks an unreadable image
        for pair in shown {
            page += "<div class=\"pair\">"
            for index in [pair.first, pair.second] {
                if thumbnails[index] == nil { thumbnails[index] = thumbnail(clip.items[index]) ?? "" }
                if let data = thumbnails[index], !data.isEmpty {
                    page += "<img src=\"data:image/png;base64,\(data)\" alt=\"\(Self.escape(clip.items[index]))\"/>"
                } else {
                    page += "<span class=\"missing\">unreadable</span>"
                }
                page += " "
            }
            page += "<div class=\"caption\">CLIP \(Self.format(pair.clipCosine)) · DINOv2 \(Self.format(pair.dinoCosine))<br/>"
            page += "\(Self.escape(clip.items[pair.first]))<br/>\(Self.escape(clip.items[pair.second]))</div></div>\n"
        }
        page += "</div>\n<h2>CLIP vs DINOv2 cosine over \(n * (n - 1) / 2 > histogramSample ? "\(histogramSample) sampled pairs" : "all pairs")</h2>\n"
        page += histogram()
        page += "<h2>PCA maps</h2>\n"
        page += try pcaMap(clip, id: "pca-clip", title: "CLIP (\(clip.embedding))")
        page += try pcaMap(dino, id: "pca-dino", title: "DINOv2 (\(dino.embedding))")
        page += "</body></html>\n"
        return page
    }

    /// A PNG thumbnail as base64, or nil when the image cannot be read.
    func thumbnail(_ path: String) -> String? {
        guard let image = try? RGBImage(contentsOf: path), let png = try? image.thumbnail(fitting: thumbnailSide).pngData() else { return nil }
        return Data(png).base64EncodedString()
    }

    /// The pairs the histogram counts: all of them, or a uniform sample (with replacement, deterministic).
    func histogramPairs() -> [(Int, Int)] {
        let n = clip.items.count
        let total = n * (n - 1) / 2
        if total <= histogramSample {
            return (0..<n).flatMap { i in ((i + 1)..<n).map { (i, $0) } }
        }
        var state: UInt64 = 0x5DEE_CE66_D1CE_5EED
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (0..<histogramSample).map { _ in
            var i = Int(next() % UInt64(n)), j = Int(next() % UInt64(n - 1))
            if j >= i { j += 1 } else { swap(&i, &j) }
            return (i, j)
        }
    }

    func histogram() -> String {
        let cosines = BlindPairMiner.cosines(of: histogramPairs(), clip: clip.embeddings, dino: dino.embeddings)
        let bins = 60, size = 360, margin = 44
        var counts = [Int](repeating: 0, count: bins * bins)
        func bin(_ value: Float) -> Int { min(bins - 1, max(0, Int((value + 1) / 2 * Float(bins)))) }
        for (c, d) in cosines { counts[bin(d) * bins + bin(c)] += 1 }
        let most = Double(counts.max() ?? 1)
        let cell = Double(size) / Double(bins)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"histogram\" width=\"\(size + 2 * margin)\" height=\"\(size + 2 * margin)\">\n"
        svg += "<rect x=\"\(margin)\" y=\"\(margin)\" width=\"\(size)\" height=\"\(size)\" fill=\"#fafafa\" stroke=\"#999\"/>\n"
        for row in 0..<bins {
            for column in 0..<bins where counts[row * bins + column] > 0 {
                let level = log(1 + Double(counts[row * bins + column])) / log(1 + most)
                let shade = Int(230 - 200 * level)
                svg += "<rect x=\(Self.quote(Double(margin) + Double(column) * cell)) y=\(Self.quote(Double(margin + size) - Double(row + 1) * cell)) "
                svg += "width=\(Self.quote(cell)) height=\(Self.quote(cell)) fill=\"rgb(\(shade),\(shade),255)\"/>\n"
            }
        }
        // The CLIP-blind region: clip > minimum (right), dino < maximum (bottom).
        let x = Double(margin) + Double((clipMinimum + 1) / 2) * Double(size)
        let y = Double(margin + size) - Double((dinoMaximum + 1) / 2) * Double(size)
        svg += "<rect id=\"blind-region\" x=\(Self.quote(x)) y=\(Self.quote(y)) width=\(Self.quote(Double(margin + size) - x)) height=\(Self.quote(Double(margin + size) - y)) "
        svg += "fill=\"rgba(220,40,40,0.12)\" stroke=\"#d22\" stroke-dasharray=\"4 3\"/>\n"
        for tick in [-1.0, -0.5, 0.0, 0.5, 1.0] {
            let px = Double(margin) + (tick + 1) / 2 * Double(size), py = Double(margin + size) - (tick + 1) / 2 * Double(size)
            svg += "<text x=\(Self.quote(px)) y=\"\(margin + size + 14)\" text-anchor=\"middle\">\(tick)</text>"
            svg += "<text x=\"\(margin - 6)\" y=\(Self.quote(py + 4)) text-anchor=\"end\">\(tick)</text>\n"
        }
        svg += "<text x=\"\(margin + size / 2)\" y=\"\(margin + size + 32)\" text-anchor=\"middle\">CLIP cosine</text>"
        svg += "<text x=\"12\" y=\"\(margin + size / 2)\" transform=\"rotate(-90 12 \(margin + size / 2))\" text-anchor=\"middle\">DINOv2 cosine</text>\n"
        svg += "<text x=\"\(margin)\" y=\"\(margin - 10)\">\(cosines.count) pairs; CLIP-blind region dashed</text>\n</svg>\n"
        return svg
    }

    func pcaMap(_ set: EmbeddingFile, id: String, title: String) throws -> String {
        let pca = try PrincipalComponents(fitting: set.embeddings)
        let points = try pca.project(set.embeddings)
        let n = points.shape[0]
        let xs = (0..<n).map { points[$0, 0] }, ys = (0..<n).map { points[$0, 1] }
        let (minX, maxX) = (xs.min() ?? 0, xs.max() ?? 1), (minY, maxY) = (ys.min() ?? 0, ys.max() ?? 1)
        let size = 360.0, margin = 20.0
        func px(_ i: Int) -> Double { margin + Double((xs[i] - minX) / max(maxX - minX, 1e-12)) * size }
        func py(_ i: Int) -> Double { margin + size - Double((ys[i] - minY) / max(maxY - minY, 1e-12)) * size }
        var svg = "<h3>\(Self.escape(title))</h3>\n<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(id)\" width=\"\(Int(size + 2 * margin))\" height=\"\(Int(size + 2 * margin))\">\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(Int(size + 2 * margin))\" height=\"\(Int(size + 2 * margin))\" fill=\"#fff\" stroke=\"#ccc\"/>\n"
        let step = max(1, n / mapPoints)
        for i in stride(from: 0, to: n, by: step) {
            svg += "<circle cx=\(Self.quote(px(i))) cy=\(Self.quote(py(i))) r=\"1.5\" fill=\"#8aa\"/>"
        }
        svg += "\n"
        for pair in pairs.prefix(shownPairs) {
            svg += "<line x1=\(Self.quote(px(pair.first))) y1=\(Self.quote(py(pair.first))) x2=\(Self.quote(px(pair.second))) y2=\(Self.quote(py(pair.second))) stroke=\"#d22\" stroke-width=\"1\"/>"
            svg += "<circle cx=\(Self.quote(px(pair.first))) cy=\(Self.quote(py(pair.first))) r=\"2.5\" fill=\"#d22\"/>"
            svg += "<circle cx=\(Self.quote(px(pair.second))) cy=\(Self.quote(py(pair.second))) r=\"2.5\" fill=\"#d22\"/>\n"
        }
        let explained = pca.variances.scalars.map { Self.format($0) }.joined(separator: ", ")
        svg += "<text x=\"\(Int(margin))\" y=\"14\">variances along the components: \(explained); pairs in red</text>\n</svg>\n"
        return svg
    }

    static func quote(_ value: Double) -> String { "\"\(String(format: "%.1f", value))\"" }
    static func format(_ value: Float) -> String { String(format: "%.4f", value) }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
