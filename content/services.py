"""The guidance services of the visit form (content/services.yaml): labels, bit masks, and
reading what a member typed ("dvc, vneid, tmđt")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from content.models import GuidanceService, ServiceList
from content.normalize import fold
from content.yaml_files import load_yaml

SERVICES_FILE = Path(__file__).resolve().parent / "services.yaml"
_SEPARATORS = re.compile(r"\s*(?:,|\+|/|&|\bva\b|\band\b)\s*")


@dataclass(frozen=True)
class ServiceCatalog:
    services: tuple[GuidanceService, ...]

    @classmethod
    def load(cls, path: Path = SERVICES_FILE) -> ServiceCatalog:
        """Raises ValueError with the file and the problem when the list is invalid."""
        try:
            data = load_yaml(path.read_text(encoding="utf-8"))
            return cls(tuple(ServiceList.model_validate(data).services))
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise ValueError(f"{path.name}: {exc}".replace("\n", " ")) from exc

    @property
    def codes(self) -> list[str]:
        return [s.code for s in self.services]

    def get(self, code: str) -> GuidanceService:
        return next(s for s in self.services if s.code == code)

    def mask(self, codes: Iterable[str]) -> int:
        bits = {s.code: s.bit for s in self.services}
        return sum(1 << bits[code] for code in set(codes))

    def codes_in(self, mask: int) -> list[str]:
        """The codes whose bits are set, in list order."""
        return [s.code for s in self.services if mask >> s.bit & 1]

    def parse(self, text: str) -> tuple[list[str], list[str]]:
        """What a member typed → (codes in list order, the words that name no service)."""
        names = {}
        for service in self.services:
            for name in (service.code, service.name, *service.aliases):
                names[fold(name).strip()] = service.code
        found: set[str] = set()
        unknown: list[str] = []
        for word in _SEPARATORS.split(fold(text).strip()):
            if not word:
                continue
            if word in names:
                found.add(names[word])
            else:
                unknown.append(word)
        return [code for code in self.codes if code in found], unknown
