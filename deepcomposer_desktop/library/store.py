"""The library: an SQLite database of compositions, generations and training runs.

Standard-library sqlite3 in WAL mode, so the window can read while a worker
writes. Compositions are stored as the same JSON as project files, with their
versions (library/versions.py); deleting one moves it to the trash first. One
connection per thread (sqlite3 objects must not cross threads).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from ..music.composition import Composition
from ..music.serialize import composition_from_dict, composition_to_dict
from .paths import data_dir

SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS compositions (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL, modified REAL NOT NULL, data TEXT NOT NULL,
    versions TEXT NOT NULL DEFAULT '', trashed REAL);
CREATE TABLE IF NOT EXISTS generations (
    id INTEGER PRIMARY KEY,
    composition_id INTEGER REFERENCES compositions(id) ON DELETE CASCADE,
    mode TEXT NOT NULL, model_id TEXT NOT NULL, params TEXT NOT NULL, seed INTEGER,
    seconds REAL NOT NULL, created REAL NOT NULL,
    summary TEXT NOT NULL DEFAULT '', version INTEGER, input_track TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS training_runs (
    id INTEGER PRIMARY KEY, mode TEXT NOT NULL, dataset TEXT NOT NULL, model_id TEXT NOT NULL,
    params TEXT NOT NULL, status TEXT NOT NULL, log_path TEXT NOT NULL DEFAULT '',
    started REAL NOT NULL, finished REAL);
"""
# Columns added since schema 1, added in place to a library an older version made.
_ADDED_COLUMNS = {
    "compositions": (("versions", "TEXT NOT NULL DEFAULT ''"), ("trashed", "REAL")),
    "generations": (("summary", "TEXT NOT NULL DEFAULT ''"), ("version", "INTEGER"),
                    ("input_track", "TEXT NOT NULL DEFAULT ''")),
}


