"""Runs the README's shell and Python snippets against a paymock on 127.0.0.1:8080, in order,
as many times in a row as asked, and checks what each prints against the README.

A fenced block tagged `sh` or `python` is a snippet, unless the line before it is an HTML
comment starting `<!-- not run by .ci/readme-snippets`, which says why. In a shell snippet, the
comment lines (`# …`) that follow a command are what it prints: the output must be exactly
those lines, where `…` stands for any run of characters, or, for `curl -i`, those lines must
appear in the output in that order (the other headers vary). A command followed by no such
lines must succeed (exit 0). Comment lines before the first
command describe the snippet and are not checked. A shell snippet runs in one bash process, so
its variables carry from one command to the next. A Python snippet runs with pytest when it
defines tests, and with python3 otherwise; with pytest-xdist on two workers (`-n 2`) when it
uses xdist's `worker_id`.
"""

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

SKIP_MARK = "<!-- not run by .ci/readme-snippets"


def snippets(readme):
    """Yields (line number, language, lines) for each snippet to run."""
    lines = readme.read_text().splitlines()
    i = 0
    while i < len(lines):
        fence = re.fullmatch(r"```(\w+)", lines[i])
        if fence:
            start = i
            end = lines.index("```", i + 1)
            skipped = start > 0 and lines[start - 1].startswith(SKIP_MARK)
            if fence.group(1) in ("sh", "python") and not skipped:
                yield start + 1, fence.group(1), lines[start + 1 : end]
            i = end + 1
        else:
            i += 1


def steps(lines):
    """Splits a shell snippet into (command lines, expected lines) pairs."""
    result, command, expected = [], [], []
    for line in lines:
        is_comment = line.startswith("#")
        if is_comment and command:
            expected.append(line[2:] if line.startswith("# ") else line[1:])
        elif is_comment:
            continue  # describes the snippet
        else:
            if expected:
                result.append((command, expected))
                command, expected = [], []
            command.append(line)
    if command:
        result.append((command, expected))
    return result


def matches(pattern, line):
    parts = [re.escape(part) for part in pattern.split("…")]
    return re.fullmatch(".*".join(parts), line, re.DOTALL) is not None


def check(command, expected, output):
    """None when the output is as the README says; what differs otherwise."""
    got = [line.rstrip("\r") for line in output.splitlines()]
    if not expected:
        return None
    if any(re.search(r"curl\s.*-i\b", line) for line in command):
        position = 0
        for pattern in expected:
            while position < len(got) and not matches(pattern, got[position]):
                position += 1
            if position == len(got):
                return f"no line like {pattern!r} in:\n" + "\n".join(got)
            position += 1
        return None
    if len(got) == len(expected) and all(matches(p, g) for p, g in zip(expected, got)):
        return None
    return "expected:\n" + "\n".join(expected) + "\ngot:\n" + "\n".join(got)


def run_shell(lines, scratch):
    # curl draws a progress meter when its output is not a terminal; a reader never sees one.
    (scratch / ".curlrc").write_text("no-progress-meter\n")
    script, outputs = ["cd " + str(scratch), "export CURL_HOME=" + str(scratch)], []
    for n, (command, expected) in enumerate(steps(lines)):
        out = scratch / f"step-{n}.out"
        script.append("{\n" + "\n".join(command) + "\n} >" + str(out) + " 2>&1")
        script.append(f"echo $? >{out}.status")
        outputs.append((command, expected, out))
    subprocess.run(["bash", "-c", "\n".join(script)], check=False, timeout=120)
    for command, expected, out in outputs:
        printed = out.read_text() if out.exists() else ""
        status = Path(f"{out}.status").read_text().strip() if Path(f"{out}.status").exists() else "none"
        if not expected and status != "0":
            return f"{command[0]}\nexited {status}:\n{printed}"
        problem = check(command, expected, printed)
        if problem:
            return f"{command[0]}\n{problem}"
    return None


def run_python(lines, scratch):
    source = scratch / "test_snippet.py"
    source.write_text("\n".join(lines) + "\n")
    is_test = any(line.startswith("def test_") for line in lines)
    parallel = ["-n", "2"] if any("worker_id" in line for line in lines) else []
    runner = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *parallel, str(source)] if is_test else [
        sys.executable, str(source)]
    done = subprocess.run(runner, cwd=scratch, capture_output=True, text=True, timeout=120)
    return None if done.returncode == 0 else done.stdout + done.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("readme", type=Path)
    parser.add_argument("--passes", type=int, default=2)
    args = parser.parse_args()
    found = list(snippets(args.readme))
    passed = failed = 0
    for number in range(1, args.passes + 1):
        for line, language, lines in found:
            with tempfile.TemporaryDirectory() as scratch:
                run = run_shell if language == "sh" else run_python
                problem = run(lines, Path(scratch))
            name = f"pass {number}: README.md line {line} ({language})"
            if problem:
                failed += 1
                print(f"FAIL {name}\n{problem}\n")
            else:
                passed += 1
                print(f"ok   {name}")
    print(f"readme snippets: {passed} passed, {failed} failed")
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
