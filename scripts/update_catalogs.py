"""Regenerate templates/locales/messages.pot from the default theme's templates (and
healthhub/i18n.PYTHON_MESSAGES), and merge it into every templates/locales/<lang>/messages.po:
new strings get an empty msgstr (the build shows them in English and warns), strings no
template uses any more are dropped. Translations already there are kept.

    python3 scripts/update_catalogs.py
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from healthhub.rendering import i18n  # noqa: E402
from healthhub.rendering.environment import make_environment  # noqa: E402

WIDTH = 100
STAMP = dt.datetime(2026, 11, 30, 15, 33, tzinfo=dt.timezone.utc)  # fixed: same input, same files


def template_catalog() -> Catalog:
    env = make_environment(ROOT / "templates")
    catalog = Catalog(project="HealthHub default theme", version="1", creation_date=STAMP,
                      header_comment="# Template interface text of the HealthHub default theme.\n"
                                     "# Edit msgstr lines only; see README \"Interface text in your language\".")
    for name in sorted(env.list_templates(filter_func=lambda n: n.endswith((".html", ".xml", ".txt")))):
        if name.startswith("default/"):
            continue
        source = env.loader.get_source(env, name)[0]
        for line, function, message in env.extract_translations(source):
            if isinstance(message, tuple):
                strings = tuple(m for m in message if isinstance(m, str))
                message = strings if function == "ngettext" else strings[0]
            flags = ("python-format",) if "%(" in (message[0] if isinstance(message, tuple) else message) else ()
            catalog.add(message, locations=[(f"templates/{name}", line)], flags=flags)
    for message in i18n.PYTHON_MESSAGES:
        catalog.add(message, locations=[("healthhub/rendering/i18n.py", 1)])
    return catalog


def write(path: Path, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, omit_header=False, ignore_obsolete=True)
    path.write_bytes(buffer.getvalue())


def main() -> int:
    template = template_catalog()
    locales = ROOT / "templates" / "locales"
    write(locales / "messages.pot", template)
    for po in sorted(locales.glob("*/messages.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.name)
        catalog.update(template, no_fuzzy_matching=True)
        write(po, catalog)
        empty = [m.id for m in catalog if m.id and not all(m.string if isinstance(m.string, tuple) else (m.string,))]
        print(f"{po.relative_to(ROOT)}: {len(empty)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
