"""Issue 18, item 1: the registry reads each model on its own. A bad entry (a folder
named x.onnx, a file that is not a model, a card nested too deeply, a network that
does not fit its card) is listed as refused with its reason and never affects the
others; a user's damaged copy never hides the intact shipped one."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil

import pytest

import deepcomposer_desktop.generation.registry as registry_module
from deepcomposer_desktop.cli import main as cli
from deepcomposer_desktop.errors import MissingResourceError
from deepcomposer_desktop.generation.cards import CardError, parse_card
from deepcomposer_desktop.generation.networks import NotOnnx, read_signature
from deepcomposer_desktop.generation.registry import SHIPPED_DIR, Registry

SHIPPED = SHIPPED_DIR


def _run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli(args)
    return rc, out.getvalue(), err.getvalue()


def _card(model_id: str, source: str = "gan-palestrina", **changes) -> dict:
    card = json.loads((SHIPPED / f"{source}.json").read_text())
    card["id"] = model_id
    for path, value in changes.items():
        node = card
        *parents, last = path.split(".")
        for p in parents:
            node = node[p]
        node[last] = value
    return card


def _install(folder, model_id: str, onnx_from: str = "gan-palestrina", card: dict | None = None,
             onnx_bytes: bytes | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    onnx = folder / f"{model_id}.onnx"
    if onnx_bytes is None:
        shutil.copy(SHIPPED / f"{onnx_from}.onnx", onnx)
    else:
        onnx.write_bytes(onnx_bytes)
    card = card or _card(model_id)
    card["sha256"] = hashlib.sha256(onnx.read_bytes()).hexdigest()
    (folder / f"{model_id}.json").write_text(json.dumps(card))
    return onnx


@pytest.fixture
def user(tmp_path, monkeypatch):
    """A user's models folder searched before the shipped one, as $DEEPCOMPOSER_MODELS is."""
    folder = tmp_path / "user"
    folder.mkdir()
    monkeypatch.setattr(registry_module, "_DEFAULT", Registry([folder, SHIPPED]))
    return folder


def test_a_folder_named_like_a_model_refuses_that_entry_only(user, tmp_path):
    # The reproduction: mkdir bad/gan-monteverdi.onnx; cp the card beside it.
    (user / "gan-monteverdi.onnx").mkdir()
    shutil.copy(SHIPPED / "gan-monteverdi.json", user)
    reg = registry_module.default_registry()
    entries = reg.entries()
    mine = [e for e in entries if e.id == "gan-monteverdi"]
    assert [e.ok for e in mine] == [True, False]
    used, refused = mine
    assert used.onnx == SHIPPED / "gan-monteverdi.onnx" and "is refused" in used.note
    assert "folder" in refused.problem and str(used.onnx) in refused.note
    assert reg.get("gan-monteverdi").onnx == used.onnx
    assert all(e.ok for e in entries if e.id != "gan-monteverdi")
    rc, out, err = _run(["models"])
    assert rc == 4 and err == ""  # a damaged entry is listed, and the status says so
    assert "REFUSED" in out and "using" in out and "gan-bach-chorales" in out
    rc, _, err = _run(["generate", "--mode", "gan", "--model", "gan-monteverdi", "--input",
                       "sample:twinkle", "--output", str(tmp_path / "o.mid"), "--seed", "1"])
    assert rc == 0 and err.startswith("wrote")  # the intact shipped copy generates


def test_a_damaged_user_copy_never_hides_the_shipped_model(user, tmp_path):
    _install(user, "gan-trecento", onnx_bytes=b"\x08\x07" + bytes(100))  # a 'model' of zeros
    reg = registry_module.default_registry()
    assert reg.get("gan-trecento").onnx == SHIPPED / "gan-trecento.onnx"
    assert "gan-trecento" in [e.id for e in reg.models("gan")]
    rc, _, err = _run(["generate", "--mode", "gan", "--model", "gan-trecento", "--input",
                       "sample:twinkle", "--output", str(tmp_path / "o.mid")])
    assert rc == 0, err


