// An independent MCP client for 'harden mcp': the official MCP TypeScript
// SDK starts the server over stdio, lists its tools and calls each one.
// The SDK checks every answer against the protocol's schemas, and every
// structured result against the tool's declared output schema.
//
//   node sdk-client.mjs HARDEN DB CONFIG TARGET
//
// Prints one JSON object: the server's name and version, the tool names, and
// per call whether it succeeded and what it returned (or its error).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [harden, db, config, target] = process.argv.slice(2);
if (!harden || !db || !config || !target) {
  console.error("usage: node sdk-client.mjs HARDEN DB CONFIG TARGET");
  process.exit(2);
}

const transport = new StdioClientTransport({
  command: harden,
  args: ["--db", db, "--config", config, "mcp"],
  stderr: "inherit",
});
const client = new Client({ name: "harden-sdk-check", version: "1.0.0" });
await client.connect(transport);

const out = {
  server: client.getServerVersion(),
  tools: [],
  calls: {},
};
const { tools } = await client.listTools();
out.tools = tools.map((t) => t.name).sort();
// Submitting a fix to pilot stays a human act at the CLI or the web panel.
if (out.tools.some((n) => n.includes("apply")))
  throw new Error("apply is exposed");

async function call(name, args) {
  const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 300000 });
  const text = r.content?.[0]?.text ?? "";
  const entry = r.isError
    ? { ok: false, error: JSON.parse(text).error }
    : { ok: true, result: r.structuredContent };
  if (!r.isError && JSON.stringify(JSON.parse(text)) !== JSON.stringify(r.structuredContent))
    throw new Error(`${name}: the text block and structuredContent differ`);
  out.calls[name] = entry;
  return entry;
}

await client.ping();
await call("list_baselines", {});
await call("get_baseline_rules", { baseline_id: "vsphere-scg-v8-subset", limit: 5 });
await call("list_stig_controls", { limit: 3 });
await call("describe_stig_content_sync", {});
await call("list_targets", {});
await call("list_snapshots", { target });
const v = await call("list_violations", { limit: 200, target });
const first = v.ok && v.result.violations.length ? v.result.violations[0].violation_id : "V-00000000";
await call("get_finding", { violation_id: first });
const rem = await call("get_remediation", { violation_id: first });
if (rem.ok && !rem.result.plan) throw new Error("get_remediation: no plan");
const adv = await call("advise", { violation_id: first });
if (adv.ok && adv.result.suggestion.violation_id !== first)
  throw new Error("advise: a suggestion for another violation");
await call("list_drift_events", { limit: 10 });
await call("get_drift", { target, limit: 10 });
await call("get_history", { target, object: "DC0_C0_H0", limit: 5 });
await call("evaluate_snapshot", { baseline: "cis-vmware-esxi-8.0-subset", target, limit: 5 });
await call("scan_target", { target, baseline: "vsphere-scg-v8-subset" });
// A bad argument is a tool error the model can read, not a broken session.
const bad = await client.callTool({ name: "list_violations", arguments: { limit: 100000 } });
out.bad_argument_is_tool_error = bad.isError === true;
// A violation id that fails nowhere is a tool error too.
const unknown = await client.callTool({ name: "get_remediation", arguments: { violation_id: "V-00000000" } });
out.unknown_violation_is_tool_error = unknown.isError === true;
// The violations after scan_target, to compare with harden report.
const after = await client.callTool({ name: "list_violations", arguments: { limit: 200, target } });
out.violations_after_scan = after.structuredContent;
await client.close();
console.log(JSON.stringify(out));
