"""docs/python.md runs: its ```python blocks, top to bottom, in one namespace (a notebook)."""
import re

import pytest


def test_docs_python_md_runs(repo, monkeypatch):
    pytest.importorskip("arviz")
    pytest.importorskip("sklearn")
    text = (repo / "docs" / "python.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    assert len(blocks) >= 5
    monkeypatch.chdir(repo)  # the examples name files from the repository's root
    namespace = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"docs/python.md block {i + 1}", "exec"), namespace)
    assert namespace["gm"].converged_ and "schools" in namespace
