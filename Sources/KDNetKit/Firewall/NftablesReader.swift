import CNftables
import Foundation

/// Reads the live ruleset through libnftables' JSON output (what `nft -j list ruleset` prints).
public enum NftablesReader {
    public static func liveRulesetJSON() throws(FirewallError) -> Data {
        guard let ctx = nft_ctx_new(UInt32(NFT_CTX_DEFAULT)) else { throw .listFailed("libnftables could not start") }
        defer { nft_ctx_free(ctx) }
        nft_ctx_output_set_flags(ctx, UInt32(NFT_CTX_OUTPUT_JSON))
        nft_ctx_buffer_output(ctx)
        nft_ctx_buffer_error(ctx)
        let rc = nft_run_cmd_from_buffer(ctx, "list ruleset")
        let output = nft_ctx_get_output_buffer(ctx).map { String(cString: $0) } ?? ""
        let error = (nft_ctx_get_error_buffer(ctx).map { String(cString: $0) } ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if rc != 0 {
            if error.contains("Operation not permitted") || geteuid() != 0 { throw .notPermitted }
            throw .listFailed(error.split(separator: "\n").first.map(String.init) ?? "exit \(rc)")
        }
        // An empty ruleset prints nothing at all in some versions.
        return Data((output.isEmpty ? "{\"nftables\": []}" : output).utf8)
    }

    public static func liveRuleset() throws(FirewallError) -> NftRuleset {
        try NftRuleset(json: liveRulesetJSON())
    }
}
