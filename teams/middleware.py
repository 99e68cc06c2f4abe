from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers

from teams.two_factor import two_factor_required


def chinese_unless_chosen(get_response):
    """Serve the interface in Chinese unless the user chose another language in the footer.

    The browser's Accept-Language is ignored: a township office's computer may well run an
    English system, and the product's language is Chinese (zh-hans).
    """

    def middleware(request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return get_response(request)

    return middleware


#: Pages a user who still owes the second factor may open.
OPEN_BEFORE_SECOND_FACTOR = {
    "two_factor_verify",
    "two_factor_enrol",
    "login",
    "logout",
    "set_language",
    "healthz",
}


def require_two_factor(get_response):
    """Send a user who must use two-factor login to the code page (or enrolment) until verified.

    Runs after django-otp's OTPMiddleware, which gives ``request.user.is_verified()``.
    """

    def middleware(request):
        user = request.user
        if user.is_authenticated and two_factor_required(request) and not user.is_verified():
            try:
                view_name = resolve(request.path_info).view_name
            except Resolver404:
                view_name = None
            if view_name and view_name not in OPEN_BEFORE_SECOND_FACTOR:
                return redirect_to_login(request.get_full_path(), reverse("two_factor_verify"))
        return get_response(request)

    return middleware


def no_store_when_logged_in(get_response):
    """Nothing a logged-in user is shown is kept by the browser or a proxy (Cache-Control:
    no-store, private): pages, reveals and downloads carry personal data, and office computers
    are shared. Static files are served before this runs and stay cacheable."""

    def middleware(request):
        response = get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response

    return middleware
