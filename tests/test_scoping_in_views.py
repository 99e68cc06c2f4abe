"""Pages and forms reach scoped rows through the one scoping mechanism (teams/scope.py).

Every query of a scoped model written in a views or forms module starts from
``visible_to(user)`` (or ``arriving(user)``, the moves destined to the user's area), goes
through ``get_visible_or_404``, or says ``unscoped()`` (a decision a reviewer reads, with its
reason beside it); ``none()`` is the empty placeholder of a form
field, ``create()`` a write the page's permission check allows. A bare
``Household.objects.filter(...)`` in a view fails this test.
"""

import ast
import importlib
from pathlib import Path

import pytest
from django.apps import apps

from teams.scope import ScopedQuerySet

ROOT = Path(__file__).resolve().parent.parent
APPS = ["teams", "households", "ledgers", "assessments"]
MODULES = sorted(
    path
    for app in APPS
    for path in (ROOT / app).glob("*.py")
    if path.stem.endswith("views") or path.stem == "forms"
)
STARTS = {"visible_to", "in_area", "arriving", "unscoped", "none", "create"}


def scoped_models():
    return {
        model
        for model in apps.get_models()
        if isinstance(model._default_manager.get_queryset(), ScopedQuerySet)
    }


def bare_queries(path, scoped):
    """(line, source) of every query of a scoped model in ``path`` that starts elsewhere."""
    module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Attribute)
            and node.attr == "objects"
            and isinstance(node.value, ast.Name)
            and getattr(module, node.value.id, None) in scoped
        ):
            continue
        method = parents[node]
        if isinstance(method, ast.Attribute) and method.attr in STARTS:
            continue
        # The whole chain: get_visible_or_404(<chain>, user, …) scopes it.
        chain = node
        while isinstance(parents.get(chain), ast.Attribute) or (
            isinstance(parents.get(chain), ast.Call) and parents[chain].func is chain
        ):
            chain = parents[chain]
        call = parents.get(chain)
        if (
            isinstance(call, ast.Call)
            and getattr(call.func, "id", "") == "get_visible_or_404"
            and call.args
            and call.args[0] is chain
        ):
            continue
        found.append((node.lineno, ast.unparse(chain)[:100]))
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_pages_and_forms_query_scoped_rows_through_the_scope(path):
    assert bare_queries(path, scoped_models()) == []


def test_the_check_finds_a_bare_query(tmp_path, monkeypatch):
    """The check can fail: a view module with a bare query of households is caught."""
    package = tmp_path / "probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    view = package / "views.py"
    view.write_text(
        "from households.models import Household\n"
        "from teams.scope import get_visible_or_404\n"
        "def ok(request):\n"
        "    return Household.objects.visible_to(request.user).filter(number='1')\n"
        "def also_ok(request, pk):\n"
        "    return get_visible_or_404(Household.objects.with_head(), request.user, pk=pk)\n"
        "def leaks(request):\n"
        "    return Household.objects.filter(number='1').first()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert bare_queries(view, scoped_models()) == [
        (8, "Household.objects.filter(number='1').first()")
    ]
