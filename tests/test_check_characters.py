"""Resident ID numbers and unified social credit codes against their standards' own published examples, and the
test data's generator (tests.checkdigits, written here) against the product's functions — neither is the oracle
of the other: the published examples are."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from core.people.validators import uscc_check_character, validate_uscc
from core.pii import id_check_character, parse_resident_id
from tests import factories
from tests.checkdigits import (
    GB32100_CHARACTERS,
    credit_code_check,
    credit_code_is_valid,
    resident_id_check,
    resident_id_is_valid,
)

# GB 11643-1999's example numbers: 11010519491231002X (Beijing Chaoyang, born 1949-12-31, a woman) and
# 440524188001010014 (Guangdong Shantou, born 1880-01-01, a man).
GB11643_EXAMPLES = ("11010519491231002X", "440524188001010014")
# GB 32100-2015's example unified social credit code.
GB32100_EXAMPLE = "91350100M000100Y43"
ID_CHARACTERS = "0123456789X"


def mutations(value: str, alphabet: str):
    for position, original in enumerate(value):
        for replacement in alphabet:
            if replacement != original:
                yield value[:position] + replacement + value[position + 1 :]


def test_the_independent_check_characters_reproduce_the_published_examples():
    for number in GB11643_EXAMPLES:
        assert resident_id_check(number[:17]) == number[17]
    assert credit_code_check(GB32100_EXAMPLE[:17]) == GB32100_EXAMPLE[17]
    assert not any(resident_id_is_valid(m) for number in GB11643_EXAMPLES for m in mutations(number, ID_CHARACTERS))
    assert not any(credit_code_is_valid(m) for m in mutations(GB32100_EXAMPLE, GB32100_CHARACTERS))


def test_the_standards_example_resident_ids_are_accepted_and_every_single_change_refused():
    parsed = parse_resident_id("11010519491231002X")
    assert (parsed.number, parsed.birth_date, parsed.sex, parsed.area_code) == (
        "11010519491231002X", date(1949, 12, 31), "F", "110105",
    )  # fmt: skip
    assert parse_resident_id("11010519491231002x").number == "11010519491231002X"  # lowercase x: the policy
    assert id_check_character("44052418800101001") == "4"
    with pytest.raises(ValidationError) as err:  # the policy: no birth date before 1900, whatever the check says
        parse_resident_id("440524188001010014")
    assert err.value.code == "birth_date"
    refused = 0
    for mutated in mutations("11010519491231002X", ID_CHARACTERS):
        with pytest.raises(ValidationError):
            parse_resident_id(mutated)
        refused += 1
    assert refused == 18 * 10


def test_the_standards_example_credit_code_is_accepted_and_every_single_change_refused():
    validate_uscc(GB32100_EXAMPLE)
    validate_uscc(GB32100_EXAMPLE.lower())
    assert uscc_check_character(GB32100_EXAMPLE[:17]) == "3"
    refused = 0
    for mutated in mutations(GB32100_EXAMPLE, GB32100_CHARACTERS):
        with pytest.raises(ValidationError) as err:
            validate_uscc(mutated)
        assert err.value.code == "check", mutated
        refused += 1
    assert refused == 18 * 30
    for letter in "IOZSV":  # outside the alphabet
        with pytest.raises(ValidationError):
            validate_uscc(GB32100_EXAMPLE[:8] + letter + GB32100_EXAMPLE[9:])


def test_the_factories_make_numbers_the_independent_check_accepts_and_so_does_the_product():
    bodies = [f"{area}{born}{seq:03d}" for area in ("511102", "110105", "440524") for born in ("19800101", "20100101")
              for seq in range(0, 1000, 37)]  # fmt: skip
    for body in bodies:
        area, born, seq = body[:6], body[6:14], int(body[14:])
        number = factories.resident_id(area=area, born=born, seq=seq)
        assert number[:17] == body and resident_id_is_valid(number)
        assert id_check_character(body) == resident_id_check(body)
        assert parse_resident_id(number).number == number
    # Every check character occurs (X included), so the comparison is not of one easy case.
    assert {resident_id_check(body) for body in bodies} == set(ID_CHARACTERS)
    for member in factories.household():
        assert resident_id_is_valid(member["id_number"])


def test_the_product_credit_code_check_agrees_with_the_independent_one():
    bodies = [f"91510100MA{seed:07d}" for seed in range(300)] + [f"12{c * 15}" for c in GB32100_CHARACTERS]
    for body in bodies:
        assert uscc_check_character(body) == credit_code_check(body), body
    assert {credit_code_check(body) for body in bodies} == set(GB32100_CHARACTERS)
