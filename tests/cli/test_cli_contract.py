"""Issue 18, item 8 and the contract itself: every parameter a user can get wrong is
exit 3 with one line (NaN and out-of-range values through the mode table, the seed
here); long runs show progress when asked; an error message is always one line; a
project is an input like a MIDI file."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest

from deepcomposer_desktop.cli import main as cli
from deepcomposer_desktop.errors import InvalidInputError
from deepcomposer_desktop.generation.modes import MODES, Request, generate
from deepcomposer_desktop.generation.registry import default_registry
from deepcomposer_desktop.library import save_project
from deepcomposer_desktop.music import load_sample


def _run(args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli(args)
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("mode, extra, words", [
    ("gan", ["--seed", "-1"], "seed -1"),
    ("gan", ["--seed", str(2**32)], "seed 4294967296"),
    ("arcnn", ["--temperature", "nan"], "--temperature) nan"),
    ("arcnn", ["--iterations", "1000000"], "--iterations) 1000000"),
    ("arcnn", ["--max-remove-percent", "inf"], "--max-remove-percent) inf"),
    ("transformer", ["--threshold", "nan"], "--threshold) nan"),
    ("transformer", ["--input-seconds", "-1"], "--input-seconds) -1"),
    ("transformer", ["--input-seconds", "nan"], "--input-seconds) nan"),
    ("transformer", ["--max-rest-seconds", "nan"], "--max-rest-seconds) nan"),
    ("transformer", ["--max-rest-seconds", "-0.5"], "--max-rest-seconds) -0.5"),
    ("transformer", ["--sampling", "nucleus", "--threshold", "1.5"], "p from 0.01 to 1"),
    ("transformer", ["--temperature=-inf"], "--temperature) -inf"),
    ("transformer", ["--extend-seconds", "1e9"], "--extend-seconds) 1000000000"),
    ("gan", ["--candidates", "nan"], "--candidates) nan"),
    ("gan", ["--track", "-1"], "--track -1"),
    ("arcnn", ["--region-bars", "x-2"], "--region-bars"),
    ("arcnn", ["--region-bars", "0-2"], "counts from bar 1"),
    ("gan", ["--key", "H major"], "unknown key"),
])
def test_bad_generation_parameters_are_exit_3_with_one_line(tmp_path, mode, extra, words):
    rc, out, err = _run(["generate", "--mode", mode, "--input", "sample:twinkle", "--output",
                         str(tmp_path / "o.mid"), *extra])
    assert rc == 3 and out == "" and err.count("\n") == 1 and words in err, err
    assert not (tmp_path / "o.mid").exists()


def test_the_mode_table_refuses_non_finite_values_everywhere():
    for spec in MODES.values():
        for p in spec.params:
            if p.kind in ("int", "float"):
                for bad in (float("nan"), float("inf"), -float("inf"), p.low - 1, p.high + 1):
                    with pytest.raises(ValueError):
                        p.check(bad)


def test_a_bad_seed_is_refused_by_generate_itself():
    comp = load_sample("twinkle")
    for seed in (-1, 2**32, 1.5, True):
        with pytest.raises(InvalidInputError, match="seed"):
            generate(default_registry(), "gan", comp, Request("gan-bach-chorales", seed=seed))


def test_a_long_generation_shows_its_progress_when_asked(tmp_path):
    rc, _, err = _run(["generate", "--mode", "arcnn", "--iterations", "30", "--input",
                       "sample:twinkle", "--output", str(tmp_path / "o.mid"), "--progress"])
    lines = err.strip().splitlines()
    assert rc == 0 and lines[0] == "Enhancing 0%" and "Enhancing 100%" in lines
    assert lines[-1].startswith("wrote")
    assert len([line for line in lines if line.startswith("Enhancing")]) <= 11
    rc, _, err = _run(["generate", "--mode", "arcnn", "--iterations", "5", "--input",
                       "sample:twinkle", "--output", str(tmp_path / "p.mid")])
    assert rc == 0 and err.strip().splitlines() == [err.strip()]  # only the "wrote" line


def test_a_project_is_an_input_like_a_midi_file(tmp_path):
    project = save_project(load_sample("greensleeves"), tmp_path / "g.dcproj")
    rc, out, _ = _run(["info", str(project)])
    assert rc == 0 and "Greensleeves" in out
    rc, _, err = _run(["generate", "--input", str(project), "--output", str(tmp_path / "o.mid"),
                       "--seed", "4"])
    assert rc == 0, err
    (tmp_path / "bad.dcproj").write_text("[" * 100_000)
    rc, _, err = _run(["info", str(tmp_path / "bad.dcproj")])
    assert rc == 3 and "nested too deeply" in err and err.count("\n") == 1


def test_an_error_message_is_always_one_line(monkeypatch):
    import deepcomposer_desktop.cli.info as info

    def two_lines(_args):
        raise InvalidInputError("first line\nsecond line")
    monkeypatch.setattr(info, "run", two_lines)
    rc, _, err = _run(["info", "x.mid"])
    assert rc == 3 and err == "deepcomposer: error: first line second line\n"


def test_an_os_error_of_the_disk_is_exit_3_not_an_internal_error(monkeypatch):
    import deepcomposer_desktop.cli.info as info

    def disk(_args):
        raise OSError(5, "Input/output error", "/some/file")
    monkeypatch.setattr(info, "run", disk)
    rc, _, err = _run(["info", "x.mid"])
    assert rc == 3 and err == "deepcomposer: error: /some/file: Input/output error\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_a_closed_output_pipe_is_one_line_not_a_traceback():
    done = subprocess.run(f"{sys.executable} -m deepcomposer_desktop models | head -c 10",
                          shell=True, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert len(done.stderr.splitlines()) <= 1
