"""Check characters written here, independently of the product (``core.pii``, ``core.people.validators``), so that the
test data is not made by the code under test: GB 11643-1999's ISO 7064 MOD 11-2 and GB 32100-2015's MOD 31."""

# GB 11643-1999 §7: weight of position i (1-based from the left) is 2^(18-i) mod 11; check = MAP[sum mod 11].
MOD11_2_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
MOD11_2_MAP = ("1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2")
assert MOD11_2_WEIGHTS == tuple(pow(2, 17 - i, 11) for i in range(17))

# GB 32100-2015 §5: 31 characters (no I, O, Z, S, V), weights 3^(i-1) mod 31, check = 31 - (sum mod 31), 31 → 0.
GB32100_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
assert len(GB32100_CHARACTERS) == 31 and not set("IOZSV") & set(GB32100_CHARACTERS)


def resident_id_check(first17: str) -> str:
    assert len(first17) == 17 and first17.isdigit(), first17
    total = 0
    for digit, weight in zip(first17, MOD11_2_WEIGHTS, strict=True):
        total += int(digit) * weight
    return MOD11_2_MAP[total % 11]


def resident_id_is_valid(number: str) -> bool:
    return len(number) == 18 and number[:17].isdigit() and resident_id_check(number[:17]) == number[17]


def credit_code_check(first17: str) -> str:
    assert len(first17) == 17, first17
    total = sum(GB32100_CHARACTERS.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return GB32100_CHARACTERS[(31 - total % 31) % 31]


def credit_code_is_valid(code: str) -> bool:
    return len(code) == 18 and all(ch in GB32100_CHARACTERS for ch in code) and credit_code_check(code[:17]) == code[17]
