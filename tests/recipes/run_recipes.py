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
  github-actions  each step's `run:` under `bash -eo pipefail` with the step's `env:`
                  (`${{ secrets.X }}` from the test's secrets), then the
                  SARIF file the upload step names is checked.
  gitlab-ci       each `script:` line under `sh -e` with the CI/CD
                  variables the targets file names, then the JUnit report
                  the job keeps as an artifact is checked.

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
    """A fresh runner: its HOME with the targets file the job expects."""
    home = os.path.join(tmp, name + "-home")
    write(os.path.join(home, ".config/harden/targets.yaml"),
          "targets:\n  prod-vc:\n    vcenter:\n      url: %s\n      user: harden\n"
          "      password_env: HARDEN_PROD_VC_PASSWORD\n    nsx:\n      url: %s\n      user: audit\n"
          "      password_env: HARDEN_PROD_NSX_PASSWORD\n" % (os.environ["LAB_URL"], os.environ["NSX_URL"]))
    work = os.path.join(tmp, name + "-work")
    os.makedirs(work)
    env = {"HOME": home, "PATH": bin_dir(tmp) + ":/usr/bin:/bin", "CI": "true"}
    return env, work


def since_report(cmd, env, work):
    """When the job compares with a previous report (--since-report FILE),
    that report is the artifact of an earlier run: made here by a scan of
    another runner."""
    m = re.search(r"--since-report[ =](\S+)", cmd)
    if not m:
        return False
    fmt = "sarif" if m.group(1).endswith(".sarif") else "json"
    base = re.sub(r"--since-report[ =]\S+|--fail-on-new|--output \S+|--format \S+", "", cmd)
    prev_env = dict(env, HOME=env["HOME"] + "-previous")
    shutil.copytree(env["HOME"], prev_env["HOME"])
    subprocess.run(["bash", "-c", base + " --format %s > %s" % (fmt, m.group(1))], cwd=work, env=prev_env,
                   timeout=300)
    return True


def test_github(body, tmp):
    steps = yaml.safe_load(body)
    env, work = ci_env(tmp, "github")
    ran = False
    for step in steps:
        if "run" in step:
            senv = dict(env)
            for k, v in (step.get("env") or {}).items():
                senv[k] = re.sub(r"\$\{\{\s*secrets\.(\w+)\s*\}\}", lambda x: SECRETS[x.group(1)], str(v))
            previous = since_report(step["run"], senv, work)
            p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=work, env=senv, capture_output=True,
                               text=True, timeout=300)
            # Against the lab: failures at high exist, none is new when a
            # previous report is given.
            want = (0,) if previous else (0, 1)
            if p.returncode not in want:
                fail("github-actions step %r exited %d: %s" % (step.get("name"), p.returncode, p.stderr))
            ran = True
        elif str(step.get("uses", "")).startswith("github/codeql-action/upload-sarif"):
            path = os.path.join(work, step["with"]["sarif_file"])
            sarif = json.load(open(path, encoding="utf-8"))
            if sarif.get("version") != "2.1.0" or not sarif["runs"][0]["results"]:
                fail("github-actions: %s is not a SARIF 2.1.0 log with results" % path)
    if not ran:
        fail("github-actions recipe: no run step")
    print("recipes-test: github-actions: run step and SARIF upload file%s" %
          ("" if "--since-report" in body else " (no --since-report in the recipe yet: the twin starts empty)"))


def test_gitlab(body, tmp):
    jobs = yaml.safe_load(body)
    env, work = ci_env(tmp, "gitlab")
    env.update(HARDEN_PROD_VC_PASSWORD=SECRETS["VC_PASSWORD"], HARDEN_PROD_NSX_PASSWORD=SECRETS["NSX_PASSWORD"])
    for name, job in jobs.items():
        for line in job["script"]:
            since_report(line, env, work)
            p = subprocess.run(["sh", "-e", "-c", line], cwd=work, env=env, capture_output=True, text=True,
                               timeout=300)
            if p.returncode not in (0, 1):
                fail("gitlab-ci job %s: %r exited %d: %s" % (name, line, p.returncode, p.stderr))
        for report in (job.get("artifacts", {}).get("reports", {}) or {}).values():
            root = ET.parse(os.path.join(work, report)).getroot()
            if root.tag not in ("testsuites", "testsuite") or next(root.iter("testcase"), None) is None:
                fail("gitlab-ci: %s is not a JUnit report" % report)
    print("recipes-test: gitlab-ci: script and JUnit report")


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
