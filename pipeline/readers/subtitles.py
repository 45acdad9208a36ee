"""Subtitle files from transcription tools (.vtt, .srt) turned into speaker turns.

Tools cut speech into cues of a few seconds; researchers think in turns. Consecutive cues of one
speaker become one line "Name: text", whose start time is kept in ``line_timestamps``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import InputError
from pipeline.model import Document

from .common import ReaderConfig, base_metadata, doc_id_base, format_timestamp, read_bytes
from .text import decode_bytes, normalise_text, one_line

_VOICE_RE = re.compile(r"<v(?:\.[\w-]+)*[ \t]+([^>]*?)\s*>")
_TAG_RE = re.compile(r"<[^>]*>|\{\\[^}]*\}")  # cue tags (<i>, <c.x>, </v>) and ASS codes ({\an8})
# "Name:" at the start of a cue: up to four words, each capitalised or a number, except the
# particles of Dutch surnames; so "Jan de Vries:" and "SPEAKER_01:" count, "ik dacht:" does not.
_PREFIX_RE = re.compile(
    r"^\s*(?P<label>[^\W\d_][\w.'\u2019-]*(?:[ ][\w.'\u2019-]+){0,3})\s*:\s+(?P<rest>.*)$",
    re.DOTALL)
_PARTICLES = {"van", "de", "der", "den", "het", "ter", "ten", "te", "in", "op", "'t", "la", "le",
              "von", "du", "da", "dos"}
# "[Spreker 1] tekst", "[Anna de Vries]: tekst": the bracketed-name convention of caption tools
_BRACKET_RE = re.compile(r"^\s*\[(?P<label>[^\[\]\n]{1,40})\]\s*:?\s+(?P<rest>\S.*)$", re.DOTALL)
# ">> " opens a new speaker's cue in broadcast captions: a mark, not speech
_CHEVRONS_RE = re.compile(r"^\s*>>+\s*")
# Bracketed sounds and marks at the start of a cue are not speakers ("[Lacht] Nou ...").
_NOT_SPEAKERS = {"lacht", "lachen", "gelach", "muziek", "stilte", "pauze", "zucht", "applaus",
                 "onverstaanbaar", "onhoorbaar", "onduidelijk", "geluid", "achtergrondgeluid",
                 "naam", "plaats", "organisatie", "instelling", "datum", "music", "laughter",
                 "applause", "inaudible", "silence", "crosstalk"}
_SRT_TIMING_RE = re.compile(
    r"^\s*(\d+:\d{1,2}:\d{1,2}(?:[,.]\d{1,3})?)\s*-->\s*(\d+:\d{1,2}:\d{1,2}(?:[,.]\d{1,3})?)")


@dataclass
class _Turn:
    speaker: str | None
    start: str | None
    texts: list[str] = field(default_factory=list)


def read_subtitles(path: Path, config: ReaderConfig, root: Path | None) -> list[Document]:
    """Read a .vtt (webvtt-py) or .srt (own tolerant parser) file as one transcript document."""
    data = read_bytes(path, config.max_bytes)
    raw, encoding = decode_bytes(data, path, config)
    raw = normalise_text(raw)
    is_vtt = path.suffix.lower() == ".vtt"
    if is_vtt:
        cues, title = _parse_vtt(raw, path)
    else:
        cues, title = _parse_srt(raw, path), None
    turns = _merge_turns(cues, html_escaped=is_vtt,  # only WebVTT escapes '<' and '&'
                         bracketed=_bracketed_speakers(cues))
    if not turns:
        raise InputError(path, "The subtitle file contains no text.")
    lines: list[str] = []
    timestamps: dict[int, str] = {}
    speakers: list[str] = []
    for index, turn in enumerate(turns):
        body = " ".join(turn.texts)
        lines.append(f"{turn.speaker}: {body}" if turn.speaker else body)
        if turn.start:
            timestamps[index] = turn.start
        if turn.speaker and turn.speaker not in speakers:
            speakers.append(turn.speaker)
    metadata = base_metadata(path, encoding=encoding, title=title)
    metadata["speakers"] = speakers
    metadata["line_timestamps"] = timestamps
    return [Document(doc_id=doc_id_base(path, root), source=str(path), text="\n".join(lines),
                     metadata=metadata)]


def _parse_vtt(raw: str, path: Path) -> tuple[list[tuple[str | None, str]], str | None]:
    """Cues as (start hh:mm:ss, raw cue text) with webvtt-py; identifiers and settings dropped."""
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    try:
        captions = webvtt.WebVTT.from_string(raw)
    except MalformedFileError:
        raise InputError(path, "The file is not a valid WebVTT file (it must start with "
                               "'WEBVTT').") from None
    except MalformedCaptionError:
        raise InputError(path, "The subtitle file has a malformed cue (invalid timestamp or "
                               "setting).") from None
    # "WEBVTT - Title" by convention; header_text is missing in older webvtt-py releases.
    title = getattr(captions, "header_text", "").strip(" \t-\u2013") or None
    return [(format_timestamp(c.start), c.raw_text) for c in captions.captions], title


def _parse_srt(raw: str, path: Path) -> list[tuple[str | None, str]]:
    """Cues of a SubRip file, tolerating missing cue numbers, settings and blank lines in cues."""
    cues: list[tuple[str | None, list[str]]] = []
    for line in raw.split("\n"):
        timing = _SRT_TIMING_RE.match(line)
        if timing is None:
            if cues:
                cues[-1][1].append(line)
            elif line.strip() and not line.strip().isdigit():
                raise InputError(path, "The subtitle file is malformed: text before the first cue "
                                       "timing line.")
            continue
        start = format_timestamp(timing.group(1))
        if start is None or format_timestamp(timing.group(2)) is None:
            raise InputError(path, "The subtitle file has a malformed cue (invalid timestamp).")
        if cues:
            previous = cues[-1][1]
            while previous and not previous[-1].strip():
                previous.pop()
            if previous and previous[-1].strip().isdigit():  # the number of this cue
                previous.pop()
        cues.append((start, []))
    if not cues:
        raise InputError(path, "The subtitle file is malformed: no cue timing lines "
                               "('00:00:01,000 --> 00:00:02,000') were found.")
    return [(start, "\n".join(lines)) for start, lines in cues]


def _bracketed_speakers(cues: list[tuple[str | None, str]]) -> set[str]:
    """Names that cues open with in brackets, taken as speakers only where it is a conversation:
    two or more names, each opening two or more cues, that look like names and not like the
    anonymisation placeholders ("[Naam]") or sounds ("[Lacht]") that transcripts bracket too."""
    opening: dict[str, int] = {}
    for _, cue_text in cues:
        match = _BRACKET_RE.match(_TAG_RE.sub("", cue_text))
        label = match.group("label").strip() if match else ""
        if _looks_like_name(label):
            opening[label] = opening.get(label, 0) + 1
    named = {label for label, n in opening.items() if n >= 2}
    return named if len(named) >= 2 else set()


def _name_shaped(label: str) -> bool:
    """Capitalised words or numbers, besides the particles of Dutch surnames ("Jan de Vries",
    "SPEAKER_01", "Spreker 2"); the first word capitalised."""
    words = label.split()
    return bool(words) and words[0][0].isupper() and all(
        word[0].isupper() or word[0].isdigit() or word.lower() in _PARTICLES for word in words)


def _looks_like_name(label: str) -> bool:
    return _name_shaped(label) and label.lower() not in _NOT_SPEAKERS


def _segments(cue_text: str, html_escaped: bool, bracketed: set[str] = frozenset()) -> list[tuple[str | None, str]]:
    """Split one cue into (speaker, one-line text) parts at voice tags, a 'Name:' prefix or a
    bracketed name from ``bracketed``."""
    parts = _VOICE_RE.split(cue_text)
    segments: list[tuple[str | None, str]] = []
    # parts: [text before any voice tag, name1, text1, name2, text2, ...]
    for speaker, chunk in [(None, parts[0]), *zip(parts[1::2], parts[2::2], strict=True)]:
        text = _TAG_RE.sub("", chunk)
        if html_escaped:
            text = html.unescape(text)
        text = _CHEVRONS_RE.sub("", one_line(text))
        label = one_line(speaker) if speaker else None
        if label is None and bracketed:
            match = _BRACKET_RE.match(text)
            if match and match.group("label").strip() in bracketed:
                label, text = match.group("label").strip(), match.group("rest").strip()
        if label is None:
            label, text = _split_prefix(text)
        if text:
            segments.append((label or None, text))
    return segments


def _split_prefix(text: str) -> tuple[str | None, str]:
    """Take a 'Name: ' speaker label off the front of a cue, if it looks like a name."""
    match = _PREFIX_RE.match(text)
    if not match:
        return None, text
    label = match.group("label")
    if not _name_shaped(label):
        return None, text
    return label, match.group("rest").strip()


def _merge_turns(cues: list[tuple[str | None, str]], html_escaped: bool,
                 bracketed: set[str] = frozenset()) -> list[_Turn]:
    """Merge consecutive cues of one speaker into turns.

    A cue without a label after a labelled one continues that speaker (tools label a speaker
    change, not every cue). Cues with no speaker known at all stay separate lines, so their
    timestamps are not lost.
    """
    turns: list[_Turn] = []
    for start, cue_text in cues:
        for speaker, text in _segments(cue_text, html_escaped, bracketed):
            if speaker is None and turns and turns[-1].speaker is not None:
                speaker = turns[-1].speaker
            if turns and speaker is not None and turns[-1].speaker == speaker:
                turns[-1].texts.append(text)
            else:
                turns.append(_Turn(speaker, start, [text]))
    return turns
