"""Backups that restore: seed, back up, restore into a fresh database and media folder (in
another process, as an operator would), and find the same rows in every table and the same
files byte for byte. Plus the refusals: a damaged archive, a wrong passphrase, a database
that is not empty, a backup from a newer Pigment."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from clinic import backup
from sessions_app import photos, records
from sessions_app.models import SessionStatus
from tests.clock import CHICAGO
from tests.factories import make_client, make_clinic, make_plan, make_session, make_staff
from tests.practice_helpers import jpeg_with_gps, upload

pytestmark = pytest.mark.django_db(transaction=True)
PASSPHRASE = "correct horse battery staple"
SECRET_NAME = "Zebulon Quixotic-Marsh"


def _admin_connection():
    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    admin = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    admin.autocommit = True
    return admin


@pytest.fixture
def fresh_database():
    """An empty PostgreSQL database beside the test database; its URL."""
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = _admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    s = connection.settings_dict
    yield name, f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def seeded(media):
    """A clinic with a client, a logged session with two photos (four files), another
    document in the store, and planned aftercare messages."""
    import datetime as dt

    clinic = make_clinic(name="Backup clinic", time_zone="America/Chicago")
    pat = make_staff("practitioner", clinic)
    client = make_client(clinic, first_name="Zebulon", last_name="Quixotic-Marsh")
    plan = make_plan(client, quoted_sessions=3)
    session = make_session(plan, number=1, practitioner=pat, status=SessionStatus.COMPLETED,
                           starts_at=dt.datetime(2026, 2, 16, 9, tzinfo=CHICAGO))
    records.save_session_log(
        session=session, by=pat,
        log=records.LogInput(shade_used=4, notes="Took the pigment well."),
        new_photos=[(photos.prepare(upload(jpeg_with_gps())), "before", ""),
                    (photos.prepare(upload(jpeg_with_gps(color=(10, 20, 30)))), "after", "")],
    )
    default_storage.save("documents/consent-form.pdf", ContentFile(b"%PDF-1.4 signed consent\n"))
    return media


def table_fingerprints(dsn_or_connection) -> dict[str, str]:
    """{table: md5 of all its rows as text, in a stable order} for every table."""
    own = isinstance(dsn_or_connection, str)
    conn = psycopg2.connect(dsn_or_connection) if own else dsn_or_connection
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            tables = [row[0] for row in cursor.fetchall()]
            prints = {}
            for table in tables:
                cursor.execute(
                    f'SELECT count(*), md5(coalesce(string_agg(t::text, E\'\\n\' ORDER BY t::text), \'\')) '
                    f'FROM "{table}" t'
                )
                prints[table] = cursor.fetchone()
        return prints
    finally:
        if own:
            conn.close()


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(Path(root).rglob("*")) if p.is_file()}


def run_manage(*args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, capture_output=True, text=True,
        env={**os.environ, **env}, timeout=300, check=False,
    )


def test_a_backup_restores_into_a_fresh_database_and_media_folder(seeded, fresh_database, tmp_path):
    archive = tmp_path / "pigment-backup.tar.gpg"
    manifest = backup.create(archive, passphrase=PASSPHRASE)
    assert manifest["encrypted"] and len(manifest["media"]) == 5
    counts = manifest["row_counts"]
    assert counts["clinic_client"] == 1 and counts["sessions_app_sessionphoto"] == 2
    assert "0004_heartbeat" in manifest["migrations"]["aftercare"]
    name, url = fresh_database
    restored_media = tmp_path / "restored-media"

    result = run_manage("restore", str(archive), "--noinput", DATABASE_URL=url,
                        MEDIA_ROOT=str(restored_media), BACKUP_PASSPHRASE=PASSPHRASE)

    assert result.returncode == 0, result.stderr
    assert "all matching the manifest" in result.stdout
    connection.ensure_connection()
    source = table_fingerprints(connection.connection)
    assert table_fingerprints(url.replace("postgres://", "postgresql://")) == source
    assert source["clinic_client"][0] == 1  # the comparison did compare rows
    assert files_of(restored_media) == files_of(seeded)
    assert len(files_of(seeded)) == 5


def test_the_archive_is_encrypted_and_a_wrong_passphrase_restores_nothing(seeded, tmp_path):
    archive = tmp_path / "b.tar.gpg"
    backup.create(archive, passphrase=PASSPHRASE)
    content = archive.read_bytes()
    assert b"ustar" not in content[:1024] and SECRET_NAME.encode() not in content
    assert b"manifest" not in content and oct(archive.stat().st_mode)[-3:] == "600"
    with pytest.raises(backup.BackupError, match="gpg failed"):
        backup.restore(archive, passphrase="wrong")
    with pytest.raises(backup.BackupError, match="encrypted: set BACKUP_PASSPHRASE"):
        backup.restore(archive, passphrase="")


def test_restore_refuses_a_database_that_is_not_empty(seeded, tmp_path):
    archive = tmp_path / "b.tar"
    backup.create(archive)
    with pytest.raises(backup.BackupError, match="is not empty"):
        backup.restore(archive)


def _rewrite(archive: Path, change) -> None:
    """Rewrite the tar, passing each member's (info, bytes) through `change`."""
    with tarfile.open(archive) as source:
        members = [(m, source.extractfile(m).read()) for m in source.getmembers()]
    with tarfile.open(archive, "w") as target:
        for info, data in members:
            info, data = change(info, data)
            info.size = len(data)
            target.addfile(info, io.BytesIO(data))


