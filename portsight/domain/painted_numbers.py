"""Container and seal numbers assembled from the text pieces an OCR engine read on a photo.

A container number is painted in groups: the owner code with its category letter ("MSCU"), the
six serial digits ("305438") and the check digit in a box ("3"), across one line, over two lines,
or one character under the other down the door. Size/type codes ("22G1") and weights
("MAX GROSS 30480 KG") are painted nearby. The engine returns each group it found as a piece of
text with a box; this module puts pieces together in reading order (rows, then columns for the
vertical layout) and keeps the runs of whole pieces that make exactly eleven characters.

Repair of look-alike characters follows the positions of ISO 6346 only: a digit read where the
standard allows only a letter (owner code, category U/J/Z) becomes its look-alike letter, a
letter read where only a digit is allowed becomes its look-alike digit. A character that is
already of the allowed kind is never changed, so each run gives one repaired reading, not a search
for a combination that happens to pass the check.

A number is proposed only when eleven characters were read and the check digit that was READ
matches the one computed from the first ten. A ten-character run (owner code and serial, no check
digit) is a `Partial`: the caller may read the check digit on its own from the picture next to it,
but never fills it in from the computation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from portsight.domain.iso6346 import CATEGORIES, check_digit

Box = tuple[int, int, int, int]  # x, y, width, height in pixels

# Look-alikes as painted stencils and OCR engines confuse them.
LETTER_FOR_DIGIT = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}
DIGIT_FOR_LETTER = {
    "O": "0",
    "Q": "0",
    "D": "0",
    "I": "1",
    "L": "1",
    "Z": "2",
    "S": "5",
    "G": "6",
    "B": "8",
}
# Confidence lost for each character changed by the repair: a proposal read cleanly outranks one
# that needed look-alikes.
REPAIR_PENALTY = 0.05
# A run spans at most this many pieces: eleven single characters down a door.
MAX_PIECES = 11

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_SEAL_WORDS = frozenset({"SEAL", "NO", "NUMBER", "BOLT", "HIGH", "SECURITY", "ISO", "PAS", "CABLE", "LOCK"})
_ISO_17712 = re.compile(r"(ISO)?17712(20\d\d)?H?")
# Markings on a door that hold digits but are no seal: weights and volumes.
_MARKING = re.compile(r"MAX|GROSS|TARE|NET|PAYLOAD|KGS?$|LBS?$|CUFT|CUM$")


@dataclass(frozen=True)
class Piece:
    """One text the engine read, with its confidence (0..1) and box. line: the box of the whole
    line the engine found it in (the same box when the piece is the line), which also covers
    a boxed check digit the engine detected but did not read."""

    text: str
    score: float
    box: Box
    line: Box | None = None


@dataclass(frozen=True)
class Candidate:
    """A number found: as proposed, its confidence and the box around the pieces it came from."""

    number: str
    confidence: float
    box: Box


@dataclass(frozen=True)
class Partial:
    """Owner code and serial (ten characters, repaired) with no check digit read after them.
    after: where the check digit should be painted, right of the serial (below it when the
    number runs down the door)."""

    first10: str
    read: str
    confidence: float
    box: Box
    after: Box


def clean(text: str) -> str:
    """Upper-case letters and digits only, full-width and circled forms folded ("４" and "⑧" as the
    engine may read a boxed digit); blanks, hyphens and box strokes dropped."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).upper())


def repair(chars: str) -> tuple[str, int] | None:
    """Chars (10 or 11) with look-alikes put right by ISO 6346 position, and how many were changed.

    None when a position holds something no look-alike can make allowed (a category letter other
    than U/J/Z, a letter with no digit look-alike in the serial).
    """
    out: list[str] = []
    changed = 0
    for index, ch in enumerate(chars):
        if index < 4:
            letter = ch if ch.isalpha() else LETTER_FOR_DIGIT.get(ch)
            if letter is None or (index == 3 and letter not in CATEGORIES):
                return None
        else:
            letter = ch if ch.isdigit() else DIGIT_FOR_LETTER.get(ch)
            if letter is None:
                return None
        changed += letter != ch
        out.append(letter)
    return "".join(out), changed


def checks_out(number: str) -> bool:
    """True when the eleventh character, as read, is the check digit of the first ten."""
    return len(number) == 11 and number[10].isdigit() and check_digit(number[:10]) == int(number[10])


def union(boxes: Iterable[Box]) -> Box:
    """The smallest box around all boxes."""
    listed = list(boxes)
    left = min(b[0] for b in listed)
    top = min(b[1] for b in listed)
    right = max(b[0] + b[2] for b in listed)
    bottom = max(b[1] + b[3] for b in listed)
    return left, top, right - left, bottom - top


