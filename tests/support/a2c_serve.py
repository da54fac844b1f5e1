"""Serve acme2certifier's WSGI application over TLS on loopback, for A2cServer (a2c.py), which
runs this file as a process of its own:
`python -P a2c_serve.py PORT DNS_PORT HTTP01_PORT CERT KEY`, with ACME_SRV_CONFIGFILE naming
the acme_srv.cfg it wrote.

acme2certifier asks DNS servers on port 53 and fetches http-01 from port 80, neither of which
it lets one configure, while the suite's BIND and casp listen on free ports. Two adaptations
here move those ports, as Pebble's `-dnsserver host:port` and `httpPort` do: dnspython's
resolvers (acme2certifier's only way to resolve names) ask on DNS_PORT, and the http-01
validator, which connects to the address it resolved, dials HTTP01_PORT there (its Host
header stays the bare name). (Its `proxy_server_list` would reach casp without a patch, but
0.46.3 loads it where the validator never looks.) Everything else is acme2certifier as
packaged, served by Werkzeug (one of its own dependencies), threaded."""

from __future__ import annotations

import ipaddress
import sys

import dns.resolver
from werkzeug.serving import run_simple


def resolve_through_port(port: int) -> None:
    """Every dnspython Resolver made from now on asks its nameservers on `port`."""
    reset = dns.resolver.Resolver.reset

    def reset_to_port(self: dns.resolver.BaseResolver) -> None:
        reset(self)
        self.port = port

    dns.resolver.Resolver.reset = reset_to_port  # type: ignore[method-assign]


def fetch_http01_from_port(port: int) -> None:
    """The http-01 validator's URL for a resolved address names `port`."""
    from acme2certifier.acme_srv.helpers import network  # type: ignore[import-untyped]

    url_host = network._http_url_host

    def with_port(host: str) -> str:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return str(url_host(host))  # a name: the Host header, left as it is
        return f"{url_host(host)}:{port}"

    network._http_url_host = with_port


def main(port: str, dns_port: str, http01_port: str, cert: str, key: str) -> None:
    resolve_through_port(int(dns_port))
    fetch_http01_from_port(int(http01_port))
    # Imported after the patch: the module reads acme_srv.cfg and opens its database on import.
    from acme2certifier.share.acme2certifier_wsgi import application  # type: ignore[import-untyped]

    run_simple("127.0.0.1", int(port), application, threaded=True, ssl_context=(cert, key))


if __name__ == "__main__":
    main(*sys.argv[1:])
