import datetime

from households.forms import StatusChangeForm


def test_date_fields_render_in_the_browsers_date_format():
    """A date box takes yyyy-mm-dd only: the Chinese locale's 2017/03/01 would show it empty."""
    form = StatusChangeForm(initial={"date": datetime.date(2017, 3, 1)})
    assert 'value="2017-03-01"' in str(form["date"])
