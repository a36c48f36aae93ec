"""Backups that restore: one archive with the database, the clinical files and a manifest.

The archive is a tar file holding
- database.<ext>: a PostgreSQL dump (pg_dump's custom format) or, for the embedded SQLite
  of development, a copy made with SQLite's own backup API - both made and restored by
  django-dbbackup's connectors;
- media/<name>: every file of the default storage (clinical photos), filesystem or S3;
- manifest.json (last): Pigment's version, the engine, the migrations applied, the rows of
  every table, and the size and SHA-256 of every other member.
With BACKUP_PASSPHRASE set the tar is encrypted by GnuPG (symmetric, AES-256), so a person
can also decrypt it by hand: `gpg --decrypt pigment.tar.gpg > pigment.tar`.

A restore goes into an empty database and an empty media store only: it checks every
checksum before it writes anything, refuses a backup from a newer Pigment (migrations this
code does not know) or another engine, and compares the rows and files afterwards."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from clinic.version import full_version

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024
# Owners and grants of the source server mean nothing on the one restored to.
PG_OPTIONS = "--no-owner --no-privileges"


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why and what to do."""


@dataclass(frozen=True)
class RestoreReport:
    manifest: dict
    tables: int
    rows: int
    files: int
    pending_migrations: list[str]


# --------------------------------------------------------------------------- helpers


def _connector(alias: str = DEFAULT_DB_ALIAS):
    from dbbackup.db.base import get_connector

    connector = get_connector(alias)
    logging.getLogger("dbbackup.command").setLevel(logging.INFO)  # it sets DEBUG on import
    if connections[alias].vendor == "postgresql":
        connector.dump_suffix = PG_OPTIONS
        connector.pg_options = PG_OPTIONS
    return connector


def _sha256_file(handle) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


class _HashingReader:
    """Reads through a file, hashing what passes (tarfile reads exactly `size` bytes)."""

    def __init__(self, handle):
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def read(self, n=-1):
        chunk = self.handle.read(n)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _storage_files(storage=None, folder: str = "") -> list[str]:
    """Every file name in the storage, sorted (a filesystem or a bucket alike)."""
    storage = storage or default_storage
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{f}" if folder else f for f in files]
    for sub in folders:
        names += _storage_files(storage, f"{folder}/{sub}" if folder else sub)
    return sorted(names)


def _safe_media_name(name: str) -> str:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise BackupError(f"The archive holds an unsafe file name: {name!r}.")
    return name


def table_rows(alias: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """{table: number of rows} for every table of the database."""
    connection = connections[alias]
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations(alias: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[alias]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _gpg(args: list[str], passphrase: str, source: Path, target: Path) -> None:
    """Run gpg with the passphrase on a pipe (never on the command line or on disk)."""
    read_end, write_end = os.pipe()
    with tempfile.TemporaryDirectory() as home:  # no keyring of the machine is touched
        try:
            os.write(write_end, passphrase.encode())
        finally:
            os.close(write_end)
        try:
            result = subprocess.run(
                ["gpg", "--homedir", home, "--batch", "--yes", "--quiet", "--pinentry-mode", "loopback",
                 "--passphrase-fd", str(read_end), *args, "--output", str(target), str(source)],
                pass_fds=(read_end,), capture_output=True, text=True, check=False,
            )
        except FileNotFoundError:
            raise BackupError("gpg is not installed (apt-get install gnupg).") from None
        finally:
            os.close(read_end)
    if result.returncode != 0:
        raise BackupError(f"gpg failed: {result.stderr.strip() or result.returncode}")


def _is_tar(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(257)
        return handle.read(5) == b"ustar"


# --------------------------------------------------------------------------- backup


def create(output: Path, passphrase: str = "", alias: str = DEFAULT_DB_ALIAS) -> dict:
    """Write the archive to `output` (atomically, mode 0600) and return its manifest."""
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[alias]
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".pigment-backup-") as work:
        work_dir = Path(work)
        connector = _connector(alias)
        db_name = f"database.{connector.extension}"
        dump = connector.create_dump()
        try:
            with open(work_dir / db_name, "wb") as target:
                shutil.copyfileobj(dump, target, CHUNK)
        finally:
            dump.close()
        with open(work_dir / db_name, "rb") as handle:
            db_sha, db_size = _sha256_file(handle)
        manifest = {
            "format": FORMAT,
            "pigment_version": full_version(),
            "created_at": timezone.now().isoformat(),
            "database": {"engine": connection.vendor, "connector": f"{type(connector).__module__}."
                         f"{type(connector).__name__}", "file": db_name, "size": db_size, "sha256": db_sha},
            "migrations": applied_migrations(alias),
            "row_counts": table_rows(alias),
            "media": [],
        }
        tar_path = work_dir / "pigment.tar"
        with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as archive:
            archive.add(work_dir / db_name, arcname=db_name)
            for name in _storage_files():
                info = tarfile.TarInfo(MEDIA_PREFIX + name)
                info.size = default_storage.size(name)
                info.mtime = int(timezone.now().timestamp())
                info.mode = 0o640
                with default_storage.open(name, "rb") as handle:
                    reader = _HashingReader(handle)
                    archive.addfile(info, reader)
                if reader.size != info.size:
                    raise BackupError(f"{name} changed while it was backed up; run the backup again.")
                manifest["media"].append(
                    {"name": name, "size": reader.size, "sha256": reader.digest.hexdigest()}
                )
            manifest["encrypted"] = bool(passphrase)
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o640
            archive.addfile(info, _BytesReader(data))
        final = work_dir / "final"
        if passphrase:
            _gpg(["--symmetric", "--cipher-algo", "AES256", "--compress-algo", "none"], passphrase,
                 tar_path, final)
        else:
            tar_path.rename(final)
        os.chmod(final, 0o600)
        os.replace(final, output)
    return manifest


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def read(self, n=-1):
        end = len(self.data) if n is None or n < 0 else self.pos + n
        chunk, self.pos = self.data[self.pos:end], min(end, len(self.data))
        return chunk


# --------------------------------------------------------------------------- restore


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, ValueError, TypeError):
        raise BackupError("This is not a Pigment backup: it has no readable manifest.json.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r} (this Pigment reads {FORMAT}).")
    return manifest


def verify_members(archive: tarfile.TarFile, manifest: dict) -> None:
    """Every member's size and checksum against the manifest, and nothing more or less."""
    expected = {manifest["database"]["file"]: manifest["database"]}
    expected |= {MEDIA_PREFIX + _safe_media_name(m["name"]): m for m in manifest["media"]}
    found = set()
    for member in archive.getmembers():
        if member.name == MANIFEST:
            continue
        if member.name not in expected or not member.isfile():
            raise BackupError(f"The archive holds {member.name!r}, which its manifest does not list.")
        digest, size = _sha256_file(archive.extractfile(member))
        entry = expected[member.name]
        if size != entry["size"] or digest != entry["sha256"]:
            raise BackupError(f"{member.name} does not match its checksum: the archive is damaged.")
        found.add(member.name)
    if missing := sorted(set(expected) - found):
        raise BackupError(f"The archive lacks {len(missing)} file(s) its manifest lists, e.g. {missing[0]}.")


def _check_target(manifest: dict, alias: str) -> None:
    connection = connections[alias]
    if manifest["database"]["engine"] != connection.vendor:
        raise BackupError(
            f"This backup holds a {manifest['database']['engine']} database; the configured database "
            f"is {connection.vendor}. Point DATABASE_URL at a {manifest['database']['engine']} database."
        )
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [f"{app}.{name}" for app, names in manifest["migrations"].items() for name in names
               if (app, name) not in known]
    if unknown:
        raise BackupError(
            f"This backup was made by a newer Pigment ({manifest['pigment_version']}): it has "
            f"migrations this code does not know ({', '.join(unknown[:3])}). Restore it with that version."
        )
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if tables:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} is not empty ({len(tables)} tables). "
            "A restore goes into a new, empty database: create one and point DATABASE_URL at it."
        )
    if _storage_files():
        raise BackupError(
            "The media store is not empty. A restore goes into an empty one: point MEDIA_ROOT (or the "
            "bucket) at a new location."
        )


