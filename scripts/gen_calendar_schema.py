"""Write config/calendar.schema.json from the calendar's field table (bot.campaign_schema).

Run it after changing a field:  .venv/bin/python scripts/gen_calendar_schema.py
``tests/test_campaign.py`` fails while the committed file differs from what this writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.campaign import json_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "config" / "calendar.schema.json"


def render() -> str:
    """Return the schema file's text: the JSON Schema, two-space indented, a final newline."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    """Write the schema file; print where it went."""
    SCHEMA_FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
