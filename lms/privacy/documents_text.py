"""The document texts by language (German first; English for international groups)."""
from . import documents_de, documents_en

_BY_LANG = {"de": documents_de, "en": documents_en}
DISCLAIMER = {lang: module.DISCLAIMER for lang, module in _BY_LANG.items()}
DISCLAIMER_SHORT = {lang: module.DISCLAIMER_SHORT for lang, module in _BY_LANG.items()}
WORDS = {lang: module.WORDS for lang, module in _BY_LANG.items()}
LEVEL_CLAUSES = {lang: module.LEVEL_CLAUSES for lang, module in _BY_LANG.items()}
DOCUMENTS = {lang: module.DOCUMENTS for lang, module in _BY_LANG.items()}
