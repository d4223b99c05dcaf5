"""The process's memory housekeeping, shared by the long-running commands (serve, plugin, run)."""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable
from typing import cast


def freeze_start_up_objects() -> None:
    """Modules, schemas and grammars live as long as the process: keep them out of every full GC pass.

    Unfrozen, each full collection walks them all (~70 ms measured with a large review in flight, a
    stall for every thread and so for the event loop); frozen, ~5 ms. Collected first so that
    start-up garbage is not kept for good.
    """
    gc.collect()
    gc.freeze()


def _load_malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc (musl, macOS): nothing to give back this way
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return cast(Callable[[int], int], trim)


_MALLOC_TRIM = _load_malloc_trim()


# glibc mallopt parameters (malloc.h).
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
# Blocks at least this large get their own mapping, unmapped (given back) as soon as they are freed.
MMAP_THRESHOLD = 256 * 1024


def keep_heaps_small(arenas: int = 2) -> bool:
    """Tune glibc so that large request bodies and parsed objects do not stay in the heap after a review.

    By default glibc raises its mmap threshold after each large block is freed (up to 32 MiB), so a burst of
    3 MB bodies ends up in the heap, fragmented and kept: RSS grew from 77 to 171 MiB during the huge-kind
    attack of bench/attack.py and stayed there. A fixed threshold keeps every block over 256 KiB in a mapping
    of its own; two arenas bound what the threads parsing large bodies keep for themselves.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_ARENA_MAX, arenas))


def give_back_free_memory() -> bool:
    """Return glibc's free heap pages to the system; whether it could (glibc only).

    After a burst of connections closes, their memory is free inside the process
    but glibc keeps most of it in its arenas (only the top of each heap is ever
    released on its own), so RSS stays at the burst's peak. ``malloc_trim`` walks
    the arenas and releases every free page: a few milliseconds, so it is called
    after a burst, not on every close.
    """
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True
