"""The failed-login limit counts the real client, behind a real nginx configured as
docs/deploy.md says, and a forged header changes nothing (issue 16, finding 1).

Before, every attempt through nginx came from 127.0.0.1: five wrong passwords from anywhere
locked the county office out, and the login records held no client address. Clients here are
told apart by their loopback source address (127.0.0.2, 127.0.0.3, …).
"""

import http.client
import os
import re
import shutil
import socket
import subprocess
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt, AccessLog

PASSWORD = "pw-for-tests-2016"
LOCKED = 429  # django-axes' answer once the limit is reached
NGINX_CONF = """
daemon off;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def nginx(live_server, tmp_path):
    """nginx on a free loopback port, proxying to the live server as in docs/deploy.md."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary):
        pytest.fail("nginx is missing: `make test` installs Debian's nginx-light")
    port, upstream = free_port(), live_server.url.rsplit(":", 1)[1]
    conf = tmp_path / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(NGINX_CONF.format(user=user, dir=tmp_path, port=port, upstream=upstream))
    process = subprocess.Popen([binary, "-p", str(tmp_path), "-c", str(conf), "-e", "stderr"])
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"nginx did not start: {(tmp_path / 'error.log').read_text()}")
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)


def login(port, source, password, headers=None):
    """Log in as ``county`` from ``source`` through the form: the response's status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(source, 0))
    connection.request("GET", "/accounts/login/", headers=headers or {})
    response = connection.getresponse()
    page = response.read().decode()
    cookie = SimpleCookie(response.getheader("Set-Cookie"))["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urlencode({"username": "county", "password": password, "csrfmiddlewaretoken": token})
    form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"}
    connection.request("POST", "/accounts/login/", body, {**form, **(headers or {})})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


@pytest.mark.django_db(transaction=True)
def test_the_login_limit_counts_the_real_client_and_ignores_forged_headers(
    nginx, live_server, county_officer, settings
):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.ALLOWED_HOSTS = ["*"]
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_DELAY_FROM_FAILURE = 100  # the waits before the lockout: tests/teams
    county_officer.set_password(PASSWORD)
    county_officer.save()
    direct = int(live_server.url.rsplit(":", 1)[1])
    passed = 302  # on to the second factor

    # A stranger at 127.0.0.2 tries three passwords through nginx: locked out there …
    assert [login(nginx, "127.0.0.2", "wrong") for _attempt in range(3)] == [200, 200, LOCKED]
    assert login(nginx, "127.0.0.2", PASSWORD) == LOCKED
    # … also when claiming to be somebody else: nginx overwrites the header.
    forged = {"X-Real-IP": "127.0.0.9", "X-Forwarded-For": "127.0.0.9"}
    assert login(nginx, "127.0.0.2", PASSWORD, forged) == LOCKED
    # The county office at 127.0.0.3 is not kept out.
    assert login(nginx, "127.0.0.3", PASSWORD) == passed

    # Reaching the application directly, a forged header is ignored: failures claiming to come
    # from the office (127.0.0.3) are counted at the sender's own address.
    office = {"X-Real-IP": "127.0.0.3", "X-Forwarded-For": "127.0.0.3"}
    tries = [login(direct, "127.0.0.4", "wrong", office) for _attempt in range(3)]
    assert tries == [200, 200, LOCKED]
    assert login(nginx, "127.0.0.3", PASSWORD) == passed

    attempts = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert attempts == {"127.0.0.2", "127.0.0.4"}
    assert set(AccessLog.objects.values_list("ip_address", flat=True)) == {"127.0.0.3"}
