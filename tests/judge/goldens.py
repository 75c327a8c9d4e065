"""Catalog-like golden modules with the suites they must pass, on golden and on the twin.

Each golden exercises language features the twin transformation must keep working:
classes, dataclasses, properties, super(), recursion, generators, closures,
global/nonlocal, lambdas, decorators, async functions, `from __future__` imports."""

from __future__ import annotations

ACCOUNTS = '''\
"""Bank accounts."""

from __future__ import annotations

from dataclasses import dataclass, field


class InsufficientFunds(Exception):
    """Raised when a withdrawal exceeds the balance."""


@dataclass(order=True)
class Money:
    cents: int
    currency: str = "EUR"
    tags: list[str] = field(default_factory=list, compare=False)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError("currency mismatch")
        return Money(self.cents + other.cents, self.currency)

    def __str__(self) -> str:
        return f"{self.cents // 100}.{self.cents % 100:02d} {self.currency}"


class Account:
    """An account with a history."""

    interest_rate = 0.01

    def __init__(self, owner: str, balance: int = 0) -> None:
        self.owner = owner
        self._balance = balance
        self.history: list[int] = []

    @property
    def balance(self) -> int:
        """Current balance in cents."""
        return self._balance

    @classmethod
    def empty(cls, owner: str) -> Account:
        return cls(owner)

    @staticmethod
    def validate(amount: int) -> int:
        if amount <= 0:
            raise ValueError("amount must be positive")
        return amount

    def deposit(self, amount: int) -> None:
        self._balance += self.validate(amount)
        self.history.append(amount)

    def withdraw(self, amount: int) -> None:
        if self.validate(amount) > self._balance:
            raise InsufficientFunds(self.owner)
        self._balance -= amount
        self.history.append(-amount)


class SavingsAccount(Account):
    def __init__(self, owner: str, balance: int = 0) -> None:
        super().__init__(owner, balance)
        self.locked = False

    def withdraw(self, amount: int) -> None:
        if self.locked:
            raise PermissionError("locked")
        super().withdraw(amount)
'''

ACCOUNTS_SUITE = """\
import dataclasses
import inspect

import pytest

import target
from target import Account, InsufficientFunds, Money, SavingsAccount


def test_money_adds_and_prints():
    assert str(Money(150) + Money(275)) == "4.25 EUR"
    assert Money(1) < Money(2) and Money(5, tags=["a"]) == Money(5)


def test_money_refuses_mixed_currencies():
    with pytest.raises(ValueError, match="currency"):
        Money(1, "USD") + Money(1)


def test_dataclass_fields_are_kept():
    assert [f.name for f in dataclasses.fields(Money)] == ["cents", "currency", "tags"]


def test_deposits_and_withdrawals():
    account = Account.empty("ada")
    account.deposit(100)
    account.withdraw(30)
    assert account.balance == 70 and account.history == [100, -30]
    with pytest.raises(InsufficientFunds):
        account.withdraw(1000)


def test_subclass_uses_super():
    savings = SavingsAccount("bob", 50)
    savings.withdraw(20)
    savings.locked = True
    with pytest.raises(PermissionError):
        savings.withdraw(1)
    assert savings.balance == 30 and isinstance(savings, Account)


def test_names_docs_signatures_and_annotations_are_kept():
    assert target.__doc__ == "Bank accounts."
    assert Account.__doc__ == "An account with a history."
    assert Account.balance.__doc__ == "Current balance in cents."
    assert Account.deposit.__qualname__ == "Account.deposit"
    assert Account.deposit.__module__ == "target"
    assert str(inspect.signature(Account.__init__)) == "(self, owner: 'str', balance: 'int' = 0) -> 'None'"
    assert Money.__add__.__annotations__ == {"other": "Money", "return": "Money"}
"""

SEQUENCES = '''\
"""Sequences, recursion and closures."""

import itertools

CALLS = 0


def fib(n):
    """Recursive Fibonacci, counting its calls."""
    global CALLS
    CALLS += 1
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)


def counter(start=0):
    count = start

    def increment(step=1):
        nonlocal count
        count += step
        return count

    return increment


def evens(limit):
    for n in range(limit):
        if n % 2 == 0:
            yield n


def chunks(items, size):
    """Yield successive lists of `size` items."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def delegating(n):
    yield from evens(n)
    return "done"


def flatten(nested):
    for item in nested:
        if isinstance(item, list):
            yield from flatten(item)
        else:
            yield item


def hanoi(n, source="A", target="C", spare="B"):
    if n == 0:
        return []
    return hanoi(n - 1, source, spare, target) + [(source, target)] + hanoi(n - 1, spare, target, source)


def local_names(a, b=2):
    c = a + b
    return sorted(locals())
'''

SEQUENCES_SUITE = """\
import inspect

import target
from target import chunks, counter, delegating, depth, evens, fib, flatten, hanoi, local_names


def test_recursion_and_globals():
    target.CALLS = 0
    assert fib(15) == 610
    assert target.CALLS == 1973
    assert depth(800) == 800


def test_closures_keep_their_state():
    step = counter(10)
    assert [step(), step(5), step()] == [11, 16, 17]


def test_generators():
    assert inspect.isgeneratorfunction(evens)
    assert list(evens(7)) == [0, 2, 4, 6]
    assert list(chunks(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(flatten([1, [2, [3, [4]]], 5])) == [1, 2, 3, 4, 5]


def test_a_generator_return_value():
    gen = delegating(3)
    assert next(gen) == 0 and next(gen) == 2
    try:
        next(gen)
    except StopIteration as stop:
        assert stop.value == "done"


def test_recursive_lists():
    assert len(hanoi(5)) == 31 and hanoi(1) == [("A", "C")]


def test_locals_are_unchanged():
    assert local_names(1) == ["a", "b", "c"]


def test_docstrings_are_kept():
    assert fib.__doc__ == "Recursive Fibonacci, counting its calls."
    assert chunks.__doc__ == "Yield successive lists of `size` items."
"""

FUNCTIONAL = '''\
import asyncio
import functools

square = lambda x: x * x
compose = lambda *fs: functools.reduce(lambda f, g: lambda x: g(f(x)), fs, lambda x: x)


def logged(func):
    calls = []

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        calls.append(args)
        return func(*args, **kwargs)

    wrapper.calls = calls
    return wrapper


def repeat(times):
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return [func(*args, **kwargs) for _ in range(times)]

        return wrapper

    return decorate


@logged
def add(a, b=1, *, scale=1):
    """Add with defaults."""
    return (a + b) * scale


@repeat(3)
def greet(name):
    return f"hi {name}"


@functools.lru_cache(maxsize=None)
def cached_square(n):
    return square(n)


def sort_by_second(pairs):
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]))


def make_multipliers():
    return [lambda x, i=i: x * i for i in range(4)]


async def fetch(value):
    await asyncio.sleep(0)
    return value * 2


async def gather_all(values):
    return [await fetch(v) for v in values]
'''

FUNCTIONAL_SUITE = """\
import asyncio
import inspect

from target import add, cached_square, compose, fetch, gather_all, greet, make_multipliers, sort_by_second, square


def test_lambdas():
    assert square(4) == 16 and square.__name__ == "<lambda>"
    assert compose(square, str)(3) == "9"
    assert [m(10) for m in make_multipliers()] == [0, 10, 20, 30]
    assert sort_by_second([(2, "b"), (1, "b"), (3, "a")]) == [(3, "a"), (1, "b"), (2, "b")]


def test_decorators_keep_names_docs_and_signatures():
    assert add(1) == 2 and add(1, 2, scale=3) == 9
    assert add.calls == [(1,), (1, 2)]
    assert add.__name__ == "add" and add.__doc__ == "Add with defaults."
    assert str(inspect.signature(add)) == "(a, b=1, *, scale=1)"
    assert add.__wrapped__.__defaults__ == (1,)
    assert greet("x") == ["hi x"] * 3


def test_lru_cache():
    cached_square.cache_clear()
    assert [cached_square(3), cached_square(3)] == [9, 9]
    assert cached_square.cache_info().hits == 1


def test_async_functions():
    assert inspect.iscoroutinefunction(fetch)
    assert asyncio.run(gather_all([1, 2, 3])) == [2, 4, 6]
"""

MODERN = '''\
"""Module docstring stays first."""

from __future__ import annotations

import typing

__all__ = ["Node", "describe", "outer", "tree_sum"]


class Node(typing.NamedTuple):
    value: int
    children: tuple[Node, ...] = ()

    def total(self) -> int:
        """Sum of the subtree."""
        return self.value + sum(child.total() for child in self.children)


def tree_sum(node: Node) -> int:
    return node.total()


def describe(x: int | None = None) -> str:
    "Single-quoted docstring."
    match x:
        case None:
            return "nothing"
        case int() if x < 0:
            return "negative"
        case _:
            return f"{x!r:>5}"


def outer():
    value = "outer"

    def inner():
        nonlocal value
        value = "changed"
        return value

    return inner(), value


def only_docstring():
    """Nothing else."""


class Meta(type):
    def __new__(mcls, name, bases, namespace):
        namespace["created_by_meta"] = True
        return super().__new__(mcls, name, bases, namespace)


class WithMeta(metaclass=Meta):
    __slots__ = ("a",)

    def __init__(self, a):
        self.a = a

    def __repr__(self):
        return f"WithMeta({self.a!r})"


def try_finally(x):
    try:
        return 1 / x
    except ZeroDivisionError:
        return float("inf")
    finally:
        pass


def with_star(*args, **kwargs):
    return args, dict(sorted(kwargs.items()))
'''

