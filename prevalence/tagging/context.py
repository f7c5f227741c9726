"""Is this occurrence of an alias the persona? Context rules that reject the four kinds of false
mention found on real text (tests in tests/unit/test_mention_context.py):

1. another person who shares the name: an alias right next to another capitalised name word, with
   one space between (`David Beckham`, `Paul McCartney`, `Washington Irving`, `Tiberius Caesar`,
   `George Washington Carver`), unless that word is a title (`King David`), part of the persona's own
   names and cues (`Jesus Christ`), a suffix (`Jr.`, `III`), or opens the sentence (`When Lincoln`);
2. a thing named after the persona: the alias before a noun of a place, institution, object,
   species or event (`Lincoln Memorial`, `Jesus College`, `the Darwin Awards`, `the Einstein ring`,
   `Darwin's finches`);
3. a work titled by the name, in a sentence about the work (`the premiere of Napoleon`, `the sequel
   to Dracula`, `the 1931 film Dracula`, `Napoleon (film)`);
4. a name used as an epithet or a type (`he turned out a Judas`, `a modern Napoleon`).
Input text is whitespace-normalised (one space between words), as the mention tagger reads it.
`tagging.context_clear` proves occurrences clear of these rules in compiled code: a rule added or
widened here must be added there too (tests/unit/test_context_clear.py holds the two together on real
and altered text).
"""

from __future__ import annotations

import re

# Characters of context that `rejection` reads before an occurrence (its window rules) and after it.
WINDOW = 60
REST = 40

NAME_BOUNDARY = "name_boundary"
EPONYM = "eponym"
WORK_TITLE = "work_title"
EPITHET = "epithet"
OTHER_BEARER = "other_bearer"

