"""The life cycle of an online order."""

from datetime import date

RETURN_WINDOW_DAYS = 30


class InvalidTransition(ValueError):
    """The action is not allowed in the order's current status."""


class Order:
    """created -> paid -> shipped -> delivered -> returned, with cancel before shipping."""

    def __init__(self) -> None:
        self._status = "created"
        self._history = ["created"]
        self._refund_due = False
        self._delivered_on: date | None = None

    @property
    def status(self) -> str:
        return self._status

    @property
    def history(self) -> list[str]:
        return list(self._history)

    @property
    def refund_due(self) -> bool:
        return self._refund_due

    def pay(self) -> None:
        self._move(("created",), "paid")

    def ship(self) -> None:
        self._move(("paid",), "shipped")

    def deliver(self, on: date) -> None:
        self._move(("shipped",), "delivered")
        self._delivered_on = on

    def cancel(self) -> None:
        was_paid = self._status == "paid"
        self._move(("created", "paid"), "cancelled")
        if was_paid:
            self._refund_due = True

    def return_item(self, on: date) -> None:
        if self._status == "delivered" and self._delivered_on is not None:
            days = (on - self._delivered_on).days
            if not 0 <= days < RETURN_WINDOW_DAYS:
                raise InvalidTransition(f"return on day {days} is outside the {RETURN_WINDOW_DAYS}-day window")
        self._move(("delivered",), "returned")
        self._refund_due = True

    def _move(self, allowed: tuple[str, ...], target: str) -> None:
        if self._status not in allowed:
            raise InvalidTransition(f"cannot go from {self._status} to {target}")
        self._status = target
        self._history.append(target)
