"""``clearpicture serve``: run the web application with uvicorn on one workspace."""

from __future__ import annotations

import click

from ._common import db_option
from ._existing import check_workspace


@click.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--secure-cookies", is_flag=True,
              help="Mark cookies Secure even over http (TLS ends at a proxy that hides the scheme).")
@click.option("--proxy-headers", is_flag=True,
              help="Trust X-Forwarded-* from a local reverse proxy (for https and client addresses).")
def serve(db: str, host: str, port: int, secure_cookies: bool, proxy_headers: bool) -> None:
    """Serve the dashboard and API. The workspace is opened for writing (sessions, audit log)."""
    import uvicorn

    from ..web import create_app

    check_workspace(db, allow_empty=True)  # never migrate another team's DuckDB database
    app = create_app(db, secure_cookies=secure_cookies)
    try:
        uvicorn.run(app, host=host, port=port, proxy_headers=proxy_headers, server_header=False,
                    forwarded_allow_ips="127.0.0.1" if proxy_headers else None, log_level="info")
    finally:
        app.state.db.close()


commands: list[click.Command] = [serve]