@pytest.mark.parametrize("case, words", [
    ("not an onnx file", "not a model"),
    ("deep card", "nested too deeply"),
    ("card of the wrong grid", "does not fit a gan card"),
    ("noise of the wrong shape", "does not fit a gan card"),
    ("a network of another mode", "has no input 'melody'"),
    ("a transformer network under a gan card", "has no input 'melody'"),
    ("bad inner field", "gan.threshold"),
    ("a card too large", "limit"),
])
def test_each_bad_entry_is_refused_with_its_reason_and_the_others_generate(user, tmp_path, case,
                                                                           words):
    if case == "not an onnx file":
        _install(user, "gan-x", onnx_bytes=b"this is not an onnx file\n" * 100)
    elif case == "deep card":
        _install(user, "gan-x")
        (user / "gan-x.json").write_text('{"id": "gan-x", "metrics": ' + "[" * 100_000
                                         + "]" * 100_000 + "}")
    elif case == "card of the wrong grid":
        _install(user, "gan-x", card=_card("gan-x", **{"grid.pitches": 48}))
    elif case == "noise of the wrong shape":
        _install(user, "gan-x", card=_card("gan-x", **{"gan.noise_shape": [8, 2, 5]}))
    elif case == "a network of another mode":
        _install(user, "gan-x", onnx_from="arcnn-bach-chorales")
    elif case == "a transformer network under a gan card":
        _install(user, "gan-x", onnx_from="transformer-bach-chorales")
    elif case == "bad inner field":
        _install(user, "gan-x", card=_card("gan-x", **{"gan.threshold": 1e308}))
    else:
        _install(user, "gan-x", card=_card("gan-x", description="x" * (2 << 20)))
    reg = registry_module.default_registry()
    bad = [e for e in reg.entries() if e.id == "gan-x"]
    assert len(bad) == 1 and not bad[0].ok and words in bad[0].problem, bad[0].problem
    shipped = len(list(SHIPPED.glob("*.onnx")))
    assert sum(e.ok for e in reg.entries()) == shipped  # every shipped model still usable
    rc, _, err = _run(["generate", "--mode", "gan", "--model", "gan-x", "--input",
                       "sample:twinkle", "--output", str(tmp_path / "x.mid")])
    assert rc == 4 and err.count("\n") == 1 and words in err
    for mode, extra in (("gan", []), ("arcnn", ["--iterations", "5"]),
                        ("transformer", ["--extend-seconds", "1"])):
        rc, _, err = _run(["generate", "--mode", mode, "--input", "sample:twinkle", "--output",
                           str(tmp_path / f"{mode}.mid"), "--seed", "2", *extra])
        assert rc == 0, err


def test_a_copy_onnxruntime_cannot_load_falls_back_to_the_next(user, monkeypatch):
    _install(user, "gan-palestrina")  # an intact copy that onnxruntime will refuse here
    import onnxruntime as ort
    real = ort.InferenceSession

    def picky(path, *args, **kwargs):
        if str(user) in str(path):
            raise RuntimeError("[ONNXRuntimeError] : 7 : INVALID_PROTOBUF :\nProtobuf parsing failed.")
        return real(path, *args, **kwargs)
    monkeypatch.setattr(ort, "InferenceSession", picky)
    reg = registry_module.default_registry()
    session, card = reg.session("gan-palestrina", "gan")
    assert card.id == "gan-palestrina" and reg.get("gan-palestrina").onnx.parent == SHIPPED
    refused = [e for e in reg.entries() if e.id == "gan-palestrina" and not e.ok]
    assert refused and "onnxruntime cannot load it" in refused[0].problem
    assert "\n" not in refused[0].problem


def test_a_model_whose_only_copy_cannot_load_is_a_missing_resource(tmp_path, monkeypatch):
    _install(tmp_path, "gan-only")
    import onnxruntime as ort

    def broken(*_a, **_k):
        raise RuntimeError("cannot")
    monkeypatch.setattr(ort, "InferenceSession", broken)
    reg = Registry([tmp_path])
    with pytest.raises(MissingResourceError, match="onnxruntime cannot load it"):
        reg.session("gan-only")


def test_the_signature_reader_knows_models_from_other_files(tmp_path):
    inputs, outputs = read_signature(SHIPPED / "transformer-bach-chorales.onnx")
    assert inputs["tokens"].elem_type == "int64" and inputs["past"].shape[0] == 4
    assert outputs["logits"].shape[-1] == 310
    for data in (b"", b"MThd\x00\x00\x00\x06", b"\x0a\x05hello", bytes(range(256))):
        path = tmp_path / "x.onnx"
        path.write_bytes(data)
        with pytest.raises(NotOnnx):
            read_signature(path)


@pytest.mark.parametrize("field, value", [
    ("gan.change_penalty", 1e308), ("gan.threshold", -5), ("gan.second_threshold", 2.0),
    ("gan.key_penalty", 1e9), ("gan.noise_shape", [0]), ("grid.pitches", 0),
    ("gan.follow_threshold", -1.5), ("gan.follow_second_threshold", "high"),
    ("tracks", [{"name": "x", "program": 300}]), ("training", []),
])
def test_card_fields_out_of_range_are_card_errors(field, value):
    card = _card("gan-x", **{field: value})
    with pytest.raises(CardError):
        parse_card(card, "gan-x")
