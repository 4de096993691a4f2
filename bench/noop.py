"""The no-op baseline: the same server stack as ``ondeck serve``, with nothing behind it.

One async route reads the body and answers 202 with the Events v2 success shape, under
the same uvicorn settings ``ondeck serve`` uses (uvloop and httptools when installed, no
access log, proxy headers). Run as ``python -m bench.noop --port N``.
"""

from __future__ import annotations

import argparse
import json

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


def create_app() -> FastAPI:
    app = FastAPI(title="ondeck-bench-noop")

    @app.post("/v2/enqueue", status_code=202)
    async def enqueue(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            dedup_key = str(json.loads(body).get("dedup_key", ""))
        except (ValueError, AttributeError):
            dedup_key = ""
        return JSONResponse(
            {"status": "success", "message": "Event processed", "dedup_key": dedup_key},
            status_code=202,
        )

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_app(),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
