"""Two-factor login with a TOTP app (django-otp): who must use it, enrolment and the code page.

County, city and province offices and superusers hold data of many townships: after the
password they enter the 6-digit code of their authenticator app. Township staff may enrol from
the security page; once they have, their logins ask for the code too. The admin site asks
all staff (`teams.middleware.require_two_factor` enforces all of this).
"""

import base64
import math

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from teams.forms import LoginForm

#: Set at login for users who enrolled although their role does not require it.
ENROLLED_SESSION_KEY = "two_factor_enrolled"


def needs_two_factor(user) -> bool:
    return user.is_superuser or user.role != user.Role.TOWNSHIP


@receiver(user_logged_in)
def remember_enrolment(sender, request, user, **kwargs):
    """Look the device up once at login, not on every request of a township user."""
    if not needs_two_factor(user):
        request.session[ENROLLED_SESSION_KEY] = user_has_device(user)


def two_factor_required(request) -> bool:
    # Staff only for the admin: it sends everybody else to its own login page anyway.
    return (
        needs_two_factor(request.user)
        or request.session.get(ENROLLED_SESSION_KEY, False)
        or (request.user.is_staff and request.path_info.startswith(reverse("admin:index")))
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code"),
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, device, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        # django-otp's throttling: each wrong code doubles the wait before the next try.
        allowed, details = self.device.verify_is_allowed()
        if not allowed:
            # One wrong code already asks for a second's wait: say how long, not "too many".
            until = details.get("locked_until") if details else None
            seconds = math.ceil((until - timezone.now()).total_seconds()) if until else 60
            raise ValidationError(
                _(
                    "A wrong code was entered just before: wait %(seconds)s seconds, then "
                    "enter the code your app shows now."
                ),
                params={"seconds": max(seconds, 1)},
            )
        if not self.device.verify_token(code):
            raise ValidationError(
                _("The code is wrong or has expired. Enter the 6 digits your app shows now.")
            )
        return code


def next_url(request):
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return reverse("home")


def with_next(request, name):
    """The URL of `name`, passing the page the user was going to along."""
    return f"{reverse(name)}?{request.GET.urlencode()}" if request.GET else reverse(name)


def verify(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect(with_next(request, "two_factor_enrol"))
    if request.user.is_verified():
        return redirect(next_url(request))
    form = CodeForm(device, request.POST or None)
    if form.is_valid():
        otp_login(request, device)
        return redirect(next_url(request))
    context = {"form": form, "next": next_url(request)}
    return render(request, "teams/two_factor_verify.html", context)


def enrol(request):
    if user_has_device(request.user):
        return redirect(with_next(request, "two_factor_verify"))
    # One pending device per user, so reloading the page keeps the same secret.
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="TOTP", confirmed=False)
    form = CodeForm(device, request.POST or None)
    if form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        request.session[ENROLLED_SESSION_KEY] = True
        messages.success(request, _("Two-factor login is on for your account."))
        return redirect(next_url(request))
    # segno draws the SVG from our own URL: nothing user-supplied goes into the markup.
    qr_svg = mark_safe(segno.make(device.config_url).svg_inline(scale=4))
    return render(
        request,
        "teams/two_factor_enrol.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": base64.b32encode(device.bin_key).decode(),
            "next": next_url(request),
            "required": needs_two_factor(request.user),
        },
    )


def security(request):
    return render(
        request,
        "teams/security.html",
        {
            "enrolled": user_has_device(request.user),
            "required": needs_two_factor(request.user),
        },
    )


class LoginView(auth_views.LoginView):
    """Django's login with 在此设备上保持登录: a township account that asks for it keeps its
    session for REMEMBER_LOGIN_DAYS, browser closed or not; any account that must give a
    code keeps a session that ends with the browser."""

    authentication_form = LoginForm

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if form.cleaned_data.get("remember") and not needs_two_factor(user):
            self.request.session.set_expiry(settings.REMEMBER_LOGIN_DAYS * 24 * 3600)
        return response


def relogged(request):
    """Where a login opened from a form whose session had expired lands: it tells the form's
    tab (static/js/relogged.js) to send the form again."""
    return render(request, "registration/relogged.html")
