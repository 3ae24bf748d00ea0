"""The README's ``$ kg …`` examples on the bundled reference article, run as a user would.

A code block preceded by the line ``<!-- readme-test -->`` is a transcript: each ``$ `` line is
a shell command, the lines after it (up to the next command) what it prints (stdout and
stderr, as a terminal shows them). The marked blocks run
in README order in one empty folder (so ``kg build`` there makes ``./kg-store``, which later
commands read) and each output must match, line by line; ``...`` in a README line stands for
any text (a path, a hash, a version), and trailing spaces do not count. A changed count, column
or message fails here, so the README cannot drift from the code.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "<!-- readme-test -->"


def transcripts() -> list[tuple[int, str, list[str]]]:
    """(README line, command, expected output lines) of every marked block, in order."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    found: list[tuple[int, str, list[str]]] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == MARK:
            assert lines[i + 1].startswith("```"), f"README line {i + 2}: {MARK} must precede a code block"
            j = i + 2
            while not lines[j].startswith("```"):
                if lines[j].startswith("$ "):
                    found.append((j + 1, lines[j][2:], []))
                else:
                    assert found and found[-1][0] > i, f"README line {j + 1}: output before any command"
                    found[-1][2].append(lines[j])
                j += 1
            i = j
        i += 1
    return [(n, command, _trimmed(expected)) for n, command, expected in found]


def _trimmed(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _matches(expected: str, actual: str) -> bool:
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def test_readme_marks_the_reference_transcripts():
    commands = [command for _n, command, _out in transcripts()]
    assert commands and commands[0] == "kg build", "the first marked transcript builds the reference article"
    assert len(commands) >= 8


def test_readme_transcripts_run_as_shown(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kg").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kg "$@"\n', encoding="utf-8")
    (bin_dir / "kg").chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(ROOT), "COLUMNS": "250"}
    env.pop("KG_STORE", None)
    problems: list[str] = []
    for line, command, expected in transcripts():
        done = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=work, env=env, text=True, timeout=300,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # what a terminal shows
        actual = _trimmed(done.stdout.splitlines())
        if done.returncode not in (0, 141):  # 141: `| head` closed the pipe early
            problems.append(f"README line {line}: `{command}` exited {done.returncode}: {done.stdout.strip()}")
            continue
        if len(actual) != len(expected) or not all(map(_matches, expected, actual)):
            problems.append(f"README line {line}: `{command}` printed:\n" + "\n".join(actual)
                            + "\n--- the README shows:\n" + "\n".join(expected))
    assert not problems, "\n\n".join(problems)