# Words before a name that do not make it another person's: titles and honorifics.
TITLES = frozenset(
    """king queen prince princess emperor empress tsar czar pharaoh pope saint st sir dame lord lady mr mrs ms miss mx dr doctor
    professor prof president vice senator governor general gen admiral colonel col captain capt major lieutenant lt sergeant
    sgt commander chief justice judge rev reverend father mother brother sister friar cardinal bishop archbishop rabbi
    prophet apostle evangelist master mistress uncle aunt cousin duke duchess earl count countess baron baroness marquis
    sultan caliph shah chancellor minister premier secretary ambassador consul dictator young old little big great holy
    blessed good poor dear honest late former marshal generalissimo chairman comrade mayor speaker commissioner officer
    private corporal agent detective inspector constable deacon elder imam sheikh ayatollah lama guru swami emir kaiser
    tsarina czarina crown""".split()
)
# Words that open a sentence without being a name: a capitalised one of these before an alias is no
# other person's name (`When Lincoln`, `Then David`), while a sentence-initial name is (`Samantha Bond`).
SENTENCE_OPENERS = frozenset(
    """when while after before since until during then and but or so yet thus still also even only just today yesterday
    tomorrow later earlier meanwhile however although though because if unless whether as in on at by for from with
    without into about over under between among through against toward towards like unlike despite following according
    here there now soon once finally first second third next last perhaps maybe indeed instead therefore hence moreover
    furthermore otherwise nevertheless consequently eventually initially originally subsequently ultimately certainly
    clearly this that these those what who whom whose which where why how it its he she they we you my your his her their
    our every each all both many most some several few no not never always often sometimes usually the a an behold lo
    yea nay verily wherefore let did do does is was were are be has had have will would shall should can could may might
    must thank thanks dear o oh""".split()
)
# Capitalised words that are not names (so `O Lord`, `In January Lincoln`, `Dear Abraham` do not count as a boundary).
NOT_NAME_WORDS = frozenset(
    """i o a an the and but or nor so yet for if then when while as at by in on of to from with without into onto upon
    january february march april may june july august september october november december monday tuesday wednesday
    thursday friday saturday sunday jr sr""".split()
)
SUFFIXES = re.compile(r"^(?:jr|sr|[ivx]{1,5})\.?,?$", re.IGNORECASE)
# Nouns of things named after people: places, institutions, objects, species, events.
EPONYM_NOUNS = frozenset(
    """school schools college university academy institute institution seminary memorial memorials monument statue bust
    bridge street avenue road boulevard square park parkway highway expressway tunnel center centre hall library museum
    gallery hospital clinic airport station terminal award awards prize prizes medal medals trophy cup lecture lectures
    fellowship fellowships scholarship foundation fund trust society brigade battalion regiment division corps
    ring effect equation equations principle theorem constant paradox conjecture number crater island islands river lake bay
    mountain mount county township parish building tower theatre theater stadium arena field hotel club company corporation
    records complex syndrome disease cipher code class match trail way drive lane place plaza court estate ranch tomb
    expedition collection papers prize-winner laureate laureates doctrine doctrines film films movie movies novel novels
    novelist franchise title titles theme submarine submarines ship ships missile missiles rocket rockets vessel vessels
    carrier mission missions program programme project team band""".split()
)
# `the islands of St. Paul`, `the city of Washington`: a place named after the persona.
EPONYM_BEFORE = re.compile(
    r"\b(?:island|islands|isle|isles|city|town|village|county|province|fort|port|lake|mount|mountains|river|bay|cape|gulf|"
    r"strait|district|state)\s+of\s+$"
)
# `a girlfriend named Madonna`, `a ship called Lincoln`: the name given to someone or something else.
NAMED = re.compile(r"\b(?:a|an|the|his|her|their|its)\s+(?:[\w-]+\s+){0,2}(?:named|called|nicknamed|dubbed|christened)\s+[\"“']?$")
# Words that start the names of places (`Camp David`, `Fort Washington`, `Lake Lincoln`).
PLACE_WORDS = frozenset("camp fort port mount lake cape glen castle point uss hms rms ss".split())  # and ships
# After a possessive `'s`, the nouns of named things only (`Darwin's finches`), not of the person's
# own life (`Lincoln's assassination` is about Lincoln).
POSSESSIVE_EPONYMS = frozenset(
    """finch finches law laws theorem rule principle equation equations constant number paradox conjecture comet disease
    syndrome ring cross razor wager triangle""".split()
)
WORK_BEFORE = re.compile(
    r"(?:\b(?:the|a|an|his|her|their|its|whose)\s+(?:\d{4}\s+)?(?:[a-z-]+\s+)?"
    r"(?:film|movie|novel|novella|opera|operetta|musical|album|song|single|game|video game|episode|series|sitcom|play|ballet|poem)"
    r"|\b(?:premiere of|sequel to|prequel to|remake of|adaptation of|production of|performance of|staging of|revival of|"
    r"version of|screenplay of|soundtrack to|soundtrack of|starred in|starring in|appeared in|role in|roles in|cast of))\s*[\"“']?$"
)
WORK_AFTER = re.compile(r"^[\"”']?\s*\((?:\d{4}\s+)?(?:[a-z]+\s+)?(?:film|movie|novel|play|opera|musical|album|song|game|video game|tv series|series|ballet)\)")
EPITHET_BEFORE = re.compile(r"(?:^|[\s(])(?:a|an|another|every|some|no)\s+(?:(?:modern|latter-day|modern-day|new|second|real|regular|little|young|veritable|sort of)\s+)?$")


# Every word that can end a match of EPONYM_BEFORE, WORK_BEFORE, NAMED or EPITHET_BEFORE (before trailing
# spaces and quotes): a window whose last word is none of these matches none of them, and is not searched.
WINDOW_LAST_WORDS = frozenset(
    """of to in named called nicknamed dubbed christened a an another every some no modern latter-day modern-day new second
    real regular little young veritable film movie novel novella opera operetta musical album song single game episode
    series sitcom play ballet poem""".split()
)


