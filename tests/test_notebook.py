"""The analyst walkthrough notebook runs top to bottom on the demo town."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

NOTEBOOK = REPO / "notebooks" / "analyst_walkthrough.ipynb"


def test_walkthrough_runs_top_to_bottom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    monkeypatch.setenv("NOTEBOOK_HOME", str(tmp_path))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(REPO)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code"
               for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for o in outputs)
    assert "conflict(s)" in text and "warning(s)" in text
    last = notebook.cells[-1].outputs[0]["data"]
    assert "text/html" in last  # the map, rendered
    assert (tmp_path / "store" / "catalog.json").exists()