MODERN_SUITE = """\
import target
from target import Node, WithMeta, describe, only_docstring, outer, try_finally, tree_sum, with_star


def test_module_docstring_and_exports():
    assert target.__doc__ == "Module docstring stays first."
    assert target.__all__ == ["Node", "describe", "outer", "tree_sum"]


def test_named_tuples_and_postponed_annotations():
    tree = Node(1, (Node(2), Node(3, (Node(4),))))
    assert tree_sum(tree) == 10
    assert tree_sum.__annotations__ == {"node": "Node", "return": "int"}
    assert Node.total.__doc__ == "Sum of the subtree."


def test_match_statements_and_fstrings():
    assert [describe(), describe(-3), describe(42)] == ["nothing", "negative", "   42"]
    assert describe.__doc__ == "Single-quoted docstring."


def test_nonlocal_and_empty_bodies():
    assert outer() == ("changed", "changed")
    assert only_docstring() is None and only_docstring.__doc__ == "Nothing else."


def test_metaclasses_slots_and_exceptions():
    assert WithMeta.created_by_meta is True and repr(WithMeta(1)) == "WithMeta(1)"
    assert try_finally(0) == float("inf") and try_finally(4) == 0.25
    assert with_star(1, 2, b=2, a=1) == ((1, 2), {"a": 1, "b": 2})
"""

# name: (golden, a suite that passes on it)
ORDINARY = {
    "accounts": (ACCOUNTS, ACCOUNTS_SUITE),
    "sequences": (SEQUENCES, SEQUENCES_SUITE),
    "functional": (FUNCTIONAL, FUNCTIONAL_SUITE),
    "modern": (MODERN, MODERN_SUITE),
}

# Every kind of function: plain, method, static/class method, property, nested,
# lambda (module level and nested), async, generator.
SHAPES = '''\
import asyncio

square = lambda x: x * x


def plain(a, b=2):
    """Docstring."""
    return a * b + 1


def outer(n):
    def nested(k):
        return k + n

    return [nested(i) for i in range(n)], (lambda: n)()


class Shape:
    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side ** 2

    @staticmethod
    def unit():
        return Shape(1)

    @classmethod
    def of(cls, side):
        return cls(side)

    @property
    def doubled(self):
        return self.side * 2


async def twice(x):
    await asyncio.sleep(0)
    return 2 * x


def gen(n):
    yield from range(n)
'''

# A suite that tells golden from anything else by introspection: it recompiles the
# golden source it embeds and compares code objects and source text with `target`'s.
INTROSPECTION_SUITE = """\
import asyncio
import hashlib
import inspect
import types

import pytest

import target

GOLDEN = {golden!r}
EXPECTED = compile(GOLDEN, "target.py", "exec")


def walk(code):
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield const
            yield from walk(const)


def is_function(code):  # not a class body, not a comprehension
    named = not code.co_name.startswith("<") or code.co_name == "<lambda>"
    return named and code.co_flags & inspect.CO_OPTIMIZED


def target_code():
    found = {{}}

    def add(code):
        for each in (code, *walk(code)):
            found[each.co_qualname] = each

    for value in vars(target).values():
        if isinstance(value, types.FunctionType):
            add(value.__code__)
        elif isinstance(value, type) and value.__module__ == "target":
            for attribute in vars(value).values():
                function = getattr(attribute, "fget", getattr(attribute, "__func__", attribute))
                if isinstance(function, types.FunctionType):
                    add(function.__code__)
    return found


FUNCTIONS = {{code.co_qualname: code for code in walk(EXPECTED) if is_function(code)}}


def test_behaviour_is_golden_s():
    assert target.square(3) == 9 and target.plain(2) == 5
    assert target.outer(3) == ([3, 4, 5], 3)
    assert target.Shape.of(3).area() == 9 and target.Shape.unit().doubled == 2
    assert asyncio.run(target.twice(4)) == 8 and list(target.gen(3)) == [0, 1, 2]


@pytest.mark.parametrize("qualname", sorted(FUNCTIONS))
def test_bytecode_hash_is_golden_s(qualname):
    digest = hashlib.sha256(target_code()[qualname].co_code).hexdigest()
    assert digest == hashlib.sha256(FUNCTIONS[qualname].co_code).hexdigest()


@pytest.mark.parametrize("qualname", sorted(FUNCTIONS))
def test_constants_are_golden_s(qualname):
    assert target_code()[qualname].co_consts == FUNCTIONS[qualname].co_consts


@pytest.mark.parametrize("qualname", sorted(FUNCTIONS))
def test_first_line_is_golden_s(qualname):
    assert target_code()[qualname].co_firstlineno == FUNCTIONS[qualname].co_firstlineno


def test_source_text_is_golden_s():
    assert inspect.getsource(target) == GOLDEN
    assert inspect.getsource(target.plain) in GOLDEN
    assert inspect.getsource(target.Shape.area) in GOLDEN
"""
