"""Closed English word lists of the rule layer: speech verbs, agreement nouns, cue phrases.

These describe the *genre* (how news reports agreements, members and quotes), never one
article. World knowledge (countries, organisations, titles, places) lives in ``gazetteer``.
"""

from __future__ import annotations

SPEECH_VERBS = frozenset(
    """said says say told tells added adds stated states declared declares announced announces
    noted notes stressed stresses warned warns explained explains insisted insists argued argues
    urged urges wrote writes tweeted posted asked asks replied replies recalled recalls remarked
    commented comments emphasised emphasized emphasises emphasizes underlined underlines
    affirmed affirms acknowledged acknowledges admitted admits observed observes pointed
    continued continues concluded concludes cautioned cautions predicted predicts
    maintained maintains suggested suggests called calling described describing hailed hailing""".split()
)

AGREEMENT_NOUNS = {
    # head noun -> kind recorded on the agreement
    "alliance": "alliance", "alliances": "alliance",
    "pact": "pact", "pacts": "pact",
    "partnership": "partnership", "partnerships": "partnership",
    "coalition": "coalition", "coalitions": "coalition",
    "treaty": "treaty", "treaties": "treaty",
    "agreement": "agreement", "agreements": "agreement",
    "accord": "accord", "accords": "accord",
    "convention": "convention",
    "memorandum": "memorandum of understanding", "mou": "memorandum of understanding",
    "declaration": "declaration",
    "charter": "charter",
    "compact": "compact",
    "deal": "deal",
    "initiative": "initiative",
    "protocol": "protocol",
    "framework": "framework",
    "arrangement": "arrangement",
    "alliance's": "alliance",
}

# Nouns that are too generic to stand alone as a new agreement without a modifier or name.
WEAK_AGREEMENT_NOUNS = frozenset({"agreement", "deal", "initiative", "framework", "arrangement",
                                  "protocol", "declaration", "charter", "convention", "compact"})

LAUNCH_VERBS = {
    "launched": "launch", "launch": "launch", "launches": "launch", "launching": "launch",
    "unveiled": "launch", "unveil": "launch", "unveils": "launch",
    "formed": "launch", "form": "launch", "forms": "launch", "forming": "launch",
    "created": "launch", "create": "launch", "creates": "launch", "creating": "launch",
    "established": "launch", "establish": "launch", "establishes": "launch",
    "founded": "launch", "set": "launch", "inaugurated": "launch", "started": "launch",
    "signed": "signing", "sign": "signing", "signs": "signing", "signing": "signing",
    "inked": "signing", "sealed": "signing", "concluded": "signing", "struck": "signing",
    "agreed": "signing", "adopted": "signing", "ratified": "signing", "endorsed": "signing",
    "finalised": "signing", "finalized": "signing",
}

JOIN_VERBS = frozenset("""joined join joins joining backed back backs ratified ratify
    endorsed endorse acceded accede signed sign signs""".split())

MEMBER_NOUNS = frozenset("""member members signatory signatories party parties founder founders
    participant participants""".split())

OBSERVER_WORDS = frozenset({"observer", "observers", "observer status"})
PARTNER_WORDS = frozenset({"partner", "partners"})

NEGATION_PATTERNS = (
    r"\bdid not (?:sign|join|ratify|endorse|back|take part)",
    r"\bdidn't (?:sign|join|ratify|endorse|back|take part)",
    r"\bhas not (?:signed|joined|ratified)", r"\bhave not (?:signed|joined|ratified)",
    r"\bhad not (?:signed|joined|ratified)", r"\bhaven't (?:signed|joined)", r"\bhasn't (?:signed|joined)",
    r"\bnot (?:yet )?(?:signed|joined|ratified)", r"\bdeclined to (?:sign|join|take part|participate)",
    r"\brefused to (?:sign|join|take part|participate)", r"\bstayed out\b", r"\bopted out\b",
    r"\bpulled out\b", r"\bwithdrew\b", r"\bwithdrawn\b", r"\bboycott", r"\bwill not (?:sign|join)",
    r"\bwon't (?:sign|join)", r"\bare not (?:members|signatories|part)", r"\bis not (?:a member|a signatory|part)",
    r"\bnot among\b", r"\babsent\b", r"\bnotably absent\b", r"\bkept out\b", r"\bheld out\b",
    r"\bdeclined\b", r"\brejected\b", r"\bturned down\b", r"\bsat out\b", r"\bsitting out\b",
)

INVITEE_PATTERNS = (r"\binvited\b", r"\binvitation\b")

EXCEPT_WORDS = ("except", "excluding", "apart from", "other than", "with the exception of", "but not", "save for")

