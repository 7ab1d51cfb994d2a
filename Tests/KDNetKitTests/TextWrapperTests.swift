import Foundation
import Testing
@testable import KDNetKit

@Suite struct TextWrapperTests {
    let text = "no datagram reached this port: the target is not sending, or something drops it on the way; check the target's hostip and the firewall"

    @Test func everyLineFitsAndNoWordIsSplit() {
        for width in [20, 37, 80, 110] {
            let out = TextWrapper(width: width).wrap(text)
            for line in out.split(separator: "\n") { #expect(TextWrapper.cells(line) <= width, "width \(width): \(line)") }
            #expect(out.split(whereSeparator: { $0 == " " || $0 == "\n" }) == text.split(separator: " "), "width \(width)")
        }
    }

    @Test func continuationLinesKeepTheBlocksIndentPlusTheHangingIndent() {
        let out = TextWrapper(width: 40).wrap("    cause: " + text, hangingIndent: 7)
        let lines = out.split(separator: "\n")
        #expect(lines.count > 2)
        #expect(lines[0].hasPrefix("    cause: no"))
        for line in lines.dropFirst() {
            #expect(line.hasPrefix(String(repeating: " ", count: 11)))
            #expect(!line.hasPrefix(String(repeating: " ", count: 12)))
        }
    }

    @Test func shortLinesEmptyLinesAndNarrowTerminalsAreLeftAlone() {
        #expect(TextWrapper(width: 80).wrap("short\n\n  indented") == "short\n\n  indented")
        #expect(TextWrapper(width: 10).wrap(text) == text)
    }

    @Test func aWordWiderThanTheLineIsCutAtTheWidth() {
        let path = "/var/lib/libvirt/images/" + String(repeating: "x", count: 60) + ".qcow2"
        let out = TextWrapper(width: 30).wrap("copy " + path)
        for line in out.split(separator: "\n") { #expect(TextWrapper.cells(line) <= 30) }
        #expect(out.replacingOccurrences(of: "\n", with: "") == "copy" + path || out.replacingOccurrences(of: "\n", with: "") == "copy " + path)
        #expect(out.hasPrefix("copy\n"))
    }

    @Test func wideCharactersCombiningMarksAndColourCountAsTheTerminalShowsThem() {
        #expect(TextWrapper.cells("漢字") == 4)
        #expect(TextWrapper.cells("e\u{301}") == 1)
        #expect(TextWrapper.cells("\u{1B}[1;31mfail\u{1B}[0m") == 4)
        let out = TextWrapper(width: 21).wrap("漢字漢字漢字 漢字漢字漢字 漢字")
        for line in out.split(separator: "\n") { #expect(TextWrapper.cells(line) <= 21) }
        #expect(out == "漢字漢字漢字\n漢字漢字漢字 漢字")
    }

    @Test func aLabelledLineContinuesUnderTheTextAfterItsLabel() {
        let out = TextWrapper(width: 40).wrap("  fix: " + text)
        let lines = out.split(separator: "\n")
        #expect(lines.count > 2)
        #expect(lines[0].hasPrefix("  fix: no datagram"))
        for line in lines.dropFirst() { #expect(line.prefix { $0 == " " }.count == 7, "\(line)") }
        let coloured = TextWrapper(width: 40).wrap("\u{1B}[31mnot connected\u{1B}[0m: target: " + text)
        for line in coloured.split(separator: "\n").dropFirst() { #expect(line.prefix { $0 == " " }.count == 15, "\(line)") }
    }

    @Test func listItemsHangUnderTheirTextAndPlainProseUnderItsIndent() {
        for line in TextWrapper(width: 40).wrap("- " + text).split(separator: "\n").dropFirst() { #expect(line.prefix { $0 == " " }.count == 2) }
        for line in TextWrapper(width: 40).wrap("  12) " + text).split(separator: "\n").dropFirst() { #expect(line.prefix { $0 == " " }.count == 6) }
        // A sentence whose first colon comes late has no label: it continues under its indent.
        let prose = "   the target was seen at 10.0.0.2 by the doctor and by the listener: " + text
        for line in TextWrapper(width: 40).wrap(prose).split(separator: "\n").dropFirst() { #expect(line.prefix { $0 == " " }.count == 3) }
    }

    @Test func aTablesPaddingIsKeptWhereTheLineIsNotBroken() {
        let row = "fail  listen     " + text
        let out = TextWrapper(width: 60).wrap(row, hangingIndent: 17)
        #expect(out.hasPrefix("fail  listen     no datagram"))
        for line in out.split(separator: "\n").dropFirst() { #expect(line.prefix { $0 == " " }.count == 17) }
    }

    @Test func onlyATerminalWithAKnownWidthAndNoJSONWraps() {
        #expect(TextWrapper.forOutput(isTerminal: true, json: false, windowColumns: 80, environment: [:])?.width == 80)
        #expect(TextWrapper.forOutput(isTerminal: true, json: false, windowColumns: 0, environment: ["COLUMNS": "100"])?.width == 100)
        #expect(TextWrapper.forOutput(isTerminal: true, json: false, windowColumns: nil, environment: [:]) == nil)
        #expect(TextWrapper.forOutput(isTerminal: false, json: false, windowColumns: nil, environment: ["COLUMNS": "80"]) == nil)
        #expect(TextWrapper.forOutput(isTerminal: true, json: true, windowColumns: 80, environment: [:]) == nil)
        // NO_COLOR is about colour only: the text still wraps.
        #expect(TextWrapper.forOutput(isTerminal: true, json: false, windowColumns: 80, environment: ["NO_COLOR": "1", "TERM": "dumb"])?.width == 80)
    }

    @Test func aStatusLineIsCutToOneLine() {
        #expect(TextWrapper.truncated("waiting 3 s of 120: no datagrams yet", toCells: 20) == "waiting 3 s of 120:…")
        #expect(TextWrapper.truncated("short", toCells: 20) == "short")
        #expect(TextWrapper.cells(TextWrapper.truncated("漢字漢字漢字漢字漢字漢字", toCells: 9)) <= 9)
    }
}

@Suite struct WaitProgressTests {
    @Test func theLineSaysHowLongOfHowLong() {
        #expect(WaitProgress(elapsed: 12.7, limit: 120).line("no datagrams yet") == "waiting 12 s of 120: no datagrams yet")
        #expect(WaitProgress(elapsed: 3, limit: 0.5).line("x") == "waiting 3 s of 0.5: x")
        #expect(WaitProgress(elapsed: 3, limit: nil).line("x") == "waiting 3 s: x")
    }

    @Test func plainLinesComeOncePerIntervalAndNotBeforeTheFirstIsOver() {
        #expect(!WaitProgress(elapsed: 0.1, limit: 60).isDueForPlainLine(since: 0))
        #expect(!WaitProgress(elapsed: 9.9, limit: 60).isDueForPlainLine(since: 0))
        #expect(WaitProgress(elapsed: 10.2, limit: 60).isDueForPlainLine(since: 0))
        #expect(!WaitProgress(elapsed: 12, limit: 60).isDueForPlainLine(since: 10.2))
        #expect(WaitProgress(elapsed: 20, limit: 60).isDueForPlainLine(since: 10.2))
    }

    @Test func theSpinnerTurnsOnceEveryRedraw() {
        let frames = (0..<4).map { WaitProgress(elapsed: Double($0) * WaitProgress.redrawInterval + 0.01, limit: nil).spinnerFrame }
        #expect(Set(frames).count == 4)
    }

    @Test func aWaitCanBeNamed() {
        #expect(WaitProgress(elapsed: 3.2, limit: nil).line("eth0: 0 UDP datagrams", verb: "capturing") == "capturing 3 s: eth0: 0 UDP datagrams")
    }
}

@Suite struct SetupMemoryTests {
    func temporaryHome() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func theStateDirectoryFollowsXDGAndIsPrivate() throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        #expect(StateDirectory(environment: ["HOME": home.path]).url.path == home.path + "/.local/state/kdnetctl")
        let state = StateDirectory(environment: ["HOME": "/nonexistent", "XDG_STATE_HOME": home.path + "/xdg"])
        #expect(state.url.path == home.path + "/xdg/kdnetctl")
        try FileManager.default.createDirectory(at: state.url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try state.prepare()
        let mode = try FileManager.default.attributesOfItem(atPath: state.url.path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }

    @Test func aSetupIsRecalledAsRememberedAndHoldsNoKey() throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let folder = home.appendingPathComponent("kdnet-setup")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("listener.json").path
        try #"{"targets":[{"name":"target","port":50000,"key":"2steg4fzbj2sz.2o2yy0nbpw6gk.1fk9mztdm8p5l.3c4xvd3w1xyd7"}]}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let memory = SetupMemory(state: StateDirectory(environment: ["XDG_STATE_HOME": home.path + "/state"]))
        #expect(try memory.recall() == nil)
        let setup = RememberedSetup(folder: folder.path, madeBy: .wizard, listenerConfig: config, hostIp: "192.168.122.1", port: 50000, targets: 1)
        try memory.remember(setup)
        #expect(try memory.recall() == setup)
        let stored = try String(contentsOf: memory.file, encoding: .utf8)
        #expect(!stored.contains("2steg4fzbj2sz"))
        #expect(setup.summary == "the setup in \(folder.path) (port 50000)")
        let mode = try FileManager.default.attributesOfItem(atPath: memory.file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aSetupWhoseFilesWentIsNamedNotGuessed() throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let memory = SetupMemory(state: StateDirectory(environment: ["XDG_STATE_HOME": home.path]))
        try memory.remember(RememberedSetup(folder: home.path + "/gone", madeBy: .plan, listenerConfig: nil, hostIp: nil, port: nil, targets: 3))
        #expect(throws: SetupMemoryError.folderGone(home.path + "/gone")) { try memory.recall() }
        try memory.remember(RememberedSetup(folder: home.path, madeBy: .plan, listenerConfig: home.path + "/listener.json", hostIp: nil, port: nil, targets: 3))
        #expect(throws: SetupMemoryError.configGone(home.path + "/listener.json")) { try memory.recall() }
        try "{not json".write(to: memory.file, atomically: true, encoding: .utf8)
        #expect(throws: SetupMemoryError.damaged(memory.file.path)) { try memory.recall() }
    }
}
