"""What the demo data looks like (bot/demo_data.py): the former communes of the seed provinces it
uses, and the shares and weights its rows are drawn with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from content.places import admin_units
from content.places.history import FormerPlaces

# -- the places --------------------------------------------------------------------------------

# A few real districts of each seed province and real communes (xã) in them, as they were named
# during the campaigns (before the 2025 reorganisation of administrative units). Teams are made
# in the current communes these became (content/places); visits keep the former names as the
# place they were recorded under, as visits migrated from before 1/7/2025 do.
PLACES: dict[str, dict[str, tuple[str, ...]]] = {
    "tien-giang": {
        "Mỹ Tho": ("Mỹ Phong", "Đạo Thạnh", "Tân Mỹ Chánh", "Thới Sơn", "Trung An", "Phước Thạnh"),
        "Chợ Gạo": ("Bình Phan", "Hòa Định", "Lương Hòa Lạc", "Mỹ Tịnh An", "Song Bình",
                    "Xuân Đông", "Tân Thuận Bình", "Quơn Long"),
        "Châu Thành": ("Vĩnh Kim", "Bình Đức", "Long Định", "Tam Hiệp", "Thân Cửu Nghĩa",
                       "Tân Hương", "Kim Sơn"),
        "Cái Bè": ("An Hữu", "Hòa Khánh", "Mỹ Đức Tây", "Đông Hòa Hiệp", "Thiện Trung",
                   "Hòa Hưng"),
        "Gò Công Đông": ("Gia Thuận", "Kiểng Phước", "Tân Thành", "Tân Điền", "Bình Ân"),
    },
    "thai-binh": {
        "Vũ Thư": ("Song An", "Vũ Hội", "Vũ Tiến", "Duy Nhất", "Việt Hùng", "Minh Lãng"),
        "Tiền Hải": ("Đông Minh", "Nam Thịnh", "Tây Giang", "Đông Trà", "Nam Phú", "An Ninh",
                     "Vũ Lăng"),
        "Kiến Xương": ("Bình Nguyên", "Vũ Quý", "Vũ Lễ", "Trà Giang", "Quốc Tuấn", "Nam Bình"),
        "Đông Hưng": ("Đông La", "Đông Xá", "Đông Các", "Mê Linh", "Phong Châu", "Hồng Việt"),
        "Thái Thụy": ("Thụy Hải", "Thụy Trường", "Thái Thượng", "Thái Đô", "Thụy Xuân"),
    },
    "quang-ngai": {
        "Bình Sơn": ("Bình Thạnh", "Bình Đông", "Bình Trị", "Bình Hải", "Bình Dương",
                     "Bình Long"),
        "Sơn Tịnh": ("Tịnh Hà", "Tịnh Sơn", "Tịnh Bình", "Tịnh Đông", "Tịnh Hiệp", "Tịnh Phong",
                     "Tịnh Bắc"),
        "Tư Nghĩa": ("Nghĩa Kỳ", "Nghĩa Thuận", "Nghĩa Điền", "Nghĩa Thắng", "Nghĩa Hiệp"),
        "Mộ Đức": ("Đức Nhuận", "Đức Chánh", "Đức Lợi", "Đức Thắng", "Đức Minh", "Đức Hiệp"),
    },
    "nghe-an": {
        "Nam Đàn": ("Kim Liên", "Xuân Hòa", "Hùng Tiến", "Nam Giang", "Nam Hưng", "Khánh Sơn"),
        "Diễn Châu": ("Diễn Ngọc", "Diễn Thành", "Diễn Kỷ", "Diễn Hoa", "Diễn Bích", "Diễn Kim"),
        "Nghi Lộc": ("Nghi Long", "Nghi Trung", "Nghi Thuận", "Nghi Phong", "Nghi Xá",
                     "Nghi Diên"),
        "Hưng Nguyên": ("Hưng Tây", "Hưng Đạo", "Hưng Lĩnh", "Hưng Thịnh", "Hưng Lợi"),
        "Yên Thành": ("Công Thành", "Hợp Thành", "Mã Thành", "Tăng Thành", "Bắc Thành",
                      "Bảo Thành"),
    },
}
PROVINCES = tuple(PLACES)
HAMLET_WORD = {"tien-giang": "Ấp", "thai-binh": "Thôn", "quang-ngai": "Thôn", "nghe-an": "Xóm"}
"""What a village of the commune is called there (the south says ấp, Nghệ An says xóm)."""

# -- the shape of the data ---------------------------------------------------------------------

MEMBERS_PER_TEAM = (3, 8)
PEOPLE_WEIGHTS = (30, 22, 15, 10, 7, 5, 3, 3, 2, 1, 1, 1)
"""People guided in one visit, 1 to 12: most visits are one household, a few a gathering."""
SERVICE_WEIGHTS = {"dvc": 35, "vneid": 30, "money": 12, "app": 10, "tmdt": 8, "safety": 5}
SERVICE_COUNT_WEIGHTS = (55, 30, 15)
"""How often a visit covers 1, 2 or 3 services."""
OTHER_SERVICE_SHARE = 0.01
OTHER_SERVICES = ("Cài đặt ứng dụng VssID", "Cài đặt Sổ sức khỏe điện tử",
                  "Đăng ký tài khoản ngân hàng số", "Cài đặt ứng dụng Zalo",
                  "Tra cứu thông tin đất đai")
INSIDE_WINDOW_SHARE = 0.75
"""Visits on the campaign days; the rest fall in the weeks around them (SPREAD_DAYS)."""
SPREAD_DAYS = 30
FOLLOW_UP_SHARE = 0.1
FOLLOW_UP_NOTES = ("Chưa có CCCD gắn chip, hẹn quay lại", "Điện thoại không hỗ trợ, hẹn lần sau",
                   "Cần con cháu hỗ trợ thêm", None)
HAMLET_ADDRESS_SHARE = 0.45
STREET_GROUP_ADDRESS_SHARE = 0.15
"""The rest of the visits have no address (the field is optional)."""
OWN_COMMUNE_SHARE = 0.7
"""Visits in the team's own commune; the rest in the neighbouring communes it covers."""
VISIT_HOURS = (7, 20)
VIETNAM_OFFSET = dt.timedelta(hours=7)
ENGLISH_SHARE = 0.05


@dataclass(frozen=True)
class DemoPlace:
    """A former commune of PLACES and the current commune (code) it is part of."""

    district: str
    commune: str
    code: str


@cache
def demo_places() -> dict[str, dict[str, tuple[DemoPlace, ...]]]:
    """PLACES with each former commune's current code, by former province and district."""
    places = FormerPlaces(admin_units())
    found: dict[str, dict[str, tuple[DemoPlace, ...]]] = {}
    for province, districts in PLACES.items():
        found[province] = {}
        for district, communes in districts.items():
            now = [(c, places.current(province, district, c).commune) for c in communes]
            found[province][district] = tuple(DemoPlace(district, c, code) for c, code in now
                                              if code is not None)
    return found
