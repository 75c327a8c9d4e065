from datetime import date, timedelta

import pytest

from target import InvalidTransition, Order

DELIVERED_ON = date(2024, 5, 1)


def paid_order():
    order = Order()
    order.pay()
    return order


def shipped_order():
    order = paid_order()
    order.ship()
    return order


def delivered_order():
    order = shipped_order()
    order.deliver(DELIVERED_ON)
    return order


def snapshot(order):
    return order.status, order.history, order.refund_due


def test_a_new_order_is_created_with_no_refund_due():
    order = Order()
    assert snapshot(order) == ("created", ["created"], False)


def test_the_happy_path_records_every_status():
    order = delivered_order()
    assert order.status == "delivered"
    assert order.history == ["created", "paid", "shipped", "delivered"]
    assert order.refund_due is False


def test_invalid_transition_is_a_value_error():
    assert issubclass(InvalidTransition, ValueError)


@pytest.mark.parametrize(
    ("make_order", "action"),
    [
        (Order, "ship"),
        (Order, "deliver"),
        (Order, "return_item"),
        (paid_order, "pay"),
        (paid_order, "deliver"),
        (shipped_order, "pay"),
        (shipped_order, "cancel"),
        (delivered_order, "cancel"),
        (delivered_order, "ship"),
    ],
)
def test_actions_not_allowed_in_a_status_raise_and_change_nothing(make_order, action):
    order = make_order()
    before = snapshot(order)
    args = (DELIVERED_ON,) if action in ("deliver", "return_item") else ()
    with pytest.raises(InvalidTransition):
        getattr(order, action)(*args)
    assert snapshot(order) == before


def test_cancelling_an_unpaid_order_needs_no_refund():
    order = Order()
    order.cancel()
    assert snapshot(order) == ("cancelled", ["created", "cancelled"], False)


def test_cancelling_a_paid_order_makes_a_refund_due():
    order = paid_order()
    order.cancel()
    assert snapshot(order) == ("cancelled", ["created", "paid", "cancelled"], True)


@pytest.mark.parametrize("action", ["pay", "ship", "cancel"])
def test_a_cancelled_order_is_final(action):
    order = Order()
    order.cancel()
    with pytest.raises(InvalidTransition):
        getattr(order, action)()


@pytest.mark.parametrize("days_after_delivery", [0, 1, 29, 30])
def test_returns_are_accepted_from_the_delivery_day_to_day_30(days_after_delivery):
    order = delivered_order()
    order.return_item(DELIVERED_ON + timedelta(days=days_after_delivery))
    assert snapshot(order) == ("returned", ["created", "paid", "shipped", "delivered", "returned"], True)


@pytest.mark.parametrize("days_after_delivery", [31, 365, -1])
def test_returns_outside_the_window_are_rejected_and_change_nothing(days_after_delivery):
    order = delivered_order()
    with pytest.raises(InvalidTransition):
        order.return_item(DELIVERED_ON + timedelta(days=days_after_delivery))
    assert snapshot(order) == ("delivered", ["created", "paid", "shipped", "delivered"], False)


def test_a_returned_order_is_final():
    order = delivered_order()
    order.return_item(DELIVERED_ON)
    with pytest.raises(InvalidTransition):
        order.return_item(DELIVERED_ON)
    with pytest.raises(InvalidTransition):
        order.cancel()


def test_changing_the_returned_history_does_not_change_the_order():
    order = paid_order()
    history = order.history
    history.append("hacked")
    history.clear()
    assert order.history == ["created", "paid"]
