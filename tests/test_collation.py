"""Lists people choose from are in Vietnamese alphabetical order, not in code-point order."""

from content.collation import vietnamese_order
from content.places import admin_units


def test_letters_in_the_vietnamese_alphabets_order_then_tones():
    assert sorted(["Phường Trung An", "Phường Đạo Thạnh", "Phường Dương Minh Châu"],
                  key=vietnamese_order) == [
        "Phường Dương Minh Châu", "Phường Đạo Thạnh", "Phường Trung An"]  # d < đ < t
    assert sorted(["Xã Hưng Thạnh", "Xã Hội Cư", "Xã Hòa Long", "Xã Hậu Mỹ"],
                  key=vietnamese_order) == [
        "Xã Hậu Mỹ", "Xã Hòa Long", "Xã Hội Cư", "Xã Hưng Thạnh"]  # a â … o ô … u ư
    assert sorted(["ạ", "á", "ã", "ả", "à", "a"], key=vietnamese_order) == [
        "a", "à", "ả", "ã", "á", "ạ"]
    assert sorted(["Cao Bằng", "Cà Mau", "Cần Thơ"], key=vietnamese_order) == [
        "Cà Mau", "Cao Bằng", "Cần Thơ"]  # syllable by syllable: "ca" before "cao"


def test_the_provinces_read_as_a_vietnamese_list():
    names = sorted((p.short for p in admin_units().provinces.values()), key=vietnamese_order)
    assert names.index("Hà Nội") < names.index("Hải Phòng") < names.index("Huế") < names.index(
        "Hưng Yên")
    assert names.index("Điện Biên") > names.index("Cần Thơ") and names[0] == "An Giang"
