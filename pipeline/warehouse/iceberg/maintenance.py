"""Keeping Iceberg tables from growing without bound: old snapshots expired, their files deleted.

Every agent's sync commits a snapshot of each table it changes, and a replaced partition's old
files stay in object storage for as long as a snapshot reaches them (time travel). pyiceberg's
`expire_snapshots` drops snapshots from the table's metadata only; the files that no kept
snapshot reaches any more are deleted here, as Iceberg's own expire action does elsewhere: a
manifest list, manifest or data file goes when an expired snapshot reached it and no kept
snapshot does. Old metadata files are bounded by the tables' properties (tables.py).

Safe beside running syncs: the current snapshot (every branch head) is never expired, and a
writer only ever builds on the current snapshot, so nothing a commit in flight refers to goes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pyiceberg.io import FileIO
from pyiceberg.table import Table as IcebergTable
from pyiceberg.table.snapshots import Snapshot


@dataclass(frozen=True)
class Expired:
    """What expiring one table's old snapshots removed."""

    table: str
    snapshots: int
    files_deleted: int


def expire_snapshots(table: IcebergTable, older_than: datetime) -> Expired:
    """Expire the table's snapshots made before `older_than` (never a branch head), and delete
    the files only they reached."""
    name = table.name()[-1]
    heads = {ref.snapshot_id for ref in table.metadata.refs.values()}
    cutoff_ms = older_than.timestamp() * 1000
    doomed = [
        snapshot
        for snapshot in table.metadata.snapshots
        if snapshot.timestamp_ms < cutoff_ms and snapshot.snapshot_id not in heads
    ]
    if not doomed:
        return Expired(name, 0, 0)
    reached = _files(table.io, doomed)
    table.maintenance.expire_snapshots().by_ids([s.snapshot_id for s in doomed]).commit()
    kept = _files(table.io, table.refresh().metadata.snapshots)
    unreachable = reached - kept
    for path in unreachable:
        table.io.delete(path)
    return Expired(name, len(doomed), len(unreachable))


def _files(io: FileIO, snapshots: Iterable[Snapshot]) -> set[str]:
    """Every file the snapshots reach: manifest lists, manifests, and live data files."""
    files: set[str] = set()
    seen_manifests: set[str] = set()
    for snapshot in snapshots:
        files.add(snapshot.manifest_list)
        for manifest in snapshot.manifests(io):
            if manifest.manifest_path in seen_manifests:
                continue  # shared by many snapshots: read once
            seen_manifests.add(manifest.manifest_path)
            files.add(manifest.manifest_path)
            files.update(
                entry.data_file.file_path
                for entry in manifest.fetch_manifest_entry(io, discard_deleted=True)
            )
    return files