def _restore_database(archive: tarfile.TarFile, manifest: dict, alias: str) -> None:
    connection = connections[alias]
    from dbbackup.db.base import get_connector

    connector = get_connector(alias, connector_path=manifest["database"]["connector"])
    if connection.vendor == "postgresql":
        connector.pg_options = PG_OPTIONS
    elif connection.vendor == "sqlite":
        connection.close()  # the file is replaced: no connection, journal or WAL may remain
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{connection.settings_dict['NAME']}{suffix}").unlink(missing_ok=True)
    with tempfile.SpooledTemporaryFile(max_size=64 * CHUNK) as dump:
        shutil.copyfileobj(archive.extractfile(manifest["database"]["file"]), dump, CHUNK)
        dump.seek(0)
        connector.restore_dump(dump)
    connection.close()


def _restore_media(archive: tarfile.TarFile, manifest: dict) -> None:
    for entry in manifest["media"]:
        name = _safe_media_name(entry["name"])
        saved = default_storage.save(name, File(archive.extractfile(MEDIA_PREFIX + name), name=name))
        if saved != name:
            raise BackupError(f"{name} was stored as {saved}: the media store was not empty.")
        if default_storage.size(name) != entry["size"]:
            raise BackupError(f"{name} was not stored whole.")


def restore(path: Path, passphrase: str = "", alias: str = DEFAULT_DB_ALIAS) -> RestoreReport:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    with tempfile.TemporaryDirectory(prefix="pigment-restore-") as work:
        tar_path = path
        if not _is_tar(path):
            if not passphrase:
                raise BackupError(
                    "This backup is encrypted: set BACKUP_PASSPHRASE to the passphrase it was made with."
                )
            tar_path = Path(work) / "pigment.tar"
            _gpg(["--decrypt"], passphrase, path, tar_path)
        try:
            archive = tarfile.open(tar_path, "r:")
        except tarfile.TarError:
            raise BackupError(f"{path} is not a Pigment backup (not a tar archive).") from None
        with archive:
            manifest = read_manifest(archive)
            verify_members(archive, manifest)
            _check_target(manifest, alias)
            _restore_database(archive, manifest, alias)
            _restore_media(archive, manifest)
    rows = table_rows(alias)
    if rows != manifest["row_counts"]:
        differ = sorted(t for t in set(rows) | set(manifest["row_counts"])
                        if rows.get(t) != manifest["row_counts"].get(t))
        raise BackupError(f"The restored database differs from the manifest in {', '.join(differ[:5])}.")
    if applied_migrations(alias) != manifest["migrations"]:
        raise BackupError("The restored database's migrations differ from the manifest.")
    if [(f, default_storage.size(f)) for f in _storage_files()] != [
        (m["name"], m["size"]) for m in sorted(manifest["media"], key=lambda m: m["name"])
    ]:
        raise BackupError("The restored media store differs from the manifest.")
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    pending = sorted(f"{app}.{name}" for app, name in set(known) - applied)
    return RestoreReport(manifest=manifest, tables=len(rows), rows=sum(rows.values()),
                         files=len(manifest["media"]), pending_migrations=pending)
