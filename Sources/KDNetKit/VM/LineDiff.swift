import Foundation

/// A unified diff of two texts, line by line, laid out as GNU `diff -u` prints it.
///
/// The edit script is a shortest one (Myers' O(ND) algorithm, linear-space middle-snake
/// form). Where several shortest scripts exist, runs of changes are then slid the way GNU
/// diff slides them (down as far as identical lines allow, then back up to meet a change
/// in the other file), so that an added `<interface>...</interface>` block shows as the
/// lines a person added rather than the same lines shifted by one. GNU diff also sets aside
/// lines that occur only in one file before searching, which can make it choose another,
/// equally short script in texts with many repeated lines; the hunks are then equally valid.
public enum LineDiff {
    /// Empty when the texts are equal. Headers carry the names only (no timestamps), as
    /// `diff -u --label OLD --label NEW` prints them.
    public static func unified(old: String, new: String, oldName: String, newName: String, context: Int = 3) -> String {
        let a = Lines(old), b = Lines(new)
        // Lines become numbers so the search compares integers.
        var ids: [Lines.Line: Int] = [:]
        func id(_ line: Lines.Line) -> Int {
            if let known = ids[line] { return known }
            ids[line] = ids.count
            return ids.count - 1
        }
        let ia = a.lines.map(id)
        let ib = b.lines.map(id)
        var script = Script(a: ia, b: ib)
        script.compare(0, ia.count, 0, ib.count)
        Script.shift(&script.changedA, lines: ia, other: script.changedB)
        Script.shift(&script.changedB, lines: ib, other: script.changedA)
        let changes = Script.changes(script.changedA, script.changedB)
        guard !changes.isEmpty else { return "" }

        var out = "--- \(oldName)\n+++ \(newName)\n"
        let context = max(0, context)
        var index = 0
        while index < changes.count {
            // Join changes while the unchanged lines between them are at most 2 * context.
            var last = index
            while last + 1 < changes.count,
                  changes[last + 1].a - (changes[last].a + changes[last].deleted) <= 2 * context {
                last += 1
            }
            let first = changes[index], end = changes[last]
            let lo0 = max(0, first.a - context), lo1 = max(0, first.b - context)
            let hi0 = min(a.lines.count, end.a + end.deleted + context)
            let hi1 = min(b.lines.count, end.b + end.inserted + context)
            out += "@@ -\(range(lo0, hi0 - lo0)) +\(range(lo1, hi1 - lo1)) @@\n"
            var i = lo0
            for c in changes[index...last] {
                while i < c.a { out += a.render(i, prefix: " "); i += 1 }
                for k in c.a..<(c.a + c.deleted) { out += a.render(k, prefix: "-") }
                for k in c.b..<(c.b + c.inserted) { out += b.render(k, prefix: "+") }
                i = c.a + c.deleted
            }
            while i < hi0 { out += a.render(i, prefix: " "); i += 1 }
            index = last + 1
        }
        return out
    }

    /// GNU's rule: a one-line range is just its number; an empty one is the number of the
    /// line before it (0 at the top) with ",0".
    static func range(_ start: Int, _ count: Int) -> String {
        switch count {
        case 0: return "\(start),0"
        case 1: return "\(start + 1)"
        default: return "\(start + 1),\(count)"
        }
    }

    struct Lines {
        struct Line: Hashable {
            var text: Substring
            /// The file's last line when the file does not end in a newline; it differs from
            /// the same text with one, as in diff.
            var unterminated: Bool
        }

        var lines: [Line] = []

        init(_ text: String) {
            var parts = text.split(separator: "\n", omittingEmptySubsequences: false)
            let terminated = parts.last == ""
            if terminated { parts.removeLast() }
            lines = parts.map { Line(text: $0, unterminated: false) }
            if !terminated, !lines.isEmpty { lines[lines.count - 1].unterminated = true }
        }

        func render(_ i: Int, prefix: String) -> String {
            let line = lines[i]
            return prefix + line.text + (line.unterminated ? "\n\\ No newline at end of file\n" : "\n")
        }
    }

    struct Change {
        var a: Int, deleted: Int, b: Int, inserted: Int
    }

    struct Script {
        let a: [Int], b: [Int]
        var changedA: [Bool], changedB: [Bool]

        init(a: [Int], b: [Int]) {
            self.a = a
            self.b = b
            changedA = Array(repeating: false, count: a.count)
            changedB = Array(repeating: false, count: b.count)
        }

        /// Marks a shortest edit script between a[aLo..<aHi] and b[bLo..<bHi].
        mutating func compare(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int) {
            var aLo = aLo, bLo = bLo, aHi = aHi, bHi = bHi
            while aLo < aHi, bLo < bHi, a[aLo] == b[bLo] { aLo += 1; bLo += 1 }
            while aLo < aHi, bLo < bHi, a[aHi - 1] == b[bHi - 1] { aHi -= 1; bHi -= 1 }
            if aLo == aHi {
                for j in bLo..<bHi { changedB[j] = true }
                return
            }
            if bLo == bHi {
                for i in aLo..<aHi { changedA[i] = true }
                return
            }
            let (x0, y0, x1, y1) = middleSnake(aLo, aHi, bLo, bHi)
            compare(aLo, x0, bLo, y0)
            compare(x1, aHi, y1, bHi)
        }

