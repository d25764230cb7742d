"""Button labels are cut between words, never inside one: every FAQ entry's button, the buttons
the bot shows after each question of a question set, and the report's campaign buttons."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from handlers.faq import BUTTON_LABEL_CHARS, short_label
from handlers.messages import Button, shorten
from tests.fakes.chat import Chat
from tests.team_helpers import officer

DATA = Path(__file__).parent / "data"


def cut_between_words(label: str, full: str) -> bool:
    """The label is the whole text, or its first words and "…"."""
    full = " ".join(full.split())
    if label == full:
        return True
    kept = label.removesuffix("…")
    return label.endswith("…") and full.startswith(kept) and not full[len(kept)].isalnum()


@pytest.mark.parametrize("text,limit,expected", [
    ("Ngày Chuyển đổi số", 40, "Ngày Chuyển đổi số"),
    ("Ai phải tổ chức hướng dẫn người dân", 20, "Ai phải tổ chức…"),
    ("Quyết định 505/QĐ-TTg, ngày 22/4", 24, "Quyết định 505/QĐ-TTg…"),
    ("Supercalifragilisticexpialidocious", 10, "Supercali…"),  # one word: nothing else to do
])
def test_shorten_keeps_whole_words(text, limit, expected):
    assert shorten(text, limit) == expected and len(expected) <= limit


def test_every_faq_button_is_cut_between_words(services):
    for entry in services.content.faq.values():
        label = short_label(entry.questions[0])
        assert len(label) <= BUTTON_LABEL_CHARS
        assert cut_between_words(label, entry.questions[0]), (entry.id, label)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_buttons_shown_after_questions_are_cut_between_words(pipeline):
    faq = pipeline.services.content.faq
    questions = [item["q"] for item in yaml.safe_load(
        (DATA / "questions_p.yaml").read_text(encoding="utf-8"))]
    seen: list[Button] = []
    chat = Chat(pipeline)
    for question in questions:
        seen += [b for r in await chat.send(question) for b in r.buttons]
    faq_buttons = [b for b in seen if (b.payload or "").startswith("faq:")]
    assert len(faq_buttons) > 50
    for button in faq_buttons:
        entry = faq[(button.payload or "").removeprefix("faq:")]
        assert cut_between_words(button.label, entry.questions[0]), button.label


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_report_campaign_buttons_are_readable(pipeline):
    boss = await officer(pipeline, "nghe-an")
    await boss.send("/baocao")
    labels = [b.label for r in boss.last for b in r.buttons
              if (b.payload or "").startswith("report:campaign:")]
    assert "Đi từng ngõ, gõ từng nhà (1/10/2024 – 10/10/2024)" in labels
    assert all("…" not in label for label in labels)
