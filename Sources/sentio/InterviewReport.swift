import Foundation
import Transport

/// One self-contained HTML page per interview: the sentiment timeline (multimodal and
/// per-modality scores, utterance spans shaded) as inline SVG, the transcript coloured by
/// score, and a summary. No script, font or image is fetched from anywhere.
struct InterviewReport {
    var input: String
    var duration: Double
    var utterances: [UtteranceMessage]
    var model: String

    struct Summary: Equatable {
        var mean: Double
        var positiveShare: Double
        var negativeShare: Double
        var mostPositive: UtteranceMessage?
        var mostNegative: UtteranceMessage?
    }

    var summary: Summary {
        let scores = utterances.map(\.sentiment)
        let count = Double(max(scores.count, 1))
        return Summary(mean: scores.reduce(0, +) / count,
                       positiveShare: Double(scores.filter { $0 > 0 }.count) / count,
                       negativeShare: Double(scores.filter { $0 < 0 }.count) / count,
                       mostPositive: utterances.max { $0.sentiment < $1.sentiment },
                       mostNegative: utterances.min { $0.sentiment < $1.sentiment })
    }

    /// Red (−3) through white (0) to green (+3).
    static func colour(_ score: Double) -> String {
        let t = max(-1, min(1, score / 3))
        let (r, g, b) = t >= 0 ? (255 - Int(155 * t), 255 - Int(55 * t), 255 - Int(155 * t))
                               : (255 - Int(35 * -t), 255 - Int(155 * -t), 255 - Int(155 * -t))
        return String(format: "#%02x%02x%02x", r, g, b)
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.down))
        return String(format: "%d:%02d.%d", s / 60, s % 60, Int((seconds - Double(s)) * 10))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The timeline: x is media time, y the score in [−3, 3].
    func timeline(width: Double = 960, height: Double = 260) -> String {
        let left = 44.0, right = 12.0, top = 12.0, bottom = 28.0
        let span = max(duration, utterances.map(\.end).max() ?? 0, 1)
        func x(_ t: Double) -> Double { left + (width - left - right) * t / span }
        func y(_ v: Double) -> Double { top + (height - top - bottom) * (3 - max(-3, min(3, v))) / 6 }
        var svg = [String(format: "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"sentiment over time\">", width, height, width, height)]
        for v in stride(from: -3.0, through: 3.0, by: 1.0) {
            svg.append(String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"1\"/>",
                              left, width - right, y(v), y(v), v == 0 ? "#888" : "#e4e4e4"))
            svg.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">%+.0f</text>", left - 6, y(v) + 4, v))
        }
        let ticks = max(1, Int(span / 60) > 0 ? 60 : 10)
        for t in stride(from: 0.0, through: span, by: Double(ticks)) {
            svg.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">%@</text>",
                              x(t), height - 8, Self.clock(t)))
        }
        for u in utterances {
            svg.append(String(format: "<rect class=\"utterance\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\" opacity=\"0.6\"><title>%@–%@ %+.2f</title></rect>",
                              x(u.start), top, max(1, x(u.end) - x(u.start)), height - top - bottom, Self.colour(u.sentiment),
                              Self.clock(u.start), Self.clock(u.end), u.sentiment))
        }
        func line(_ points: [(Double, Double)], colour: String, dash: String, name: String) {
            guard !points.isEmpty else { return }
            let path = points.map { String(format: "%.1f,%.1f", x($0.0), y($0.1)) }.joined(separator: " ")
            svg.append("<polyline class=\"\(name)\" points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" stroke-dasharray=\"\(dash)\"/>")
            for (t, v) in points {
                svg.append(String(format: "<circle class=\"%@\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>", name, x(t), y(v), colour))
            }
        }
        let mid = { (u: UtteranceMessage) in (u.start + u.end) / 2 }
        line(utterances.map { (mid($0), $0.sentiment) }, colour: "#222", dash: "none", name: "multimodal")
        line(utterances.compactMap { u in u.modalities.text.score.map { (mid(u), $0) } }, colour: "#1f6feb", dash: "5 3", name: "text")
        line(utterances.compactMap { u in u.modalities.audio.score.map { (mid(u), $0) } }, colour: "#d4a72c", dash: "2 3", name: "audio")
        line(utterances.compactMap { u in u.modalities.vision.score.map { (mid(u), $0) } }, colour: "#8250df", dash: "8 3 2 3", name: "vision")
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }

    func html() -> String {
        let s = summary
        let name = Self.escape((input as NSString).lastPathComponent)
        func moment(_ u: UtteranceMessage?) -> String {
            guard let u else { return "–" }
            return String(format: "%@ at %@ (%+.2f): “%@”", u.label.rawValue, Self.clock(u.start), u.sentiment, Self.escape(u.text ?? ""))
        }
        var rows: [String] = []
        for u in utterances {
            var scores = [String(format: "M %+.2f", u.sentiment)]
            if let t = u.modalities.text.score { scores.append(String(format: "T %+.2f", t)) }
            if let a = u.modalities.audio.score { scores.append(String(format: "A %+.2f", a)) }
            if let v = u.modalities.vision.score { scores.append(String(format: "V %+.2f", v)) }
            rows.append("<tr style=\"background:\(Self.colour(u.sentiment))\"><td class=\"time\">\(Self.clock(u.start))–\(Self.clock(u.end))</td>"
                + "<td>\(Self.escape(u.text ?? "(no words)"))</td><td class=\"score\">\(scores.joined(separator: " · "))</td></tr>")
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Sentio report: \(name)</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}
        h1{font-size:20px}table{border-collapse:collapse;width:100%}td{padding:4px 8px;border-bottom:1px solid #ddd;vertical-align:top}
        td.time,td.score{white-space:nowrap;font-variant-numeric:tabular-nums}.legend span{margin-right:16px}
        </style></head><body>
        <h1>Sentiment of \(name)</h1>
        <p>\(utterances.count) utterances over \(Self.clock(duration)) · model \(Self.escape(model)) · scores in [−3, +3]</p>
        <h2>Summary</h2>
        <ul id="summary">
        <li>mean sentiment \(String(format: "%+.2f", s.mean))</li>
        <li>positive \(String(format: "%.0f", s.positiveShare * 100)) % · negative \(String(format: "%.0f", s.negativeShare * 100)) %</li>
        <li>most positive: \(moment(s.mostPositive))</li>
        <li>most negative: \(moment(s.mostNegative))</li>
        </ul>
        <h2>Timeline</h2>
        <p class="legend"><span>━ multimodal</span><span style="color:#1f6feb">╍ text</span><span style="color:#d4a72c">┅ audio</span><span style="color:#8250df">─ · vision</span><span>shaded: utterances</span></p>
        \(timeline())
        <h2>Transcript</h2>
        <table id="transcript">\(rows.joined(separator: "\n"))</table>
        </body></html>
        """
    }
}
