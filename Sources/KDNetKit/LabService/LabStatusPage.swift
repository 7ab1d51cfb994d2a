import Crypto
import Foundation

/// `GET /`: one self-contained HTML document. The table is rendered here from the snapshot
/// (so the page shows the fleet without JavaScript), and the inline script keeps it live
/// from `/events` (falling back to polling `/api/targets`). Names and DbgPrint text come
/// from targets and are hostile: here they are HTML-escaped, in the script they only ever
/// go through `textContent`.
public enum LabStatusPage {
    public static func html(_ snapshot: LabServiceSnapshot) -> String {
        let document = LabTargetsDocument(snapshot)
        let rows = document.targets.map(row).joined(separator: "\n")
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>kdnetctl lab</title>
        <style>\(style)</style>
        </head>
        <body>
        <header><h1>kdnetctl lab</h1>
        <p><span id="count">\(summary(document))</span> · <span id="live">static</span> · started \(escaped(shown(LabTargetsDocument.timestamp(snapshot.startedAt))))</p></header>
        <div class="scroll"><table id="fleet" data-generation="\(document.generation)" data-served-generation="\(document.generation)">
        <thead><tr>\(columns.map { "<th>\($0)</th>" }.joined())</tr></thead>
        <tbody id="rows">
        \(rows)
        </tbody>
        </table></div>
        <script>\(script)</script>
        </body>
        </html>

        """
    }

    /// The page's policy: nothing loads from anywhere, only the one inline script runs.
    public static var contentSecurityPolicy: String {
        "default-src 'none'; style-src 'unsafe-inline'; script-src '\(scriptHash)'; connect-src 'self'; "
            + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    static let scriptHash = "sha256-" + Data(SHA256.hash(data: Data(script.utf8))).base64EncodedString()

    static let columns = ["Name", "Port", "State", "Address", "MAC", "Build", "Arch", "Since", "Last datagram",
                          "Datagrams", "Wrong key", "Unexpected source", "Reboots", "Recent DbgPrint"]

    static func summary(_ document: LabTargetsDocument) -> String {
        let connected = document.targets.filter { $0.state == .connected }.count
        return "\(connected) of \(document.targets.count) connected"
    }

    /// One row; the script builds the same cells (`render` below) from the JSON.
    static func row(_ t: LabTargetsDocument.Target) -> String {
        let cells: [String] = [
            t.name, String(t.port), t.state.rawValue, t.address ?? "—", t.mac ?? "—", t.build.map(String.init) ?? "—",
            t.machine ?? "—", shown(t.since), t.lastSeen.map(shown) ?? "—", String(t.datagrams), String(t.wrongKey),
            String(t.unexpectedSource), String(t.reboots),
        ]
        let output = t.recentOutput.isEmpty ? "" : "<pre>\(escaped(t.recentOutput.joined(separator: "\n")))</pre>"
        return "<tr class=\"state-\(t.state.rawValue)\">" + cells.map { "<td>\(escaped($0))</td>" }.joined()
            + "<td class=\"out\">\(output)</td></tr>"
    }

    /// `2026-11-29 22:34:18Z`: the ISO text, easier on the eye.
    /// `2026-11-29 22:34:18Z`: by byte, as Foundation's replacingOccurrences cost more than
    /// the rest of a row (a page of 500 targets shows 1,000 times).
    static func shown(_ timestamp: String) -> String {
        String(decoding: timestamp.utf8.map { $0 == UInt8(ascii: "T") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    /// For text and for attribute values in double or single quotes.
    public static func escaped(_ text: String) -> String {
        // Most cells hold nothing to escape: no copy for them (a page of 500 targets has 7,000 cells).
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">")
                                          || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static let style = """
    body{font:14px system-ui,sans-serif;margin:1.5em;color:#1d232a;background:#fff}
    h1{font-size:1.3em;margin:0 0 .2em}header p{margin:0 0 1em;color:#555}
    .scroll{overflow-x:auto}table{border-collapse:collapse}
    th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top;white-space:nowrap}
    th{background:#f0f3f6}tr.state-connected td:nth-child(3){background:#c9f2d0;font-weight:600}
    tr.state-silent td:nth-child(3){background:#fff1b8}tr.state-wrong_key td:nth-child(3),tr.state-lost td:nth-child(3){background:#ffd0d0}
    tr.state-waiting td:nth-child(3){background:#e8eaed}
    td.out{white-space:normal}td.out pre{margin:0;min-width:16em;max-width:40em;max-height:8em;overflow:auto;white-space:pre-wrap;font-size:12px}
    """

    static let script = """
    (function () {
      "use strict";
      var generation = Number(document.getElementById("fleet").dataset.generation);
      var live = document.getElementById("live");
      function shown(ts) { return ts === null ? "\\u2014" : ts.replace("T", " "); }
      function text(v) { return v === null || v === undefined ? "\\u2014" : String(v); }
      function render(doc) {
        if (doc.generation === generation) return;
        generation = doc.generation;
        document.getElementById("fleet").dataset.generation = String(generation);
        var rows = [];
        var connected = 0;
        doc.targets.forEach(function (t) {
          if (t.state === "connected") connected++;
          var tr = document.createElement("tr");
          tr.className = "state-" + t.state;
          [t.name, t.port, t.state, t.address, t.mac, t.build, t.machine, shown(t.since), shown(t.last_seen),
           t.datagrams, t.wrong_key, t.unexpected_source, t.reboots].forEach(function (v) {
            var td = document.createElement("td");
            td.textContent = text(v);
            tr.appendChild(td);
          });
          var out = document.createElement("td");
          out.className = "out";
          if (t.recent_output.length > 0) {
            var pre = document.createElement("pre");
            pre.textContent = t.recent_output.join("\\n");
            out.appendChild(pre);
          }
          tr.appendChild(out);
          rows.push(tr);
        });
        document.getElementById("rows").replaceChildren.apply(document.getElementById("rows"), rows);
        document.getElementById("count").textContent = connected + " of " + doc.targets.length + " connected";
      }
      var polling = null;
      function poll() {
        fetch("api/targets", { cache: "no-store", credentials: "same-origin" })
          .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
          .then(function (doc) { live.textContent = "polling"; render(doc); })
          .catch(function () { live.textContent = "offline, retrying"; });
      }
      function startPolling() {
        if (polling !== null) return;
        live.textContent = "polling";
        poll();
        polling = setInterval(poll, 5000);
      }
      if (window.EventSource) {
        // ?stream_seconds=N asks the server to end each stream after N seconds (the browser
        // reconnects by itself): a headless browser's virtual time stands still while one is open.
        var seconds = new URLSearchParams(location.search).get("stream_seconds");
        var events = new EventSource("events" + (seconds ? "?seconds=" + encodeURIComponent(seconds) : ""));
        events.addEventListener("snapshot", function (e) { live.textContent = "live"; render(JSON.parse(e.data)); });
        events.onerror = function () { if (events.readyState === EventSource.CLOSED) startPolling(); else live.textContent = "reconnecting"; };
      } else {
        startPolling();
      }
    })();
    """
}
