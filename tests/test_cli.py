"""The command line as an operator or the held-out evaluation uses it: in this process as click
runs it, and as its own process where the process is the point (the entry point, `ask --json`
as the evaluation runs it, the console chat on a terminal)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from content.loader import PACKS_DIR
from tests.cli_harness import run_cli
from tests.clock_travel import bot_command

ROOT = Path(__file__).resolve().parent.parent


def cdsbot(tmp_path: Path, *args: str, stdin: str | None = None,
           **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env={**_environment(tmp_path), **env}, stdin=stdin)


def cdsbot_process(tmp_path: Path, *args: str,
                   stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`cdsbot ARGS` as its own process: the entry point itself, and the console chat, which
    reads the terminal."""
    return subprocess.run(bot_command(*args), input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **_environment(tmp_path)}, timeout=120)


def _environment(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
            "LOG_LEVEL": "WARNING"}


def test_ask_json_prints_one_object_per_input_line_in_order(tmp_path):
    lines = ["ngay chuyen doi so quoc gia la ngay nao", "", "Ngày Quốc khánh là ngày nào?",
             "🎉🎉", "cho em hỏi cuộc thi tìm hiểu cđs tiền giang vòng loại đến ngày nào ạ"]
    result = cdsbot_process(tmp_path, "ask", "--json", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["question"] for o in objects] == lines
    for obj in objects:
        assert set(obj) == {"question", "matched", "answer", "faq_id", "score"}
        assert isinstance(obj["score"], float) and obj["answer"]
        assert (obj["faq_id"] is None) == (not obj["matched"])
    assert objects[0]["matched"] and "10/10" in objects[0]["answer"]
    assert "Nguồn:" in objects[0]["answer"]
    assert [o["matched"] for o in objects[1:4]] == [False, False, False]
    assert objects[4]["matched"] and "15/10/2022" in objects[4]["answer"]
    for obj in objects:  # "choose below": the choices are below, in the text
        if "bên dưới" in obj["answer"]:
            below = obj["answer"].split("bên dưới", 1)[1]
            assert "\n• " in below, obj["answer"]


def test_ask_takes_questions_as_arguments_and_a_province(tmp_path):
    result = cdsbot(tmp_path, "ask", "--json", "--province", "nghe-an",
                    "hạn báo cáo kết quả ngày chuyển đổi số là khi nào")
    assert result.returncode == 0, result.stderr
    obj = json.loads(result.stdout)
    assert obj["matched"] and obj["faq_id"].startswith("na-")


def test_ask_refuses_an_unknown_province(tmp_path):
    result = cdsbot(tmp_path, "ask", "--province", "atlantis", "x")
    assert result.returncode != 0
    assert "unknown province 'atlantis'" in result.stderr


def test_ask_plain_text(tmp_path):
    result = cdsbot(tmp_path, "ask", "ngày cđs là ngày nào")
    assert "10/10" in result.stdout


def test_invalid_content_stops_the_bot_with_the_same_message(tmp_path):
    packs = tmp_path / "packs"
    packs.mkdir()
    text = (PACKS_DIR / "national.yaml").read_text(encoding="utf-8")
    (packs / "national.yaml").write_text(text.replace("topic: day", "topic: weather", 1), encoding="utf-8")
    check = cdsbot(tmp_path, "content", "check", CONTENT_PACKS_DIR=str(packs))
    assert check.returncode == 2  # bad content: the same exit code as at start-up
    assert "national.yaml: faq[0] nat-" in check.stderr and "topic" in check.stderr
    start = cdsbot(tmp_path, "ask", "x", CONTENT_PACKS_DIR=str(packs))
    assert start.returncode == 2
    assert "Cannot start" in start.stderr
    first_error = check.stderr.splitlines()[0].removeprefix("ERROR ")
    assert first_error in start.stderr


def test_content_check_ok(tmp_path):
    result = cdsbot(tmp_path, "content", "check")
    assert result.returncode == 0 and result.stdout.startswith("OK: 5 packs")


