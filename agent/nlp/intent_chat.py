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
_THANKS = pattern(
    r"^(?:(?:ok(?:ay)?|great|perfect|awesome|cool|nice|brilliant|lovely|super|excellent|wonderful"
    r"|amazing|fantastic|sweet|good|got\s+it)[,!.\s]+)?(?:thanks?(?:\s+(?:a\s+lot|so\s+much|again"
    r"|very\s+much|a\s+bunch|a\s+million|heaps))?|thank\s+(?:you|u)(?:\s+(?:so\s+much|very\s+much"
    r"|again|a\s+lot))?|thx|ty|tysm|cheers|ta|much\s+appreciated|appreciate\s+it|many\s+thanks)"
    r"(?:[,!.\s]+(?:mate|buddy|so\s+much|a\s+lot|again|you'?re\s+the\s+best|that'?s\s+great"
    r"|bot|assistant))*[!.\s]*$"
)
_GREETING = pattern(
    r"^(?:hi|hello|hey|hiya|howdy|yo|heya|hey\s+there|hi\s+there|hello\s+there|greetings|sup"
    r"|what'?s\s+up|good\s+(?:morning|afternoon|evening|day)|morning|evening|g'?day)"
    r"(?:[,!.\s]+(?:there|again|mate|buddy|friend|bot|assistant|to\s+you))*[!.\s]*$"
)
_HOW_ARE_YOU = pattern(
    r"^(?:(?:hi|hello|hey)[,!\s]+)?(?:how\s+(?:are|r)\s+(?:you|u|ya)(?:\s+doing)?(?:\s+today)?"
    r"|how'?s\s+it\s+going|how\s+is\s+it\s+going|how\s+are\s+things)[?!.\s]*$"
)
_BYE = pattern(
    r"^(?:bye|goodbye|good\s+night|night|see\s+(?:you|ya)(?:\s+later)?|later|cya|ttyl"
    r"|have\s+a\s+good\s+(?:one|day|night))[!.\s]*$"
)
_ACK = pattern(
    r"^(?:lol|lmao|haha+|hehe+|ha|nice|cool|great|awesome|perfect|neat|sweet|wow|oh|ah|hmm+|ok+"
    r"|okay|k|kk|alright|all\s+right|got\s+it|gotcha|understood|noted|fine|good|great\s+job"
    r"|well\s+done|good\s+job|nice\s+one|love\s+it|sounds\s+good|np|no\s+worries|no\s+problem"
    r"|you'?re\s+(?:the\s+best|awesome|great)|good\s+bot|omg|yay|woohoo|sure\s+thing)"
    r"(?:[,!.\s]+(?:lol|haha+|thanks?|then|cool|great))*[!.?\s]*$"
)


def small_talk_reply(s: str) -> str | None:
    """A short friendly answer to a message that asks for nothing, or None."""
    bare = _EMOJI.sub("", s).strip()
    if not bare and s.strip():
        return "😊 Anything you'd like me to add or check?"
    if _THANKS.match(bare):
        return "You're welcome! 😊"
    if _HOW_ARE_YOU.match(bare):
        return "All good here, thanks! What can I do for you: add a task, or check your list?"
    if _GREETING.match(bare):
        return "Hi! What would you like to get done? For example: 'add buy milk tomorrow at 5pm'."
    if _BYE.match(bare):
        return "Bye for now! Your tasks will be here when you're back."
    if _ACK.match(bare):
        return "👍 Anything else?"
    return None


def _small_talk(s: str, now: datetime) -> Intent | None:
    reply = small_talk_reply(s)
    return SmallTalk(reply=reply) if reply else None


# ------------------------------------------------------------------------------ undo
_UNDO = pattern(
    r"^(?:(?:oops|oh\s+no|whoops|wait|no|ugh|actually|sorry|hmm)[,!.\s]+)*(?:please\s+)?"
    r"(?:undo|revert|roll\s*back|reverse|take\s+back|go\s+back\s+on)"
    r"(?:\s+(?:that|this|it|the\s+last\s+(?:one|change|thing|action|step)|my\s+last\s+"
    r"(?:change|action|step|command)|last(?:\s+(?:change|action|step))?|what\s+(?:you|i)\s+"
    r"(?:just\s+)?did|the\s+(?:last\s+)?(?:change|action)|everything\s+you\s+just\s+did))?"
    r"(?:[,!.\s]+please)?[!.\s]*$"
    r"|^(?:undo|ctrl[\s+-]*z)[!.\s]*$"
    r"|^(?:put\s+it\s+back|change\s+it\s+back|restore\s+(?:it|that)|bring\s+(?:it|that)\s+back)"
    r"(?:\s+please)?[!.\s]*$"
)


def _undo(s: str, now: datetime) -> Intent | None:
    return Undo() if _UNDO.match(s) else None


# ------------------------------------------------------------- another language
# the commonest short words of each language that English does not use; two of them in a
# message of few other words is another language (a foreign word in a title is one word)
_FOREIGN_WORDS = {
    "German": "ich und nicht ist mit für bitte morgen heute einen eine einkaufen erinnere mich"
    " kaufen der die das den dem zum zur wir sie ihr mein meine muss kannst du noch auch"
    " aufgabe aufgaben termin uhr nächste woche anrufen hallo danke",
    "Spanish": "el los las que por para mañana hoy recuérdame recuerdame comprar con una mi"
    " tengo necesito llamar tarea tareas hola gracias semana próximo próxima lunes martes"
    " favor qué cuáles mis pendientes añade añadir agrega",
    "French": "les des et pour demain aujourd'hui rappelle-moi rappelle moi acheter une je"
    " est avec mon ma mes dois appeler tâche tâches bonjour merci semaine prochain prochaine"
    " lundi ajoute ajouter quelles sont s'il plaît vous",
    "Italian": "il gli che per domani oggi ricordami comprare con una mio mia devo chiamare"
    " compito compiti ciao grazie settimana prossima lunedì aggiungi quali sono",
    "Portuguese": "os que por para amanhã hoje lembre-me lembrar comprar com uma meu minha"
    " preciso ligar tarefa tarefas olá obrigado obrigada semana próxima segunda adicionar",
    "Dutch": "ik en niet is met voor morgen vandaag herinner me kopen een mijn moet bellen"
    " taak taken hallo bedankt dank je week volgende maandag toevoegen",
}
_ENGLISH_TOO = frozenset({"a", "an", "to", "me", "is", "in", "for", "on", "with", "my", "do", "it"})
_FOREIGN = {
    lang: {w for w in words.split() if w not in _ENGLISH_TOO}
    for lang, words in _FOREIGN_WORDS.items()
}
_NON_LATIN = re.compile(
    r"[\u0400-\u04ff\u0590-\u06ff\u0900-\u0dff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"
)


def other_language(s: str) -> str | None:
    """The language a message seems to be written in, when it is clearly not English."""
    letters = [c for c in s if c.isalpha()]
    if letters and sum(1 for c in letters if _NON_LATIN.match(c)) > len(letters) / 2:
        return "another language"
    words = re.findall(r"[^\W\d_]+(?:['-][^\W\d_]+)?", s.lower())
    if len(words) < 2:
        return None
    best, hits = None, 0
    for lang, vocab in _FOREIGN.items():
        n = sum(1 for w in words if w in vocab)
        if n > hits:
            best, hits = lang, n
    if best is not None and hits >= 2 and hits * 3 >= len(words):
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
