"""``{% if user|may:"assess" %}``: the permission table (teams.permissions) in templates, for
actions that need no household or township."""

from django import template

from teams import permissions

register = template.Library()


@register.filter
def may(user, action):
    return permissions.may(user, action)
