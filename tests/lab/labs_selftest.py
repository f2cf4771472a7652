#!/usr/bin/env python3
"""Self-test of the Python labs: the vmware-pilot lab (MCP over stdio), the lab
agent with its skill stand-ins, and the LLM API lab.

    python3 tests/lab/labs_selftest.py [-v]

Set HARDEN_LAB_BIN / HARDEN_NSXLAB_BIN (or have build/harden-vclab and
build/harden-nsxlab) to also run the lab agent against the real vCenter and NSX
labs; without them those tests are skipped.
"""

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PILOT = os.path.join(HERE, "pilot", "vmware-pilot")
AGENT = os.path.join(HERE, "skills", "lab-agent")
LLM = os.path.join(HERE, "llm", "llm-lab")
VCLAB = os.environ.get("HARDEN_LAB_BIN") or os.path.join(ROOT, "build", "harden-vclab")
NSXLAB = os.environ.get("HARDEN_NSXLAB_BIN") or os.path.join(ROOT, "build", "harden-nsxlab")

TOOL_NAMES = {"plan_workflow", "run_workflow", "approve", "rollback", "cancel_workflow", "review_workflow",
              "get_workflow_status", "list_workflows", "get_skill_catalog", "create_workflow",
              "design_workflow", "update_draft", "confirm_draft"}
GATE = {"action": "require_approval", "skill": "pilot", "tool": "approve", "params": {"message": "ok?"}}


