import Foundation

/// Why a libvirt domain XML could not be read.
public enum LibvirtDomainXMLError: Error, Equatable, LocalizedError {
    case notXML(String)
    case notADomain(String)
    case missingName

    public var errorDescription: String? {
        switch self {
        case .notXML(let why):
            return "the libvirt domain description is not well-formed XML (\(why)); give the output of `virsh dumpxml DOMAIN`"
        case .notADomain(let root):
            return "the XML's root element is <\(root)>, not <domain>; give the output of `virsh dumpxml DOMAIN` (for a network use `virsh net-dumpxml`)"
        case .missingName:
            return "the libvirt domain XML has no <name>; give the complete output of `virsh dumpxml DOMAIN`"
        }
    }
}