def test_db_upgrade_and_unanswered(tmp_path):
    assert cdsbot(tmp_path, "db", "upgrade").returncode == 0
    cdsbot_process(tmp_path, "chat", "--user", "someone", stdin=(
        "giá vàng hôm nay bao nhiêu\n"
        "tôi tên Nguyễn Văn An, sđt 0987654321, CCCD 079123456789, hỏi giá vàng\n/quit\n"))
    cdsbot(tmp_path, "ask", "giá lúa hôm nay bao nhiêu")  # an operator trying: not listed
    result = cdsbot(tmp_path, "unanswered")
    assert "giá lúa" not in result.stdout
    assert "giá vàng hôm nay bao nhiêu" in result.stdout  # as the person wrote it
    assert "tôi tên [NAME], sđt [PHONE], CCCD [ID], hỏi giá vàng" in result.stdout
    for personal in ("Nguyễn Văn An", "0987654321", "079123456789"):
        assert personal not in result.stdout


def test_chat_presses_buttons_by_number(tmp_path):
    result = cdsbot_process(tmp_path, "chat", "--user", "tester",
                            stdin="1\n1\ncuoc thi\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "[1] Đồng ý" in result.stdout
    assert "Đồng Tháp sẽ được ưu tiên" in result.stdout  # the 1st province button
    assert "Các cuộc thi" in result.stdout


def test_help_works(tmp_path):
    assert "teams" in cdsbot_process(tmp_path, "--help").stdout  # every command, listed
    for command in (["ask", "--help"], ["content", "check", "--help"], ["teams", "--help"]):
        assert cdsbot(tmp_path, *command).returncode == 0


def test_a_team_member_logs_a_visit_in_the_console(tmp_path):
    created = cdsbot(tmp_path, "teams", "create", "--province", "dong-thap",
                     "--commune", "Mỹ Phong", "--name", "Tổ CNSCĐ phường Mỹ Phong")
    assert created.returncode == 0, created.stderr
    code = created.stdout.split("invite code ")[1].split(",")[0]
    # join; the guided form: today, the first commune, hamlet, 4 people, dvc, next, done, no note
    # and no photo (buttons by number), save; then the quick form with a mistake, then right
    lines = [f"/thamgia {code}", "/ghinhan", "1", "1", "ấp 3", "4", "1", "8", "1", "1", "1", "1",
             "/gn hôm qua; Mỹ Phong; hai; dvc; xong", "/gn hôm qua; Mỹ Phong; 2; dvc; xong", "1",
             "/toi", "/quit"]
    result = cdsbot_process(tmp_path, "chat", "--user", "member1",
                            stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Chào mừng bạn đến với Tổ CNSCĐ phường Mỹ Phong" in out
    assert "• Xã: Phường Mỹ Phong, ấp 3" in out and "• Số người được hướng dẫn: 4" in out
    assert "Đã lưu lượt ghi nhận #1" in out
    assert "Số người được hướng dẫn: Số người cần là một số nguyên" in out
    assert "Đã lưu lượt ghi nhận #2" in out
    assert "Số buổi bạn đã ghi nhận: 2" in out


def test_a_broadcast_nobody_can_receive_is_refused_with_the_reason(tmp_path):
    result = cdsbot(tmp_path, "broadcast", "create", "--text", "Xin chào", "--yes")
    assert result.returncode == 2
    assert "nobody in that audience can be reached" in result.stderr
    listed = cdsbot(tmp_path, "broadcast", "list")
    assert listed.returncode == 0 and listed.stdout.strip() == ""  # nothing was created
    assert "no announcement yet" in cdsbot(tmp_path, "broadcast", "sink").stdout


def test_a_report_without_files_prints_its_summary_in_one_language(tmp_path):
    base = ["report", "--from", "2024-10-01", "--to", "2024-10-10", "--province", "Tiền Giang"]
    summary = cdsbot(tmp_path, *base)
    assert summary.returncode == 0, summary.stderr
    assert "Đồng Tháp" in summary.stdout
    written = cdsbot(tmp_path, *base, "--csv", str(tmp_path / "v.csv"))
    assert written.returncode == 0, written.stderr
    assert "(0 lượt ghi nhận)" in written.stdout and "visits" not in written.stdout
