"""The front-matter nesting limit is ours: the same message at the same place
whatever PyYAML (and libyaml) version is installed."""

import pytest

from healthhub.loading import frontmatter as fm

MESSAGE = "the front matter is nested more than 20 levels deep, use plain 'name: value' lines and simple lists"


def nesting_error(text: str) -> tuple[int, int, str] | None:
    try:
        fm.read_mapping(text)
    except fm.FrontMatterError as exc:
        return exc.line, exc.col, exc.message
    return None


@pytest.mark.parametrize("depth", [19, 5000])
def test_flow_brackets_past_the_limit_are_refused_at_the_21st_level(depth):
    # line 2 of the file; the root mapping is level 1, so the 20th bracket opens level 21
    text = "tags: " + "[" * depth + "]" * depth
    expected = None if depth < 20 else (2, 26, MESSAGE)
    assert nesting_error(text) == expected


def test_block_lists_and_mappings_count_by_indentation():
    deep_lists = "tags:\n" + "".join("  " * i + "  -\n" for i in range(19)) + "  " * 19 + "  - x\n"
    assert nesting_error(deep_lists) == (22, 41, MESSAGE)
    compact = "tags:\n  " + "- " * 30 + "x\n"
    assert nesting_error(compact) == (3, 41, MESSAGE)
    mappings = "".join("  " * i + f"k{i}:\n" for i in range(25))
    assert nesting_error(mappings) == (22, 41, MESSAGE)


@pytest.mark.parametrize("text", [
    "title: Knee [[[[[[[[[[[[[[[[[[[[[[[[[[[ pain",  # brackets inside plain text
    "title: 'it''s [[[[[[[[[[[[[[[[[[[[[[[[[[['",  # inside single quotes
    'title: "a \\" [[[[[[[[[[[[[[[[[[[[[[[[[[["',  # inside double quotes, after an escaped quote
    "title: x # [[[[[[[[[[[[[[[[[[[[[[[[[[[[",  # in a comment
    "summary: |\n" + "".join("  " * i + "  - line\n" for i in range(30)),  # a block of text
    "summary: a long\n" + "".join("  " * i + "  - text\n" for i in range(30)),  # plain text over lines
    "tags: [a, b, [c, d]]\nauthor: {name: A, roles: [x, y]}",
])
def test_text_that_only_looks_deep_is_read_normally(text):
    assert nesting_error(text) is None
