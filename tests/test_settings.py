import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_env():
    """The variables of .env.example, as an operator would set them."""
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    env["DATABASE_URL"] = "sqlite:////tmp/bangfu-deploy-check.sqlite3"
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_deploy_check_passes_with_the_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_proxy_setting_that_would_be_ignored():
    """django-ipware is not used: the AXES_IPWARE_META_PRECEDENCE_ORDER of the first
    .env.example did nothing behind nginx."""
    env = production_env() | {"AXES_IPWARE_META_PRECEDENCE_ORDER": "HTTP_X_FORWARDED_FOR"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr
