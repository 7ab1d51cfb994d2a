/// Domain XMLs shaped like `virsh dumpxml` output from virt-manager on Debian and Fedora.
enum LibvirtFixtures {
    /// Windows 11 on Q35: virtio behind a root port plus an e1000e on pcie.0, Hyper-V with a
    /// vendor id, Secure Boot with Microsoft keys. Live XML (id, aliases, target dev).
    static let win11Live = """
    <domain type='kvm' id='7'>
      <name>win11</name>
      <uuid>3f1a3c52-8d3e-4bb0-9a43-3b1d2c9f0a11</uuid>
      <metadata>
        <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
          <libosinfo:os id="http://microsoft.com/win/11"/>
        </libosinfo:libosinfo>
      </metadata>
      <memory unit='KiB'>8388608</memory>
      <vcpu placement='static'>4</vcpu>
      <os firmware='efi'>
        <type arch='x86_64' machine='pc-q35-8.1'>hvm</type>
        <firmware>
          <feature enabled='yes' name='enrolled-keys'/>
          <feature enabled='yes' name='secure-boot'/>
        </firmware>
        <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader>
        <nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'>/var/lib/libvirt/qemu/nvram/win11_VARS.fd</nvram>
        <boot dev='hd'/>
      </os>
      <features>
        <acpi/>
        <apic/>
        <hyperv mode='custom'>
          <relaxed state='on'/>
          <vapic state='on'/>
          <spinlocks state='on' retries='8191'/>
          <vpindex state='on'/>
          <synic state='off'/>
          <vendor_id state='on' value='KVMKVMKVM'/>
        </hyperv>
        <vmport state='off'/>
        <smm state='on'/>
      </features>
      <cpu mode='host-passthrough' check='none' migratable='on'/>
      <clock offset='localtime'>
        <timer name='rtc' tickpolicy='catchup'/>
        <timer name='hypervclock' present='yes'/>
      </clock>
      <devices>
        <emulator>/usr/bin/qemu-system-x86_64</emulator>
        <controller type='pci' index='0' model='pcie-root'>
          <alias name='pcie.0'/>
        </controller>
        <controller type='pci' index='1' model='pcie-root-port'>
          <model name='pcie-root-port'/>
          <target chassis='1' port='0x10'/>
          <alias name='pci.1'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' multifunction='on'/>
        </controller>
        <controller type='pci' index='2' model='pcie-root-port'>
          <model name='pcie-root-port'/>
          <target chassis='2' port='0x11'/>
          <alias name='pci.2'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x1'/>
        </controller>
        <interface type='network'>
          <mac address='52:54:00:8A:1B:2C'/>
          <source network='default' portid='0b8f4c1e-5a6d-4f0e-9e1b-6c0d2f3a4b5c' bridge='virbr0'/>
          <target dev='vnet3'/>
          <model type='virtio'/>
          <alias name='net0'/>
          <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
        </interface>
        <interface type='bridge'>
          <mac address='52:54:00:11:22:33'/>
          <source bridge='br0'/>
          <target dev='vnet4'/>
          <model type='e1000e'/>
          <alias name='net1'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
        </interface>
      </devices>
      <seclabel type='dynamic' model='apparmor' relabel='yes'>
        <label>libvirt-3f1a3c52-8d3e-4bb0-9a43-3b1d2c9f0a11</label>
      </seclabel>
    </domain>
    """

    /// The same domain as `virsh dumpxml --inactive` shows it: no id, aliases, target devs,
    /// network bridge or seclabel label.
    static let win11Inactive = """
    <domain type='kvm'>
      <name>win11</name>
      <uuid>3f1a3c52-8d3e-4bb0-9a43-3b1d2c9f0a11</uuid>
      <metadata>
        <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
          <libosinfo:os id="http://microsoft.com/win/11"/>
        </libosinfo:libosinfo>
      </metadata>
      <os firmware='efi'>
        <type arch='x86_64' machine='pc-q35-8.1'>hvm</type>
        <firmware>
          <feature enabled='yes' name='enrolled-keys'/>
          <feature enabled='yes' name='secure-boot'/>
        </firmware>
        <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader>
        <nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'>/var/lib/libvirt/qemu/nvram/win11_VARS.fd</nvram>
      </os>
      <features>
        <acpi/>
        <hyperv mode='custom'>
          <relaxed state='on'/>
          <vapic state='on'/>
          <spinlocks state='on' retries='8191'/>
          <vpindex state='on'/>
          <synic state='off'/>
          <vendor_id state='on' value='KVMKVMKVM'/>
        </hyperv>
      </features>
      <clock offset='localtime'>
        <timer name='hypervclock' present='yes'/>
      </clock>
      <devices>
        <controller type='pci' index='0' model='pcie-root'/>
        <controller type='pci' index='1' model='pcie-root-port'>
          <model name='pcie-root-port'/>
          <target chassis='1' port='0x10'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' multifunction='on'/>
        </controller>
        <controller type='pci' index='2' model='pcie-root-port'>
          <model name='pcie-root-port'/>
          <target chassis='2' port='0x11'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x1'/>
        </controller>
        <interface type='network'>
          <mac address='52:54:00:8a:1b:2c'/>
          <source network='default'/>
          <model type='virtio'/>
          <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
        </interface>
        <interface type='bridge'>
          <mac address='52:54:00:11:22:33'/>
          <source bridge='br0'/>
          <model type='e1000e'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
        </interface>
      </devices>
      <seclabel type='dynamic' model='apparmor' relabel='yes'/>
    </domain>
    """

    /// Windows 10 on i440fx with SeaBIOS: plain virtio on the root bus, no Hyper-V.
    static let win10I440FX = """
    <domain type='kvm'>
      <name>win10-legacy</name>
      <metadata>
        <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
          <libosinfo:os id="http://microsoft.com/win/10"/>
        </libosinfo:libosinfo>
      </metadata>
      <os>
        <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
        <boot dev='hd'/>
      </os>
      <features><acpi/><apic/></features>
      <devices>
        <controller type='pci' index='0' model='pci-root'/>
        <interface type='bridge'>
          <mac address='52:54:00:AB:CD:EF'/>
          <source bridge='br0'/>
          <model type='virtio'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
        </interface>
      </devices>
    </domain>
    """

    /// Q35 with every other virtio placement, macvtap and passt, Hyper-V passthrough without a
    /// vendor id, and firmware that has Secure Boot turned off explicitly.
    static let q35Mixed = """
    <domain type='kvm'>
      <name>srv2022</name>
      <metadata>
        <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
          <libosinfo:os id="http://microsoft.com/win/2k22"/>
        </libosinfo:libosinfo>
      </metadata>
      <os firmware='efi'>
        <type arch='x86_64' machine='pc-q35-9.0'>hvm</type>
        <firmware>
          <feature enabled='no' name='secure-boot'/>
        </firmware>
      </os>
      <features>
        <hyperv mode='passthrough'/>
      </features>
      <devices>
        <controller type='pci' index='0' model='pcie-root'/>
        <controller type='pci' index='1' model='pcie-root-port'/>
        <controller type='pci' index='2' model='dmi-to-pci-bridge'>
          <model name='i82801b11-bridge'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x1e' function='0x0'/>
        </controller>
        <controller type='pci' index='3' model='pci-bridge'>
          <model name='pci-bridge'/>
          <target chassisNr='3'/>
          <address type='pci' domain='0x0000' bus='0x02' slot='0x01' function='0x0'/>
        </controller>
        <interface type='direct'>
          <mac address='52:54:00:00:00:01'/>
          <source dev='enp3s0' mode='bridge'/>
          <model type='virtio'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
        </interface>
        <interface type='user'>
          <mac address='52:54:00:00:00:02'/>
          <backend type='passt'/>
          <model type='virtio-non-transitional'/>
          <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
        </interface>
        <interface type='network'>
          <mac address='52:54:00:00:00:03'/>
          <source network='isolated'/>
          <model type='virtio-transitional'/>
          <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
        </interface>
        <interface type='network'>
          <mac address='52:54:00:00:00:04'/>
          <source network='default'/>
          <model type='virtio'/>
          <address type='pci' domain='0x0000' bus='0x03' slot='0x01' function='0x0'/>
        </interface>
        <interface type='user'>
          <mac address='52:54:00:00:00:05'/>
          <model type='rtl8139'/>
        </interface>
      </devices>
    </domain>
    """
}
