"""Loaded only by the Streamlit server the WebRTC e2e tests start (on its PYTHONPATH), never by the product.

The tests run the server and Chromium in a network namespace that has only `lo`. aioice never
offers 127.0.0.1 as a host candidate, so ICE would find no pair: here it offers exactly that.
Real phones connect over the LAN or through TURN, where the unpatched behaviour is right.
"""

from __future__ import annotations

try:
    import aioice.ice as _ice

    def _loopback_only(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return ["127.0.0.1"] if use_ipv4 else []

    _ice.get_host_addresses = _loopback_only
except ImportError:  # pragma: no cover - aioice is installed with aiortc
    pass

import logging as _logging
import os as _os

if _os.environ.get("PORTSIGHT_E2E_WEBRTC_DEBUG") == "1":  # why a worker was stopped, in the server log
    _logging.getLogger("streamlit_webrtc.component").setLevel(_logging.DEBUG)
