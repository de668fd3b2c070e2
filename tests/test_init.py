"""Starting a site anywhere: `healthhub init`, and the command line where there is no site."""

import fnmatch
import os
import re
import subprocess
import sys

from conftest import ROOT
from healthhub.loading.config import KNOWN_KEYS, load_config, parse_config


def healthhub(*args, cwd):
    """`python -m healthhub ARGS` in cwd, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "healthhub", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


def files_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_init_writes_a_site_that_builds_and_checks_clean(tmp_path):
    result = healthhub("init", "mysite", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "cd mysite" in result.stdout and "healthhub serve" in result.stdout
    site = tmp_path / "mysite"
    assert files_under(site) == [".gitignore", "README.md", "articles/health/washing-your-hands.md",
                                 "articles/sleep/a-calmer-bedtime-routine.md", "authors.yaml", "healthhub.yaml"]
    check = healthhub("check", "--strict", cwd=site)
    assert check.returncode == 0, check.stdout + check.stderr
    built = healthhub("build", cwd=site)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("Built 2 articles in 2 categories into site/")
    page = (site / "site/health/washing-your-hands.html").read_text(encoding="utf-8")
    assert "Speak to a pharmacist or doctor" in page and "Sources" in page
    article = site / "articles/health/washing-your-hands.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    assert healthhub("build", cwd=site).returncode == 0  # keeps the previous site beside it, .site-spare-*
    # the .gitignore covers everything the build and the preview make
    ignored = (site / ".gitignore").read_text().split()
    # (published-addresses.txt, the removed-page guard's list, is meant to be committed)
    made = {p.name for p in site.iterdir()} - {".gitignore", "README.md", "articles", "authors.yaml", "healthhub.yaml",
                                               "published-addresses.txt"}
    assert made and all(any(fnmatch.fnmatchcase(name, rule.rstrip("/")) for rule in ignored)
                        for name in made), (made, ignored)


def test_starter_config_shows_every_key_and_reads_cleanly(tmp_path):
    assert healthhub("init", "s", cwd=tmp_path).returncode == 0
    path = tmp_path / "s/healthhub.yaml"
    text = path.read_text()
    written = set(re.findall(r"^(?:# )?([a-z_]+):", text, flags=re.M))
    assert set(KNOWN_KEYS) <= written, f"add these keys to healthhub/starter/healthhub.yaml: {set(KNOWN_KEYS) - written}"
    # each commented-out key, uncommented, is valid and is the default
    defaults = load_config(None)
    for line in re.findall(r"^# ([a-z_]+: .*)$", text, flags=re.M):
        key = line.split(":")[0]
        if key in ("base_url", "default_author", "category_order", "accessibility_contact", "accessibility_issues",
                   "accessibility_tested", "feedback_url"):
            continue  # examples, not defaults
        assert getattr(parse_config(line, "x"), key) == getattr(defaults, key), line


def test_init_refuses_a_folder_with_files_and_force_never_overwrites(tmp_path):
    site = tmp_path / "old"
    (site / "articles").mkdir(parents=True)
    (site / "healthhub.yaml").write_text("site_name: Mine\n")
    refused = healthhub("init", "old", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr == ("error: old/ is not empty, choose a new folder, or add --force to add the starter "
                              "files that are missing (no file is ever overwritten)\n")
    assert files_under(site) == ["healthhub.yaml"]
    forced = healthhub("init", "old", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert "kept old/healthhub.yaml (already there)" in forced.stdout
    assert (site / "healthhub.yaml").read_text() == "site_name: Mine\n"
    assert "articles/health/washing-your-hands.md" in files_under(site)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert healthhub("init", "file", cwd=tmp_path).returncode == 2
    assert a_file.read_text() == "x"


def test_build_where_there_is_no_site_says_so_in_one_line(tmp_path):
    for command in ("build", "serve", "check"):
        result = healthhub(command, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr == (f"error: there is no articles/ folder in {tmp_path}, so no site to work on here; "
                                 "run it in your site's folder, or start a site with: healthhub init mysite\n")
    missing = healthhub("build", "--articles", "posts", cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (
        2, "error: the articles folder posts does not exist, check the --articles path\n")
    assert list(tmp_path.iterdir()) == []  # nothing made: no cache, no lock, no site


def test_version_and_help(tmp_path):
    from healthhub import __version__

    assert healthhub("--version", cwd=tmp_path).stdout == f"HealthHub {__version__}\n"
    text = healthhub("build", "--help", cwd=tmp_path).stdout
    options = re.findall(r"^  (?:-\w, )?(--[a-z-]+)", text, flags=re.M)
    assert options == ["--help", "--articles", "--templates", "--out", "--config", "--authors", "--drafts", "--future", "--today",
                       "--strict", "--no-search", "--force", "--timings", "--quiet", "--verbose", "--debug"]
    help_of = re.split(r"\n  (?=-)", text.split("options:", 1)[1])
    described = [part for part in help_of if part.strip() and not part.strip().startswith("-h")]
    assert len(described) == len(options) - 1 and all("(default: " in " ".join(p.split()) for p in described), text
