"""The cyclic garbage collector paused for bulk work.

A bulk job (an import, the demo seed) makes millions of small objects that live until it ends and
almost no cyclic garbage: the collector walks the growing heap again and again and finds nothing
(measured: an import's reading 2-3x slower, the seed's drawing a tenth and more). Reference counting
still frees everything; the collector resumes afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # Every object made while paused waits in the youngest generation, and the first collection after
            # would walk them all (0.4 s for 4M); moved to the oldest at once, they are walked only by a full
            # collection, by when the job's rows are mostly freed.
            gc.freeze()
            gc.enable()
            gc.unfreeze()
