import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Writes a parsed libvirt document back the way `virsh dumpxml` lays it out, so that a
/// diff between the old and new definition shows only what was changed.
///
/// `XMLDocument.xmlString(options: [.nodePrettyPrint])` is not used: swift-corelibs writes
/// double-quoted attributes and `<acpi></acpi>` for empty elements (it ignores
/// `.nodeUseSingleQuotes`), so every line of a libvirt document would differ from the
/// original. libvirt's own formatter writes single quotes, `<acpi/>`, two spaces per level
/// and text-only elements on one line; the foreign XML inside `<metadata>` goes through
/// libxml2's dumper instead and so has double quotes. This printer reproduces both.
enum LibvirtXMLPrinter {
    static func render(_ root: XMLElement) -> String {
        var lines: [String] = []
        element(root, depth: 0, foreign: false, into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func element(_ e: XMLElement, depth: Int, foreign: Bool, into lines: inout [String]) {
        let pad = String(repeating: "  ", count: depth)
        let quote: Character = foreign ? "\"" : "'"
        var declarations = ""
        for ns in e.namespaces ?? [] {
            let prefix = ns.name ?? ""
            declarations += " " + (prefix.isEmpty ? "xmlns" : "xmlns:" + prefix) + "=" + String(quote)
                + escape(ns.stringValue ?? "", foreign: foreign, attribute: true) + String(quote)
        }
        var attributes = ""
        for a in e.attributes ?? [] {
            attributes += " " + (a.name ?? "") + "=" + String(quote) + escape(a.stringValue ?? "", foreign: foreign, attribute: true) + String(quote)
        }
        // libxml2 writes namespace declarations first; libvirt writes its own
        // (`<domain type='kvm' xmlns:qemu='...'>`) after the attributes.
        let open = "<" + (e.name ?? "") + (foreign ? declarations + attributes : attributes + declarations)
        let children = e.children ?? []
        let nested = children.filter { $0.kind == .element || $0.kind == .comment || $0.kind == .processingInstruction }
        let text = children.filter { $0.kind == .text }.map { $0.stringValue ?? "" }.joined()

        if nested.isEmpty {
            if text.isEmpty {
                lines.append(pad + open + "/>")
            } else {
                lines.append(pad + open + ">" + escape(text, foreign: foreign, attribute: false) + "</" + (e.name ?? "") + ">")
            }
            return
        }
        lines.append(pad + open + ">")
        // Children of <metadata> are other applications' XML, which libvirt dumps with libxml2.
        let childForeign = foreign || (depth == 1 && e.name == "metadata")
        for c in children {
            switch c.kind {
            case .element:
                element(c as! XMLElement, depth: depth + 1, foreign: childForeign, into: &lines)
            case .comment:
                lines.append(pad + "  <!--" + (c.stringValue ?? "") + "-->")
            case .processingInstruction:
                lines.append(pad + "  <?" + (c.name ?? "") + " " + (c.stringValue ?? "") + "?>")
            case .text:
                // Text mixed with elements does not occur in libvirt's schema; keep it on a
                // line of its own rather than lose it.
                let t = (c.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                if !t.isEmpty { lines.append(pad + "  " + escape(t, foreign: foreign, attribute: false)) }
            default:
                continue
            }
        }
        lines.append(pad + "</" + (e.name ?? "") + ">")
    }

    /// libvirt (virBufferEscapeString) escapes all five XML specials in text and attributes
    /// alike; libxml2 escapes `"` only inside an attribute and neither quote in text.
    private static func escape(_ s: String, foreign: Bool, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "'" where !foreign: out += "&apos;"
            case "\"" where !foreign || attribute: out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
