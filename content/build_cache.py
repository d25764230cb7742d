"""Start-up's slow builds kept on disk between processes.

Building the current administrative units, the content and its matcher takes about 3 s; every
process does it (each web worker, the broadcast worker, each `cdsbot` command that answers). What
they build depends only on files: this package (its code, the packs, the place tables, the word
list, the acceptance model), the packs and seeds directories when configured elsewhere, and a few
settings. So the result is pickled under a key hashed from all of them and the Python and library
versions; a process that finds its key loads it in about 0.3 s. Any change to any input is a new
key, so a stale build is never used; a cache that cannot be read or written is skipped.

The directory is $CDSBOT_CACHE_DIR, else $XDG_CACHE_HOME/cdsbot, else ~/.cache/cdsbot; created
readable by its owner only, since pickles run code when loaded. CDSBOT_CACHE_DIR=off turns the
cache off.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar, cast

log = logging.getLogger(__name__)

T = TypeVar("T")
FORMAT = "1"
"""Bump to drop every existing cache file (a change of what is pickled that no input shows)."""
PACKAGE_DIR = Path(__file__).parent
KEEP = 4
"""Files kept per build name; older ones (other packs, earlier releases) are removed."""


def cached(name: str, inputs: Iterable[Path | str | None], build: Callable[[], T]) -> T:
    """build(), or what an earlier process built from the same inputs (this package is always
    one: its code and data). `inputs`: more files or directories, and parameters as text."""
    directory = cache_dir()
    if directory is None:
        return build()
    path = directory / f"{name}-{_key(inputs)}.pickle"
    try:
        return cast(T, _load(path))
    except FileNotFoundError:
        pass
    except Exception as error:  # a truncated or foreign file: build it again
        log.warning("start-up cache %s unreadable (%s); building again", path.name,
                    type(error).__name__)
    value = build()
    _store(directory, name, path, value)
    return value


def cache_dir() -> Path | None:
    configured = os.environ.get("CDSBOT_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cdsbot"


def _key(inputs: Iterable[Path | str | None]) -> str:
    digest = hashlib.sha256(_package_digest())
    for item in inputs:
        if isinstance(item, Path):
            _add_tree(digest, item)
        else:
            digest.update(repr(item).encode() + b"\0")
    return digest.hexdigest()[:32]


@cache
def _package_digest() -> bytes:
    """This package and the versions that shape its pickles: read once per process, not once
    per build (a process asks for three), since the installed code does not change under it."""
    digest = hashlib.sha256()
    for part in (FORMAT, sys.version, version("rapidfuzz"), version("pyyaml")):
        digest.update(part.encode() + b"\0")
    _add_tree(digest, PACKAGE_DIR)
    return digest.digest()


def _add_tree(digest: Any, root: Path) -> None:
    for file in _files(root):
        digest.update(str(file).encode() + b"\0" + file.read_bytes() + b"\0")


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for file in sorted(root.rglob("*")):
        if file.is_file() and "__pycache__" not in file.parts:
            yield file


def _load(path: Path) -> object:
    with path.open("rb") as file:
        gc.disable()  # some 200,000 objects at once: collecting while they arrive triples the time
        try:
            return pickle.load(file)  # noqa: S301 - our own file, in a directory only we can write
        finally:
            gc.enable()


def _store(directory: Path, name: str, path: Path, value: object) -> None:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=f".{name}-", delete=False) as file:
            written = Path(file.name)
            try:
                pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                written.unlink()
                raise
        os.replace(written, path)  # readers see the whole file or none
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as error:
        log.warning("start-up cache not written (%s): %s", type(error).__name__, error)
        return
    older = sorted(directory.glob(f"{name}-*.pickle"), key=_modified, reverse=True)[KEEP:]
    for stale in older:
        with contextlib.suppress(OSError):
            stale.unlink()


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
