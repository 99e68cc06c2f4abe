"""``{{ rate|percent }}`` (93.0%) and ``{{ amount|money }}`` (60,000.00): the one number format
of `teams.tables` in templates."""

from django import template

from teams import tables

register = template.Library()


@register.filter
def percent(value):
    return tables.shown(value, tables.PERCENT)


@register.filter
def money(value):
    return tables.shown(value, tables.MONEY)


@register.filter
def cell(row, column):
    """``{{ household|cell:column }}``: a `teams.tables.Column` of a row, as shown."""
    return column.shown(row)
