extension KernelVersion {
    /// What the simulated target reports for `machine` (an IMAGE_FILE_MACHINE value) and
    /// `build`: the flags and a kernel base such a Windows kernel has, so a debugger sees a
    /// plausible target. `simulate-target` and the wizard's simulated target both use it.
    public static func simulated(machine: UInt16, build: UInt16) -> KernelVersion {
        let kernelBase: UInt64 = switch machine {
        case 0x14C: 0x81A0_0000                 // x86
        case 0xAA64: 0xFFFF_F805_1220_0000      // arm64
        default: 0xFFFF_F802_6BC1_8000          // x64
        }
        return KernelVersion(major: 0xF, build: build, flags: machine == 0x14C ? 3 : 7, machine: machine, kernelBase: kernelBase)
    }
}
