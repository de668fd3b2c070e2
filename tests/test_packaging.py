"""HealthHub as a user installs it: the wheel, in a fresh virtual environment
outside the repository, starting a site, building, checking and serving it
with the default theme that ships inside the package."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import signal
import site
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

SOURCES = ("pyproject.toml", "README.md", "healthhub", "templates")


def can_build_here() -> bool:
    """Whether the running environment has the build backend pyproject.toml asks for,
    able to make wheels by itself (setuptools 70.1 and later)."""
    try:
        major, minor = (int(part) for part in importlib.metadata.version("setuptools").split(".")[:2])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return False
    return (major, minor) >= (70, 1)


def run(args, cwd, env, timeout=300) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtual environment with HealthHub installed from its wheel.

    The wheel is built from a copy of the sources (building writes build/ and
    *.egg-info/ next to them) with the setuptools already installed, and the
    new environment borrows the running one's third-party packages through a
    .pth file, so nothing is downloaded; HealthHub itself comes only from the
    wheel (a .pth line adds a folder, never that folder's own .pth files, so an
    editable HealthHub there stays out of sight)."""
    work = tmp_path_factory.mktemp("packaging")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = work / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    if can_build_here():  # test.sh's environment: setuptools is in requirements.lock, nothing is downloaded
        run([*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, source],
            work, env)
    else:  # pip fetches the build backend pyproject.toml names, as `pip install .` does
        run([*pip, "wheel", "--quiet", "--no-deps", "-w", dist, source], work, env)
    wheel = next(dist.glob("healthhub-*.whl"))

    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], work, env)
    python = venv / "bin" / "python"
    purelib = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work, env)
                   .stdout.strip())
    borrowed = dict.fromkeys([*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (purelib / "zz_borrowed_dependencies.pth").write_text("".join(f"{p}\n" for p in borrowed if Path(p).is_dir()))
    run([*pip, "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel], work, env)
    return {"wheel": wheel, "venv": venv, "python": python, "bin": venv / "bin", "env": env, "work": work}


def test_the_wheel_carries_the_default_theme_and_the_starter_site(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    theme = {f"healthhub/theme/{p.relative_to(ROOT / 'templates').as_posix()}"
             for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert theme and theme <= names
    assert {"healthhub/starter/healthhub.yaml", "healthhub/starter/gitignore"} <= names


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_init_build_check_serve_from_the_installed_wheel(installed):
    env, work, bin_dir = installed["env"], installed["work"], installed["bin"]
    where = run([installed["python"], "-c", "import healthhub, healthhub.theme as t; "
                 "print(healthhub.__file__); print(t.packaged_theme_dir())"], work, env).stdout.split()
    assert all(Path(p).is_relative_to(installed["venv"]) for p in where), where  # not the repository's copy

    run([bin_dir / "healthhub", "init", "mysite"], work, env)
    site_root = work / "mysite"
    assert not (site_root / "templates").exists()
    built = run([bin_dir / "healthhub", "build"], site_root, env)
    assert "Built 2 articles in 2 categories into site/" in built.stdout
    theme_css = Path(where[1]) / "static" / "style.css"
    assert (site_root / "site/assets/style.css").read_bytes() == theme_css.read_bytes()
    assert "Washing Your Hands Well" in (site_root / "site/health/washing-your-hands.html").read_text()
    checked = run([bin_dir / "healthhub", "check", "--strict"], site_root, env)
    assert "no problems found" in checked.stdout

    port = free_port()
    server = subprocess.Popen([bin_dir / "healthhub", "serve", "--port", str(port)], cwd=site_root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, body, error = time.monotonic() + 60, None, None
        while body is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sleep/a-calmer-bedtime-routine.html",
                                            timeout=5) as response:
                    body = response.read().decode()
            except OSError as exc:
                error = exc
                time.sleep(0.2)
        assert body is not None, f"nothing served ({error})"
        assert "A Calmer Bedtime Routine" in body
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=60)[0]
    assert server.returncode == 0, output
