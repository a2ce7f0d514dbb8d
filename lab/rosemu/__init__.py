"""rosemu: a RouterOS v7 API emulator for tests and the demo lab.

It speaks the real API wire protocol over TCP and TLS and keeps RouterOS's
defaults, read-only fields and error replies, so that client code written
against it behaves the same against a router.  See lab/README.md.
"""

from rosemu.lab import Lab, RouterSpec

__all__ = ["Lab", "RouterSpec"]
