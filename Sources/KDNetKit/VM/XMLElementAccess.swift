import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Small conveniences over FoundationXML for reading libvirt's documents.
extension XMLElement {
    func attr(_ name: String) -> String? { attribute(forName: name)?.stringValue }

    func child(_ name: String) -> XMLElement? { elements(forName: name).first }

    func children(_ name: String) -> [XMLElement] { elements(forName: name) }

    /// Matches on the local name so a prefixed element (`<libosinfo:os>`) is found whatever
    /// its namespace prefix.
    func descendants(localName: String) -> [XMLElement] {
        var found: [XMLElement] = []
        for case let e as XMLElement in children ?? [] {
            if (e.localName ?? e.name) == localName { found.append(e) }
            found += e.descendants(localName: localName)
        }
        return found
    }

    var text: String? {
        let t = stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
        return t?.isEmpty == false ? t : nil
    }
}

enum XMLText {
    struct NotWellFormed: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses a whole document, or says why not in one line. A streaming XMLParser pass comes
    /// first because swift-corelibs' XMLDocument recovers from malformed input instead of
    /// failing (libxml2 printing to stderr meanwhile) and crashes on an empty string, while
    /// XMLParser reports quietly (though its parse() can return true with an error set).
    /// A DOCTYPE is refused outright: libvirt never writes one, and refusing it keeps
    /// external entities out of the tree parser.
    static func document(_ text: String) -> Result<XMLDocument, Error> {
        if text.range(of: "<!DOCTYPE", options: .caseInsensitive) != nil {
            return .failure(NotWellFormed(description: "a DOCTYPE declaration is not expected"))
        }
        let parser = XMLParser(data: Data(text.utf8))
        parser.shouldResolveExternalEntities = false
        let shape = ShapeCheck()
        parser.delegate = shape
        let finished = parser.parse()
        if !finished || parser.parserError != nil {
            return .failure(NotWellFormed(description: "line \(parser.lineNumber): \(describe(parser.parserError))"))
        }
        guard shape.roots == 1, shape.depth == 0 else {
            return .failure(NotWellFormed(description: shape.roots == 0 ? "no element at all" : "the document ends early"))
        }
        return Result { try XMLDocument(xmlString: text, options: []) }
    }

    /// "prematureDocumentEndError" -> "premature document end"; corelibs gives these errors no
    /// text of their own.
    static func describe(_ error: Error?) -> String {
        guard let error else { return "not well-formed" }
        let ns = error as NSError
        guard ns.domain == XMLParser.errorDomain, let code = XMLParser.ErrorCode(rawValue: ns.code) else {
            return ns.localizedDescription
        }
        var name = String(describing: code)
        if name.hasSuffix("Error") { name.removeLast(5) }
        var words = ""
        for c in name {
            if c.isUppercase { words += " " + c.lowercased() } else { words.append(c) }
        }
        return words.trimmingCharacters(in: .whitespaces)
    }

    /// Counts top-level elements and open depth, which XMLParser does not check at the end.
    private final class ShapeCheck: NSObject, XMLParserDelegate {
        var depth = 0
        var roots = 0

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            if depth == 0 { roots += 1 }
            depth += 1
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            depth -= 1
        }
    }

    /// libvirt writes PCI numbers as "0x01"; accept plain decimal too.
    static func int(_ s: String?) -> Int? {
        guard let s = s?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
        if s.lowercased().hasPrefix("0x") { return Int(s.dropFirst(2), radix: 16) }
        return Int(s)
    }
}
