"""idp demo: the IdP plus the Building, Project and Asset demo apps, seeded, until Ctrl-C."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import IdPError
from .output import make_app, one_line
from .serve import prepare


@click.command()
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65532),
              help="The IdP's port; Building, Project and Asset take the next three.")
@click.option("--instance-path", type=click.Path(file_okay=False),
              help="Where the demo keeps its data (default: the instance path's demo/).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON line {issuer, apps, people} once everything answers.")
def demo(port, instance_path, as_json):
    """Run the IdP and three product apps on this machine, with people to sign in as."""
    from ..config import load_settings
    from ..demo.runner import Demo, run, urls

    try:
        settings = load_settings()
    except IdPError as exc:
        raise one_line(exc) from None
    data = Path(instance_path or Path(settings.instance_path) / "demo").resolve()
    links = urls(port)
    running = Demo(port)
    try:
        running.bind()  # first: a busy port fails before anything is written
    except IdPError as exc:
        raise one_line(exc) from None
    try:
        # The embedded default in its own directory: a real `idp serve`'s data stays untouched.
        running.idp_app = make_app(issuer=links["issuer"], env="development", database_url="",
                                   redis_url="", instance_path=str(data),
                                   keys_path=str(data / "keys"))
        prepare(running.idp_app)
    except BaseException:
        running.stop()
        raise
    try:
        run(running, lambda: _announce(links, running.seeded, data, as_json))
    except IdPError as exc:
        raise one_line(exc) from None


def _announce(links: dict, seeded, data: Path, as_json: bool) -> None:
    apps = {p: links[p] for p in ("building", "project", "asset")}
    people = [{"email": p["email"], "password": p["password"], "plan": p["plan"]}
              for p in seeded.people]
    if as_json:
        click.echo(json.dumps({"issuer": links["issuer"], "apps": apps, "people": people}))
        return
    click.echo(f"Tomps demo — IdP {links['issuer']}  (data in {data}; Ctrl-C stops everything)")
    for product, url in apps.items():
        click.echo(f"  {product.title():9} {url}")
    click.echo("Sign in as:")
    for person in seeded.people:
        plan = "Building + Project" if person["plan"] == "duo" else "Building + Project + Asset"
        click.echo(f"  {person['email']:24} password {person['password']}   "
                   f"{person['organisation']}, plan {person['plan']} ({plan})")
