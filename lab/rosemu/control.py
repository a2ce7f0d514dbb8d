"""Out-of-band control endpoint: a small HTTP/JSON server for tests and benchmarks.

    GET  /routers                         names and ports
    GET  /routers/NAME/state[?secrets=1]  every menu as print shows it (keys redacted unless asked)
    GET  /routers/NAME/counters[?sentences=1]
    POST /routers/NAME/counters/reset
    POST /routers/NAME/restart            configuration kept; API connections, WireGuard sessions, timers lost
    POST /routers/NAME/import             {"script": ".rsc text"}: /import of it (rosemu.script); 400 with
                                          {"error": "line N: ..."} where it stops (what came before stays)
    GET  /routers/NAME/faults
    POST /routers/NAME/faults             {"delay_ms": 200, "drop_after_writes": 3, "drop_applied": false,
                                           "drop_once": false, "hang": false, "logins_left": 1,
                                           "traps": [{"path": "/ip/route", "verb": "add", "message": "…"}],
                                           "reset": true}
"""

import asyncio
import json
from urllib.parse import parse_qs, urlsplit

from rosemu import script
from rosemu.router import Counters


def _counters(lab, router, query, body):
    return router.counters.as_dict(with_sentences=query.get("sentences") == ["1"])


def _reset_counters(lab, router, query, body):
    router.counters = Counters()
    return {"ok": True}


def _state(lab, router, query, body):
    return router.dump(secrets=query.get("secrets") == ["1"])


def _get_faults(lab, router, query, body):
    return router.faults.as_dict()


def _set_faults(lab, router, query, body):
    faults = router.faults
    if body.get("reset"):
        faults.reset()
    for key in ("delay_ms", "drop_after_writes", "drop_applied", "drop_once", "logins_left", "hang", "traps"):
        if key in body:
            setattr(faults, key, body[key])
    return faults.as_dict()


def _restart(lab, router, query, body):
    lab.restart(router.name)
    return {"ok": True}


def _import(lab, router, query, body):
    try:
        script.run(router, body["script"])
    except script.ScriptError as exc:
        raise ValueError(str(exc)) from exc          # a 400 naming the line, as /import reports it
    except KeyError as exc:
        raise ValueError("the body needs %s" % exc) from exc
    return {"ok": True}


ROUTES = {
    ("GET", "counters"): _counters,
    ("POST", "counters/reset"): _reset_counters,
    ("GET", "state"): _state,
    ("GET", "faults"): _get_faults,
    ("POST", "faults"): _set_faults,
    ("POST", "restart"): _restart,
    ("POST", "import"): _import,
}


def handle(lab, method, target, body):
    url = urlsplit(target)
    parts = [p for p in url.path.split("/") if p]
    if parts == ["routers"] and method == "GET":
        return 200, [{"name": n, **e} for n, e in lab.endpoints.items()]
    if len(parts) >= 3 and parts[0] == "routers" and parts[1] in lab.routers:
        handler = ROUTES.get((method, "/".join(parts[2:])))
        if handler:
            return 200, handler(lab, lab.routers[parts[1]], parse_qs(url.query), body)
    return 404, {"error": "no route %s %s" % (method, url.path)}


async def serve(lab, reader, writer):
    try:
        request = await reader.readuntil(b"\r\n\r\n")
        head = request.decode("latin-1").split("\r\n")
        method, target, _version = head[0].split(" ", 2)
        headers = dict(h.split(":", 1) for h in head[1:] if ":" in h)
        length = int({k.lower(): v for k, v in headers.items()}.get("content-length", "0"))
        raw = await reader.readexactly(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
            status, payload = handle(lab, method, target, body)
        except (ValueError, TypeError) as exc:
            status, payload = 400, {"error": str(exc)}
        data = json.dumps(payload, indent=1).encode()
        writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n" % (status, b"OK" if status == 200 else b"Error", len(data)))
        writer.write(data)
        await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()
