"""How the paymock fixture names a test's namespace."""

import re

from pytest_paymock.plugin import namespace_name

ALLOWED = re.compile(r"[A-Za-z0-9._-]{1,64}")


def test_a_plain_name_is_the_worker_and_the_test():
    assert namespace_name("gw3", "test_buy") == "gw3-test_buy"


def test_empty_parts_are_left_out():
    assert namespace_name("", "main", "test_buy") == "main-test_buy"


def test_characters_a_name_may_not_hold_become_one_dash():
    assert namespace_name("main", "test_buy[10.00 USD/visa]") == "main-test_buy-10.00-USD-visa"


def test_a_long_name_is_cut_to_64_and_ends_in_a_hash():
    long_id = "test_" + "x" * 100
    name = namespace_name("gw0", long_id + "[1]")
    assert len(name) == 64
    assert ALLOWED.fullmatch(name)
    assert name.startswith("gw0-test_xxx")
    assert name != namespace_name("gw0", long_id + "[2]")
    assert name[:53] == namespace_name("gw0", long_id + "[2]")[:53]


def test_a_name_of_exactly_64_is_kept_whole():
    part = "t" * 60
    assert namespace_name("gw0", part) == "gw0-" + part


def test_names_that_differ_only_past_the_cut_stay_apart():
    names = {namespace_name("main", "test_case_" + "y" * 80 + f"[{i}]") for i in range(100)}
    assert len(names) == 100
    assert all(ALLOWED.fullmatch(name) for name in names)