def test_a_damaged_archive_is_refused_before_anything_is_written(seeded, fresh_database, tmp_path):
    archive = tmp_path / "b.tar"
    backup.create(archive)

    def flip_a_photo_byte(info, data):
        if info.name.startswith("media/clinical/") and info.name.endswith("_thumb.jpg"):
            data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
        return info, data

    _rewrite(archive, flip_a_photo_byte)
    name, url = fresh_database
    result = run_manage("restore", str(archive), "--noinput", DATABASE_URL=url,
                        MEDIA_ROOT=str(tmp_path / "restored"))
    assert result.returncode != 0
    assert "does not match its checksum: the archive is damaged" in result.stderr
    assert table_fingerprints(url.replace("postgres://", "postgresql://")) == {}  # nothing written
    assert not (tmp_path / "restored").exists()


def test_a_backup_from_a_newer_pigment_is_refused(seeded, tmp_path):
    archive = tmp_path / "b.tar"
    backup.create(archive)

    def add_a_future_migration(info, data):
        if info.name == "manifest.json":
            manifest = json.loads(data)
            manifest["migrations"]["aftercare"].append("0999_from_the_future")
            data = json.dumps(manifest).encode()
        return info, data

    _rewrite(archive, add_a_future_migration)
    with pytest.raises(backup.BackupError, match="made by a newer Pigment"):
        backup.restore(archive)


def test_sqlite_backs_up_with_its_own_backup_api_and_restores(tmp_path):
    """The embedded default: migrate and seed the demo in a SQLite file, back it up, restore
    it into another file and folder, compare every table and file."""
    source, target = tmp_path / "source.sqlite3", tmp_path / "target.sqlite3"
    media_in, media_out = tmp_path / "media-in", tmp_path / "media-out"
    env = {"DATABASE_URL": f"sqlite:///{source}", "MEDIA_ROOT": str(media_in)}
    env.pop("REDIS_URL", None)
    for step in (("migrate", "--noinput", "-v", "0"), ("seed_demo",)):
        assert run_manage(*step, **env).returncode == 0
    (media_in / "clinical" / "1").mkdir(parents=True)
    (media_in / "clinical" / "1" / "photo.jpg").write_bytes(jpeg_with_gps())
    archive = tmp_path / "sqlite-backup.tar"
    made = run_manage("backup", "--output", str(archive), **env)
    assert made.returncode == 0, made.stderr
    with tarfile.open(archive) as tar:
        assert "database.sqlite3" in tar.getnames()
    restored = run_manage("restore", str(archive), "--noinput", DATABASE_URL=f"sqlite:///{target}",
                          MEDIA_ROOT=str(media_out))
    assert restored.returncode == 0, restored.stderr

    import sqlite3

    def dump(path):
        with sqlite3.connect(path) as db:
            query = "SELECT name FROM sqlite_master WHERE type='table' ORDER BY 1"
            tables = [r[0] for r in db.execute(query)]
            return {t: sorted(map(repr, db.execute(f'SELECT * FROM "{t}"'))) for t in tables}

    before = dump(source)
    assert dump(target) == before and len(before["clinic_client"]) > 0
    assert files_of(media_out) == files_of(media_in)
