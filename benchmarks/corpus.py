"""Generate N realistic HealthHub articles, deterministic from a seed.

    python benchmarks/corpus.py 10000 /tmp/corpus/articles --seed 1 --shape tag-heavy

Each article is 2.5-4 KB of Markdown with front matter (title, category, date,
views, summary, tags, author), headings, lists and now and then a table.
Shapes (SHAPES) vary what makes a site hard for a generator:
- current: 10 categories, 1-4 of 40 tags per article;
- tag-heavy: 5 of 30 tags per article (each tag lists about 1/6 of the site);
- categories-200: 200 categories;
- long: 30-60 KB articles;
- many-tags: like current, plus a few articles with 100-150 tags each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

CATEGORIES = ["Health", "Fitness", "Nutrition", "Mental Health", "Sleep", "Heart", "Skin", "Children", "Ageing", "Women's Health"]
TAGS = ["running", "back pain", "stress", "sleep", "protein", "hydration", "blood pressure", "allergies", "diet",
        "strength", "walking", "anxiety", "burnout", "snoring", "salt", "sugar", "vitamins", "posture", "stretching",
        "cholesterol", "diabetes", "weight", "yoga", "breathing", "screen time", "caffeine", "alcohol", "smoking",
        "sun", "eczema", "asthma", "fever", "headache", "migraine", "joints", "bones", "pregnancy", "menopause",
        "memory", "balance"]
AUTHORS = {  # id -> name, written to authors.yaml
    "amara-okafor": "Dr. Amara Okafor", "healthhub-editorial": "HealthHub Editorial Team",
    "lena-fischer": "Lena Fischer, RD", "tomas-ruiz": "Dr. Tomás Ruiz", "priya-natarajan": "Priya Natarajan, RN",
}
WORDS = ("the body muscle heart sleep water rest doctor advice daily habit walk run stretch breathe calm food meal "
         "protein fibre salt sugar fat energy blood pressure joint bone skin stress mind week month year change small "
         "step routine goal symptom sign pain relief risk factor care check test result level healthy gentle steady "
         "slowly often usually sometimes rarely always plan evening morning night hour minute").split()
SUBJECTS = ["Knee pain", "Better sleep", "Salt intake", "Morning walks", "Stress at work", "Hydration", "Posture",
            "Blood pressure", "Snoring", "Strength training", "Screen time", "Caffeine", "Allergies", "Headaches"]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    text = " ".join(words)
    if rng.random() < 0.15:
        text += f" (*{rng.choice(WORDS)}* and **{rng.choice(WORDS)}**)"
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(3, 5)))


def body(rng: random.Random, target: int) -> str:
    parts = [paragraph(rng)]
    while sum(len(p) for p in parts) < target:
        parts.append(f"## {rng.choice(SUBJECTS)}: {rng.choice(WORDS)} and {rng.choice(WORDS)}")
        parts.append(paragraph(rng))
        roll = rng.random()
        if roll < 0.35:
            parts.append("\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(3, 5))))
        elif roll < 0.5:
            parts.append("\n".join(f"{n}. {sentence(rng)}" for n in range(1, rng.randint(3, 5) + 1)))
        elif roll < 0.6:
            rows = [f"| {rng.choice(WORDS)} | {rng.randint(1, 500)} mg | {rng.choice(WORDS)} {rng.choice(WORDS)} |"
                    for _ in range(rng.randint(3, 5))]
            parts.append("| What | Amount | Note |\n|---|---|---|\n" + "\n".join(rows))
        if rng.random() < 0.3:
            parts.append(f"### {rng.choice(WORDS).title()} {rng.choice(WORDS)}")
            parts.append(paragraph(rng))
    return "\n\n".join(parts) + "\n"


SHAPES = ("current", "tag-heavy", "categories-200", "long", "many-tags")
MANY_CATEGORIES = [f"{CATEGORIES[n % len(CATEGORIES)]} {n // len(CATEGORIES) + 1}" for n in range(200)]
TAG_POOL = TAGS + [f"{a} and {b}" for a in TAGS[:12] for b in TAGS[12:24]]  # 184 tags for many-tags


def article(rng: random.Random, index: int, shape: str = "current") -> tuple[str, str]:
    categories = MANY_CATEGORIES if shape == "categories-200" else CATEGORIES
    category = categories[index % len(categories)] if index < len(categories) else rng.choice(categories)
    title = f"{rng.choice(SUBJECTS)}: {rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(WORDS)} ({index})"
    date = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3800))
    if shape == "tag-heavy":
        tags = sorted(rng.sample(TAGS[:30], 5))
    elif shape == "many-tags" and index % 1000 == 7:  # a few articles, at any size
        tags = sorted(rng.sample(TAG_POOL, rng.randint(100, 150)))
    else:
        tags = sorted(set(rng.sample(TAGS, rng.randint(1, 4))))
    front = [
        "---",
        f'title: "{title}"',
        f'category: "{category}"',
        f"date: {date.isoformat()}",
        f"views: {rng.randint(0, 50000)}",
    ]
    if rng.random() < 0.7:
        front.append(f'summary: "{sentence(rng)}"')
    front.append(f"tags: [{', '.join(tags)}]")
    front.append(f"author: {rng.choice(sorted(AUTHORS))}")
    if rng.random() < 0.5:
        front.append(f"reviewed_by: {rng.choice(sorted(AUTHORS))}")
        front.append(f"reviewed: {(date + dt.timedelta(days=rng.randrange(1, 200))).isoformat()}")
    front.append("---")
    size = rng.randint(30_000, 60_000) if shape == "long" else rng.randint(2200, 3500)
    text = "\n".join(front) + "\n\n" + body(rng, size)
    slug = f"article-{index:05d}"
    folder = category.lower().replace("'", "").replace(" ", "-")
    return f"{folder}/{slug}.md", text


def generate(count: int, out: Path, seed: int = 1, shape: str = "current") -> list[Path]:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "authors.yaml").write_text("".join(
        f"{key}:\n  name: \"{name}\"\n  credentials: Health writer\n  bio: A fictional person for benchmarks.\n"
        for key, name in sorted(AUTHORS.items())), encoding="utf-8")
    written = []
    for index in range(count):
        rel, text = article(rng, index, shape)
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shape", choices=SHAPES, default="current")
    args = parser.parse_args()
    generate(args.count, args.out, args.seed, args.shape)


if __name__ == "__main__":
    main()
