"""Intent family "chat": yes/no to a pending question, help, the user's time zone."""

from __future__ import annotations

import re
from datetime import datetime

from agent.nlp.cues import POLITE, pattern
from agent.nlp.decision import Rule
from agent.nlp.intents import (
    Confirm,
    Help,
    Intent,
    OtherLanguage,
    SetTimezone,
    SmallTalk,
    Undo,
    Unknown,
)
from agent.nlp.timezones import resolve_timezone

_YES = pattern(
    r"^(?:yes|y|yeah|yea|yep|yup|ya|sure|ok|okay|k|confirm|confirmed|do it|go ahead|please do"
    r"|absolutely|correct|right|affirmative|of course|definitely|yes please|sure thing"
    r"|that's right|sounds good|proceed|delete it|yes do it|yes delete it)"
    r"(?:[,\s]+(?:please|do it|go ahead|thanks|thank you|delete it))*[.!\s]*$"
)
_NO = pattern(
    r"^(?:no|n|nope|nah|cancel|don't|dont|do not|never ?mind|stop|abort|no thanks|not now"
    r"|forget it|don't do it|no way|negative|keep it|leave it)"
    r"(?:[,\s]+(?:thanks|thank you|cancel|don't|keep it|never ?mind))*[.!\s]*$"
)
_HELP = pattern(
    r"^(?:help|\?+|what can you do|what do you do|how does this work|how do i use (?:this|you)"
    r"|commands|what can i say|usage|menu|instructions|hi|hello|hey|start|/help|/start)"
    r"(?:\s+me)?[?!.\s]*$"
)
_TZ = [
    pattern(r"^(?:my\s+)?(?:time\s*zone|tz)\s+(?:is|=|:)\s*(?P<tz>.+)$"),
    pattern(
        rf"^{POLITE}(?:set|change|update|switch|use)\s+(?:my\s+|the\s+)?(?:time\s*zone|tz)"
        r"\s*(?:to|as|=|:)?\s*(?P<tz>.+)$"
    ),
    pattern(
        r"^(?:i'?m|i\s+am|i\s+live|i'?m\s+living|i\s+moved)\s+(?:now\s+)?(?:in|to)\s+(?P<tz>.+?)"
        r"(?:\s+(?:now|time\s*zone))?$"
    ),
    pattern(r"^(?:use|switch\s+to)\s+(?P<tz>.+?)\s+time$"),
]


def _confirm(s: str, now: datetime) -> Intent | None:
    if _YES.match(s):
        return Confirm(yes=True)
    if _NO.match(s):
        return Confirm(yes=False)
    return None


def _help(s: str, now: datetime) -> Intent | None:
    return Help() if _HELP.match(s) else None


def _timezone(s: str, now: datetime) -> Intent | None:
    for i, rx in enumerate(_TZ):
        m = rx.match(s)
        if m:
            key = resolve_timezone(m.group("tz"))
            if key is not None:
                return SetTimezone(tz=key)
            if i < 2:
                return Unknown(text=s)
    return None


# ------------------------------------------------------------------------ small talk
_EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f000-\U0001f2ff\u200d\ufe0f\u2b50\u2764]"
)


_EMOTICON = re.compile(
    r"(?:[:;=8x]-?[)(\]\[dpo3/|*]+|<3+|\^_?\^|\bxd+\b|¯\\_\(ツ\)_/¯)", re.IGNORECASE
)
# a message made only of these words asks for nothing; which group it leans to picks the answer
_TALK = {
    "thanks": "thanks thank thanx thnx thx ty tysm tyvm cheers ta appreciated appreciate grateful"
    " kindly",
    "how": "how how's hows doing going",
    "greet": "hi hello hey hiya howdy yo heya hullo greetings sup morning afternoon evening gday"
    " g'day hallo up",
    "bye": "bye goodbye byebye cya ttyl later night goodnight farewell soon",
    "ack": "lol lmao rofl haha hahaha hahah hehe heh ha nice cool great awesome perfect neat"
    " sweet wow woah whoa oh ah ahh aha hmm hmmm ok okay okey k kk alright got gotcha understood"
    " noted fine good well love sounds np worries problem omg yay woohoo sure brilliant amazing"
    " fantastic lovely super wonderful excellent splendid grand right true yep yeah yup indeed"
    " agreed makes sense wicked dope ikr lovely legend champion star rock rocks best helpful"
    " job one thing works working worked",
    "filler": "you u ya so much very a lot again many mate buddy man dude friend bot assistant"
    " done see there the to is it that all everyone guys this are things today i i'm im am"
    " have day care"
    " take for your you're youre what's whats what and just really too",
}
_TALK_WORDS = {g: set(words.split()) for g, words in _TALK.items()}
_ALL_TALK = set().union(*_TALK_WORDS.values())


