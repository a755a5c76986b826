"""Campaign materials, their revisions and files, translations, QA checks and PO/XLIFF exchange."""


def blueprints() -> list:
    """The materials domain's API blueprints: materials and files, translations, exchange."""
    from coalition.materials.exchange.views import blp as exchange_blp
    from coalition.materials.translation_views import blp as translations_blp
    from coalition.materials.views import blp as materials_blp

    return [materials_blp, translations_blp, exchange_blp]
