# -*- coding: utf-8 -*-
# Copyright: sitelink.tunnels contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that opens a RouterOS API session and explains why it failed."""

from __future__ import annotations

import socket
import ssl

from ansible_collections.sitelink.tunnels.plugins.module_utils.routeros.errors import RouterosError

try:
    import librouteros
    from librouteros.exceptions import ConnectionClosed, FatalError, LibRouterosError, TrapError
    from librouteros.query import Key
    HAS_LIBROUTEROS = True
    # what a session can raise once it is open: librouteros' one root, and the socket's own (timeout, reset)
    SESSION_ERRORS = (LibRouterosError, OSError)
except ImportError:
    HAS_LIBROUTEROS = False
    SESSION_ERRORS = (OSError,)

DEFAULT_PORT = 8728
DEFAULT_TLS_PORT = 8729

# Options every RouterOS module accepts (documented in the `sitelink.tunnels.routeros` doc fragment).
CONNECTION_OPTIONS = ("hostname", "username", "password", "port", "tls", "validate_certs", "ca_path", "timeout")


# the range a socket timeout (seconds) and a TCP port can take; outside it the socket library raises ValueError /
# OverflowError without naming the router or the setting
TIMEOUT_RANGE = (1, 3600)
PORT_RANGE = (1, 65535)


def ca_problem(ca_path):
    """Why the CA file `ca_path` cannot verify a router (missing, unreadable, no PEM certificate), or None."""
    try:
        ssl.create_default_context(cafile=ca_path)
    except OSError as exc:       # ssl.SSLError is an OSError too: a file that holds no PEM certificate
        return "%r cannot be used as the CA certificate (%s); give a PEM file with the certificate that signed the " \
               "router's" % (ca_path, getattr(exc, "reason", None) or exc.strerror or str(exc))
    return None


def tls_context(params, where="the router"):
    """The TLS context of a session; RouterosError naming `where` and ca_path when the CA file cannot be used."""
    why = ca_problem(params["ca_path"]) if params.get("ca_path") else None
    if why:
        raise RouterosError("%s: ca_path %s" % (where, why))
    context = ssl.create_default_context(cafile=params.get("ca_path"))
    if not params.get("validate_certs", True):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _in_range(where, name, value, bounds):
    """`value` as an int within `bounds`; RouterosError naming the router and the setting otherwise."""
    try:
        number = int(value)
        if isinstance(value, bool) or not bounds[0] <= number <= bounds[1]:
            raise ValueError(value)
    except (TypeError, ValueError):
        raise RouterosError("%s: %s must be a whole number from %d to %d, not %r"
                            % (where, name, bounds[0], bounds[1], value))
    return number


def connect(params, router):
    """An API session to `params['hostname']`; RouterosError naming `router` and the cause otherwise."""
    if not HAS_LIBROUTEROS:
        raise RouterosError("%s: the Python library librouteros is required on the controller "
                            "(pip install librouteros)" % router)
    host = params["hostname"]
    tls = params.get("tls", False)
    port = params.get("port") or (DEFAULT_TLS_PORT if tls else DEFAULT_PORT)
    where = "%s (%s:%s%s)" % (router, host, port, ", TLS" if tls else "")
    # latin-1 maps every byte to one character and back: a comment someone wrote in UTF-8 or a code page is read
    # without a decoding error and never changes (librouteros' default, ASCII, fails on the first such byte)
    kwargs = {"port": _in_range(where, "port", port, PORT_RANGE), "encoding": "latin-1",
              "timeout": _in_range(where, "timeout", params.get("timeout") or 10, TIMEOUT_RANGE)}
    if tls:
        context = tls_context(params, where)
        kwargs["ssl_wrapper"] = lambda sock: context.wrap_socket(sock, server_hostname=host)
    try:
        return librouteros.connect(host, params.get("username") or "admin", params.get("password") or "", **kwargs)
    except (OSError, TrapError, ConnectionClosed, FatalError) as exc:
        raise RouterosError("%s: %s" % (where, why_not_connected(exc, params, port, kwargs["timeout"])),
                            unreachable=True)


def why_not_connected(exc, params, port, timeout):
    """Why a session to a router could not be opened (the TLS check, the port, the answer, the login), and what to
    do; the subclasses come before the OSError they are."""
    tls = params.get("tls", False)
    if isinstance(exc, ssl.SSLCertVerificationError):
        # name the CA file that was used: a wrong one is a different fix from a missing one
        given = "the CA in ca_path %s did not sign it" % params["ca_path"] if params.get("ca_path") else \
            "no ca_path was given (the controller's system CAs were used)"
        return "TLS certificate verification failed (%s; %s); give the CA certificate that signed the router's " \
               "certificate (PEM) with ca_path, and reach the router by an address or name its certificate lists" \
               % (exc.verify_message or exc.reason, given)
    if isinstance(exc, ssl.SSLError):
        return "TLS handshake failed (%s); is api-ssl enabled on port %s?" % (exc.reason, port)
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused; is the %s service enabled on port %s?" % ("api-ssl" if tls else "api", port)
    if isinstance(exc, socket.timeout):
        # a TLS client on the plain API port waits for a handshake that never comes: the likely cause after the
        # role's switch to TLS when the inventory still gives the API port
        hint = "; is port %s the router's api-ssl port (8729 by default), not the plain API's?" % port if tls else ""
        return "no answer within %ss (timeout)%s" % (timeout, hint)
    if isinstance(exc, TrapError):
        return "login refused for user %r: %s" % (params.get("username") or "admin", exc.message)
    if isinstance(exc, (ConnectionClosed, FatalError)):
        return "the router closed the connection during login (%s)" % exc
    if isinstance(exc, socket.gaierror):
        return "cannot resolve the host name (%s)" % exc.strerror
    return "cannot connect (%s)" % (exc.strerror or exc)


def select(api, router, path, fields, where=None):
    """The rows of `path` with `fields` (and, with `where`, only those whose values equal it, filtered by the
    router: a full BGP table never crosses the wire); a failure names the router and the path (reads fail as
    clearly as writes: a trap for a missing permission, a timeout, a lost session)."""
    try:
        query = api.path(*path.strip("/").split("/")).select(*fields)
        if where:
            query = query.where(*[Key(name) == value for name, value in sorted(where.items())])
        return [dict(row) for row in query]
    except SESSION_ERRORS as exc:
        raise RouterosError("%s: reading %s failed: %s" % (router, path, explain(exc)))


def explain(exc):
    """Turn a librouteros error raised after login into a sentence."""
    if HAS_LIBROUTEROS and isinstance(exc, TrapError) and "not enough permissions" in exc.message:
        return "the API user lacks the permission for this change (%s)" % exc.message
    if isinstance(exc, socket.timeout):
        return "the router stopped answering (timeout)"
    return str(exc)