def small_talk_reply(s: str) -> str | None:
    """A short friendly answer to a message that asks for nothing, or None."""
    bare = _EMOTICON.sub(" ", _EMOJI.sub(" ", s)).strip()
    if not re.search(r"[^\W\d_]", bare):
        return "😊 Anything you'd like me to add or check?" if s.strip() else None
    words = re.findall(r"[a-z']+", bare.lower().replace("\u2019", "'"))
    if not words or len(words) > 10 or any(w not in _ALL_TALK for w in words):
        return None
    if not any(w not in _TALK_WORDS["filler"] for w in words):
        return None  # "you", "so what": nothing small-talky in it
    has = {g for g, vocab in _TALK_WORDS.items() if any(w in vocab for w in words)}
    if "thanks" in has:
        return "You're welcome! 😊"
    if "how" in has and ({"you", "u", "ya", "going", "things"} & set(words)):
        return "All good here, thanks! What can I do for you: add a task, or check your list?"
    if "bye" in has or (
        {"see", "take"} & set(words) and {"soon", "later", "care", "ya"} & set(words)
    ):
        return "Bye for now! Your tasks will be here when you're back."
    if "greet" in has or words[:2] in (["good", "day"], ["what's", "up"], ["whats", "up"]):
        return "Hi! What would you like to get done? For example: 'add buy milk tomorrow at 5pm'."
    if "ack" in has:
        return "👍 Anything else?"
    return None


def _small_talk(s: str, now: datetime) -> Intent | None:
    reply = small_talk_reply(s)
    return SmallTalk(reply=reply) if reply else None


# ------------------------------------------------------------------------------ undo
_UNDO = pattern(
    r"^(?:(?:oops|oh\s+no|whoops|wait|no|ugh|actually|sorry|hmm|never\s*mind)[,!.\s]+)*"
    r"(?:(?:please|pls|can\s+you|could\s+you|would\s+you|just)\s+)*"
    r"(?:undo|revert|roll\s*back|reverse|take\s+back|go\s+back\s+on)"
    r"(?:\s+(?:that|this|it|the\s+last\s+(?:one|change|thing|action|step)|my\s+last\s+"
    r"(?:change|action|step|command)|last(?:\s+(?:change|action|step))?|what\s+(?:you|i)\s+"
    r"(?:just\s+)?did|the\s+(?:last\s+)?(?:change|action)|everything\s+you\s+just\s+did"
    r"|(?:the\s+|that\s+|my\s+)?(?:last\s+)?(?:delete|deletion|completion|edit|add|addition"
    r"|update|move|rename|change|bulk\s+\w+)))?"
    r"(?:[,!.\s]+please)?(?:\s*[,;\u2013\u2014-]\s*(?:it|that|this|i|you)\b[^,;]{0,50})?[!.\s]*$"
    r"|^(?:undo|ctrl[\s+-]*z)[!.\s]*$"
    r"|^(?:put\s+it\s+back|change\s+it\s+back|restore\s+(?:it|that)|bring\s+(?:it|that)\s+back"
    r"|take\s+(?:that|it|this)\s+back|(?:set|make)\s+it\s+(?:back\s+)?(?:how|like)\s+it\s+was"
    r"|go\s+back|revert\s+(?:it|that)\s+back)"
    r"(?:\s+please)?[!.\s]*$"
)


def _undo(s: str, now: datetime) -> Intent | None:
    return Undo() if _UNDO.match(s) else None


