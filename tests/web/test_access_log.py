"""The server's access log (uvicorn's, on stdout) must not become a second, unprotected record of
whose data was opened: person ids, entity ids and stated purposes stay out of it."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI


def _access_line(caplog: pytest.LogCaptureFixture, path_with_query: str) -> str:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        # exactly the call uvicorn's HTTP protocols make for each response
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
                                                 path_with_query, "1.1", 200)
    return caplog.records[-1].getMessage()


def test_access_log_leaves_out_person_ids_and_purposes(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    line = _access_line(caplog, "/api/v1/persons/PF1/PF1-P-9001?purpose=Zebedee%20Quillfeather%20strategy")
    assert "PF1-P-9001" not in line and "Quillfeather" not in line and "purpose" not in line
    assert "/api/v1/persons/" in line and " 200" in line
    line = _access_line(caplog, "/dashboard/entities/P3213dfa890c0b7cc?purpose=x")
    assert "P3213dfa890c0b7cc" not in line and "/dashboard/entities/" in line
    line = _access_line(caplog, "/dashboard/review/explain?sl=PF1&pl=PF1-P-9001&sr=LA1&pr=LA1-C-1")
    assert "PF1-P-9001" not in line and "/dashboard/review/explain" in line
    # paths without personal data are logged as they are
    assert "/dashboard/groups" in _access_line(caplog, "/dashboard/groups")
