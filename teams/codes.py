"""Division codes (统计用区划代码): the one home of how a code names its level and the areas
above it (docs/domain.md).

An area's code is the significant part of the published 12-digit code: 2 digits for a
province, 4 for a city, 6 for a county, 9 for a township, 12 for a village. A code starts with
the codes of every area above it, which is what the scoping mechanism relies on.
"""

PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE = LENGTHS = (2, 4, 6, 9, 12)


def parent(code: str) -> str | None:
    """The code of the area directly above, or None for a province."""
    above = [length for length in LENGTHS if length < len(code)]
    return code[: above[-1]] if above else None


def ancestors(code: str) -> list[str]:
    """The codes of the area and of every area above it, the province first."""
    return [code[:length] for length in LENGTHS if length <= len(code)]


def township_of(code: str) -> str:
    """The township of a village (or the township itself)."""
    return code[:TOWNSHIP]


def county_of(code: str) -> str:
    """The county of any area at or below a county."""
    return code[:COUNTY]


def city_of(code: str) -> str:
    return code[:CITY]


def significant(raw: str) -> str | None:
    """The significant digits of a division code, or None when it is not one.

    Published codes have 12 digits, trailing zeros marking higher levels (449901000000 is a
    county); the short forms of 2, 4, 6, 9 and 12 digits are accepted as they are.
    """
    code = raw.strip()
    if not code.isascii() or not code.isdigit():
        return None
    if len(code) == VILLAGE:
        for length in LENGTHS[:-1]:
            if code[length:].strip("0") == "":
                return code[:length]
        return code
    return code if len(code) in LENGTHS else None


def published(code: str) -> str:
    """The 12-digit published form, with trailing zeros for higher levels."""
    return code.ljust(VILLAGE, "0")
