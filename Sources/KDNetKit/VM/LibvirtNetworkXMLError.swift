import Foundation

/// Why a libvirt network XML could not be read.
public enum LibvirtNetworkXMLError: Error, Equatable, LocalizedError {
    case notXML(String)
    case notANetwork(String)
    case missingName

    public var errorDescription: String? {
        switch self {
        case .notXML(let why):
            return "the libvirt network description is not well-formed XML (\(why)); give the output of `virsh net-dumpxml NETWORK`"
        case .notANetwork(let root):
            return "the XML's root element is <\(root)>, not <network>; give the output of `virsh net-dumpxml NETWORK`"
        case .missingName:
            return "the libvirt network XML has no <name>; give the complete output of `virsh net-dumpxml NETWORK`"
        }
    }
}
