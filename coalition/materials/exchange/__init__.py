"""Exchange of a campaign's translations for one locale as PO or XLIFF 2.0 files."""
