"""Schedules relative to a fixed 'now' in Asia/Ho_Chi_Minh."""

import dataclasses
import datetime as dt

import pytest
from babel.dates import get_day_names

from bot.pipeline import Pipeline
from content.formatting import Formatter
from content.layer import LayerItem, as_data, overlay
from content.schedule import Phase, next_yearly, span_of, standing
from tests.conftest import TZ
from tests.fakes.chat import Chat

D = dt.date


@pytest.mark.parametrize(("today", "phase", "days"), [
    (D(2024, 9, 26), Phase.UPCOMING, 5),
    (D(2024, 10, 1), Phase.RUNNING, 9),
    (D(2024, 10, 10), Phase.RUNNING, 0),
    (D(2024, 10, 11), Phase.OVER, 1),
])
def test_standing_counts_days(today, phase, days):
    result = standing(D(2024, 10, 1), D(2024, 10, 10), today)
    assert (result.phase, result.days) == (phase, days)


def test_next_yearly_includes_today_and_rolls_over():
    assert next_yearly(10, 10, D(2026, 10, 10)) == D(2026, 10, 10)
    assert next_yearly(10, 10, D(2026, 11, 24)) == D(2027, 10, 10)


async def test_campaign_running_with_countdown(chat: Chat, clock):
    clock[0] = dt.datetime(2024, 10, 5, 9, 0, tzinfo=TZ)
    await chat.send("/tocnscd")
    assert "Đang diễn ra: còn 5 ngày" in chat.text  # Nghệ An, 01-10/10/2024


async def test_upcoming_promotion_and_countdown(chat: Chat, clock):
    clock[0] = dt.datetime(2024, 9, 20, 9, 0, tzinfo=TZ)
    await chat.send("/khuyenmai")
    assert "Sắp diễn ra: còn 5 ngày nữa bắt đầu" in chat.text  # Tháng tiêu dùng số from 25/9/2024


async def test_everything_is_over_today(chat: Chat, clock):
    clock[0] = dt.datetime(2026, 11, 24, 9, 0, tzinfo=TZ)
    await chat.send("/cuocthi")
    assert "Đã kết thúc" in chat.text and "Đang diễn ra" not in chat.text
    await chat.send("/khuyenmai")
    assert "Hiện chưa có chương trình khuyến mại nào đang diễn ra" in chat.text


async def test_the_days_countdown_uses_the_local_date(chat: Chat, clock):
    # 17:30 UTC on 9/10 is already 10/10 in Vietnam (UTC+7).
    clock[0] = dt.datetime(2025, 10, 9, 17, 30, tzinfo=dt.UTC)
    await chat.send("/ngaycds")
    assert "Hôm nay là Ngày Chuyển đổi số quốc gia" in chat.text
    clock[0] = dt.datetime(2026, 11, 24, 9, 0, tzinfo=TZ)
    await chat.send("/ngaycds")
    assert "Còn 320 ngày nữa" in chat.text and "10/10/2027" in chat.text


def _weekday(locale: str, day: dt.date) -> str:
    """The abbreviated weekday as the installed Babel's locale data writes it."""
    return get_day_names("abbreviated", context="format", locale=locale)[day.weekday()]


async def test_event_programme_shows_weekday_time_and_venue(chat: Chat, clock):
    clock[0] = dt.datetime(2023, 9, 27, 9, 0, tzinfo=TZ)  # the eve of Quảng Ngãi's DX week
    await chat.send("/sukien")
    thursday = dt.date(2023, 9, 28)
    assert f"{_weekday('vi', thursday)}, 28/9/2023, sáng: Hội thảo chuyên đề" in chat.text
    assert "(huyện Mộ Đức)" in chat.text
    assert "2/10/2023, 19:30: Công diễn, tổng kết" in chat.text
    assert "(Nhà Văn hóa Lao động tỉnh)" in chat.text
    assert "Sắp diễn ra" in chat.text  # it starts tomorrow