class Pilot:
    """An MCP client of one `vmware-pilot mcp` process."""

    def __init__(self, tmp, env=None):
        e = dict(os.environ, PILOT_LAB_DB=os.path.join(tmp, "workflows.db"))
        e.pop("PILOT_LAB_DISPATCH", None)
        e.update(env or {})
        self.stderr = open(os.path.join(tmp, "pilot.log"), "ab")
        self.proc = subprocess.Popen([sys.executable, PILOT, "mcp"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, env=e)
        self.n = 0
        self.buf = b""

    def raw(self, line):
        self.proc.stdin.write(line if isinstance(line, bytes) else line.encode())
        self.proc.stdin.write(b"\n")
        self.proc.stdin.flush()

    def read(self, timeout=10):
        deadline = time.time() + timeout
        while b"\n" not in self.buf:
            r, _, _ = select.select([self.proc.stdout], [], [], max(0, deadline - time.time()))
            if not r:
                raise AssertionError("pilot did not answer within %ss" % timeout)
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise AssertionError("pilot closed stdout")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def request(self, method, params=None):
        self.n += 1
        msg = {"jsonrpc": "2.0", "id": self.n, "method": method}
        if params is not None:
            msg["params"] = params
        self.raw(json.dumps(msg))
        reply = self.read()
        assert reply.get("id") == self.n, reply
        return reply

    def init(self):
        r = self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                        "clientInfo": {"name": "selftest", "version": "1"}})
        self.raw(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        return r["result"]

    def call_raw(self, _tool, **args):
        return self.request("tools/call", {"name": _tool, "arguments": args})["result"]

    def call(self, _tool, **args):
        res = self.call_raw(_tool, **args)
        assert res["isError"] is False, res
        return json.loads(res["content"][0]["text"])

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.stderr.close()


class PilotCase(unittest.TestCase):
    env = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pilot-selftest-")
        self.p = Pilot(self.tmp, self.env)
        self.p.init()

    def tearDown(self):
        self.p.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class ProtocolTest(PilotCase):
    def test_initialize_and_list(self):
        p2 = Pilot(self.tmp)
        try:
            info = p2.init()
            self.assertEqual(info["protocolVersion"], "2025-06-18")
            self.assertEqual(info["serverInfo"]["name"], "vmware-pilot")
            self.assertIn("tools", info["capabilities"])
        finally:
            p2.close()
        tools = {t["name"]: t for t in self.p.request("tools/list")["result"]["tools"]}
        self.assertEqual(set(tools), TOOL_NAMES)
        self.assertEqual(tools["run_workflow"]["inputSchema"]["required"], ["workflow_id"])
        self.assertEqual(set(tools["create_workflow"]["inputSchema"]["properties"]),
                         {"name", "description", "steps", "save_as_template"})
        self.assertEqual(set(tools["rollback"]["inputSchema"]["properties"]),
                         {"workflow_id", "confirm", "acknowledge_unknown_effects"})
        self.assertTrue(tools["rollback"]["annotations"]["destructiveHint"])

    def test_garbage_and_errors(self):
        self.p.raw(b"this is not json")
        self.assertEqual(self.p.read()["error"]["code"], -32700)
        self.p.raw(b"\xff\xfe{")
        self.assertEqual(self.p.read()["error"]["code"], -32700)
        self.p.raw(b"x\n\n{")  # two bad lines in one write; the empty line is skipped
        self.assertEqual([self.p.read()["error"]["code"] for _ in range(2)], [-32700, -32700])
        self.p.raw(b"[1, 2]")
        self.assertEqual(self.p.read()["error"]["code"], -32600)
        self.p.raw(b'{"jsonrpc": "1.0", "id": 7, "method": "ping"}')
        r = self.p.read()
        self.assertEqual((r["id"], r["error"]["code"]), (7, -32600))
        self.assertEqual(self.p.request("no/such")["error"]["code"], -32601)
        self.assertEqual(self.p.request("ping")["result"], {})
        res = self.p.call_raw("no_such_tool")
        self.assertTrue(res["isError"])
        res = self.p.call_raw("run_workflow")
        self.assertTrue(res["isError"])
        res = self.p.call_raw("run_workflow", workflow_id="x", bogus=1)
        self.assertTrue(res["isError"])
        # A missing workflow is a tool-level failure: isError false, top-level "error".
        res = self.p.call("get_workflow_status", workflow_id="wf-nope")
        self.assertIn("error", res)

    def test_catalog(self):
        cat = self.p.call("get_skill_catalog")
        for skill in ("aiops", "monitor", "nsx-security", "storage"):
            self.assertIn(skill, cat)
        self.assertIn("host_ntp_configure", cat["aiops"]["tools"])
        for t in ("update_dfw_rule", "delete_dfw_rule", "update_dfw_policy", "create_dfw_rule"):
            self.assertIn(t, cat["nsx-security"]["tools"])
        self.assertEqual(cat["nsx-security"]["tools"]["delete_dfw_rule"]["risk"], "high")
        names = {t["name"] for t in self.p.call("list_workflows")["templates"]}
        self.assertIn("baseline_remediate", names)


NTP_ITEM = {"resource": "DC0_C0_H2", "skill": "aiops", "tool": "host_ntp_configure",
            "params": {"host": "DC0_C0_H2", "servers": ["ntp1.lab.local"], "enabled": True},
            "rollback_tool": "host_ntp_configure",
            "rollback_params": {"host": "DC0_C0_H2", "servers": ["old.lab.local"], "enabled": False}}
DFW_ITEM = {"resource": "legacy-any-any", "skill": "nsx-security", "tool": "delete_dfw_rule",
            "params": {"policy_id": "web-tier", "rule_id": "legacy-any-any"}}


class BaselineRemediateTest(PilotCase):
    def test_whole_workflow(self):
        p = self.p
        bad = p.call("plan_workflow", workflow_type="baseline_remediate", params={"target": "lab"})
        self.assertIn("drift_items", bad["error"])
        decided = dict(DFW_ITEM, params=dict(DFW_ITEM["params"], confirm=True))
        bad = p.call("plan_workflow", workflow_type="baseline_remediate",
                     params={"target": "lab", "drift_items": [decided]})
        self.assertIn("confirm", bad["error"])
        plan = p.call("plan_workflow", workflow_type="baseline_remediate",
                      params={"target": "lab", "drift_items": [NTP_ITEM, DFW_ITEM]})
        wid = plan["workflow_id"]
        self.assertEqual(plan["state"], "pending")
        self.assertEqual([(s["skill"], s["tool"]) for s in plan["steps"]],
                         [("monitor", "get_alarms"), ("pilot", "approve"), ("aiops", "host_ntp_configure"),
                          ("nsx-security", "delete_dfw_rule"), ("monitor", "get_alarms")])
        status = p.call("get_workflow_status", workflow_id=wid)
        self.assertTrue(status["steps"][3]["params"]["confirm"])  # pilot adds confirm to a gated tool
        self.assertNotIn("confirm", status["steps"][2]["params"])
        self.assertEqual(p.call("review_workflow", workflow_id=wid)["verdict"], "approved")

        run = p.call("run_workflow", workflow_id=wid)
        self.assertEqual((run["outcome"], run["state"]), ("awaiting_approval", "awaiting_approval"))
        self.assertEqual([d["index"] for d in run["pending_dispatch"]], [0])
        again = p.call("run_workflow", workflow_id=wid)
        self.assertIn("error", again)
        self.assertIn("error", p.call("approve", workflow_id=wid, approver="  "))
        done = p.call("approve", workflow_id=wid, approver="alice")
        self.assertEqual((done["outcome"], done["state"]), ("dispatch_required", "pending"))
        self.assertEqual(done["approved_by"], "alice")
        self.assertEqual([d["index"] for d in done["pending_dispatch"]], [0, 2, 3, 4])
        self.assertEqual(done["pending_dispatch"][1]["params"]["servers"], ["ntp1.lab.local"])
        self.assertEqual([s["status"] for s in done["steps"]],
                         ["not_executed", "success", "not_executed", "not_executed", "not_executed"])
        # Nothing an agent does is reported back to pilot: a re-run lists the same steps.
        rerun = p.call("run_workflow", workflow_id=wid)
        self.assertEqual(rerun["outcome"], "dispatch_required")
        self.assertEqual(p.call("list_workflows")["active_workflows"][0]["id"], wid)

        prev = p.call("rollback", workflow_id=wid)
        self.assertEqual(prev["action"], "preview")
        br = prev["blast_radius"]
        self.assertEqual(br["would_roll_back_count"], 0)
        self.assertEqual([s["index"] for s in br["not_reversed_by_pilot"]], [2])
        self.assertEqual(p.call("get_workflow_status", workflow_id=wid)["state"], "pending")
        rb = p.call("rollback", workflow_id=wid, confirm=True)
        self.assertEqual((rb["action"], rb["state"]), ("rolled_back", "failed"))
        self.assertEqual(rb["rollback_results"], [{"step": 1, "tool": "approve", "status": "skipped",
                                                   "reason": "no rollback defined"}])
        self.assertIn("error", p.call("run_workflow", workflow_id=wid))
        self.assertIn("error", p.call("cancel_workflow", workflow_id=wid, confirm=True))

    def test_state_survives_a_restart(self):
        wid = self.p.call("plan_workflow", workflow_type="baseline_remediate",
                          params={"drift_items": [NTP_ITEM]})["workflow_id"]
        self.p.call("run_workflow", workflow_id=wid)
        self.p.close()
        self.p = Pilot(self.tmp)
        self.p.init()
        self.assertEqual(self.p.call("get_workflow_status", workflow_id=wid)["state"], "awaiting_approval")
        self.assertEqual(self.p.call("approve", workflow_id=wid, approver="bob")["outcome"], "dispatch_required")


class CustomWorkflowTest(PilotCase):
    def test_gate_rules(self):
        p = self.p
        upd = {"action": "execute", "skill": "nsx-security", "tool": "update_dfw_rule",
               "params": {"policy_id": "web-tier", "rule_id": "allow-web-to-app", "logged": True},
               "rollback_tool": "update_dfw_rule",
               "rollback_params": {"policy_id": "web-tier", "rule_id": "allow-web-to-app", "logged": False}}
        r = p.call("create_workflow", name="harden-remediation", description="d", steps=[upd])
        self.assertEqual(r["approval_gate_violations"][0]["kind"], "ungated_unclassified")
        self.assertEqual(r["fix"]["insert_before_step"], 0)
        self.assertEqual(r["fix"]["step"]["action"], "require_approval")
        dele = {"action": "execute", "skill": "nsx-security", "tool": "delete_dfw_rule",
                "params": {"policy_id": "web-tier", "rule_id": "old-ftp"}}
        r = p.call("create_workflow", name="x", description="d", steps=[dele])
        self.assertEqual(r["approval_gate_violations"][0]["kind"], "ungated_destructive")
        conf = {"action": "execute", "skill": "nsx-security", "tool": "create_dfw_rule",
                "params": {"policy_id": "web-tier", "rule_id": "n", "display_name": "n", "confirm": "yes"}}
        r = p.call("create_workflow", name="x", description="d", steps=[conf])
        self.assertEqual(r["approval_gate_violations"][0]["kind"], "confirm_without_approval")
        read = {"action": "look", "skill": "monitor", "tool": "get_alarms", "params": {}}
        r = p.call("create_workflow", name="x", description="d", steps=[read, dele, GATE])
        self.assertEqual([v["step_index"] for v in r["approval_gate_violations"]], [1])
        self.assertEqual(p.call("list_workflows")["active_workflows"], [])

        r = p.call("create_workflow", name="harden-remediation", description="d",
                   steps=[GATE, upd, dict(dele, params=dict(dele["params"], confirm=True))])
        wid = r["workflow_id"]
        run = p.call("run_workflow", workflow_id=wid, force=True)
        self.assertEqual(run["outcome"], "awaiting_approval")
        self.assertNotIn("pending_dispatch", run)
        done = p.call("approve", workflow_id=wid, approver="carol")
        self.assertEqual(done["outcome"], "dispatch_required")
        self.assertEqual([(d["index"], d["tool"]) for d in done["pending_dispatch"]],
                         [(1, "update_dfw_rule"), (2, "delete_dfw_rule")])

        prev = p.call("cancel_workflow", workflow_id=wid, reason="rejected")
        self.assertEqual(prev["action"], "preview")
        self.assertEqual(prev["blast_radius"]["would_skip_count"], 2)
        self.assertEqual(p.call("get_workflow_status", workflow_id=wid)["state"], "pending")
        c = p.call("cancel_workflow", workflow_id=wid, reason="rejected", confirm=True)
        self.assertEqual((c["state"], c["outcome"], c["action"]), ("cancelled", "cancelled", "cancelled"))
        self.assertIn("CANCELLED", p.call("run_workflow", workflow_id=wid)["error"])

    def test_drafts(self):
        p = self.p
        d = p.call("design_workflow", goal="fix the DFW")
        self.assertEqual(d["state"], "draft")
        u = p.call("update_draft", workflow_id=d["workflow_id"], name="dfw-fix",
                   steps=[{"action": "x", "skill": "nsx-security", "tool": "delete_dfw_rule",
                           "params": {"policy_id": "p", "rule_id": "r"}}])
        self.assertEqual(len(u["approval_gate_violations"]), 1)
        self.assertIn("approval_gate_violations", p.call("confirm_draft", workflow_id=d["workflow_id"]))
        self.assertIn("error", p.call("run_workflow", workflow_id=d["workflow_id"]))
        p.call("update_draft", workflow_id=d["workflow_id"], steps=[GATE, {
            "action": "x", "skill": "nsx-security", "tool": "delete_dfw_rule",
            "params": {"policy_id": "p", "rule_id": "r"}}])
        ok = p.call("confirm_draft", workflow_id=d["workflow_id"], save_as_template=True)
        self.assertEqual(ok["state"], "pending")
        names = {t["name"]: t["type"] for t in p.call("list_workflows")["templates"]}
        self.assertEqual(names.get("dfw-fix"), "custom")
        self.assertIn("workflow_id", p.call("plan_workflow", workflow_type="dfw-fix", params={}))


class DispatchModeTest(PilotCase):
    """The executor with a dispatcher (what an embedder gets): the lab agent's stand-ins run the steps."""
    env = {"PILOT_LAB_DISPATCH": "%s %s call" % (sys.executable, AGENT),
           "LAB_AGENT_FAIL": "nsx-security.update_dfw_rule,nsx-security.delete_dfw_rule:preview"}

    def steps(self, third):
        return [GATE,
                {"action": "check", "skill": "monitor", "tool": "get_alarms", "params": {"target": "lab"},
                 "rollback_tool": "get_alarms", "rollback_params": {}},
                third]

    def test_completion_failure_and_rollback(self):
        p = self.p
        ok = p.call("create_workflow", name="ok", description="d", steps=self.steps(
            {"action": "again", "skill": "vmware-monitor", "tool": "get_alarms", "params": {}}))
        p.call("run_workflow", workflow_id=ok["workflow_id"])
        r = p.call("approve", workflow_id=ok["workflow_id"], approver="dave")
        self.assertEqual((r["outcome"], r["state"]), ("completed", "completed"))
        self.assertEqual(r["steps"][1]["result"]["returned"], 0)

        bad = p.call("create_workflow", name="bad", description="d", steps=self.steps(
            {"action": "fix", "skill": "nsx-security", "tool": "update_dfw_rule",
             "params": {"policy_id": "web-tier", "rule_id": "r1", "logged": True}}) + [
            {"action": "after", "skill": "monitor", "tool": "get_alarms", "params": {}}])
        wid = bad["workflow_id"]
        p.call("run_workflow", workflow_id=wid)
        r = p.call("approve", workflow_id=wid, approver="dave")
        self.assertEqual((r["outcome"], r["state"]), ("failed", "failed"))
        self.assertEqual([s["status"] for s in r["steps"]], ["success", "success", "failed", "skipped"])
        self.assertIn("lab fault", r["steps"][2]["result"]["error"])
        prev = p.call("rollback", workflow_id=wid)
        self.assertEqual([s["index"] for s in prev["blast_radius"]["would_roll_back"]], [1])
        rb = p.call("rollback", workflow_id=wid, confirm=True)
        self.assertEqual([(x["step"], x["status"]) for x in rb["rollback_results"]], [(1, "success"), (0, "skipped")])
        self.assertEqual(rb["steps"][1]["status"], "rolled_back")

        pv = p.call("create_workflow", name="pv", description="d", steps=self.steps(
            {"action": "del", "skill": "nsx-security", "tool": "delete_dfw_rule",
             "params": {"policy_id": "web-tier", "rule_id": "r1", "confirm": True}}))
        p.call("run_workflow", workflow_id=pv["workflow_id"])
        r = p.call("approve", workflow_id=pv["workflow_id"], approver="dave")
        self.assertEqual(r["outcome"], "failed")  # a previewed step is not a success


class LlmLabTest(unittest.TestCase):
    KEY = "sk-lab-selftest-0123"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="llm-selftest-")
        keyfile = os.path.join(cls.tmp, "key")
        with open(keyfile, "w") as fh:
            fh.write(cls.KEY + "\n")
        urlfile = os.path.join(cls.tmp, "url")
        cls.log = open(os.path.join(cls.tmp, "llm.log"), "wb")
        cls.proc = subprocess.Popen([sys.executable, LLM, "-url-file", urlfile, "-api-key-file", keyfile],
                                    stdout=cls.log, stderr=cls.log)
        for _ in range(200):
            if os.path.exists(urlfile):
                break
            time.sleep(0.05)
        with open(urlfile) as fh:
            cls.url = fh.read()

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.post("/lab/reset", None)

    def post(self, path, body, headers=None):
        data = json.dumps(body).encode() if body is not None else b""
        req = urllib.request.Request(self.url + path, data=data, method="POST", headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def anthropic(self, text="hello", **hdr):
        h = {"x-api-key": self.KEY, "anthropic-version": "2023-06-01", "content-type": "application/json"}
        h.update(hdr)
        return self.post("/v1/messages", {"model": "claude-lab", "max_tokens": 512, "system": "sys",
                                          "messages": [{"role": "user", "content": text}]}, h)

    def openai(self, text="hello", key=None):
        return self.post("/v1/chat/completions", {"model": "gpt-lab", "messages": [
            {"role": "system", "content": "sys"}, {"role": "user", "content": text}]},
            {"Authorization": "Bearer " + (key or self.KEY), "content-type": "application/json"})

    def test_shapes(self):
        st, _, body = self.anthropic('{"rule_id": "cis-esxi-2.1.1", "service.ntpd.running": false}')
        self.assertEqual(st, 200)
        msg = json.loads(body)
        self.assertEqual((msg["type"], msg["role"], msg["stop_reason"]), ("message", "assistant", "end_turn"))
        sug = json.loads(msg["content"][0]["text"])
        self.assertEqual(sug["execution_plan"]["steps"][0]["mcp_tool"], "vmware_aiops.host_ntp_configure")
        st, _, body = self.openai("rule legacy-any-any is ANY/ANY")
        self.assertEqual(st, 200)
        c = json.loads(body)["choices"][0]
        self.assertEqual(c["finish_reason"], "stop")
        self.assertIn("update_dfw_rule", c["message"]["content"])
        self.assertEqual(self.anthropic(**{"x-api-key": "wrong"})[0], 401)
        self.assertEqual(self.anthropic(**{"anthropic-version": ""})[0], 400)
        self.assertEqual(self.openai(key="wrong")[0], 401)
        reqs = json.loads(urllib.request.urlopen(self.url + "/lab/requests").read())["requests"]
        self.assertEqual([r["path"] for r in reqs][:2], ["/v1/messages", "/v1/chat/completions"])
        self.assertEqual(reqs[0]["headers"]["x-api-key"], self.KEY)
        self.assertNotIn("authorization", reqs[0]["headers"])
        self.assertEqual(reqs[1]["body"]["messages"][1]["content"], "rule legacy-any-any is ANY/ANY")

    def test_faults(self):
        self.assertEqual(self.post("/lab/fault?kind=bogus", None)[0], 400)
        self.post("/lab/fault?kind=429&count=2&retry_after=7", None)
        st, h, body = self.anthropic()
        self.assertEqual((st, h.get("Retry-After")), (429, "7"))
        self.assertEqual(json.loads(body)["error"]["type"], "rate_limit_error")
        self.assertEqual(self.openai()[0], 429)
        self.assertEqual(self.anthropic()[0], 200)
        for kind, status in (("529", 529), ("500", 500)):
            self.post("/lab/fault?kind=%s" % kind, None)
            self.assertEqual(self.anthropic()[0], status)
        self.post("/lab/fault?kind=malformed", None)
        st, _, body = self.openai()
        self.assertEqual(st, 200)
        self.assertRaises(ValueError, json.loads, body)
        self.post("/lab/fault?kind=unknown-tool", None)
        msg = json.loads(self.anthropic()[2])
        self.assertEqual((msg["stop_reason"], msg["content"][0]["type"]), ("tool_use", "tool_use"))
        self.post("/lab/fault?kind=unknown-tool", None)
        c = json.loads(self.openai()[2])["choices"][0]
        self.assertEqual(c["finish_reason"], "tool_calls")
        self.post("/lab/fault?kind=injection", None)
        self.assertIn("ignore all previous instructions", json.loads(self.anthropic()[2])["content"][0]["text"])
        self.post("/lab/fault?kind=500&count=3", None)
        self.post("/lab/fault?count=0", None)
        self.assertEqual(self.anthropic()[0], 200)


@unittest.skipUnless(os.access(VCLAB, os.X_OK) and os.access(NSXLAB, os.X_OK),
                     "build/harden-vclab and build/harden-nsxlab not built (make lab-bin)")
class LiveLabsTest(unittest.TestCase):
    """The lab agent performing pilot's pending steps against the vCenter and NSX labs."""

    @classmethod
    def start(cls, argv, urlfile, log):
        proc = subprocess.Popen(argv, stdout=log, stderr=log)
        for _ in range(600):
            if os.path.exists(urlfile) and os.path.getsize(urlfile):
                with open(urlfile) as fh:
                    return proc, fh.read().strip()
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.kill()
        raise RuntimeError("%s did not start" % argv[0])

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="live-selftest-")
        cls.log = open(os.path.join(cls.tmp, "labs.log"), "wb")
        for name, pw in (("vc.pw", "vc-secret-1"), ("nsx.pw", "nsx-secret-2")):
            fd = os.open(os.path.join(cls.tmp, name), os.O_WRONLY | os.O_CREAT, 0o600)
            os.write(fd, pw.encode())
            os.close(fd)
        cls.procs = []
        vc, cls.vc_url = cls.start([VCLAB, "-url-file", os.path.join(cls.tmp, "vc.url"), "-username", "harden",
                                    "-password-file", os.path.join(cls.tmp, "vc.pw")],
                                   os.path.join(cls.tmp, "vc.url"), cls.log)
        cls.procs.append(vc)
        nsx, cls.nsx_url = cls.start([NSXLAB, "-url-file", os.path.join(cls.tmp, "nsx.url"), "-username", "audit",
                                      "-password-file", os.path.join(cls.tmp, "nsx.pw")],
                                     os.path.join(cls.tmp, "nsx.url"), cls.log)
        cls.procs.append(nsx)
        cls.targets = os.path.join(cls.tmp, "targets.yaml")
        with open(cls.targets, "w") as fh:
            fh.write("targets:\n  lab:\n    vcenter:\n      url: %s\n      user: harden\n      password_file: vc.pw\n"
                     "    nsx:\n      url: %s\n      user: audit\n      password_file: nsx.pw\n"
                     % (cls.vc_url, cls.nsx_url))

    @classmethod
    def tearDownClass(cls):
        for p in cls.procs:
            p.terminate()
            p.wait(timeout=20)
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.p = Pilot(self.tmp)
        self.p.init()
        self.agent_log = os.path.join(self.tmp, "agent.jsonl")
        if os.path.exists(self.agent_log):
            os.remove(self.agent_log)

    def tearDown(self):
        self.p.close()

    def nsx_rule(self, policy, rule):
        import base64
        req = urllib.request.Request("%s/policy/api/v1/infra/domains/default/security-policies/%s/rules/%s"
                                     % (self.nsx_url, policy, rule))
        req.add_header("Authorization", "Basic " + base64.b64encode(b"audit:nsx-secret-2").decode())
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            return {"status": e.code}

    def agent(self, *args, fail=None):
        env = dict(os.environ, PILOT_LAB_DB=os.path.join(self.tmp, "workflows.db"), LAB_AGENT_LOG=self.agent_log)
        env.pop("LAB_AGENT_FAIL", None)
        if fail:
            env["LAB_AGENT_FAIL"] = fail
        proc = subprocess.run([sys.executable, AGENT, "--targets", self.targets] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=60)
        return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else None

    def test_dfw_and_ntp_change(self):
        self.assertFalse(self.nsx_rule("web-tier", "allow-web-to-app")["logged"])
        plan = self.p.call("plan_workflow", workflow_type="baseline_remediate", params={"target": "lab", "drift_items": [
            NTP_ITEM,
            {"resource": "allow-web-to-app", "skill": "nsx-security", "tool": "update_dfw_rule",
             "params": {"policy_id": "web-tier", "rule_id": "allow-web-to-app", "logged": True}},
            {"resource": "old-ftp", "skill": "nsx-security", "tool": "delete_dfw_rule",
             "params": {"policy_id": "web-tier", "rule_id": "old-ftp"}}]})
        wid = plan["workflow_id"]
        pilot_cmd = "%s %s mcp" % (sys.executable, PILOT)
        journal = os.path.join(self.tmp, "journal.json")
        rc, rep = self.agent("drive", "--pilot", pilot_cmd, "--workflow", wid, "--journal", journal)
        self.assertEqual((rc, rep["state"]), (4, "awaiting_approval"))
        rc, rep = self.agent("drive", "--pilot", pilot_cmd, "--workflow", wid, "--journal", journal,
                             "--approver", "erin")
        self.assertEqual(rc, 0, rep)
        self.assertEqual([(e["index"], e["ok"]) for e in rep["performed"]], [(2, True), (3, True), (4, True), (5, True)])
        self.assertEqual(rep["performed"][0]["result"]["ntp_servers"], ["ntp1.lab.local"])
        self.assertEqual(rep["performed"][0]["result"]["ntpd"], {"running": True, "policy": "on"})
        self.assertTrue(self.nsx_rule("web-tier", "allow-web-to-app")["logged"])
        self.assertEqual(self.nsx_rule("web-tier", "old-ftp").get("status"), 404)
        self.assertEqual(rep["state"], "pending")  # pilot never hears about the agent's work
        with open(self.agent_log) as fh:
            calls = [json.loads(x) for x in fh]
        self.assertEqual([c["tool"] for c in calls].count("get_alarms"), 2)
        self.assertEqual(next(c for c in calls if c["tool"] == "delete_dfw_rule")["params"]["confirm"], True)

    def test_sibling_failing_mid_workflow(self):
        plan = self.p.call("plan_workflow", workflow_type="baseline_remediate", params={"drift_items": [
            NTP_ITEM,
            {"resource": "infra", "skill": "nsx-security", "tool": "update_dfw_policy",
             "params": {"policy_id": "infra-services", "stateful": False}}]})
        wid = plan["workflow_id"]
        pilot_cmd = "%s %s mcp" % (sys.executable, PILOT)
        rc, rep = self.agent("drive", "--pilot", pilot_cmd, "--workflow", wid, "--approver", "erin",
                             "--undo-on-failure", "--mark-failed", fail="nsx-security.update_dfw_policy")
        self.assertEqual(rc, 1, rep)
        self.assertEqual(rep["failed"]["tool"], "update_dfw_policy")
        self.assertEqual([s["index"] for s in rep["rollback_preview"]["blast_radius"]["not_reversed_by_pilot"]], [2])
        self.assertEqual(len(rep["undone"]), 1)
        self.assertTrue(rep["undone"][0]["ok"])
        self.assertEqual(rep["undone"][0]["result"]["ntp_servers"], ["old.lab.local"])
        self.assertEqual(rep["undone"][0]["result"]["ntpd"], {"running": False, "policy": "off"})
        self.assertEqual(rep["state"], "failed")


if __name__ == "__main__":
    unittest.main()
