"""evaluate() offers every stage's section when called from Python, not only from the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_a_fresh_interpreter_gets_the_estimate_section(tmp_path: Path) -> None:
    # A new process: in this one the CLI tests may already have imported the estimate stage.
    probe = ("import json, sys\nfrom clearpicture.evaluate import evaluate\nfrom clearpicture.store import Store\n"
             "print(json.dumps(evaluate(Store(':memory:'), sys.argv[1])))")
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True)
    sections = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(sections) >= {"linkage", "groups", "estimate"}
    assert sections["estimate"] == {"skipped": "no estimate_results in the workspace"}