def split_words(pieces: Iterable[Piece]) -> list[Piece]:
    """Each piece cut at its blanks, the box shared out by the characters' share of the width
    (the engine reads "MSCU 305438 3" as one line; the groups are the units to assemble)."""
    words: list[Piece] = []
    for piece in pieces:
        parts = [clean(p) for p in piece.text.split()]
        parts = [p for p in parts if p]
        total = sum(len(p) for p in parts)
        if len(parts) <= 1:
            if parts:
                words.append(Piece(parts[0], piece.score, piece.box))
            continue
        x, y, w, h = piece.box
        done = 0
        for part in parts:
            left = x + w * done // total
            done += len(part)
            right = x + w * done // total
            words.append(Piece(part, piece.score, (left, y, max(1, right - left), h), piece.line or piece.box))
    return words


def _rows(words: Sequence[Piece]) -> list[Piece]:
    """Reading order along rows: top to bottom by centre, left to right within a row."""
    ordered = sorted(words, key=lambda p: p.box[1] + p.box[3] / 2)
    rows: list[list[Piece]] = []
    for word in ordered:
        centre = word.box[1] + word.box[3] / 2
        if rows:
            last = rows[-1][-1]
            if abs(centre - (last.box[1] + last.box[3] / 2)) < max(last.box[3], word.box[3]) / 2:
                rows[-1].append(word)
                continue
        rows.append([word])
    return [w for row in rows for w in sorted(row, key=lambda p: p.box[0])]


def _columns(words: Sequence[Piece]) -> list[Piece]:
    """Reading order down columns: left to right by centre, top to bottom within a column."""
    ordered = sorted(words, key=lambda p: p.box[0] + p.box[2] / 2)
    columns: list[list[Piece]] = []
    for word in ordered:
        centre = word.box[0] + word.box[2] / 2
        if columns:
            last = columns[-1][-1]
            if abs(centre - (last.box[0] + last.box[2] / 2)) < max(last.box[2], word.box[2]) / 2:
                columns[-1].append(word)
                continue
        columns.append([word])
    return [w for column in columns for w in sorted(column, key=lambda p: p.box[1])]


def _runs(order: Sequence[Piece], length: int) -> Iterable[list[Piece]]:
    """Runs of consecutive whole pieces whose characters add up to exactly length."""
    for start in range(len(order)):
        total = 0
        for end in range(start, min(len(order), start + MAX_PIECES)):
            total += len(order[end].text)
            if total == length:
                yield list(order[start : end + 1])
            if total >= length:
                break


def _confidence(run: Sequence[Piece], changed: int) -> float:
    # The weakest piece limits how sure the whole number is.
    return max(0.0, min(p.score for p in run) - REPAIR_PENALTY * changed)


def _after(run: Sequence[Piece]) -> Box:
    """Where the check digit of a run of ten should be: below a run down the door, else right
    of the last piece up to the end of its line (a boxed digit the engine found but did not
    read) and at least two characters further."""
    box = union(p.box for p in run)
    last = run[-1]
    x, y, w, h = last.box
    if box[3] > 2 * box[2]:
        # From one character above the bottom: the engine may have taken the boxed digit into
        # the column and read it as something that is no character ("回").
        size = min(p.box[2] for p in run)
        return box[0] - size // 3, box[1] + box[3] - size, box[2] + 2 * (size // 3), int(size * 3.2)
    line = last.line or last.box
    right = max(line[0] + line[2], x + w + 2 * h) + h // 4
    return x + w, y - h // 4, right - (x + w), h + h // 2


def container_candidates(pieces: Iterable[Piece]) -> list[Candidate]:
    """Numbers whose eleven characters were read and whose check digit confirms, best first."""
    words = split_words(pieces)
    found: dict[str, Candidate] = {}
    for order in (_rows(words), _columns(words)):
        for run in _runs(order, 11):
            repaired = repair("".join(p.text for p in run))
            if repaired is None or not checks_out(repaired[0]):
                continue
            number, changed = repaired
            candidate = Candidate(number, _confidence(run, changed), union(p.box for p in run))
            if number not in found or found[number].confidence < candidate.confidence:
                found[number] = candidate
    return sorted(found.values(), key=lambda c: -c.confidence)


def container_partials(pieces: Iterable[Piece]) -> list[Partial]:
    """Owner code and serial read without a check digit after them, best first."""
    words = split_words(pieces)
    found: dict[str, Partial] = {}
    for order in (_rows(words), _columns(words)):
        for run in _runs(order, 10):
            read = "".join(p.text for p in run)
            repaired = repair(read)
            if repaired is None:
                continue
            first10, changed = repaired
            box = union(p.box for p in run)
            partial = Partial(first10, read, _confidence(run, changed), box, _after(run))
            if first10 not in found or found[first10].confidence < partial.confidence:
                found[first10] = partial
    return sorted(found.values(), key=lambda p: -p.confidence)