class Library:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else data_dir() / "library.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._db() as db:
            db.executescript(_SCHEMA)
            for table, columns in _ADDED_COLUMNS.items():
                have = {r["name"] for r in db.execute(f"PRAGMA table_info({table})")}
                for name, decl in columns:
                    if name not in have:
                        db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA foreign_keys = ON")
            db.row_factory = sqlite3.Row
            self._local.db = db
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # --- compositions ----------------------------------------------------------------
    def add_composition(self, comp: Composition, source: str = "",
                        versions: dict[str, Any] | None = None) -> int:
        now = time.time()
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO compositions (title, source, created, modified, data, versions)"
                " VALUES (?,?,?,?,?,?)",
                (comp.title, source, now, now, json.dumps(composition_to_dict(comp)),
                 json.dumps(versions) if versions else ""))
            return int(cur.lastrowid)

    def update_composition(self, comp_id: int, comp: Composition,
                           versions: dict[str, Any] | None = None,
                           source: str | None = None) -> None:
        """Store the song's current state; `versions` and `source` only when given."""
        sets, args = ["title=?", "modified=?", "data=?"], [
            comp.title, time.time(), json.dumps(composition_to_dict(comp))]
        if versions is not None:
            sets.append("versions=?")
            args.append(json.dumps(versions))
        if source is not None:
            sets.append("source=?")
            args.append(source)
        with self._db() as db:
            db.execute(f"UPDATE compositions SET {', '.join(sets)} WHERE id=?", (*args, comp_id))

    def composition(self, comp_id: int) -> Composition:
        row = self._db().execute("SELECT data FROM compositions WHERE id=?", (comp_id,)).fetchone()
        if row is None:
            raise KeyError(comp_id)
        return composition_from_dict(json.loads(row["data"]))

    def composition_versions(self, comp_id: int) -> dict[str, Any] | None:
        """The versions stored with a composition (VersionHistory.to_dict), or None."""
        row = self._db().execute("SELECT versions FROM compositions WHERE id=?",
                                 (comp_id,)).fetchone()
        if row is None:
            raise KeyError(comp_id)
        try:
            data = json.loads(row["versions"]) if row["versions"] else None
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def compositions(self, search: str = "", trashed: bool = False) -> list[dict[str, Any]]:
        """Compositions, newest change first, with how many generations each has and
        the models they used. `search` matches words (all of them, any case) in the
        title, the source and the generations' modes, models and results."""
        sql = ("SELECT c.id, c.title, c.source, c.created, c.modified, c.trashed, "
               "COUNT(g.id) AS generations, "
               "COALESCE(GROUP_CONCAT(DISTINCT g.model_id), '') AS models "
               "FROM compositions c LEFT JOIN generations g ON g.composition_id = c.id "
               f"WHERE c.trashed IS {'NOT ' if trashed else ''}NULL")
        args: list[Any] = []
        for word in search.split():
            like = f"%{word.replace('%', '').replace('_', '')}%"
            sql += (" AND (c.title LIKE ? OR c.source LIKE ? OR EXISTS (SELECT 1 FROM generations "
                    "h WHERE h.composition_id = c.id AND (h.model_id LIKE ? OR h.mode LIKE ? "
                    "OR h.summary LIKE ?)))")
            args += [like] * 5
        rows = self._db().execute(sql + " GROUP BY c.id ORDER BY c.modified DESC, c.id DESC", args)
        return [dict(r) for r in rows]

    def find_composition(self, source: str) -> int | None:
        """The newest composition (not in the trash) that came from `source`."""
        if not source:
            return None
        row = self._db().execute(
            "SELECT id FROM compositions WHERE source=? AND trashed IS NULL "
            "ORDER BY modified DESC LIMIT 1", (source,)).fetchone()
        return None if row is None else int(row["id"])

    def duplicate_composition(self, comp_id: int) -> int:
        """A copy of a composition (with its versions), titled "... (copy)"."""
        row = self._db().execute("SELECT * FROM compositions WHERE id=?", (comp_id,)).fetchone()
        if row is None:
            raise KeyError(comp_id)
        comp = composition_from_dict(json.loads(row["data"]))
        comp.title = f"{comp.title} (copy)"
        now = time.time()
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO compositions (title, source, created, modified, data, versions)"
                " VALUES (?,?,?,?,?,?)",
                (comp.title, "", now, now, json.dumps(composition_to_dict(comp)), row["versions"]))
            return int(cur.lastrowid)

    def trash_composition(self, comp_id: int) -> None:
        """Move to the trash: out of the list, still there to restore."""
        with self._db() as db:
            db.execute("UPDATE compositions SET trashed=? WHERE id=?", (time.time(), comp_id))

    def restore_composition(self, comp_id: int) -> None:
        with self._db() as db:
            db.execute("UPDATE compositions SET trashed=NULL WHERE id=?", (comp_id,))

    def delete_composition(self, comp_id: int) -> None:
        """Delete for good, with its generations."""
        with self._db() as db:
            db.execute("DELETE FROM compositions WHERE id=?", (comp_id,))

    # --- generations and training runs -----------------------------------------------
    def add_generation(self, comp_id: int | None, mode: str, model_id: str,
                       params: dict[str, Any], seed: int | None, seconds: float,
                       summary: str = "", version: int | None = None,
                       input_track: str = "") -> int:
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO generations (composition_id, mode, model_id, params, seed, seconds,"
                " created, summary, version, input_track) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (comp_id, mode, model_id, json.dumps(params), seed, seconds, time.time(),
                 summary, version, input_track))
            if comp_id is not None:  # the song changed: it moves to the top of the list
                db.execute("UPDATE compositions SET modified=? WHERE id=?", (time.time(), comp_id))
            return int(cur.lastrowid)

    def generations(self, comp_id: int | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM generations", ()
        if comp_id is not None:
            sql, args = sql + " WHERE composition_id=?", (comp_id,)
        rows = self._db().execute(sql + " ORDER BY id", args)
        return [{**dict(r), "params": json.loads(r["params"])} for r in rows]

    def start_training_run(self, mode: str, dataset: str, model_id: str,
                           params: dict[str, Any], log_path: str = "") -> int:
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO training_runs (mode, dataset, model_id, params, status, log_path, started)"
                " VALUES (?,?,?,?,?,?,?)",
                (mode, dataset, model_id, json.dumps(params), "running", log_path, time.time()))
            return int(cur.lastrowid)

    def finish_training_run(self, run_id: int, status: str) -> None:
        with self._db() as db:
            db.execute("UPDATE training_runs SET status=?, finished=? WHERE id=?",
                       (status, time.time(), run_id))

    def set_training_run_status(self, run_id: int, status: str,
                                model_id: str | None = None) -> None:
        """A run's status while it lives (paused, running again...), and the model it
        exported last, if one; `finished` is left to finish_training_run."""
        with self._db() as db:
            db.execute("UPDATE training_runs SET status=?, model_id=COALESCE(?, model_id) "
                       "WHERE id=?", (status, model_id, run_id))

    def training_runs(self) -> list[dict[str, Any]]:
        rows = self._db().execute("SELECT * FROM training_runs ORDER BY id DESC")
        return [{**dict(r), "params": json.loads(r["params"])} for r in rows]
