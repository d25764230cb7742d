"""The answer-or-refuse model: committed as data, fitted on the tuning sets only, and it refuses
questions whose heaviest word the entry lacks although most words fit."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from content.acceptance import SIGNALS, AcceptanceModel

ROOT = Path(__file__).resolve().parent.parent


def fitting_script():
    spec = importlib.util.spec_from_file_location("fit_acceptance", ROOT / "bench" / "fit_acceptance.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bot_decides_with_the_committed_model(services):
    model = services.matcher.acceptance
    assert model is not None and set(model.weights) == set(SIGNALS)
    assert model == AcceptanceModel.load()
    # The report set (the newest, written after the last fitting) is never fitted on.
    report = sorted((ROOT / "tests" / "data").glob("questions_*.yaml"))[-1].name
    assert report not in model.fitted_on and len(model.fitted_on) >= 4


@pytest.mark.parametrize("question", [
    "học viện công nghệ bưu chính viễn thông lấy điểm chuẩn bao nhiêu",
    "quét mã vnpay qr bị trừ tiền 2 lần thì gọi tổng đài nào",
    "ai là người dẫn chương trình lễ trao giải cuộc thi video clip ở quảng ngãi",
])
def test_most_words_fitting_is_not_enough(services, question):
    assert services.matcher.match(question).best is None


def test_the_fit_finds_the_signal_that_separates():
    script = fitting_script()
    index = SIGNALS.index("uncovered")
    data = []
    for i in range(40):
        signals = [0.5] * len(SIGNALS)
        signals[index] = (i % 10) / 10
        data.append((signals, int(signals[index] < 0.5)))
    beta = script.fit(data)
    weights = dict(zip(SIGNALS, beta[1:], strict=True))
    assert weights["uncovered"] < -1 and all(abs(w) < abs(weights["uncovered"])
                                             for name, w in weights.items() if name != "uncovered")