# For a window whose last word is one of these three, the word before it that a window rule can match
# with (`the city of`, `the sequel to`, `starred in`, `a sort of`); no other word before them lets
# any rule match (tests/unit/test_context_clear.py reads the rules' own words to hold this).
WORDS_BEFORE_LAST = {
    "of": frozenset("""island islands isle isles city town village county province fort port lake mount mountains river bay
                     cape gulf strait district state premiere remake adaptation production performance staging revival
                     version screenplay soundtrack cast sort""".split()),
    "to": frozenset("sequel prequel soundtrack".split()),
    "in": frozenset("starred starring appeared role roles".split()),
}


def window_may_match(window: str) -> bool:
    """False when no window rule (EPONYM_BEFORE, WORK_BEFORE, NAMED, EPITHET_BEFORE) can match `window`."""
    stripped = window.rstrip().rstrip("\"“'").rstrip()
    i = len(stripped)
    while i and not (stripped[i - 1].isspace() or stripped[i - 1] == "("):
        i -= 1
    return stripped[i:] in WINDOW_LAST_WORDS


_DASHES = re.compile(r"--|—|–")
_AFTER_PREPOSITION = re.compile(r"\b(?:in|at|from|near|outside|inside|across)\s+$")
_AND_THE_TITLE = re.compile(r" and the [A-Z<]")
_QUOTED_TITLE_GOES_ON = re.compile(r"(?:\s?['’]s)?\s(?:[A-Z]|and\s|&\s)|\s?[\"”]")


def _split_dashes(word: str) -> list[str]:
    """`re.split(r"--|—|–", word)`, without the regex for the words that hold no dash (nearly all)."""
    return _DASHES.split(word) if ("-" in word or "—" in word or "–" in word) else [word]


def _may_open_work_after(rest: str) -> bool:
    """False when WORK_AFTER cannot match `rest`: its first character after one optional quote and any
    whitespace is no `(`."""
    if rest and rest[0] in "\"”'":
        rest = rest[1:]
    return rest.lstrip()[:1] == "("


def _word_before(text: str, start: int) -> tuple[str, int] | None:
    """The word right before `start` when one space separates them, with no punctuation after it
    (`Jackson, Theodore Roosevelt` has none): (word, its start). Of `America--as` it is `as`."""
    if start < 2 or text[start - 1] != " ":
        return None
    i = start - 1
    while i > 0 and not text[i - 1].isspace():
        i -= 1
    word = _split_dashes(text[i : start - 1])[-1]
    if not word or not (word[-1].isalnum() or word[-1] == "."):
        return None
    return word, start - 1 - len(word)


def _word_after(text: str, end: int) -> str | None:
    """The word right after `end` when one space separates them (of `submarines—comprising`, `submarines`)."""
    if end + 1 >= len(text) or text[end] != " ":
        return None
    j = end + 1
    while j < len(text) and not text[j].isspace():
        j += 1
    return _split_dashes(text[end + 1 : j])[0]


def _common_word(text: str, word: str) -> bool:
    """The word also occurs in lower case in the document: a common word capitalised by its place
    (a verse line, a title, a sentence start), not a name (`Polixenes Laugh at me`, `Call Coriolanus`)."""
    core = word.strip("\"“”‘’'(),;:!?.").lower()
    return bool(core) and core.isalpha() and (f" {core} " in text or text.startswith(f"{core} "))


def _bare(word: str) -> str:
    return word.strip("\"“”‘’'(),;:!?").lower()


def _is_name_word(word: str) -> bool:
    """A capitalised word that can be part of a person's name (`Beckham`, `McCartney`, `Irving`)."""
    core = word.strip("\"“”‘’'(),;:!?")
    low = core.lower().rstrip(".")
    return bool(core) and core[0].isupper() and any(c.isalpha() for c in core) and low not in NOT_NAME_WORDS and low not in SENTENCE_OPENERS


