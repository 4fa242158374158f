"""Verification codes: length, entropy, grouping and tolerant normalisation of typed input."""
import collections
import re

import pytest

from lms.certificates.codes import ALPHABET, CODE_LENGTH, format_code, new_code, normalize_code


def test_codes_new_code_is_26_crockford_characters():
    """A new code is 26 characters of the Crockford alphabet (130 bits)."""
    for _ in range(200):
        code = new_code()
        assert len(code) == CODE_LENGTH == 26
        assert set(code) <= set(ALPHABET)
    assert set(ALPHABET).isdisjoint("ILOU")


def test_codes_are_unique_and_spread_over_the_alphabet():
    """Codes do not repeat and every character position uses the whole alphabet (no fixed prefix)."""
    codes = [new_code() for _ in range(3000)]
    assert len(set(codes)) == len(codes)
    first = collections.Counter(code[0] for code in codes)
    last = collections.Counter(code[-1] for code in codes)
    # 3000 draws over 32 symbols: each expected ~94 times; a symbol missing would mean lost entropy.
    assert len(first) == 32 and len(last) == 32
    assert min(first.values()) > 40 and max(first.values()) < 160


def test_codes_format_groups_of_four():
    """The display form groups the code in fours with dashes."""
    code = "7M3K9QXWZ2H4R8T1VBNC5PDF6G"
    assert format_code(code) == "7M3K-9QXW-Z2H4-R8T1-VBNC-5PDF-6G"
    assert re.fullmatch(r"([0-9A-Z]{4}-){6}[0-9A-Z]{2}", format_code(new_code()))


@pytest.mark.parametrize("typed", [
    "7M3K-9QXW-Z2H4-R8T1-VBNC-5PDF-6G",
    "7m3k-9qxw-z2h4-r8t1-vbnc-5pdf-6g",
    " 7M3K 9QXW Z2H4 R8T1 VBNC 5PDF 6G ",
    "7M3K–9QXW—Z2H4‐R8T1-VBNC-5PDF-6G",  # dashes a word processor makes
    "7M3K9QXWZ2H4R8TiVBNC5PDF6G",  # i for 1
    "7M3K9QXWZ2H4R8TLVBNC5PDF6G",  # L for 1
    "7M3K9QXWZ2H4R8TlVBNC5PDF6G",  # l for 1
])
def test_codes_normalize_accepts_what_people_type(typed):
    """Dashes, spaces, lowercase and the confusable letters I/L (for 1) are accepted."""
    assert normalize_code(typed) == "7M3K9QXWZ2H4R8T1VBNC5PDF6G"


def test_codes_normalize_maps_o_to_zero():
    """The letter O reads as the digit 0."""
    assert normalize_code("O" * 26) == "0" * 26
    assert normalize_code("o0O0" * 6 + "oO") == "0" * 26


@pytest.mark.parametrize("typed", [
    "", "   ", "AAAA-BBBB", "7M3K9QXWZ2H4R8T1VBNC5PDF6", "7M3K9QXWZ2H4R8T1VBNC5PDF6GG",
    "7M3K9QXWZ2H4R8T1VBNC5PDFUG",  # U is not in the alphabet
    "7M3K9QXWZ2H4R8T1VBNC5PDF6*", "7M3K9QXWZ2H4R8T1VBNC5PDF6Ä", "７M3K9QXWZ2H4R8T1VBNC5PDF6G",
    "<script>alert(1)</script>", "A" * 10_000, None, 123,
])
def test_codes_normalize_rejects_invalid_input(typed):
    """Wrong length, characters outside the alphabet and non-strings give None."""
    assert normalize_code(typed) is None


def test_codes_round_trip():
    """Every new code survives format and normalise, also lowercased."""
    for _ in range(500):
        code = new_code()
        assert normalize_code(code) == code
        assert normalize_code(format_code(code)) == code
        assert normalize_code(format_code(code).lower()) == code
