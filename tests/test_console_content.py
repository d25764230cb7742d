"""Content in the console on both stores: a new answer written from an inbox group reaches
citizens at once, with its source; the content check's rules refuse what they would refuse and
nothing is saved; next year's contest added, edited and undone with its history; another
province's content read only and refused by form; the overview's warnings; an answer past its
last day no longer given; `cdsbot content export` writing packs that load."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import re
import shutil

import pytest
from sqlalchemy import func, select

from bot.pipeline import Pipeline
from content.loader import PACKS_DIR, load_content
from db.models import AuditEntry, ContentRevision
from tests.clock_travel import bot_command
from tests.console_harness import console_server
from tests.team_helpers import officer
from tests.test_console_inbox import citizen_of, last_logged, rows
from tests.web_harness import web_settings

ASKED = "cuoc thi chuyen doi so nam 2027 o dong thap khi nao"
ANSWER = ("Cuộc thi “Đồng Tháp số 2027” diễn ra từ ngày 01/9/2027 đến ngày 30/9/2027, "
          "thi trực tuyến.")
PLAN = "Kế hoạch số 99/KH-UBND ngày 01/8/2027 của UBND tỉnh Đồng Tháp"


@pytest.fixture
async def own(services, pipeline, clock):
    """A pipeline on services of its own: a console change swaps its content and matcher,
    not those the other tests share."""
    return Pipeline(dataclasses.replace(services), pipeline.sessions, clock=lambda: clock[0])


@pytest.fixture
async def server(own, database_url, tmp_path, clock):
    async with console_server(own, web_settings(database_url, tmp_path), lambda: clock[0],
                              own.services) as running:
        yield running


QUESTIONS = [  # the shapes `cdsbot content check` wants, as an officer would write them
    "Cuộc thi chuyển đổi số năm 2027 ở Đồng Tháp diễn ra khi nào?",
    "cuoc thi chuyen doi so dong thap 2027 bat dau ngay nao", ASKED,
    "cuộc thi cđs 2027",
    "thi cđs 2027 đồng tháp bắt đầu ngày nào v ạ",
    "Cuộc thi Đồng Tháp số 2027 kết thúc vào ngày nào?",
    "cuoc thi dong thap so 2027 den bao gio",
    "Cuộc thi năm 2027 của tỉnh thi trực tuyến từ ngày nào đến ngày nào?",
    "Thời gian diễn ra Cuộc thi Đồng Tháp số 2027 là khi nào?",
    "Em là giáo viên ở Cao Lãnh, trường em muốn cho học sinh tham gia cuộc thi chuyển đổi "
    "số năm 2027 của tỉnh, cho em hỏi cuộc thi diễn ra từ ngày nào?",
]


def answer_form(**changes: str) -> dict[str, str]:
    form = {"topic": "contests", "questions": "\n".join(QUESTIONS),
        "answer": ANSWER, "year": "2027", "expires": "2027-10-31", "source_doc": "new",
        "source_title": PLAN, "source_link": "https://dongthap.gov.vn/ke-hoach-99",
        "source_section": "II.1"}
    return {**form, **changes}


async def _revisions(pipeline) -> int:
    async with pipeline.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ContentRevision)))


async def test_a_new_answer_written_from_an_inbox_group_reaches_citizens_at_once(
        own, clock, signed_in):
    citizen = await citizen_of(own, "dong-thap")
    await citizen.send(ASKED)
    assert await last_logged(own) == (False, None)
    browser = await signed_in(await officer(own, "dong-thap"))
    inbox = await browser.get("/console/inbox")
    link = re.search(r'href="(/console/content/faq/new\?[^"]+)"', inbox)
    assert link, inbox
    form = await browser.get(link[1].replace("&amp;", "&"))
    assert browser.status == 200 and ASKED in form  # the group's questions, ready to keep
    key = re.search(r'name="inbox_key" value="([^"]+)"', form)[1]
    page = await browser.post("/console/content/faq/new", answer_form(inbox_key=key))
    assert browser.status == 200 and "Đã lưu" in page, page
    assert "<strong>mục này</strong>" in page  # how the bot answers the questions now
    replies = await citizen.send(ASKED)
    matched, faq_id = await last_logged(own)
    assert matched and faq_id.startswith("tien-giang-")
    assert "01/9/2027" in replies[0].text and PLAN in replies[0].text  # with its source
    assert rows(await browser.get("/console/inbox")) == []  # answered: out of the inbox
    assert "thêm nội dung" in await browser.get("/console/audit")


async def test_the_content_checks_rules_refuse_and_nothing_is_saved(own, signed_in):
    browser = await signed_in(await officer(own, "dong-thap"))
    await browser.get("/console/content/faq/new")
    page = await browser.post("/console/content/faq/new", answer_form(source_section=""))
    assert browser.status == 400 and "Hãy cho biết nguồn" in page
    assert "Đồng Tháp số 2027" in page  # what was typed is kept
    await browser.get("/console/content/faq/new")
    page = await browser.post("/console/content/faq/new", answer_form(
        questions="\n".join([*QUESTIONS, "link đăng ký cuộc thi 2027 ở đâu",
                              "cuoc thi 2028 dong thap"])))
    assert browser.status == 400
    assert "hỏi điều mà câu trả lời không có" in page and "nêu một năm" in page
    await browser.get("/console/content/faq/new")
    page = await browser.post("/console/content/faq/new", answer_form(questions=ASKED))
    assert browser.status == 400 and "ít nhất mười cách hỏi khác nhau, mỗi dòng" in page
    await browser.get("/console/content/faq/new")
    page = await browser.post("/console/content/faq/new", answer_form(
        questions="\n".join(QUESTIONS[:3])))
    assert browser.status == 400 and "Thêm một cách hỏi ngắn" in page
    await browser.get("/console/content/faq/new")
    page = await browser.post("/console/content/faq/new", answer_form(year="", expires=""))
    assert browser.status == 400 and page.count("bắt buộc") >= 2
    assert await _revisions(own) == 0


async def test_next_years_contest_is_added_edited_and_undone_with_its_history(own, signed_in):
    browser = await signed_in(await officer(own, "dong-thap"))
    await browser.get("/console/content/contests/new")
    contest = {"name": "Cuộc thi Đồng Tháp số 2027", "organiser": "Sở Khoa học và Công nghệ",
               "row-0-name": "Vòng sơ khảo", "row-0-start": "2027-09-01",
               "row-0-end": "2027-09-30", "row-1-name": "Chung kết", "row-1-start": "2027-10-10",
               "row-1-end": "2027-10-10", "row-2-name": "", "source_doc": "new",
               "source_title": PLAN, "source_link": "", "source_section": "II.2"}
    page = await browser.post("/console/content/contests/new", contest)
    assert browser.status == 200 and "Đã lưu" in page
    item_path = re.search(r'action="(/console/content/contests/[a-z0-9-]+)"', page)[1]
    listing = await browser.get("/console/content?kind=contests&phase=upcoming")
    assert "Cuộc thi Đồng Tháp số 2027" in listing and "sắp diễn ra" in listing
    await browser.get(item_path)
    await browser.post(item_path, {**contest, "row-1-start": "2027-10-11",
                                   "row-1-end": "2027-10-11"})
    page = await browser.get(item_path)
    assert 'value="2027-10-11"' in page and page.count("Hoàn tác thay đổi này") == 1
    assert "Vòng sơ khảo; Bắt đầu: 1/9/2027" in page and "rounds:" not in page  # as read
    revision = re.search(r'name="revision" value="(\d+)"', page)[1]
    page = await browser.post("/console/content/undo", {"revision": revision})
    assert 'value="2027-10-10"' in page and 'value="2027-10-11"' not in page  # as before
    assert page.count("<tr><td>") >= 3  # added, edited, undone: who, when, what
    revision = re.search(r'name="revision" value="(\d+)"', page)[1]
    await browser.post("/console/content/undo", {"revision": revision})  # undo the undo
    assert 'value="2027-10-11"' in browser.page
    async with own.sessions() as session:
        actions = list((await session.execute(select(AuditEntry.action).where(
            AuditEntry.action.like("content_%")))).scalars())
    assert actions == ["content_added", "content_edited", "content_undone", "content_undone"]


async def test_a_round_that_ends_before_it_starts_is_named(own, signed_in):
    browser = await signed_in(await officer(own, "dong-thap"))
    await browser.get("/console/content/contests/new")
    page = await browser.post("/console/content/contests/new", {
        "name": "Cuộc thi Đồng Tháp số 2027", "organiser": "Sở Khoa học và Công nghệ",
        "row-0-name": "Vòng sơ khảo", "row-0-start": "2027-09-01", "row-0-end": "2027-09-30",
        "row-1-name": "Chung kết", "row-1-start": "2027-10-10", "row-1-end": "2027-10-01",
        "source_doc": "new", "source_title": PLAN, "source_link": "", "source_section": "II.2"})
    assert browser.status == 400 and "Dòng 2 kết thúc trước khi bắt đầu" in page
    assert 'value="2027-10-01"' in page and await _revisions(own) == 0  # kept, not saved


async def test_a_source_typed_again_is_the_pack_document_it_names(own, signed_in):
    """The same plan typed as a new source for a second item (its link again, or its title
    with other spacing and case) is cited as the document the pack already lists."""
    browser = await signed_in(await officer(own, "dong-thap"))
    promotion = {"platform": "Postmart", "offer": "Giảm giá 10%", "start": "2027-10-01",
                 "end": "2027-10-08", "source_doc": "new", "source_section": "1"}
    for platform, title, link in (("Postmart", PLAN, "https://dongthap.gov.vn/kh-99"),
                                  ("Voso", "Kế hoạch số 99", "https://dongthap.gov.vn/kh-99/"),
                                  ("Lazada", "Thông báo  của Sở Công Thương", ""),
                                  ("Shopee", "thông báo của sở công thương", "")):
        await browser.get("/console/content/promotions/new")
        page = await browser.post("/console/content/promotions/new", {
            **promotion, "platform": platform, "source_title": title, "source_link": link})
        assert browser.status == 200 and "Đã lưu" in page, page
    form = await browser.get("/console/content/promotions/new")
    listed = re.findall(r'<option value="tien-giang-doc-[0-9a-f]+"[^>]*>([^<]+)</option>', form)
    assert listed == [PLAN, "Thông báo của Sở Công Thương"]


async def test_another_provinces_content_is_read_only_and_refused_by_form(own, signed_in):
    owner = await signed_in(await officer(own, "dong-thap"))
    await owner.get("/console/content/faq/new")
    await owner.post("/console/content/faq/new", answer_form())
    item_path = re.search(r'action="(/console/content/faq/[a-z0-9-]+)"', owner.page)[1]
    revision = re.search(r'name="revision" value="(\d+)"', owner.page)[1]
    stranger = await signed_in(await officer(own, "an-giang"))
    await stranger.get(item_path)
    assert stranger.status == 403  # another province's content, by URL
    page = await stranger.get("/console/content/faq/nat-activity-window")
    assert stranger.status == 200 and "<fieldset disabled>" in page and "Lưu</button>" not in page
    await stranger.post(item_path, answer_form(answer="Sai."))
    assert stranger.status == 403
    await stranger.get("/console/content")
    await stranger.post("/console/content/undo", {"revision": revision})
    assert stranger.status == 403
    await stranger.get("/console/content")
    await stranger.post("/console/content/faq/nat-activity-window", answer_form())
    assert stranger.status == 403  # the national pack: admins only
    assert await _revisions(own) == 1


async def test_the_overview_warns_of_what_needs_doing(own, signed_in, clock):
    browser = await signed_in(await officer(own, "dong-thap"))
    page = await browser.get("/console/content")
    assert "Chưa có nội dung cho năm 2024" in page  # the clock: 5/10/2024; the plans: 2022
    await browser.get("/console/content/promotions/new")
    await browser.post("/console/content/promotions/new", {
        "platform": "Postmart", "offer": "Giảm giá 10%", "start": "2024-10-01",
        "end": "2024-10-08", "source_doc": "new", "source_title": "Thông báo của Sở Công Thương",
        "source_link": "", "source_section": "1"})
    page = await browser.get("/console/content")
    assert "Chưa có nội dung cho năm 2024" not in page
    assert "“Postmart” kết thúc ngày 8/10/2024" in page
    assert "không có đường liên kết hay số hiệu" in page


async def test_an_answer_past_its_last_day_is_no_longer_given(own, signed_in, clock, server):
    citizen = await citizen_of(own, "dong-thap")
    browser = await signed_in(await officer(own, "dong-thap"))
    await browser.get("/console/content/faq/new")
    await browser.post("/console/content/faq/new", answer_form(expires="2024-10-06"))
    await citizen.send(ASKED)
    assert (await last_logged(own))[0]
    clock[0] += dt.timedelta(days=2)  # 7/10: past its last day
    assert await server.console.refresher.refresh()  # a new day: laid over again
    await citizen.send(ASKED)
    assert await last_logged(own) == (False, None)
    browser = await signed_in(await officer(own, "dong-thap"))  # two days on: signed out
    page = await browser.get("/console/content?kind=faq&phase=expired")
    assert "Cuộc thi chuyển đổi số năm 2027" in page  # still there, to renew


async def test_content_export_writes_packs_that_load(own, signed_in, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("a command-line test: the stores are covered by the others")
    browser = await signed_in(await officer(own, "dong-thap"))
    await browser.get("/console/content/faq/new")
    await browser.post("/console/content/faq/new", answer_form())
    out = tmp_path / "export"
    env = {**os.environ, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": ""}
    process = await asyncio.create_subprocess_exec(
        *bot_command("content", "export", "--out", str(out)), env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()
    assert "tien-giang.yaml" in stdout.decode()
    packs = tmp_path / "packs"
    shutil.copytree(PACKS_DIR, packs)
    shutil.copy(out / "tien-giang.yaml", packs / "tien-giang.yaml")  # as committed
    store = load_content(packs)
    [entry] = [e for e in store.faq.values() if e.expires == dt.date(2027, 10, 31)]
    assert entry.answer == ANSWER and store.source_of(store.faq_pack[entry.id],
                                                      entry.source.doc).title == PLAN