MEMBER_CUE_PATTERNS = (
    r"\bmembers?\b", r"\bsignator(?:y|ies)\b", r"\binclud(?:e|es|ed|ing)\b", r"\bcompris(?:e|es|ed|ing)\b",
    r"\bconsists? of\b", r"\balong with\b", r"\bjoined\b", r"\bjoin\b", r"\bjoins\b", r"\bsigned\b",
    r"\bsign\b", r"\bsigns\b", r"\blaunched\b", r"\bformed\b", r"\bcreated\b", r"\bset up\b",
    r"\bfounded\b", r"\bestablished\b", r"\bratified\b", r"\bbacked\b", r"\bendorsed\b",
    r"\bagreed\b", r"\binked\b", r"\bsealed\b", r"\bunveiled\b", r"\bparties\b", r"\bacceded\b",
    r"\bfounding\b", r"\bparticipants?\b", r"\bpart of\b", r"\btogether with\b", r"\bas well as\b",
    r"\bbring(?:s)? together\b", r"\bbrought together\b", r"\bunites?\b", r"\bgroups?\b",
)

COMMITMENT_CUES = (
    r"\b(?:aims?|goals?|objectives?|purposes?|priorities|priority|missions?|targets?)\b[^.;]{0,60}?\b(?:is|are|was|were|include|includes|included)\s+to\s+",
    r"\b(?:aims?|aimed|aiming|seeks?|sought|seeking|intends?|intended|plans?|planned|hopes?|wants?)\s+to\s+",
    r"\b(?:committed|commits?|commitment|pledged?|pledges|promised?|promises|vowed?|vows|undertook|undertake|undertakes|resolved|agreed|agrees?|agreeing|decided|set out|sets out|will work|working|work together|promising|pledging|committing)\s+to\s+",
    r"\b(?:designed|meant|intended|expected)\s+to\s+",
    r"\b(?:effort|bid|drive|campaign|plan|scheme|programme|program|mechanism)s?\s+to\s+",
    r"\b(?:commits?|obliges?|requires?|binds?)\s+(?:[\w'’-]+\s+){1,4}?to\s+",
    r"^(?:[^.;\"“”]{0,80}?\b(?:said|says|added|announced|stated)\s+(?:that\s+)?)?(?:the|this|that)\s+(?:[\w-]+\s+){0,3}?(?:alliance|pact|partnership|coalition|treaty|agreement|accord|deal|initiative|memorandum|declaration|framework|compact|charter|convention|protocol)\b[^.;]*?\b(?:will|would|is to|are to)\s+(?=[a-z])",
    r"\bunder the (?:[a-z-]+ ){0,3}(?:alliance|pact|partnership|coalition|treaty|agreement|accord|deal|initiative|memorandum|declaration|framework|compact|charter|convention|protocol)\b,?\s+(?=[a-z])",
    r"\bcalls? for\s+",
    r"\bcalled for\s+",
)

BASE_VERBS = frozenset("""make ensure create establish increase reduce cut share improve strengthen
    boost promote develop expand eliminate remove protect support provide build set launch combat
    fight tackle end halt stop prevent coordinate invest raise lower double triple halve open allow
    help work train deploy hold meet exchange harmonise harmonize adopt implement phase restore bring
    identify prosecute investigate monitor curb limit cap reach achieve deliver fund finance facilitate
    enhance expand extend step boost pool conduct carry crack clamp root stamp wipe rebuild reform
    modernise modernize upgrade track trace detect dismantle disrupt seize return resettle protect
    offer give grant guarantee accelerate speed simplify streamline lift scrap abolish waive mobilise
    mobilize secure defend patrol guard host organise organize create draft negotiate review publish
    report respond rescue reduce tighten introduce require oblige commit pledge initiate""".split())

EVENT_NOUNS = {
    "press conference": "press conference", "news conference": "press conference",
    "joint press conference": "press conference", "joint news conference": "press conference",
    "press briefing": "press conference", "briefing": "press conference",
    "summit": "summit", "meeting": "meeting", "talks": "talks", "visit": "visit",
    "ceremony": "ceremony", "signing ceremony": "signing", "conference": "conference",
    "negotiations": "talks", "forum": "meeting", "session": "meeting",
}

STOP_WORDS = frozenset("""a an the this that these those its their his her our your my of in on at
    for to with by from as and or but nor so yet is are was were be been being has have had do does
    did will would shall should can could may might must not no it they he she we you i which who
    whom whose what when where why how than then also such other another some any all each every
    both either neither more most many much few several new""".split())

DETERMINERS = frozenset("""a an the this that these those its their his her our your my new""".split())

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}

WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
            "saturday": 5, "sunday": 6}

DATE_WORDS = frozenset(MONTHS) | frozenset(WEEKDAYS)
"""Month and weekday names (lower case): a capitalised word that starts a date, not a name."""

PRONOUNS = {"he": "male", "she": "female", "they": None, "him": "male", "her": "female"}

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "dozen": 12, "a": 1, "an": 1,
}

SCALE_WORDS = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
               "trillion": 1_000_000_000_000, "bn": 1_000_000_000, "m": 1_000_000, "k": 1_000,
               "mn": 1_000_000, "tn": 1_000_000_000_000}

CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
CURRENCY_WORDS = {"dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR",
                  "pounds": "GBP", "yen": "JPY", "yuan": "CNY", "rupees": "INR", "francs": "CHF"}
