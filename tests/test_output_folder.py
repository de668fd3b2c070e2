"""The output folder never destroys what it points at: folders holding the sources,
home, /, folders HealthHub did not build, and the target of a `site` link."""

from __future__ import annotations

import os

import pytest

from conftest import article, without_background_cleanup
from healthhub.writing import files, safety


def sources(site_dir) -> dict[str, bytes]:
    root = site_dir.root
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.relative_to(root).as_posix().startswith(("site/", ".healthhub-cache/"))}


@pytest.fixture
def project(site_dir):
    site_dir.write("articles/health/a.md", article("Knee pain"))
    site_dir.write("healthhub.yaml", "site_name: Test\n")
    return site_dir


@pytest.mark.parametrize("out, why", [
    ("articles", "is the articles folder"),
    ("templates", "is the templates folder"),
    (".", "holds the articles folder"),
    ("..", "holds the articles folder"),
    ("articles/site", "is inside the articles folder"),
    ("templates/static/out", "is inside the templates folder"),
    ("/", "is the root folder /"),
])
def test_an_output_folder_holding_the_sources_is_refused_and_nothing_changes(project, out, why):
    before = sources(project)
    result = project.cli("--out", out)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --out {out} {why}"), result.stderr
    assert lines[0].endswith("build into a folder of its own instead, e.g. --out site")
    assert sources(project) == before
    assert not project.out.exists()
    assert [name for name in os.listdir(project.root.parent) if name.startswith(".")] == []


def test_the_folder_holding_the_config_and_home_are_refused(project, tmp_path):
    project.write("conf/healthhub.yaml", "site_name: Test\n")
    result = project.cli("--config", "conf/healthhub.yaml", "--out", "conf")
    assert result.returncode == 2
    assert result.stderr.startswith("error: --out conf holds the config file")
    assert (project.root / "conf/healthhub.yaml").read_text() == "site_name: Test\n"

    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    (home / "Documents/letter.txt").write_text("keep me")
    env_home = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        result = project.cli("--out", str(home), "--force")
    finally:
        os.environ["HOME"] = env_home
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: --out {home} is your home folder")
    assert (home / "Documents/letter.txt").read_text() == "keep me"


def test_a_file_as_output_folder_is_refused(project):
    project.write("site", "not a folder")
    result = project.cli()
    assert result.returncode == 2
    assert result.stderr == "error: --out site is a file, not a folder; build into a folder of its own instead, e.g. --out site\n"
    assert (project.root / "site").read_text() == "not a folder"


@pytest.mark.parametrize("out, code, message", [
    # a mistyped --out under a file
    ("notes.txt/site", 2, "--out notes.txt/site cannot be made: notes.txt is a file, not a folder; build into a "
                          "folder of its own instead, e.g. --out site"),
    # /proc takes no new files (on Linux, even for root): the build's lock beside the
    # output folder cannot be made, as in any folder the user may not write to
    ("/proc/healthhub-test-site", 1, "cannot write /proc/healthhub-test-site/: no such file or directory; check "
                                     "the disk and build again"),  # (no "previous site": there was none)
], ids=["under-a-file", "unwritable"])
def test_an_output_folder_that_cannot_be_made_is_one_error_line(project, out, code, message):
    """Both were an 'unexpected failure' (FileExistsError, FileNotFoundError)."""
    project.write("notes.txt", "my notes")
    before = sources(project)
    result = project.cli("--out", out)
    assert result.returncode == code
    assert result.stderr == f"error: {message}\n"
    assert sources(project) == before
    assert [name for name in os.listdir(project.root) if name.startswith(".")] == []


def test_a_folder_healthhub_did_not_build_is_replaced_only_with_force(project):
    project.write("public/notes.txt", "my notes")
    result = project.cli("--out", "public")
    assert result.returncode == 2
    assert result.stderr == (
        "error: --out public is not empty and HealthHub did not build it (it has no .healthhub-site file), "
        "and a build replaces everything in it; build into a new or empty folder, or pass --force to replace "
        "its contents\n")
    assert (project.root / "public/notes.txt").read_text() == "my notes"
    assert project.cli("--out", "public", "--force").returncode == 0
    public = project.root / "public"
    assert not (public / "notes.txt").exists() and (public / "health/a.html").is_file()
    assert (public / safety.MARKER).read_bytes() == safety.MARKER_TEXT
    project.write("articles/health/a.md", article("Knee pain, revised"))
    assert project.cli("--out", "public").returncode == 0  # marked now: no --force needed
    assert "Knee pain, revised" in (public / "health/a.html").read_text()


def test_an_empty_existing_folder_is_used(project):
    (project.root / "site").mkdir()
    assert project.cli().returncode == 0
    assert (project.out / "index.html").is_file()


def test_a_site_built_before_the_marker_existed_is_taken_over_when_its_cache_vouches_for_it(project):
    project.cli(check=True)
    (project.out / safety.MARKER).unlink()  # as an older HealthHub left it
    project.write("articles/health/a.md", article("Knee pain, revised"))
    assert project.cli().returncode == 0
    assert (project.out / safety.MARKER).is_file()
    assert "Knee pain, revised" in project.read("health/a.html")
    # ... but not once someone put a file of their own in it
    (project.out / safety.MARKER).unlink()
    project.write("site/their-own.html", "hello")
    result = project.cli()
    assert result.returncode == 2 and "HealthHub did not build it" in result.stderr
    assert (project.out / "their-own.html").read_text() == "hello"


def test_site_as_a_link_to_a_web_root_stays_a_link_and_its_target_gets_the_new_site(project, tmp_path):
    www = tmp_path / "www"
    webroot = www / "html"
    webroot.mkdir(parents=True)
    (webroot / "index.html").write_text("the old web site")
    (www / "other").mkdir()
    (www / "other/keep.txt").write_text("keep")
    os.symlink(webroot, project.out)

    refused = project.cli()
    assert refused.returncode == 2 and "HealthHub did not build it" in refused.stderr
    assert (webroot / "index.html").read_text() == "the old web site"

    assert project.cli("--force").returncode == 0
    assert project.out.is_symlink() and os.readlink(project.out) == str(webroot)
    assert "Knee pain" in (webroot / "health/a.html").read_text()
    assert (webroot / safety.MARKER).is_file()

    project.write("articles/health/a.md", article("Knee pain, revised"))
    assert project.cli().returncode == 0
    assert project.out.is_symlink() and os.readlink(project.out) == str(webroot)
    assert "Knee pain, revised" in (webroot / "health/a.html").read_text()
    # beside the folder the link leads to: the previous site, kept as the next staging folder
    assert without_background_cleanup(www) == [".html-spare-*", "html", "other"]
    assert (www / "other/keep.txt").read_text() == "keep"
    assert (project.out / "index.html").is_file()


def test_removing_an_old_site_never_follows_a_link(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("precious")
    trash = tmp_path / ".site-trash-x"
    (trash / "sub").mkdir(parents=True)
    (trash / "sub/page.html").write_text("old")
    os.symlink(outside, trash / "sub/link")
    os.symlink(outside / "precious.txt", trash / "file-link")
    files.remove_tree(trash)
    assert not trash.exists()
    link = tmp_path / ".site-trash-y"
    os.symlink(outside, link)
    files.remove_tree(link)
    assert not os.path.lexists(link)
    assert (outside / "precious.txt").read_text() == "precious"


def test_the_preview_server_refuses_the_articles_folder_too(project):
    result = project.cli("serve", "--out", "articles", "--port", "0")
    assert result.returncode == 2
    assert result.stderr.startswith("error: --out articles is the articles folder")
