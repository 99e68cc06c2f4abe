"""The client's address, for the failed-login limit and the login records (django-axes)."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR; behind a trusted proxy (TRUSTED_PROXIES), the X-Real-IP header it sets.

    nginx sets X-Real-IP from its own ``$remote_addr`` (docs/deploy.md), overwriting whatever the
    browser sent; a request that does not come from the proxy keeps its own address, whatever
    headers it carries.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if remote in settings.TRUSTED_PROXIES:
        real = request.META.get("HTTP_X_REAL_IP", "").strip()
        try:
            return str(ipaddress.ip_address(real))
        except ValueError:
            pass
    return remote
