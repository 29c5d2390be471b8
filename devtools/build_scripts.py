"""Running the repo's build and fetch scripts (deploy/**/build.sh, fetch.sh, prepare.sh) from
a launcher: their progress lines pass through to the launcher's output as they come, and a
failing script raises the launcher's own error."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import TextIO

# the checkout this file is in (no import of devtools.stack: the stack and the cluster import us)
REPO_ROOT = Path(__file__).resolve().parents[1]


def run_build_script(script: Path, out: TextIO, failure: type[Exception]) -> None:
    started = time.monotonic()
    with subprocess.Popen(
        ["bash", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            out.flush()
    if proc.returncode != 0:
        raise failure(f"{script.relative_to(REPO_ROOT)} failed ({proc.returncode})")
    took = time.monotonic() - started
    if took > 2:
        print(f"  ({script.name} took {took:.0f}s)", file=out, flush=True)
