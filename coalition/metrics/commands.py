"""`coalition exports ...`: maintenance of export files."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from coalition.extensions import db
from coalition.i18n import ngettext

exports_cli = AppGroup("exports", help="Background export files.")


@exports_cli.command("purge")
def purge_command():
    """Delete the files of expired exports."""
    from coalition.metrics.operations import remove_expired_exports

    removed = remove_expired_exports()
    db.commit()
    click.echo(ngettext("Removed %(num)d expired export file.", "Removed %(num)d expired export files.", removed))
