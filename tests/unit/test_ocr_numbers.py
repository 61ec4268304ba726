"""Container and seal numbers assembled from OCR pieces (portsight.domain.painted_numbers)."""

from __future__ import annotations

import pytest

from portsight.domain.iso6346 import check_digit
from portsight.domain.painted_numbers import (
    Piece,
    clean,
    container_candidates,
    container_partials,
    container_shaped,
    repair,
    seal_candidates,
    what_was_read,
    with_check_digit,
)

NUMBER = "MSCU3054389"  # check digit 9
assert check_digit(NUMBER[:10]) == 9


def row(*texts: str, y: int = 100, height: int = 60, score: float = 0.99) -> list[Piece]:
    """Pieces side by side on one row, each character 40 px wide, a gap of 30 px between pieces."""
    pieces, x = [], 50
    for text in texts:
        pieces.append(Piece(text, score, (x, y, 40 * len(text), height)))
        x += 40 * len(text) + 30
    return pieces


def column(*texts: str, x: int = 300, width: int = 50, top: int = 20) -> list[Piece]:
    """Pieces one under the other, each character 60 px high."""
    pieces, y = [], top
    for text in texts:
        pieces.append(Piece(text, 0.98, (x, y, width, 60 * len(text))))
        y += 60 * len(text) + 6
    return pieces


# ---------------------------------------------------------------- repair by ISO 6346 position


def test_digits_in_the_owner_code_become_their_look_alike_letters():
    assert repair("M5CU3054389") == ("MSCU3054389", 1)
    assert repair("0OCU3054389") == ("OOCU3054389", 1)


def test_letters_in_the_serial_and_check_digit_become_their_look_alike_digits():
    assert repair("MSCU3O5438B") == ("MSCU3054388", 2)
    assert repair("MSCUI054389") == ("MSCU1054389", 1)


def test_the_category_takes_only_u_j_or_z():
    assert repair("MSC23054389") == ("MSCZ3054389", 1)  # 2 looks like Z, a category
    assert repair("MSC83054389") is None  # 8 looks like B, which is no category
    assert repair("MSCR3054389") is None


def test_characters_of_the_allowed_kind_are_never_changed():
    # S in the owner code and 5 in the serial are already right; O and 0 likewise.
    assert repair("SSOU5505505") == ("SSOU5505505", 0)


def test_a_character_with_no_look_alike_of_the_allowed_kind_is_not_guessed():
    assert repair("MSCU30X4389") is None  # X in the serial
    assert repair("M7CU3054389") is None  # 7 in the owner code
    assert repair("MSCU305438?") is None


def test_clean_folds_full_width_and_circled_forms():
    assert clean("ＦＮＷＵ ４７３") == "FNWU473"
    assert clean("PQMJ 332817 ⑧") == "PQMJ3328178"
    assert clean("MSCU-305438|") == "MSCU305438"


# ---------------------------------------------------------------- proposals


def test_a_number_read_whole_with_a_confirming_check_digit_is_proposed():
    found = container_candidates(row("MSCU", "305438", "9"))
    assert [c.number for c in found] == [NUMBER]
    assert found[0].box == (50, 100, 40 * 11 + 60, 60)


def test_a_number_read_in_one_piece_with_blanks_is_proposed():
    [piece] = row("MSCU 305438 9")
    assert [c.number for c in container_candidates([piece])] == [NUMBER]


def test_a_number_whose_check_digit_was_not_read_is_not_proposed():
    pieces = row("MSCU", "305438")
    assert container_candidates(pieces) == []
    [partial] = container_partials(pieces)
    assert partial.first10 == NUMBER[:10]
    assert what_was_read(pieces) == "MSCU 305438"


def test_a_number_whose_check_digit_does_not_confirm_is_not_proposed():
    assert container_candidates(row("MSCU", "305438", "3")) == []


