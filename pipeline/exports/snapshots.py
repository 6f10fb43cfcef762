"""Publishing an export folder atomically: every export is a symlink to its latest snapshot.

`<export_dir>/<name>` links to `<export_dir>/.snapshots/<name>/<id>/`. A new snapshot is written
whole beside the others, then the link is swapped with one rename(2), so a reader that opens
the folder sees all of the old export or all of the new one, never a mix. The snapshot before
the current one is kept for readers that resolved the link just before the swap; older ones
are removed. Names starting with '.' are skipped by every Parquet reader's directory listing.
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pipeline.failpoints import failpoint

SNAPSHOTS = ".snapshots"
KEEP = 2


def new_snapshot(export_dir: Path, name: str, at: datetime) -> Path:
    """A fresh, empty-to-be folder for the next snapshot of `name`; ids sort by time."""
    folder = (
        export_dir
        / SNAPSHOTS
        / name
        / f"{at.astimezone(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"
    )
    folder.parent.mkdir(parents=True, exist_ok=True)
    return folder


def current_snapshot(export_dir: Path, name: str) -> Path | None:
    link = export_dir / name
    return link.resolve() if link.is_symlink() else None


def publish(export_dir: Path, name: str, snapshot: Path) -> None:
    """Point `<export_dir>/<name>` at `snapshot` in one atomic rename."""
    _fsync_tree(snapshot)
    link = export_dir / name
    if link.exists() and not link.is_symlink():
        # A folder from before exports were snapshots: moved aside once, then pruned as old.
        os.replace(link, snapshot.parent / f"00000000-legacy-{uuid.uuid4().hex[:8]}")
    staged = export_dir / f".{name}.{uuid.uuid4().hex}.link"
    # Relative, so the export folder can be moved or mounted elsewhere whole.
    os.symlink(os.path.relpath(snapshot, export_dir), staged)
    failpoint("export")
    os.replace(staged, link)
    _fsync_dir(export_dir)


def prune(export_dir: Path, name: str, keep: int = KEEP) -> list[Path]:
    """Remove all snapshots but the current one and the `keep - 1` published before it.

    Folders newer than the current one were left by a failed export: removed too.
    """
    current = current_snapshot(export_dir, name)
    root = export_dir / SNAPSHOTS / name
    if current is None or not root.is_dir():
        return []
    older = sorted((p for p in root.iterdir() if p.name < current.name), reverse=True)
    doomed = [p for p in root.iterdir() if p.name > current.name] + older[keep - 1 :]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    # Links staged by a publish that died before its rename.
    for stale in export_dir.glob(f".{name}.*.link"):
        stale.unlink(missing_ok=True)
    return doomed


def discard(snapshot: Path) -> None:
    shutil.rmtree(snapshot, ignore_errors=True)


def write_atomically(path: Path, text: str) -> None:
    """Replace a small file whole: written aside, flushed, renamed over."""
    staged = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    with staged.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(staged, path)


def _fsync_tree(folder: Path) -> None:
    # The data must be on disk before the link that makes it visible.
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())
        else:
            _fsync_dir(path)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
