"""writing.recorded.files_as_recorded: the output folder's stats taken by the manifest's
names only when the folder holds exactly those files, else None (then it is listed);
and write.output_intact, which a build where nothing changed relies on to write nothing."""

from __future__ import annotations

import os

from healthhub.writing.files import list_files
from healthhub.writing.recorded import files_as_recorded
from healthhub.writing.write import output_intact


def make_folder(root) -> dict:
    (root / "health").mkdir(parents=True)
    for rel in ("index.html", "health/a.html", "health/b.html"):
        (root / rel).write_text(rel, encoding="utf-8")
    return {rel: stat + (b"hash",) for rel, stat in list_files(root).items()}


def test_a_folder_as_recorded_gives_what_listing_it_gives(tmp_path):
    manifest = make_folder(tmp_path / "site")
    assert files_as_recorded(tmp_path / "site", manifest) == list_files(tmp_path / "site")
    # a file changed in place is still one of those files: its new stat is given (the caller compares)
    (tmp_path / "site" / "health" / "a.html").write_text("changed by hand", encoding="utf-8")
    assert files_as_recorded(tmp_path / "site", manifest) == list_files(tmp_path / "site")


def test_any_other_set_of_files_is_not_taken_by_name(tmp_path):
    site = tmp_path / "site"

    def fresh() -> dict:
        if site.exists():
            for path in sorted(site.rglob("*"), reverse=True):
                path.unlink() if path.is_file() or path.is_symlink() else path.rmdir()
            site.rmdir()
        return make_folder(site)

    edits = {
        "another file": lambda: (site / "health" / "c.html").write_text("c", encoding="utf-8"),
        "one gone": lambda: (site / "health" / "b.html").unlink(),
        "one renamed": lambda: os.rename(site / "health" / "b.html", site / "health" / "c.html"),
        "a folder in its place": lambda: ((site / "health" / "b.html").unlink(), (site / "health" / "b.html").mkdir()),
        "a symbolic link": lambda: ((site / "health" / "b.html").unlink(),
                                    (site / "health" / "b.html").symlink_to(site / "index.html")),
        "one file by two names": lambda: ((site / "health" / "b.html").unlink(),
                                          os.link(site / "health" / "a.html", site / "health" / "b.html")),
        "the folder gone": lambda: [path.unlink() for path in site.rglob("*.html")],
    }
    for name, edit in edits.items():
        manifest = fresh()
        assert output_intact(site, manifest)
        edit()
        assert files_as_recorded(site, manifest) is None, name
        assert not output_intact(site, manifest), name
    assert files_as_recorded(site, {}) is None  # nothing recorded: list it
    assert files_as_recorded(tmp_path / "missing", fresh()) is None


def test_a_file_changed_in_place_leaves_the_folder_not_intact(tmp_path):
    site = tmp_path / "site"
    manifest = make_folder(site)
    assert output_intact(site, manifest)
    (site / "health" / "a.html").write_text("changed by hand", encoding="utf-8")  # another size
    assert not output_intact(site, manifest)
    manifest = {rel: stat + (b"hash",) for rel, stat in list_files(site).items()}
    os.utime(site / "index.html", ns=(1, 1))  # same size, another time
    assert not output_intact(site, manifest)
    assert not output_intact(tmp_path / "missing", manifest)