async def test_faq_answer_carries_its_standing(chat: Chat, clock):
    clock[0] = dt.datetime(2024, 10, 3, 9, 0, tzinfo=TZ)
    await chat.send("chien dich di tung ngo go tung nha nghe an dien ra khi nao")
    assert "Đang diễn ra" in chat.text


async def test_english_formats_dates_and_times_for_english(chat: Chat, clock):
    clock[0] = dt.datetime(2023, 9, 27, 9, 0, tzinfo=TZ)
    await chat.send("/lang en")
    await chat.send("/sukien")
    # English as written in Vietnam: day first, 24-hour clock (content.formatting.FORMAT_LOCALES)
    assert f"{_weekday('en', dt.date(2023, 9, 28))}, 28/09/2023, morning" in chat.text
    assert "02/10/2023, 19:30" in chat.text


def test_the_locked_babel_writes_dates_as_this_test_says():
    """The one place that pins Babel's exact output: an upgrade that changes it fails here only."""
    vi, en = Formatter("vi"), Formatter("en")
    thursday = dt.date(2023, 9, 28)
    assert vi.weekday_date(thursday) == "Thứ 5, 28/9/2023"
    assert en.weekday_date(thursday) == "Thu, 28/09/2023"
    assert vi.date(dt.date(2024, 10, 1)) == "1/10/2024"
    assert vi.time(dt.time(19, 30)) == "19:30"
    assert en.time(dt.time(19, 30)) == "19:30"
    assert vi.vnd(1_500_000) == "1.500.000\xa0₫"


async def test_a_yes_about_something_over_says_it_is_over_first(chat: Chat, clock):
    """The 2022 Voso/Postmart drive, asked as yes/no on 5/10/2024: never "Có ạ." then "over"."""
    await chat.send("", payload="faq:nat-ecommerce-voso-postmart")
    answer = chat.last[0].text
    assert answer.startswith("Hoạt động này đã kết thúc: diễn ra 1/10/2022 – 10/10/2022.")
    assert "Có ạ" not in answer and "Đã kết thúc" not in answer
    clock[0] = dt.datetime(2022, 10, 5, 2, 0, tzinfo=dt.UTC)  # while it ran: the yes stays
    await chat.send("", payload="faq:nat-ecommerce-voso-postmart")
    assert chat.last[0].text.startswith("Có ạ.") and "Đang diễn ra" in chat.last[0].text


def _with_rounds_in_2027(contest):
    later = [r.model_copy(update={"start": r.start.replace(year=2027), "end": r.end.replace(year=2027)})
             for r in contest.rounds]
    return contest.model_copy(update={"rounds": [*contest.rounds, *later]})


def test_a_contest_with_next_years_rounds_has_an_edition_per_year(services):
    """Rounds added for 2027 make a second edition: the years between are not "running"."""
    contest = _with_rounds_in_2027(services.content.schedule["tg-contest-2022"])
    assert span_of(contest, D(2026, 12, 1)) == (D(2027, 9, 15), D(2027, 11, 30))  # the next
    assert standing(*span_of(contest, D(2026, 12, 1)), D(2026, 12, 1)).phase is Phase.UPCOMING
    assert span_of(contest, D(2028, 1, 1)) == (D(2027, 9, 15), D(2027, 11, 30))  # the last
    assert span_of(contest, D(2026, 12, 1), 2022) == (D(2022, 9, 15), D(2022, 11, 30))


async def test_answers_about_2022_stay_over_when_2027_rounds_are_added(services, pipeline, clock):
    content = services.content
    contest = _with_rounds_in_2027(content.schedule["tg-contest-2022"])
    edited = overlay(content, [LayerItem("contests", contest.id, "tien-giang", as_data(contest))])
    own = Pipeline(dataclasses.replace(services, content=edited), pipeline.sessions,
                   clock=lambda: clock[0])
    chat = Chat(own)
    await chat.send("/tinh tien giang")
    await chat.send("vòng loại cuộc thi tìm hiểu chuyển đổi số tiền giang khi nào")
    assert "15/9/2022" in chat.text and "Đã kết thúc" in chat.text
    assert "Đang diễn ra" not in chat.text  # the clock: 5/10/2024, between the two editions
