import Testing
@testable import KDNetKit

/// simulate-target and the wizard's simulated target report the same kernel for a machine.
@Suite struct SimulatedKernelTests {
    @Test func eachMachineGetsItsKernelBaseAndFlags() {
        let x64 = KernelVersion.simulated(machine: 0x8664, build: 19041)
        #expect(x64.kernelBase == 0xFFFF_F802_6BC1_8000 && x64.flags == 7 && x64.build == 19041 && x64.major == 0xF)
        let x86 = KernelVersion.simulated(machine: 0x14C, build: 19041)
        #expect(x86.kernelBase == 0x81A0_0000 && x86.flags == 3 && x86.machine == 0x14C)
        let arm64 = KernelVersion.simulated(machine: 0xAA64, build: 26100)
        #expect(arm64.kernelBase == 0xFFFF_F805_1220_0000 && arm64.flags == 7)
    }

    @Test func theWizardsSimulatedTargetIsAnX64OfTheNewestRelease() {
        #expect(WizardConnection.simulatedKernel == KernelVersion.simulated(machine: 0x8664, build: UInt16(WindowsRelease.newest.build)))
    }
}
