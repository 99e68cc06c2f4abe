"""The project's URLs, plus a stand-in for the registry's household page while the
households app has no pages on this branch (the ledger links to `households:detail`)."""

from importlib.util import find_spec

from django.http import Http404
from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns


def missing(request, pk):
    raise Http404


urlpatterns = list(project_urlpatterns)
if find_spec("households.urls") is None:
    urlpatterns.append(
        path("households/", include(([path("<int:pk>/", missing, name="detail")], "households")))
    )
