import json
import subprocess
import sys

from deepcomposer_desktop.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "deepcomposer_desktop", *args],
                          capture_output=True, text=True, timeout=120)


def test_info_json_of_a_sample():
    out = run_cli("info", "sample:twinkle", "--json")
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["tempo_bpm"] == 100 and info["time_signature"] == "4/4"
    assert info["bars"] == 12 and info["seconds"] == 28.8
    assert info["tracks"][0]["notes"] == 42


def test_corrupt_file_exit_3_one_line(tmp_path):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x00\x60MTrk\x00\x00\xff\xff")
    out = run_cli("info", str(bad))
    assert out.returncode == 3
    assert out.stdout == "" and len(out.stderr.strip().splitlines()) == 1
    assert "bad.mid" in out.stderr and "Traceback" not in out.stderr


def test_usage_error_exit_2(capsys):
    try:
        main(["info"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("expected a usage error")


def test_info_text(capsys):
    assert main(["info", "sample:greensleeves"]) == 0
    out = capsys.readouterr().out
    assert "Greensleeves" in out and "3/4" in out and "A minor" in out
