"""Many emulated routers in one process, each on its own API (and API-SSL) port.

Use it from the command line (`rosemu`, see cli.py) or in-process:

    with Lab.of(3) as lab:              # starts an event loop in a thread
        port = lab.port("r1")
        lab.call(lambda: lab.routers["r1"].counters.written)
"""

import asyncio
import ssl
import threading
from dataclasses import dataclass, field

from rosemu import control, pki, schema
from rosemu.fabric import Clock, Fabric
from rosemu.router import VERSION, Router
from rosemu.session import Session, parse_sentence


@dataclass
class RouterSpec:
    name: str
    identity: str = None
    users: dict = None              # {"admin": ("", "full")}: name -> (password, group); replaces the factory admin
    groups: dict = None             # {"sitelink": "api,read,write,sensitive,test"}: groups beside read/write/full
    defconf: bool = True
    version: str = VERSION
    setup: list = field(default_factory=list)   # API sentences run at boot, e.g. ["/ip/address/add", "=address=…"]


class Lab:
    def __init__(self, specs, host="127.0.0.1", port=0, ssl_port=None, tls_cert=None, tls_key=None,
                 control_port=None, fabric=None, peer_overlap="reject", time_scale=1.0, router_certificates=False):
        self.specs = list(specs)
        self.host = host
        self.base_port, self.base_ssl_port = port, ssl_port
        self.tls_cert, self.tls_key = tls_cert, tls_key
        # api-ssl serves each router's own certificate (/ip/service api-ssl certificate=, rosemu/pki.py) rather
        # than the lab's: no certificate, no handshake, as on a fresh router
        self.router_certificates = router_certificates and not tls_cert
        self.control_port = control_port
        self.fabric = fabric or Fabric(Clock(time_scale))   # time_scale 10: handshake retries every 0.5 s
        self.peer_overlap = peer_overlap
        self.routers = {}
        self.endpoints = {}        # name -> {"api": port, "api-ssl": port}
        self.control_address = None
        self._servers = []
        self._sessions = set()
        self.loop = None
        self._thread = None

    @classmethod
    def of(cls, count, **kw):
        return cls([RouterSpec("r%d" % (n + 1)) for n in range(count)], **kw)

    # ----- asyncio side -------------------------------------------------
    async def astart(self):
        self.loop = asyncio.get_running_loop()
        self.fabric.attach(self)
        tls = None
        if self.tls_cert:
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(self.tls_cert, self.tls_key)
        for index, spec in enumerate(self.specs):
            router = Router(spec.name, identity=spec.identity or spec.name, version=schema.full_version(spec.version),
                            defconf=spec.defconf, users=spec.users, groups=spec.groups, fabric=self.fabric,
                            peer_overlap=self.peer_overlap)
            for sentence in spec.setup:
                command, args, queries, _tag = parse_sentence(sentence)
                router.run(*router.split(command), args, queries)
            self.routers[spec.name] = router
            ends = {"api": await self._listen(router, self._port(self.base_port, index), None)}
            if self.router_certificates:
                router.tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            if tls is not None or router.tls_context is not None:
                ssl_base = self.base_ssl_port
                if ssl_base is None and self.base_port:
                    ssl_base = self.base_port + len(self.specs)
                ends["api-ssl"] = await self._listen(router, self._port(ssl_base, index), tls or router.tls_context,
                                                     "api-ssl")
            self.endpoints[spec.name] = ends
        if self.control_port is not None:
            server = await asyncio.start_server(lambda r, w: control.serve(self, r, w),
                                                self.host, self.control_port)
            self._servers.append(server)
            self.control_address = server.sockets[0].getsockname()[:2]

    @staticmethod
    def _port(base, index):
        return base + index if base else 0

    async def _listen(self, router, port, tls, service="api"):
        async def accept(reader, writer):
            if pki.service(router, service).get("disabled") == "true":
                writer.close()          # a disabled service: RouterOS does not answer on its port
                return
            session = Session(router, reader, writer)
            self._sessions.add(session)
            try:
                await session.run()
            finally:
                self._sessions.discard(session)

        server = await asyncio.start_server(accept, self.host, port, ssl=tls, reuse_address=True)
        self._servers.append(server)
        return server.sockets[0].getsockname()[1]

    async def astop(self):
        for server in self._servers:
            server.close()
        for session in list(self._sessions):
            await session.close()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()

    def restart(self, name):
        """Router `name` restarts (on the lab's loop): its API connections drop, its configuration stays, and the
        fabric forgets what it knew live (WireGuard sessions, endpoints learnt, timers, tunnel keepalives)."""
        router = self.routers[name]
        for session in [s for s in self._sessions if s.router is router]:
            asyncio.ensure_future(session.close())
        self.fabric.restart(router)

    def lines(self):
        """What `rosemu` prints once ready: one line per router."""
        out = []
        for name, ends in self.endpoints.items():
            line = "router %s api=%s:%d" % (name, self.host, ends["api"])
            if "api-ssl" in ends:
                line += " api-ssl=%s:%d" % (self.host, ends["api-ssl"])
            out.append(line)
        if self.control_address:
            out.append("control http=%s:%d" % tuple(self.control_address))
        return out

    # ----- thread side (pytest fixtures) --------------------------------
    def start(self):
        ready = threading.Event()
        failure = []

        def main():
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.astart())
            except Exception as exc:  # surfaced to the caller of start()
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.astop())
            loop.close()

        self._thread = threading.Thread(target=main, name="rosemu", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure:
            raise failure[0]
        return self

    def stop(self):
        if self._thread is None:
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def call(self, fn, *args):
        """Run fn(*args) on the lab's event loop (state is only touched there) and return its result."""
        async def runner():
            return fn(*args)
        return asyncio.run_coroutine_threadsafe(runner(), self.loop).result(30)

    def port(self, name, kind="api"):
        return self.endpoints[name][kind]

    def router(self, name):
        return self.routers[name]