def with_check_digit(partial: Partial, read: str, score: float, box: Box) -> Candidate | None:
    """The partial completed by a check digit read on its own; None unless it was read as one
    character and it confirms the number."""
    chars = clean(read)
    if len(chars) != 1:
        return None
    digit = chars if chars.isdigit() else DIGIT_FOR_LETTER.get(chars)
    if digit is None:
        return None
    number = partial.first10 + digit
    if not checks_out(number):
        return None
    changed = int(digit != chars)
    confidence = max(0.0, min(partial.confidence, score) - REPAIR_PENALTY * changed)
    return Candidate(number, confidence, union([partial.box, box]))


def what_was_read(pieces: Sequence[Piece]) -> str:
    """What to show the inspector when no number is proposed: the closest thing to a container
    number (a run of ten or eleven characters in the number's shape), else every text read."""
    for length in (11, 10):
        words = split_words(pieces)
        for order in (_rows(words), _columns(words)):
            for run in _runs(order, length):
                text = "".join(p.text for p in run)
                if repair(text) is not None:
                    return " ".join(p.text for p in run)
    texts = (unicodedata.normalize("NFKC", p.text).strip() for p in _rows(pieces))
    return " ".join(t for t in texts if t)[:80]


def container_shaped(pieces: Iterable[Piece]) -> list[Box]:
    """Boxes of every run of ten or eleven characters shaped like a container number (check
    digit or not): on a door photo these are not seal numbers."""
    words = split_words(pieces)
    boxes: list[Box] = []
    for length in (11, 10):
        for order in (_rows(words), _columns(words)):
            for run in _runs(order, length):
                read = "".join(p.text for p in run)
                repaired = repair(read)
                # The category letter as painted, not a digit made into one: "MSK2156354" on a
                # seal is no container number.
                if repaired is not None and repaired[0][3] == read[3]:
                    boxes.extend(p.box for p in run)
    return boxes


def seal_candidates(pieces: Iterable[Piece], *, exclude: Iterable[Box] = ()) -> list[Candidate]:
    """Seal numbers as read on a close-up: a group of 5 to 16 letters and digits with at least
    four digits, a letter prefix of up to five on its left joined to it ("CN" "1234567"). Words
    such as SEAL or NO, the ISO 17712 mark and weight markings (30480 KG) are not numbers. Larger
    print ranks first: the number is the biggest text on a seal. Boxes in exclude (a container
    number found on the same picture) are skipped."""
    skipped = list(exclude)
    words = [w for w in _rows(split_words(pieces)) if not any(_inside(w.box, b) for b in skipped)]
    # The ISO 17712 mark's row ("ISO 17712:2013 H") holds digits that are no seal number.
    marks = [w.box for w in words if "17712" in w.text]
    words = [w for w in words if not any(_same_row(w.box, m) for m in marks)]
    found: dict[str, Candidate] = {}
    for index, word in enumerate(words):
        if word.text in _SEAL_WORDS or _ISO_17712.fullmatch(word.text) or _MARKING.search(word.text):
            continue
        if len(word.text) > 1 and word.box[3] > word.box[2]:
            continue  # a column down a door (a container number misread), not a seal's line
        after = words[index + 1] if index + 1 < len(words) else None
        if after is not None and _same_row(after.box, word.box) and _MARKING.match(after.text):
            continue  # "30480" "KG"
        before = words[index - 1] if index else None
        if before is not None and _same_row(before.box, word.box) and _MARKING.search(before.text):
            continue  # "GROSS" "30480"
        text, box, score = word.text, word.box, word.score
        if (
            before is not None
            and before.text.isalpha()
            and len(before.text) <= 5
            and before.text not in _SEAL_WORDS
            and _same_row(before.box, box)
            and not any(ch.isalpha() for ch in text[:1])
        ):
            text, box, score = before.text + text, union([before.box, box]), min(score, before.score)
        digits = sum(ch.isdigit() for ch in text)
        if not 5 <= len(text) <= 16 or digits < 4:
            continue
        candidate = Candidate(text, score, box)
        if text not in found or found[text].confidence < score:
            found[text] = candidate
    return sorted(found.values(), key=lambda c: (-c.box[3], -c.confidence))


def _same_row(a: Box, b: Box) -> bool:
    return abs((a[1] + a[3] / 2) - (b[1] + b[3] / 2)) < max(a[3], b[3]) / 2


def _inside(inner: Box, outer: Box) -> bool:
    cx, cy = inner[0] + inner[2] / 2, inner[1] + inner[3] / 2
    return outer[0] <= cx <= outer[0] + outer[2] and outer[1] <= cy <= outer[1] + outer[3]
