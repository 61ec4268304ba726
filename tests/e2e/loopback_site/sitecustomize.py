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


def _dump_tasks(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    """SIGUSR1 (sent by a failing test): every thread's stack and every asyncio task's, into the log."""
    import asyncio
    import faulthandler
    import gc
    import sys

    print("-- server stacks --", file=sys.stderr, flush=True)
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    try:
        for task in asyncio.all_tasks(asyncio.get_running_loop()):
            task.print_stack(limit=8, file=sys.stderr)
    except RuntimeError:  # the signal came while no loop was running on the main thread
        pass
    for room in (o for o in gc.get_objects() if type(o).__name__ == "Room" and hasattr(o, "frame_counts")):
        ends = {k: (e.role, dict(e.frames_in), e.link) for k, e in room.endpoints.items()}
        print(
            f"room {room.session_id}: mode {room.link_mode}, frames in {room.frames_in}, {room.frame_counts},"
            f" tracked {room.tracking_frames}, marks {len(room.marks())}, endpoints {ends}",
            file=sys.stderr,
        )
    for relayed in (o for o in gc.get_objects() if type(o).__name__ == "RelayStreamTrack"):
        queue = getattr(relayed, "_queue", None)
        waiting = queue.qsize() if queue else 0
        print(f"relayed {relayed.kind} {relayed.readyState}: {waiting} frames waiting", file=sys.stderr)
    print("-- end of server stacks --", file=sys.stderr, flush=True)


import signal as _signal  # noqa: E402 - after the patches above, which must come first

_signal.signal(_signal.SIGUSR1, _dump_tasks)
