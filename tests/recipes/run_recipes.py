#!/usr/bin/env python3
"""Runs the README's recipes exactly as printed, against the labs.

A fenced block of README.md preceded by `<!-- recipe: NAME -->` is a
recipe; every block of shell commands (fenced sh, bash or cron, YAML with a
`run:` or `script:`, or an indented block running make or harden) must be a
recipe or be marked `<!-- illustration ... -->`.

  cron            each line is run as cron runs it: `env -i` with HOME,
                  PATH, SHELL and LOGNAME only, `/bin/sh -c`, in HOME, with
                  a `mail` on PATH that records what it is given.  Three
                  nights: the first (every failure is new: one mail), a
                  quiet one (no mail), one whose scan fails (a mail with
                  the reason, no drift).
  github-actions  three runs on fresh runners sharing only the cache, whose
                  restore and save steps are honoured (`if: always()`
                  included): each `run:` under `bash -eo pipefail` with the
                  step's `env:` (`${{ secrets.X }}` from the test's
                  secrets), the targets file where `--config` names it;
                  the first run fails with every result new, the next two
                  pass against its report; the SARIF upload file is checked.
  gitlab-ci       the same three runs, the `script:` lines in one `sh -e`
                  as the runner runs them, the cache saved as its `when:`
                  says; the JUnit report is checked.

The environment (from scripts/recipes-test.sh): HARDEN_BIN, LAB_URL,
NSX_URL, LAB_DIR (holding vc.pw and nsx.pw), RECIPES_TMP.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import yaml

README = "README.md"
SHELLISH = {"sh", "bash", "shell", "console", "cron"}


def fail(msg):
    print("recipes-test: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def blocks(text):
    """(marker or None, language, body) for each fenced block."""
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\S*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        lang = m.group(1)
        j = i + 1
        while j < len(lines) and lines[j] != "```":
            j += 1
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        marker = lines[k].strip() if k >= 0 and lines[k].strip().startswith("<!--") else None
        out.append((marker, lang, "\n".join(lines[i + 1:j]), i + 1))
        i = j + 1
    return out


def indented_commands(text):
    """(marker or None, line) of each indented code block whose lines run
    make or harden."""
    out = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        starts = line.startswith("    ") and (i == 0 or not lines[i - 1].strip())
        if not starts or not re.match(r"^    (make|harden|sudo|sh)\b", line):
            continue
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        out.append((lines[k].strip() if k >= 0 and lines[k].strip().startswith("<!--") else None, i + 1))
    return out


def recipes():
    text = open(README, encoding="utf-8").read()
    for marker, line in indented_commands(text):
        if not (marker or "").startswith("<!-- illustration"):
            fail("README.md:%d: an indented block of commands that is not marked an illustration" % line)
    found = {}
    for marker, lang, body, line in blocks(text):
        m = re.match(r"<!-- recipe: ([a-z0-9-]+) -->", marker or "")
        if m:
            found[m.group(1)] = body
            continue
        commands = lang in SHELLISH or (lang == "yaml" and re.search(r"^\s*(-\s+)?(run|script):", body, re.M))
        if commands and not (marker or "").startswith("<!-- illustration"):
            fail("README.md:%d: a block of commands that is neither a recipe nor marked an illustration" % line)
    for name in ("cron", "github-actions", "gitlab-ci"):
        if name not in found:
            fail("README.md has no recipe '%s'" % name)
    return found


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def password(name):
    return open(os.path.join(os.environ["LAB_DIR"], name), encoding="utf-8").read().strip()


def bin_dir(tmp):
    """A directory for PATH: harden, and a mail that records its calls."""
    d = os.path.join(tmp, "bin")
    os.makedirs(d, exist_ok=True)
    link = os.path.join(d, "harden")
    if not os.path.exists(link):
        os.symlink(os.environ["HARDEN_BIN"], link)
    write(os.path.join(d, "mail"),
          '#!/bin/sh\n{ echo "mail $*"; cat; echo "--"; } >> "%s/mail.log"\n' % tmp, 0o755)
    return d


# ---- cron ----

def cron_lines(body):
    env, jobs = {}, []
    for line in body.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
        if m:
            env[m.group(1)] = m.group(2)
            continue
        fields = line.split(None, 5)
        if len(fields) < 6:
            fail("cron recipe: not a crontab line: " + line)
        if "%" in fields[5]:
            fail("cron recipe: an unescaped % in: " + line)
        jobs.append(fields[5])
    return env, jobs


def run_cron_job(tmp, home, env_lines, job):
    env = {"HOME": home, "PATH": bin_dir(tmp) + ":/usr/bin:/bin", "SHELL": "/bin/sh", "LOGNAME": "root"}
    env.update(env_lines)
    p = subprocess.run(["/bin/sh", "-c", job], cwd=home, env=env, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def mails(tmp):
    path = os.path.join(tmp, "mail.log")
    if not os.path.exists(path):
        return []
    return [m for m in open(path, encoding="utf-8").read().split("--\n") if m.strip()]


def test_cron(body, tmp):
    home = os.path.join(tmp, "cron-home")
    os.makedirs(home)
    pw = os.path.join(home, "prod-vc.pw")
    write(pw, password("vc.pw") + "\n", 0o600)
    write(os.path.join(home, ".config/harden/targets.yaml"),
          "targets:\n  prod-vc:\n    vcenter:\n      url: %s\n      user: harden\n      password_file: %s\n"
          "    nsx:\n      url: %s\n      user: audit\n      password_file: %s\n"
          % (os.environ["LAB_URL"], pw, os.environ["NSX_URL"], os.path.join(os.environ["LAB_DIR"], "nsx.pw")))
    env_lines, jobs = cron_lines(body)
    scan = [j for j in jobs if " scan " in j]
    prune = [j for j in jobs if " prune " in j]
    if len(scan) != 1 or len(prune) != 1:
        fail("cron recipe: expected one scan and one prune line")
    # Night 1: everything failing is new: one mail with the report.
    rc, out = run_cron_job(tmp, home, env_lines, scan[0])
    if out:
        fail("cron night 1 printed (cron would mail it): " + out)
    m = mails(tmp)
    if len(m) != 1 or "mail -s harden: prod-vc root" not in m[0] or "new failures" not in m[0]:
        fail("cron night 1: want one mail of new failures, got %r" % m)
    if not os.path.getsize(os.path.join(home, "harden/prod-vc.html")):
        fail("cron night 1: no HTML report")
    if not os.path.exists(os.path.join(home, ".local/share/harden/twin.db")):
        fail("cron night 1: the twin is not under HOME")
    # Night 2: nothing changed: no mail, no output.
    rc, out = run_cron_job(tmp, home, env_lines, scan[0])
    if out or len(mails(tmp)) != 1:
        fail("cron night 2 (no change): output %r, mails %r" % (out, mails(tmp)[1:]))
    # Night 3: the password was changed on vCenter: a mail saying why, no drift.
    write(pw, "not-the-password\n", 0o600)
    rc, out = run_cron_job(tmp, home, env_lines, scan[0])
    write(pw, password("vc.pw") + "\n", 0o600)
    m = mails(tmp)
    if out or len(m) != 2:
        fail("cron night 3 (scan fails): output %r, mails %r" % (out, m))
    if "failed (exit 5)" not in m[1] or "authentication failed" not in m[1] or "drift" in m[1]:
        fail("cron night 3: the mail does not give the reason alone: " + m[1])
    # The weekly prune: quiet.
    rc, out = run_cron_job(tmp, home, env_lines, prune[0])
    if rc != 0 or out:
        fail("cron prune: exit %d, output %r" % (rc, out))
    print("recipes-test: cron: 3 nights (mail on new failures, none when quiet, the reason on failure), prune")


# ---- CI ----

SECRETS = None


def ci_env(tmp, name):
    """A fresh runner's workspace, holding the targets file where the job's
    --config names it (in the repository, with no secret)."""
    work = os.path.join(tmp, name + "-work")
    os.makedirs(work)
    env = {"HOME": os.path.join(tmp, name + "-home"), "PATH": bin_dir(tmp) + ":/usr/bin:/bin", "CI": "true"}
    return env, work


def write_config(cmd, work):
    m = re.search(r"--config[ =](\S+)", cmd)
    if not m:
        fail("CI recipe: no --config naming the targets file in %r" % cmd)
    write(os.path.join(work, m.group(1)),
          "targets:\n  prod-vc:\n    vcenter:\n      url: %s\n      user: harden\n"
          "      password_env: HARDEN_PROD_VC_PASSWORD\n    nsx:\n      url: %s\n      user: audit\n"
          "      password_env: HARDEN_PROD_NSX_PASSWORD\n" % (os.environ["LAB_URL"], os.environ["NSX_URL"]))


def new_count(work):
    doc = json.load(open(os.path.join(work, "harden.json"), encoding="utf-8"))
    return sum(1 for f in doc["findings"] if f.get("new"))


# Each CI job runs three times on fresh runners that share only the cache:
# the first run has no reference (every failure is new: exit 1) and saves
# its report; the next runs compare with it (nothing new: exit 0).
CI_RUNS = ((1, True), (0, False), (0, False))


def github_run(steps, tmp, n):
    env, work = ci_env(tmp, "github-%d" % n)
    cache = os.path.join(tmp, "github-cache")
    rc = None
    for step in steps:
        uses = str(step.get("uses", ""))
        if uses.startswith("actions/cache/restore"):
            path = step["with"]["path"]
            if os.path.isdir(os.path.join(cache, path)):
                shutil.copytree(os.path.join(cache, path), os.path.join(work, path))
        elif uses.startswith("actions/cache/save"):
            if rc and step.get("if") != "always()":
                continue
            path = step["with"]["path"]
            if os.path.isdir(os.path.join(work, path)):
                shutil.rmtree(os.path.join(cache, path), ignore_errors=True)
                shutil.copytree(os.path.join(work, path), os.path.join(cache, path))
        elif "run" in step:
            if rc:
                continue
            senv = dict(env)
            for k, v in (step.get("env") or {}).items():
                senv[k] = re.sub(r"\$\{\{\s*secrets\.(\w+)\s*\}\}", lambda x: SECRETS[x.group(1)], str(v))
            write_config(step["run"], work)
            p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=work,
                               env=senv, capture_output=True, text=True, timeout=300)
            rc = p.returncode
            if rc not in (0, 1):
                fail("github-actions run %d: step %r exited %d: %s" % (n, step.get("name"), rc, p.stderr))
        elif uses.startswith("github/codeql-action/upload-sarif"):
            path = os.path.join(work, step["with"]["sarif_file"])
            sarif = json.load(open(path, encoding="utf-8"))
            if sarif.get("version") != "2.1.0" or not sarif["runs"][0]["results"]:
                fail("github-actions: %s is not a SARIF 2.1.0 log with results" % path)
    return rc, work


def test_github(body, tmp):
    steps = yaml.safe_load(body)
    for n, (want, all_new) in enumerate(CI_RUNS):
        rc, work = github_run(steps, tmp, n)
        news = new_count(work)
        if rc != want or (news > 0) != all_new:
            fail("github-actions run %d: exit %s with %d new results (expected exit %d)" % (n, rc, news, want))
    print("recipes-test: github-actions: 3 runs sharing the cache (first: all new, exit 1; then exit 0), SARIF")


def test_gitlab(body, tmp):
    jobs = yaml.safe_load(body)
    cache = os.path.join(tmp, "gitlab-cache")
    for name, job in jobs.items():
        for n, (want, all_new) in enumerate(CI_RUNS):
            env, work = ci_env(tmp, "gitlab-%s-%d" % (name, n))
            env.update(HARDEN_PROD_VC_PASSWORD=SECRETS["VC_PASSWORD"], HARDEN_PROD_NSX_PASSWORD=SECRETS["NSX_PASSWORD"])
            paths = job.get("cache", {}).get("paths", [])
            for path in paths:
                if os.path.isdir(os.path.join(cache, path)):
                    shutil.copytree(os.path.join(cache, path), os.path.join(work, path))
            script = "\n".join(job["script"])
            write_config(script, work)
            # The runner runs the script lines in one shell, stopping at the
            # first that fails.
            p = subprocess.run(["sh", "-e", "-c", script], cwd=work, env=env, capture_output=True, text=True,
                               timeout=300)
            if p.returncode == 0 or job["cache"].get("when") == "always":
                for path in paths:
                    if os.path.isdir(os.path.join(work, path)):
                        shutil.rmtree(os.path.join(cache, path), ignore_errors=True)
                        shutil.copytree(os.path.join(work, path), os.path.join(cache, path))
            news = new_count(work)
            if p.returncode != want or (news > 0) != all_new:
                fail("gitlab-ci job %s run %d: exit %d with %d new results (expected exit %d): %s" %
                     (name, n, p.returncode, news, want, p.stderr))
            for report in (job.get("artifacts", {}).get("reports", {}) or {}).values():
                root = ET.parse(os.path.join(work, report)).getroot()
                if root.tag not in ("testsuites", "testsuite") or next(root.iter("testcase"), None) is None:
                    fail("gitlab-ci: %s is not a JUnit report" % report)
    print("recipes-test: gitlab-ci: 3 runs sharing the cache (first: all new, exit 1; then exit 0), JUnit")


def main():
    global SECRETS
    tmp = os.environ["RECIPES_TMP"]
    SECRETS = {"VC_PASSWORD": password("vc.pw"), "NSX_PASSWORD": password("nsx.pw")}
    found = recipes()
    test_cron(found["cron"], tmp)
    test_github(found["github-actions"], tmp)
    test_gitlab(found["gitlab-ci"], tmp)


if __name__ == "__main__":
    main()
