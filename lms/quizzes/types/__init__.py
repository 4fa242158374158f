"""Question types, one module per type behind a registry (base.QUESTION_TYPES); importing this registers all."""
from . import matching, multiple, numeric, ordering, scenario, single, truefalse  # noqa: F401  (register)
from .base import QUESTION_TYPES, QuestionType, UnknownQuestionType, get_type, max_points, register
from .common import AnswerError, form_values
from .matching import Matching
from .multiple import Multiple
from .numeric import Numeric
from .ordering import Ordering
from .scenario import Scenario
from .single import Single
from .truefalse import TRUE_FALSE, TrueFalse

__all__ = ["QUESTION_TYPES", "AnswerError", "Matching", "Multiple", "Numeric", "Ordering", "QuestionType",
           "Scenario", "Single", "TRUE_FALSE", "TrueFalse", "UnknownQuestionType", "form_values", "get_type",
           "max_points", "register"]