def _opens_sentence(text: str, start: int) -> bool:
    """True when the word at `start` opens a sentence (text start, or after . ! ? : ; or a quote/bracket)."""
    before = text[max(0, start - 3) : start].rstrip()
    return not before or before[-1] in ".!?:;\"“(["


def rejection(text: str, start: int, end: int, own_words: frozenset[str], fictional: bool = False) -> str | None:
    """Why the occurrence text[start:end] of an alias is not the persona, or None when it may be.
    `own_words`: lowercase words of the persona's own names and aliases (not its cues: `Monroe
    Doctrine` is a cue of James Monroe but no mention of him). `fictional`: the persona is a fictional
    character, whose name titles works (`Harry Potter and the Half-Blood Prince`; for a historical
    figure, `Lincoln and the Civil War` is prose)."""
    window = text[max(0, start - WINDOW) : start].lower()
    if start >= 2 and text[start - 1] == "-" and text[start - 2].isalpha():
        return NAME_BOUNDARY  # inside a hyphenated name: `Jaish-e-Mohammed`
    after = _word_after(text, end)
    if after is not None:
        bare = _bare(after)
        if bare in EPONYM_NOUNS:
            return EPONYM
        if fictional and bare == "and" and _AND_THE_TITLE.match(text[end : end + 10]):
            return WORK_TITLE  # `Harry Potter and the Half-Blood Prince`
        possessive = text[end : end + 2] in ("'s", "’s")
        if (not possessive and _is_name_word(after) and bare.rstrip(".") not in own_words and not SUFFIXES.match(after.strip("()"))
                and not _common_word(text, after)):
            return NAME_BOUNDARY
    if text[end : end + 2] in ("'s", "’s") or text[end : end + 3] in (" 's", " ’s"):
        noun = _word_after(text, end + (2 if text[end] != " " else 3))
        if noun is not None and _bare(noun) in POSSESSIVE_EPONYMS:
            return EPONYM
    before = _word_before(text, start)
    if before is not None:
        word, at = before
        bare = _bare(word).rstrip(".")
        if bare in PLACE_WORDS:
            return NAME_BOUNDARY
    # A capitalised word before a full name is an epithet or an adjective far more often than another
    # person's first name (`Republican Abraham Lincoln`, `Young Abraham Lincoln`): full names are
    # checked only on their right (`Abraham Lincoln Brigade`, `George Washington Carver`).
    if before is not None and " " not in text[start:end]:
        if (_is_name_word(word) and not word.endswith(".") and bare not in TITLES and bare not in own_words
                and not (_opens_sentence(text, at) and (bare in SENTENCE_OPENERS or _common_word(text, word)))
                and not _AFTER_PREPOSITION.search(text[max(0, at - 12) : at].lower())):
            return NAME_BOUNDARY
    searched = window_may_match(window)  # most windows end in no rule's last word: four searches saved
    if searched and EPONYM_BEFORE.search(window):
        return EPONYM
    quoted = window.endswith(('" ', '“ ', '"', '“'))
    rest = text[end : end + REST]
    if ((searched and WORK_BEFORE.search(window)) or (_may_open_work_after(rest) and WORK_AFTER.match(rest.lower()))
            or (quoted and _QUOTED_TITLE_GOES_ON.match(text[end : end + 6]))):
        # A title in quotes: the name alone (`"Hamlet"`) or going on past it (`"Romeo and Juliet"`,
        # `"James Bond's Greatest Hits"`).
        return WORK_TITLE
    if searched and NAMED.search(window):
        return OTHER_BEARER
    if searched and EPITHET_BEFORE.search(window):
        return EPITHET
    return None


def _article_before(text: str, start: int) -> bool:
    """`the` right before the alias: attributive use (`the Einstein ring`, `the Darwin Awards`)."""
    return text[max(0, start - 4) : start].lower() == "the "
