"""A tiny subscriber for the pub/sub benchmark: ``python -m devtools.bench.probe_app PORT TOPIC``.

Registers a programmatic subscription on ``pubsub``/TOPIC; on each event records
now - data.sent (both wall clock, same machine). GET /results returns the latencies."""

from __future__ import annotations

import json
import sys
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOPIC = sys.argv[2] if len(sys.argv) > 2 else "bench-probe"
received: list[tuple[int, float]] = []


async def subscribe(_request: Request) -> JSONResponse:
    return JSONResponse([{"pubsubname": "pubsub", "topic": TOPIC, "route": "/probe"}])


async def probe(request: Request) -> Response:
    now = time.time()
    event = json.loads(await request.body())
    data = event.get("data") or {}
    if isinstance(data, str):
        data = json.loads(data)
    received.append((int(data.get("i", -1)), now - float(data["sent"])))
    return JSONResponse({"status": "SUCCESS"})


async def results(_request: Request) -> JSONResponse:
    return JSONResponse(received)


async def healthz(_request: Request) -> Response:
    return Response(status_code=200)


app = Starlette(
    routes=[
        Route("/dapr/subscribe", subscribe),
        Route("/probe", probe, methods=["POST"]),
        Route("/results", results),
        Route("/healthz", healthz),
    ]
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
