/// What to do on a Windows host running WinDbg: allow inbound UDP on the KDNET port in
/// all three firewall profiles (domain, private, public), as Microsoft's guide asks.
public struct WindowsFirewallAdvice: Codable, Sendable {
    public var port: Int
    public var steps: [String]
    public var netsh: String
    public var powershell: String
    public var controlPanel: [String]

    public init(port: Int) {
        self.port = port
        netsh = "netsh advfirewall firewall add rule name=\"WinDbg KDNET\" dir=in action=allow protocol=UDP localport=\(port) profile=domain,private,public"
        powershell = "New-NetFirewallRule -DisplayName \"WinDbg KDNET\" -Direction Inbound -Protocol UDP -LocalPort \(port) -Action Allow -Profile Domain,Private,Public"
        steps = [
            "Open an elevated Command Prompt or PowerShell on the host (Run as administrator).",
            "Allow inbound UDP port \(port) for all three profiles (domain, private, public) with one of the two commands below.",
            "Restart WinDbg (or KD) so it listens again, then reboot the target.",
        ]
        controlPanel = [
            "Or: Control Panel > System and Security > Allow an app through Windows Firewall.",
            "WinDbg: tick \"WinDbg engine process (TCP) (all)\" for Domain, Private and Public.",
            "Classic WinDbg: tick \"Windows GUI Symbolic Debugger\" and \"Windows Kernel Debugger\" for all three.",
            "Select OK, then restart the debugger.",
        ]
    }
}
