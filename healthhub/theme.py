"""The theme: HealthHub's default theme under a site's own templates folder.

Two layers, looked up in order: the site's templates folder (`templates/`, or
`--templates DIR`), then the default theme that ships with HealthHub. A site
replaces one file by writing the same name (`templates/article.html`,
`templates/static/style.css`); everything else still comes from the default
theme. A site template can extend the default one it replaces by its name under
`default/`: `{% extends "default/article.html" %}`.

The default theme's source is `templates/` at the top of the repository; an
installed HealthHub carries a copy as `healthhub/theme/` (pyproject.toml maps
the folder into the package).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

DEFAULT_PREFIX = "default"  # {% extends "default/article.html" %}
STATIC = "static"  # assets live in each layer's static/ folder


def packaged_theme_dir() -> Path:
    """The default theme's folder: inside the installed package, or (from a
    source checkout or an editable install) the repository's templates/."""
    package = Path(__file__).resolve().parent
    installed = package / "theme"
    if installed.is_dir():
        return installed
    return package.parent / "templates"


def theme_layers(templates_dir: Path) -> list[Path]:
    """The folders templates and assets are looked up in, first match wins: the
    site's templates folder (when there is one), then the default theme."""
    layers = [templates_dir] if templates_dir.is_dir() else []
    packaged = packaged_theme_dir()
    if not any(_same_folder(layer, packaged) for layer in layers):
        layers.append(packaged)
    return layers


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def make_loader(templates_dir: Path) -> jinja2.BaseLoader:
    """Unprefixed names look in every layer, the site's first; `default/NAME` is
    always the default theme's own template."""
    import jinja2  # here: theme_files, which every build uses, does not need it

    layers = theme_layers(templates_dir)
    return jinja2.ChoiceLoader([
        jinja2.PrefixLoader({DEFAULT_PREFIX: jinja2.FileSystemLoader(str(packaged_theme_dir()))}),
        jinja2.FileSystemLoader([str(layer) for layer in layers]),
    ])


def theme_files(templates_dir: Path) -> list[tuple[int, str, Path]]:
    """Every file of every layer as (layer number, path inside the layer, path),
    so a build's fingerprint changes when any file of either layer does (an
    override added, edited or removed, or the default theme updated)."""
    files = []
    for number, layer in enumerate(theme_layers(templates_dir)):
        for path in sorted(layer.rglob("*")):
            if path.is_file():
                files.append((number, path.relative_to(layer).as_posix(), path))
    return files


def load_assets(templates_dir: Path) -> dict[str, bytes]:
    """Every static asset by its path inside static/: the default theme's, with
    the site's own files in their place where it has the same name."""
    from .rendering.environment import load_assets as load_folder

    assets: dict[str, bytes] = {}
    for layer in reversed(theme_layers(templates_dir)):
        assets.update(load_folder(layer / STATIC))
    return assets
