"""Division codes: one module (teams.codes) says how a code names its level and the areas above
it; the scoping mechanism, the area loader and the registry rely on it."""

from hypothesis import given
from hypothesis import strategies as st

from teams import codes

segments = st.tuples(
    st.from_regex(r"[1-9][0-9]", fullmatch=True),
    *(st.from_regex(pattern, fullmatch=True) for pattern in (r"[0-9]{2}",) * 2),
    st.from_regex(r"[0-9]{3}", fullmatch=True),
    st.from_regex(r"[0-9]{3}", fullmatch=True),
)


@given(segments, st.integers(min_value=1, max_value=5))
def test_a_code_names_every_area_above_it(parts, depth):
    code = "".join(parts[:depth])
    above = codes.ancestors(code)
    assert above[-1] == code
    assert [len(c) for c in above] == list(codes.LENGTHS[:depth])
    assert all(code.startswith(c) for c in above)
    assert codes.parent(code) == (above[-2] if depth > 1 else None)


@given(segments, st.integers(min_value=1, max_value=5))
def test_the_published_form_reads_back_unless_its_last_part_is_zeros(parts, depth):
    code = "".join(parts[:depth])
    published = codes.published(code)
    assert len(published) == 12
    assert published.startswith(code)
    if parts[depth - 1].strip("0"):
        assert codes.significant(published) == code
        assert codes.significant(f" {code} ") == code


def test_townships_and_counties_of_a_village():
    village = "441481103201"
    assert codes.township_of(village) == "441481103"
    assert codes.county_of(village) == "441481"
    assert codes.city_of(village) == "4414"
    assert codes.significant("4414811032") is None
    assert codes.significant("44１4") is None
