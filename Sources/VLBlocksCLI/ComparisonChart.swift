import Foundation
import VLBlocks

/// A standalone SVG chart of connector latency against output tokens: one color per connector, one
/// marker and dash pattern per encoder resolution, log-scaled axes (latencies span two orders of
/// magnitude), labelled ticks, a legend, and a tooltip with the exact value on every point.
enum ComparisonChart {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    static func svg(_ rows: [ConnectorSweep.Row], title: String) -> String {
        let width = 860.0, height = 520.0
        let plot = (left: 80.0, top: 60.0, right: 640.0, bottom: 450.0)
        let connectors = orderedUnique(rows.map(\.label))
        let resolutions = orderedUnique(rows.map(\.resolution)).sorted()
        let tokens = rows.map { Double($0.tokens) }
        let xMin = (tokens.min() ?? 1) / 1.3, xMax = (tokens.max() ?? 2) * 1.3
        let latencies = rows.map { max($0.milliseconds, 0.01) }
        let yTop = niceCeiling((latencies.max() ?? 1) * 1.15), yBottom = niceFloor((latencies.min() ?? 1) / 1.15)
        func x(_ t: Double) -> Double { plot.left + (log(t) - log(xMin)) / (log(xMax) - log(xMin)) * (plot.right - plot.left) }
        func y(_ ms: Double) -> Double {
            plot.bottom - (log(max(ms, 0.01)) - log(yBottom)) / (log(yTop) - log(yBottom)) * (plot.bottom - plot.top)
        }

        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="13">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Int(width / 2))" y="30" text-anchor="middle" font-size="16" font-weight="bold">\(escape(title))</text>

        """
        // Grid and y axis ticks.
        for value in ticks(from: yBottom, to: yTop) {
            let yy = y(value)
            out += "<line x1=\"\(f(plot.left))\" y1=\"\(f(yy))\" x2=\"\(f(plot.right))\" y2=\"\(f(yy))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(f(plot.left - 8))\" y=\"\(f(yy + 4))\" text-anchor=\"end\">\(label(value))</text>\n"
        }
        // x axis ticks at the token counts present.
        for t in orderedUnique(rows.map(\.tokens)).sorted() {
            let xx = x(Double(t))
            out += "<line x1=\"\(f(xx))\" y1=\"\(f(plot.top))\" x2=\"\(f(xx))\" y2=\"\(f(plot.bottom))\" stroke=\"#f0f0f0\"/>\n"
            out += "<text x=\"\(f(xx))\" y=\"\(f(plot.bottom + 18))\" text-anchor=\"middle\">\(t)</text>\n"
        }
        out += "<line x1=\"\(f(plot.left))\" y1=\"\(f(plot.bottom))\" x2=\"\(f(plot.right))\" y2=\"\(f(plot.bottom))\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(f(plot.left))\" y1=\"\(f(plot.top))\" x2=\"\(f(plot.left))\" y2=\"\(f(plot.bottom))\" stroke=\"black\"/>\n"
        out += "<text x=\"\(f((plot.left + plot.right) / 2))\" y=\"\(f(plot.bottom + 42))\" text-anchor=\"middle\">output tokens T (log scale)</text>\n"
        out += "<text transform=\"translate(24 \(f((plot.top + plot.bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">connector latency (ms, median, log scale)</text>\n"

        // Series.
        for (ci, connector) in connectors.enumerated() {
            let color = palette[ci % palette.count]
            for (ri, resolution) in resolutions.enumerated() {
                let points = rows.filter { $0.label == connector && $0.resolution == resolution }.sorted { $0.tokens < $1.tokens }
                if points.count > 1 {
                    let path = points.map { "\(f(x(Double($0.tokens)))),\(f(y($0.milliseconds)))" }.joined(separator: " ")
                    out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash(ri))/>\n"
                }
                for p in points { out += marker(ri, x(Double(p.tokens)), y(p.milliseconds), color, tooltip: "\(connector), T=\(p.tokens), \(resolution) px: \(Format.fixed(p.milliseconds)) ms") }
            }
        }

        // Legend.
        var ly = plot.top + 4
        out += "<text x=\"670\" y=\"\(f(ly))\" font-weight=\"bold\">connector</text>\n"
        for (ci, connector) in connectors.enumerated() {
            ly += 22
            out += "<line x1=\"670\" y1=\"\(f(ly - 4))\" x2=\"700\" y2=\"\(f(ly - 4))\" stroke=\"\(palette[ci % palette.count])\" stroke-width=\"3\"/>\n"
            out += "<text x=\"708\" y=\"\(f(ly))\">\(escape(connector))</text>\n"
        }
        ly += 34
        out += "<text x=\"670\" y=\"\(f(ly))\" font-weight=\"bold\">encoder resolution</text>\n"
        for (ri, resolution) in resolutions.enumerated() {
            ly += 22
            out += "<line x1=\"670\" y1=\"\(f(ly - 4))\" x2=\"700\" y2=\"\(f(ly - 4))\" stroke=\"#555\" stroke-width=\"2\"\(dash(ri))/>\n"
            out += marker(ri, 685, ly - 4, "#555", tooltip: "\(resolution) px")
            out += "<text x=\"708\" y=\"\(f(ly))\">\(resolution) px</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    static func marker(_ index: Int, _ x: Double, _ y: Double, _ color: String, tooltip: String) -> String {
        let title = "<title>\(escape(tooltip))</title>"
        switch index % 3 {
        case 0: return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"4.5\" fill=\"\(color)\">\(title)</circle>\n"
        case 1: return "<rect x=\"\(f(x - 4))\" y=\"\(f(y - 4))\" width=\"8\" height=\"8\" fill=\"white\" stroke=\"\(color)\" stroke-width=\"2\">\(title)</rect>\n"
        default: return "<path d=\"M \(f(x)) \(f(y - 5)) L \(f(x + 5)) \(f(y + 4)) L \(f(x - 5)) \(f(y + 4)) Z\" fill=\"\(color)\">\(title)</path>\n"
        }
    }

    static func dash(_ index: Int) -> String {
        ["", " stroke-dasharray=\"7 4\"", " stroke-dasharray=\"2 3\""][index % 3]
    }

    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for step in [1.0, 2, 2.5, 5, 10] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }

    /// The largest 1-2-5 step at or below `value`.
    static func niceFloor(_ value: Double) -> Double {
        guard value > 0 else { return 0.01 }
        let magnitude = pow(10, floor(log10(value)))
        for step in [5.0, 2, 1] where step * magnitude <= value { return step * magnitude }
        return magnitude
    }

    /// 1-2-5 ticks between two bounds.
    static func ticks(from low: Double, to high: Double) -> [Double] {
        var values: [Double] = []
        var magnitude = pow(10, floor(log10(low)))
        while magnitude <= high {
            for step in [1.0, 2, 5] where step * magnitude >= low * 0.999 && step * magnitude <= high * 1.001 {
                values.append(step * magnitude)
            }
            magnitude *= 10
        }
        return values
    }

    static func label(_ value: Double) -> String {
        value >= 1 ? String(Int(value.rounded())) : value >= 0.1 ? Format.fixed(value, 1) : Format.fixed(value, 2)
    }
    static func f(_ value: Double) -> String { Format.fixed(value, 1) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func orderedUnique<T: Hashable>(_ values: [T]) -> [T] {
        var seen = Set<T>()
        return values.filter { seen.insert($0).inserted }
    }
}