def test_a_repaired_number_is_proposed_only_when_the_check_digit_read_confirms_it():
    found = container_candidates(row("M5CU", "3O5438", "9"))
    assert [c.number for c in found] == [NUMBER]
    assert found[0].confidence < container_candidates(row("MSCU", "305438", "9"))[0].confidence
    assert container_candidates(row("M5CU", "3O5438", "4")) == []


def test_distractors_around_the_number_are_not_proposed():
    pieces = [
        *row("MSCU", "305438", "9"),
        *row("22G1", y=200),
        *row("MAX", "GROSS", "30480", "KG", y=300, height=30),
        *row("TARE", "2200", "KG", y=350, height=30),
    ]
    assert [c.number for c in container_candidates(pieces)] == [NUMBER]


def test_a_number_on_two_lines_is_assembled():
    pieces = [*row("MSCU"), *row("305438", "9", y=180)]
    assert [c.number for c in container_candidates(pieces)] == [NUMBER]


def test_a_number_down_the_door_one_character_under_the_other_is_assembled():
    pieces = [*column(*NUMBER), *row("22G1", y=300), Piece("MAX GROSS 30480 KG", 0.99, (500, 600, 300, 40))]
    found = container_candidates(pieces)
    assert [c.number for c in found] == [NUMBER]
    assert found[0].box[3] > found[0].box[2]


def test_a_vertical_number_read_as_one_tall_piece_and_its_boxed_digit_below():
    pieces = [Piece("ＭＳＣＵ３０５４３８", 0.9, (300, 20, 50, 600)), Piece("9", 0.97, (300, 640, 50, 60))]
    assert [c.number for c in container_candidates(pieces)] == [NUMBER]


def test_the_place_for_a_missing_check_digit_is_right_of_the_serial_or_below_a_vertical_number():
    [partial] = container_partials(row("MSCU", "305438"))
    assert partial.after[0] == 50 + 160 + 30 + 240  # right edge of the serial
    [vertical] = container_partials([Piece("MSCU305438", 0.9, (300, 20, 50, 600))])
    assert vertical.after[1] == 620 - 50  # below the column, from its last character on


def test_a_check_digit_read_on_its_own_completes_the_number_only_when_it_confirms():
    [partial] = container_partials(row("MSCU", "305438"))
    box = (600, 100, 60, 60)
    assert with_check_digit(partial, "9", 0.95, box).number == NUMBER
    assert with_check_digit(partial, "3", 0.95, box) is None
    assert with_check_digit(partial, "回", 0.95, box) is None  # a boxed digit read as a CJK character
    assert with_check_digit(partial, "98", 0.95, box) is None


# ---------------------------------------------------------------- seals


def test_a_seal_number_with_its_prefix_is_read_and_markings_are_not():
    pieces = [
        *row("TYDEN", "BRAMMALL", y=40, height=30),
        *row("CN", "1234567", y=120, height=90),
        *row("ISO", "17712:2013", "H", y=260, height=30),
    ]
    assert [c.number for c in seal_candidates(pieces)][:1] == ["CN1234567"]


@pytest.mark.parametrize("texts", [("30480", "KG"), ("MAX", "GROSS", "30480"), ("67200", "LB")])
def test_weights_are_not_seal_numbers(texts):
    assert seal_candidates(row(*texts)) == []


def test_a_container_number_is_excluded_from_seals_when_asked():
    pieces = row("MSCU", "305438", "9")
    assert seal_candidates(pieces, exclude=[(0, 0, 1000, 1000)]) == []


def test_a_seal_number_shaped_like_an_owner_code_and_serial_is_still_a_seal_number():
    pieces = [*row("MSK2156354", y=120, height=90), *row("ISO17712", "2013H", y=260, height=30)]
    assert [c.number for c in seal_candidates(pieces, exclude=container_shaped(pieces))] == ["MSK2156354"]


def test_an_owner_code_and_serial_on_a_door_is_no_seal_number():
    pieces = row("MSCU", "305438")
    assert seal_candidates(pieces, exclude=container_shaped(pieces)) == []


def test_a_column_down_a_door_is_no_seal_number():
    assert seal_candidates(column("DX0U242170")) == []
