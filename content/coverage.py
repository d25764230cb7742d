"""Which sections of each seed document the FAQ answers from, and which it leaves out.

A seed's sections are read from its headings: "II." (Roman), "1." or "1.1." (numbers), "a)"
(letters), so a section is written as the packs cite it ("IV.1.2", "III.2.a"). A section counts
as covered when an entry cites it or one of its subsections; a section left out on purpose is
listed in content/coverage_exclusions.yaml with the reason (see content/AUTHORING.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from content.loader import ContentStore
from content.yaml_files import load_yaml

EXCLUSIONS_FILE = Path(__file__).resolve().parent / "coverage_exclusions.yaml"
OPENING = "Phần mở đầu"
_ROMAN_RE = re.compile(r"^\s*([IVX]+)\.\s+\S")
_NUMBER_RE = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})*)\.?\s+\S")
_LETTER_RE = re.compile(r"^\s*([a-zđ])\)\s+\S")


@dataclass
class Section:
    code: str
    title: str
    line: int
    entries: list[str] = field(default_factory=list)
    excluded: str | None = None
    """Why no entry answers from it, when that is on purpose."""

    @property
    def covered(self) -> bool:
        return bool(self.entries) or self.excluded is not None


APPENDIX_TASK = "Phụ lục, nhiệm vụ {n}"
_APPENDIX_RE = re.compile(r"^\s*PH[ỤU] L[ỤU]C\b", re.IGNORECASE)
_TASK_ROW_RE = re.compile(r"^\s*(\d{1,2})\t")


def seed_sections(text: str) -> list[Section]:
    """The sections of a seed document, in order, with hierarchical codes; the numbered rows of
    an appendix table are "Phụ lục, nhiệm vụ N", as the packs cite them."""
    sections = [Section(OPENING, "", 1)]
    roman = number = ""
    in_appendix = False
    for index, raw in enumerate(text.splitlines(), 1):
        line = raw.replace("**", "").lstrip("# ")
        if _APPENDIX_RE.match(line):
            in_appendix = True
            continue
        if in_appendix and (row := _TASK_ROW_RE.match(line)):
            code = APPENDIX_TASK.format(n=row[1])
        elif match := _ROMAN_RE.match(line):
            in_appendix = False  # an appendix that holds the plan itself (the national one)
            roman, number, code = match[1], "", match[1]
        elif in_appendix:
            continue
        elif (match := _NUMBER_RE.match(line)) and not re.match(r"^\s*\d{1,2}/", line):
            number = match[1]
            code = ".".join(part for part in (roman, number) if part)
        elif match := _LETTER_RE.match(line):
            code = ".".join(part for part in (roman, number, match[1]) if part)
        else:
            continue
        sections.append(Section(code, line.strip()[:70], index))
    return sections


def cited_codes(section: str) -> list[str]:
    """The section codes an entry's `source.section` names: "V.8, V.9" and "VI.6-7" → two each;
    "Phụ lục, nhiệm vụ 3-4" → tasks 3 and 4; "Phần mở đầu; I.1" → two."""
    codes: list[str] = []
    for part in (p.strip() for p in section.split(";")):
        if part.lower().startswith("phụ lục"):
            for first, last in re.findall(r"(\d+)(?:\s*-\s*(\d+))?", part):
                for n in range(int(first), int(last or first) + 1):
                    codes.append(APPENDIX_TASK.format(n=n))
        else:
            for code in (c.strip() for c in part.split(",") if c.strip()):
                codes.extend(_expand_range(code))
    return codes


def _expand_range(code: str) -> list[str]:
    """"VI.6-7" → VI.6 and VI.7; "II.2-3" → II.2 and II.3; anything else as it is."""
    match = re.fullmatch(r"(.*?)(\d+)-(\d+)", code)
    if not match or int(match[3]) < int(match[2]):
        return [code]
    return [f"{match[1]}{n}" for n in range(int(match[2]), int(match[3]) + 1)]


def audit(content: ContentStore, seeds_dir: Path,
          exclusions_file: Path = EXCLUSIONS_FILE) -> dict[str, list[Section]]:
    """Per seed file, its sections with the entries citing them (or under them)."""
    exclusions = (load_yaml(exclusions_file.read_text(encoding="utf-8")) or {}
                  if exclusions_file.is_file() else {})
    files: dict[str, list[Section]] = {}
    for pack in content.packs:
        for source in pack.sources:
            path = seeds_dir / source.file
            if source.file not in files and path.is_file():
                files[source.file] = seed_sections(path.read_text(encoding="utf-8"))
    for pack in content.packs:
        sources = {s.id: s.file for s in pack.sources}
        for entry in pack.faq:
            sections = files.get(sources.get(entry.source.doc, ""), [])
            for cited in cited_codes(entry.source.section):
                for section in sections:
                    if cited == section.code or cited.startswith(section.code + "."):
                        section.entries.append(entry.id)
    for file, reasons in exclusions.items():
        for section in files.get(file, []):
            if section.code in (reasons or {}):
                section.excluded = str(reasons[section.code])
    return files
