"""The one-worker job runner: results, errors, cancel, and stale jobs dropped."""

from __future__ import annotations

import threading

from deepcomposer_desktop.ui.workers import JobRunner


def test_result_arrives_on_gui_thread_with_progress(qtbot):
    runner = JobRunner()
    seen, results = [], []
    runner.progress.connect(lambda _id, f, _t: seen.append(f))
    gui = threading.get_ident()

    def work(progress):
        for i in range(4):
            progress(i / 4, "step")
        return threading.get_ident()

    with qtbot.waitSignal(runner.finished, timeout=5000) as blocker:
        runner.submit(work, "test", on_result=lambda r: results.append((r, threading.get_ident())))
    worker_thread, callback_thread = results[0]
    assert blocker.args[1] == worker_thread != gui and callback_thread == gui
    qtbot.waitUntil(lambda: len(seen) == 4, timeout=2000)
    assert seen == [0.0, 0.25, 0.5, 0.75]


def test_error_is_reported_not_raised(qtbot):
    runner = JobRunner()

    def broken(progress):
        raise ValueError("model file damaged")

    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.submit(broken)
    assert "model file damaged" in blocker.args[1]
    assert not runner.busy


def test_cancel_stops_at_next_progress_and_drops_result(qtbot):
    runner = JobRunner()
    gate = threading.Event()
    applied = []

    def slow(progress):
        gate.wait(5)
        progress(0.5)  # raises Cancelled after cancel()
        return "late"

    with qtbot.waitSignal(runner.cancelled, timeout=5000):
        runner.submit(slow, on_result=applied.append)
        runner.cancel()
        gate.set()
    assert applied == []


def test_new_job_makes_running_one_stale(qtbot):
    runner = JobRunner()
    gate = threading.Event()
    applied = []
    runner.submit(lambda p: (gate.wait(5), "first")[1], on_result=applied.append)
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.submit(lambda p: "second", on_result=applied.append)
        gate.set()
    assert applied == ["second"]
