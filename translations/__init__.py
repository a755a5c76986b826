"""gettext catalogs (`<locale>/LC_MESSAGES/messages.po`), installed as coalition.translations."""
