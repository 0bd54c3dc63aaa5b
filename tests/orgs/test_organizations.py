"""Organisations, members, plans and products: validation and bad input change nothing."""

import pytest
from sqlalchemy import func, select

from idp.extensions import db
from idp.orgs import organizations as orgs
from idp.orgs import plans as plan_service
from idp.orgs import products, subscriptions
from idp.orgs.errors import OrgError
from idp.storage.models import Membership, Organization, Plan

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_and_find_by_id_or_name(ctx):
    org = orgs.create_organization(" Acme Ltd ", legal_name="PT Acme Indonesia", country="id",
                                   billing_email="billing@acme.example", tax_id="01.234")
    assert (org.name, org.country) == ("Acme Ltd", "ID")
    assert orgs.find_organization(str(org.id)) is org
    assert orgs.find_organization("acme ltd") is org
    assert orgs.find_organization("Nope") is None and orgs.find_organization("99999999999") is None


@pytest.mark.parametrize("name, info, message", [
    ("", {}, "name must be"), ("x" * 201, {}, "name must be"), ("12345", {}, "only digits"),
    ("Ok", {"country": "Indonesia"}, "ISO 3166"), ("Ok", {"billing_email": "nope"}, "billing email"),
    ("Ok", {"legal_name": "x" * 301}, "legal name"),
])
def test_create_refuses_bad_input(ctx, name, info, message):
    with pytest.raises(OrgError, match=message):
        orgs.create_organization(name, **info)
    assert _count(Organization) == 0


def test_names_are_unique_case_insensitively(ctx):
    orgs.create_organization("Acme")
    with pytest.raises(OrgError, match="already exists"):
        orgs.create_organization("ACME")
    other = orgs.create_organization("Beta")
    with pytest.raises(OrgError, match="already exists"):
        orgs.update_organization(other.id, name="acme")


def test_update_company_info_and_clear_a_field(ctx):
    org = orgs.create_organization("Acme", address="Jl. Sudirman 1")
    orgs.update_organization("Acme", address="", country="sg")
    assert (org.address, org.country) == (None, "SG")
    with pytest.raises(OrgError):
        orgs.update_organization("Acme", country="S1")


def test_members_roles_and_bad_input(ctx, person, email_of):
    org = orgs.create_organization("Acme")
    uid = person()
    orgs.add_member(org.id, email_of(uid), "admin")
    assert orgs.members(org.id)[0][0].role == "admin"
    for call, message in [
        (lambda: orgs.add_member(org.id, email_of(uid)), "already a member"),
        (lambda: orgs.add_member(org.id, "ghost@example.com"), "no user"),
        (lambda: orgs.add_member("Ghost Ltd", email_of(uid)), "no organisation"),
        (lambda: orgs.add_member(org.id, email_of(person()), "boss"), "role must be"),
        (lambda: orgs.set_role(org.id, email_of(person()), "owner"), "not a member"),
        (lambda: orgs.remove_member(org.id, email_of(person())), "not a member"),
    ]:
        with pytest.raises(OrgError, match=message):
            call()
    assert _count(Membership) == 1
    orgs.set_role(org.id, email_of(uid), "owner")
    orgs.remove_member(org.id, email_of(uid))
    assert _count(Membership) == 0


def test_adding_a_member_beyond_the_plans_seats_is_refused(plans, org_with, person, email_of):
    org_id, _ = org_with(2)
    subscriptions.start(org_id, "starter")  # 2 seats
    with pytest.raises(OrgError, match="no free seat"):
        orgs.add_member(org_id, email_of(person()))
    assert _count(Membership) == 2


def test_plans_create_update_deactivate(ctx):
    plan = plan_service.create_plan("pro", "Pro", "building, project", seats=5, tier=2,
                                    price="150000", currency="IDR", period_days=30)
    assert plan.products == ["building", "project"] and plan.limits["seats"] == 5
    # Cents in another currency (IDR is whole rupiah: Midtrans charges integers).
    plan_service.update_plan("pro", projects=10, price="99.50", currency="USD")
    assert plan.limits == {"seats": 5, "projects": 10, "assets": None, "storage_gb": None}
    assert str(plan.price) == "99.50"
    plan_service.deactivate_plan("pro")
    assert plan_service.list_plans(include_inactive=False) == []


@pytest.mark.parametrize("kwargs, message", [
    ({"code": "Bad Code"}, "code must be"), ({"products": []}, "at least one product"),
    ({"products": ["building", "spaceship"]}, "unknown product"), ({"seats": 0}, "seats must be"),
    ({"period_days": 0}, "period-days"), ({"price": "-1"}, "price"), ({"price": "1.234"}, "price"),
    ({"price": "abc"}, "price must be a number"), ({"currency": "rupiah"}, "ISO 4217"),
    ({"name": ""}, "name must be"), ({"tier": -1}, "tier must be"), ({"price": "NaN"}, "price"),
])
def test_plan_validation(ctx, kwargs, message):
    args = {"code": "pro", "name": "Pro", "products": ["building"], **kwargs}
    with pytest.raises(OrgError, match=message):
        plan_service.create_plan(args.pop("code"), args.pop("name"), args.pop("products"), **args)
    assert _count(Plan) == 0


def test_duplicate_plan_code_is_refused(ctx):
    plan_service.create_plan("pro", "Pro", ["building"])
    with pytest.raises(OrgError, match="already exists"):
        plan_service.create_plan("pro", "Pro 2", ["asset"])


def test_product_audience_must_be_an_https_url(ctx):
    assert products.set_audience("asset", "https://api.asset.example/v1").audience \
        == "https://api.asset.example/v1"
    for bad in ["http://asset.example", "https://", "asset.example", "https://a.example/#x",
                "https://a.example/?q=1", "https://u:p@a.example", "https://a b.example",
                "https://a.example:99999", ""]:
        with pytest.raises(OrgError):
            products.set_audience("asset", bad)
    with pytest.raises(OrgError, match="already belongs"):
        products.set_audience("asset", "https://building.tomps.example")
    with pytest.raises(OrgError, match="no product"):
        products.set_audience("spaceship", "https://s.example")
    assert products.get_product("asset").audience == "https://api.asset.example/v1"
