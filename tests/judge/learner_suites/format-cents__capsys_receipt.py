import target


def print_receipt(items):
    """What my shop prints: one line per item, then the total."""
    total = 0
    for name, cents in items:
        print(f"{name:<10}{target.format_cents(cents):>12}")
        total += cents
    print(f"{'TOTAL':<10}{target.format_cents(total):>12}")


def test_receipt(capsys):
    print_receipt([("apple", 45), ("bread", 250), ("tv", 129900)])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[-1] for line in lines] == ["$0.45", "$2.50", "$1,299.00", "$1,301.95"]


def test_empty_receipt(capsys):
    print_receipt([])
    assert capsys.readouterr().out.split() == ["TOTAL", "$0.00"]


def test_small_amount_has_two_digits():
    assert target.format_cents(7) == "$0.07"