        /// Myers (1986), section 4b: the snake in the middle of a shortest path, found by
        /// searching from both ends at once. Diagonal k is x - y in local coordinates.
        func middleSnake(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int) -> (Int, Int, Int, Int) {
            let n = aHi - aLo, m = bHi - bLo
            let delta = n - m
            let odd = delta & 1 != 0
            let maxD = (n + m + 1) / 2
            // Forward diagonals run from -maxD - 1, backward ones up to delta + maxD + 1.
            let offset = m + maxD + 2
            var forward = Array(repeating: 0, count: offset + n + maxD + 3)
            var backward = Array(repeating: n, count: offset + n + maxD + 3)
            for d in 0...maxD {
                for k in stride(from: -d, through: d, by: 2) {
                    var x: Int
                    if k == -d || (k != d && forward[k - 1 + offset] < forward[k + 1 + offset]) {
                        x = forward[k + 1 + offset]
                    } else {
                        x = forward[k - 1 + offset] + 1
                    }
                    if d == 0 { x = 0 }
                    var y = x - k
                    let sx = x, sy = y
                    while x < n, y < m, a[aLo + x] == b[bLo + y] { x += 1; y += 1 }
                    forward[k + offset] = x
                    if odd, k >= delta - (d - 1), k <= delta + (d - 1), x >= backward[k + offset] {
                        return (aLo + sx, bLo + sy, aLo + x, bLo + y)
                    }
                }
                for k in stride(from: delta - d, through: delta + d, by: 2) {
                    var x: Int
                    if k == delta + d || (k != delta - d && backward[k + 1 + offset] - 1 >= backward[k - 1 + offset]) {
                        x = backward[k - 1 + offset]
                    } else {
                        x = backward[k + 1 + offset] - 1
                    }
                    if d == 0 { x = n }
                    var y = x - k
                    let ex = x, ey = y
                    while x > 0, y > 0, a[aLo + x - 1] == b[bLo + y - 1] { x -= 1; y -= 1 }
                    backward[k + offset] = x
                    if !odd, k >= -d, k <= d, x <= forward[k + offset] {
                        return (aLo + x, bLo + y, aLo + ex, bLo + ey)
                    }
                }
            }
            preconditionFailure("Myers search ended without meeting; the inputs differ so it cannot")
        }

        /// Slides each run of changed lines as GNU diff's shift_boundaries does: merge with
        /// neighbouring runs through identical lines, settle as far down as possible, then
        /// move back up to the lowest place where it meets a change in the other file.
        static func shift(_ changed: inout [Bool], lines: [Int], other: [Bool]) {
            let n = lines.count
            // Unchanged lines pair up in order; the other file's line paired with this file's
            // unchanged line at `end` tells whether a change there sits next to this run.
            func meetsOtherChange(at end: Int) -> Bool {
                var unchangedBefore = 0
                for i in 0..<end where !changed[i] { unchangedBefore += 1 }
                var seen = 0
                var j = 0
                while j < other.count {
                    if !other[j] {
                        if seen == unchangedBefore { break }
                        seen += 1
                    }
                    j += 1
                }
                return j > 0 && other[j - 1]
            }
            var i = 0
            while i < n {
                guard changed[i] else { i += 1; continue }
                var start = i
                var end = i
                while end < n, changed[end] { end += 1 }
                var length: Int
                var corresponding: Int?
                repeat {
                    length = end - start
                    while start > 0, lines[start - 1] == lines[end - 1] {
                        start -= 1; end -= 1
                        changed[start] = true; changed[end] = false
                        while start > 0, changed[start - 1] { start -= 1 }
                    }
                    corresponding = meetsOtherChange(at: end) ? end : nil
                    while end < n, lines[start] == lines[end] {
                        changed[start] = false; changed[end] = true
                        start += 1; end += 1
                        while end < n, changed[end] { end += 1 }
                        if meetsOtherChange(at: end) { corresponding = end }
                    }
                } while length != end - start
                if let c = corresponding {
                    while end > c {
                        start -= 1; end -= 1
                        changed[start] = true; changed[end] = false
                    }
                }
                i = end
            }
        }

        static func changes(_ ca: [Bool], _ cb: [Bool]) -> [Change] {
            var out: [Change] = []
            var i = 0, j = 0
            while i < ca.count || j < cb.count {
                if (i < ca.count && ca[i]) || (j < cb.count && cb[j]) {
                    let si = i, sj = j
                    while i < ca.count, ca[i] { i += 1 }
                    while j < cb.count, cb[j] { j += 1 }
                    out.append(Change(a: si, deleted: i - si, b: sj, inserted: j - sj))
                } else {
                    i += 1
                    j += 1
                }
            }
            return out
        }
    }
}
