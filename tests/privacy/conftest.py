"""Fixtures of the privacy tests (helpers.py beside this file)."""
import sys
from pathlib import Path

sys.path.append(str(Path(__file__).parent))
