"""The admin entirely in Chinese (issue 21): the index, and the list and the add page of every
model registered, as the superuser sees them with the demo county loaded. Only the site's own
words are read (headings, labels, column heads, filters, buttons, help), not the rows' data."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import UserFactory

#: Latin words that are names, not English: formats, protocols, the authenticator's standard.
ALLOWED = {"xlsx", "csv", "IP", "HTTP", "GET", "POST", "Accept", "sha256", "TOTP", "ID", "LDAP"}
ALLOWED |= {"Control", "Command", "Mac"}  # the keys to hold for a multiple choice
ALLOWED |= {"root"}  # the superuser's name, in the header
ALLOWED |= {"unknown"}  # axes' value for a request without a user agent, in a list filter
#: Elements whose text is data, not the interface.
DATA = {"tbody", "td", "option", "script", "style", "title", "textarea", "pre"}


class InterfaceText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inside, self.words = [], []

    def handle_starttag(self, tag, attrs):
        if tag in DATA:
            self.inside.append(tag)

    def handle_endtag(self, tag):
        if self.inside and self.inside[-1] == tag:
            self.inside.pop()

    def handle_data(self, data):
        if not self.inside:
            self.words += re.findall(r"[A-Za-z][A-Za-z0-9_]+", data)


def english(html):
    parser = InterfaceText()
    parser.feed(html)
    return sorted(set(parser.words) - ALLOWED)


@pytest.mark.django_db
def test_the_admin_speaks_chinese(as_user):
    call_command("seed_demo", "--households", "20")
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = as_user(superuser)
    found = {}
    pages, changes = [reverse("admin:index")], []
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        request = RequestFactory().get("/admin/")
        request.user = superuser
        if model_admin.has_add_permission(request):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is not None:
            changes.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        words = english(response.content.decode())
        if words:
            found[url] = words
    # A change page shows the object's data (names, hashes): only Python's None is looked for.
    shown_none = [url for url in changes if ">None<" in client.get(url).content.decode()]
    assert shown_none == []
    assert found == {}, "\n".join(f"{url}: {words}" for url, words in found.items())