# ------------------------------------------------------------- another language
# the commonest short words of each language that English does not use; two of them in a
# message of few other words is another language (a foreign word in a title is one word)
_FOREIGN_WORDS = {
    "German": "ich und nicht ist mit für bitte morgen heute einen eine einem einen kaufen der"
    " das dem des zum zur wir sie ihr mein meine meinen meiner muss soll habe hast kannst du noch"
    " auch aufgabe aufgaben termin termine uhr nächste nächsten woche anrufen hallo danke"
    " tschüss guten abend erinnere erinnerung mich dich mir dir zeige zeig alle erledigt machen"
    " montag dienstag mittwoch donnerstag freitag samstag sonntag wie wann wo warum löschen"
    " lösche hinzufügen füge steht heute was's gibt milch brot mutter vater",
    "Spanish": "el los las que por para mañana hoy recuérdame recuerdame recordar comprar llamar"
    " pagar tengo tienes necesito quiero hacer tarea tareas lista hola gracias adiós buenos"
    " buenas días semana próxima próximo lunes martes miércoles jueves viernes sábado domingo"
    " qué cuál cuáles cuándo dónde favor borrar eliminar elimina añade añadir agrega agregar"
    " mostrar muestra todas todos pendientes mis madre padre leche pan una del y en está",
    "French": "les des et pour demain aujourd'hui soir matin rappelle rappelle-moi rappeler"
    " acheter appeler payer faire dois tâche tâches liste bonjour salut merci revoir semaine"
    " prochaine prochain lundi mardi mercredi jeudi vendredi samedi dimanche qu'est-ce quoi"
    " quand supprime supprimer ajoute ajouter montre afficher toutes tous lait pain mère père"
    " je vous nous avec une du au aux mes suis sont qu'est d'acheter s'il plaît",
    "Italian": "il gli che per domani oggi ricordami ricorda comprare chiamare devo mia mio ciao"
    " grazie settimana prossima prossimo cosa fare latte mamma della alla sono ho lunedì"
    " martedì mercoledì giovedì venerdì sabato domenica aggiungi elimina mostra compiti",
    "Portuguese": "amanhã hoje lembre lembre-me lembrar ligar comprar minha meu preciso tenho"
    " tarefa tarefas olá obrigado obrigada semana próxima próximo mãe pai leite pão fazer"
    " uma com para segunda terça quarta quinta sexta sábado domingo adicionar apagar",
    "Dutch": "ik en niet met voor morgen vandaag herinner kopen een mijn moet bellen taak taken"
    " hallo bedankt dank je week volgende maandag dinsdag woensdag donderdag vrijdag zaterdag"
    " zondag toevoegen verwijder laat zien wat het de tandarts",
}
# English words (and weekday, time-zone abbreviations) that these languages spell alike
_ENGLISH_TOO = frozenset(
    {"a", "an", "to", "me", "is", "in", "for", "on", "with", "my", "do", "it", "was", "die",
     "am", "bin", "tag", "den", "also", "hat", "will", "so", "man", "war", "fast", "hell",
     "gift", "son", "con", "no", "as", "o", "mon", "tu", "est", "ma", "ta", "pour", "the", "de",
     "la", "te", "se", "mi", "il", "es", "at", "be", "he", "we", "us", "or", "pan", "hay", "ho",
     "sale", "come", "dare", "fare", "ore", "week", "wat", "het", "en", "hallo"}
)  # fmt: skip
_FOREIGN = {
    lang: {w for w in words.split() if w not in _ENGLISH_TOO}
    for lang, words in _FOREIGN_WORDS.items()
}
_NON_LATIN = re.compile(
    r"[\u0400-\u04ff\u0590-\u06ff\u0900-\u0dff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"
)
_ACCENTED = re.compile(r"[äöüßéèêàâçñãõìòùíóúá¿¡œ]")


def other_language(s: str) -> str | None:
    """The language a message seems to be written in, when it is clearly not English: two
    or more of a language's common words (or accented words) making up a third of it."""
    letters = [c for c in s if c.isalpha()]
    if letters and sum(1 for c in letters if _NON_LATIN.match(c)) > len(letters) / 2:
        return "another language"
    words = re.findall(r"[^\W\d_]+(?:['-][^\W\d_]+)*", s.lower().replace("\u2019", "'"))
    if len(words) < 2:
        return None
    accented = sum(1 for w in words if _ACCENTED.search(w))
    best, hits = None, 0
    for lang, vocab in _FOREIGN.items():
        n = sum(1 for w in words if w in vocab or any(p in vocab for p in re.split(r"['-]", w)))
        if n > hits:
            best, hits = lang, n
    if best is not None and hits >= 2 and (hits + accented) * 3 >= len(words) * 1:
        return best
    return None


def _other_language(s: str, now: datetime) -> Intent | None:
    lang = other_language(s)
    return OtherLanguage(language=lang) if lang else None


RULES: tuple[Rule, ...] = (
    Rule("chat.confirm", 1.0, _confirm),
    Rule("chat.other_language", 0.99, _other_language),
    Rule("chat.undo", 0.97, _undo),
    Rule("chat.small_talk", 0.96, _small_talk),
    Rule("chat.help", 0.95, _help),
    Rule("chat.timezone", 0.9, _timezone),
)
