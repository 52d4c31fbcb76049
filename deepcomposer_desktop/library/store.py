"""The library: an SQLite database of compositions, generations and training runs.

Standard-library sqlite3 in WAL mode, so the window can read while a worker
writes. Compositions are stored as the same JSON as project files. One
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

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS compositions (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL, modified REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS generations (
    id INTEGER PRIMARY KEY,
    composition_id INTEGER REFERENCES compositions(id) ON DELETE CASCADE,
    mode TEXT NOT NULL, model_id TEXT NOT NULL, params TEXT NOT NULL, seed INTEGER,
    seconds REAL NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS training_runs (
    id INTEGER PRIMARY KEY, mode TEXT NOT NULL, dataset TEXT NOT NULL, model_id TEXT NOT NULL,
    params TEXT NOT NULL, status TEXT NOT NULL, log_path TEXT NOT NULL DEFAULT '',
    started REAL NOT NULL, finished REAL);
"""


class Library:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else data_dir() / "library.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._db() as db:
            db.executescript(_SCHEMA)
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
    def add_composition(self, comp: Composition, source: str = "") -> int:
        now = time.time()
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO compositions (title, source, created, modified, data) VALUES (?,?,?,?,?)",
                (comp.title, source, now, now, json.dumps(composition_to_dict(comp))))
            return int(cur.lastrowid)

    def update_composition(self, comp_id: int, comp: Composition) -> None:
        with self._db() as db:
            db.execute("UPDATE compositions SET title=?, modified=?, data=? WHERE id=?",
                       (comp.title, time.time(), json.dumps(composition_to_dict(comp)), comp_id))

    def composition(self, comp_id: int) -> Composition:
        row = self._db().execute("SELECT data FROM compositions WHERE id=?", (comp_id,)).fetchone()
        if row is None:
            raise KeyError(comp_id)
        return composition_from_dict(json.loads(row["data"]))

    def compositions(self) -> list[dict[str, Any]]:
        rows = self._db().execute(
            "SELECT id, title, source, created, modified FROM compositions ORDER BY modified DESC")
        return [dict(r) for r in rows]

    def delete_composition(self, comp_id: int) -> None:
        with self._db() as db:
            db.execute("DELETE FROM compositions WHERE id=?", (comp_id,))

    # --- generations and training runs -----------------------------------------------
    def add_generation(self, comp_id: int | None, mode: str, model_id: str,
                       params: dict[str, Any], seed: int | None, seconds: float) -> int:
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO generations (composition_id, mode, model_id, params, seed, seconds, created)"
                " VALUES (?,?,?,?,?,?,?)",
                (comp_id, mode, model_id, json.dumps(params), seed, seconds, time.time()))
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

    def training_runs(self) -> list[dict[str, Any]]:
        rows = self._db().execute("SELECT * FROM training_runs ORDER BY id DESC")
        return [{**dict(r), "params": json.loads(r["params"])} for r in rows]
