"""`python -m app.sandbox`: serve the demo sandbox tenant over https in the foreground."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.sandbox.server import SandboxServer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the sandbox Microsoft 365 tenant.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--cert-dir", type=Path, default=None)
    parser.add_argument("--public-host", default=None, help="host name clients use to reach it")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="keep the tenant here across restarts"
    )
    args = parser.parse_args(argv)
    SandboxServer(
        host=args.host,
        port=args.port,
        cert_dir=args.cert_dir,
        public_host=args.public_host,
        data_dir=args.data_dir,
    ).serve_forever()


if __name__ == "__main__":
    main()
