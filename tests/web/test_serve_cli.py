"""``clearpicture serve`` starts uvicorn on the app over the given workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clearpicture.cli import main


def test_serve_runs_uvicorn_with_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_run(app: Any, **kwargs: Any) -> None:
        seen["app"] = app
        seen.update(kwargs)

    import uvicorn

    monkeypatch.setattr(uvicorn, "run", fake_run)
    db = tmp_path / "ws.duckdb"
    r = CliRunner().invoke(main, ["serve", "--db", str(db), "--port", "8123"])
    assert r.exit_code == 0, r.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
    assert "/api/v1/summary" in seen["app"].openapi()["paths"]
    assert db.exists()
