"""Masking of personal identifiers for lists, logs and anything not the one screen that needs them."""

from __future__ import annotations


def mask_id_number(number: str | None) -> str:
    """`11010119900307002X` → `1101**********002X`: region prefix and last four kept."""
    if not number:
        return ""
    number = number.strip()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(number: str | None) -> str:
    """`13812345678` → `138****5678`."""
    if not number:
        return ""
    number = number.strip()
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_document_number(number: str | None) -> str:
    """`E12345678` → `E*****678`: enough to tell documents apart in a list, not to copy one."""
    if not number:
        return ""
    if len(number) <= 4:
        return "*" * len(number)
    return number[0] + "*" * (len(number) - 4) + number[-3:]


def mask_name(name: str | None) -> str:
    """`张三丰` → `张**`, `Anna Smith` → `A*** S****`."""
    if not name:
        return ""
    if any("\u4e00" <= ch <= "\u9fff" for ch in name):
        return name[0] + "*" * (len(name) - 1)
    return " ".join(part[0] + "*" * (len(part) - 1) if part else part for part in name.split(" "))
