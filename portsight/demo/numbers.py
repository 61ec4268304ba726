"""Declaration numbers as the customs form prints them.

An entry's number (报关单编号) has 18 digits: the code of the customs office that accepted the
declaration (4, from the customs district code table 关区代码表), the year it was accepted (4),
1 for an import or 0 for an export (1), and the office's sequence number for that year (9).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from portsight.db import models as m
from portsight.db.session import Database
from portsight.db.sql import connection
from portsight.demo.world import LOCAL

# The customs office that accepts the demo ports' declarations: the directly-affiliated customs' own code
# (xx00). Which of these were confirmed in a published table, and where: data/SOURCES.md.
CUSTOMS_OFFICE = {
    "CNSGH": "2200", "CNPVG": "2200", "CNSHA": "2200", "CNNBO": "3100", "CNSNZ": "5300",
    "CNQIN": "4200", "CNTNJ": "0200", "CNGGZ": "5100", "CNXAM": "3700", "CNDAL": "0900",
    "CNSJQ": "5100", "CNWXS": "2300",
}  # fmt: skip
SEQUENCE_DIGITS = 9


def declaration_number(port_code: str, year: int, direction: str, sequence: int) -> str:
    """The 18-digit number of the sequence-th declaration accepted for port_code in year."""
    if not 0 < sequence < 10**SEQUENCE_DIGITS:
        raise ValueError(f"sequence {sequence} does not fit {SEQUENCE_DIGITS} digits")
    flag = "1" if direction == "import" else "0"
    return f"{CUSTOMS_OFFICE[port_code]}{year:04d}{flag}{sequence:0{SEQUENCE_DIGITS}d}"


def next_declaration_number(db: Database, port_code: str, direction: str, at: datetime) -> str:
    """The next number of the port's office in the (China time) year of `at`: after the highest one in
    the database, over imports and exports alike, so it holds across restarts and beside the seed."""
    year = (at + LOCAL).year
    prefix = f"{CUSTOMS_OFFICE[port_code]}{year:04d}"
    highest = 0
    with connection(db) as conn:
        for flag in "01":
            top = conn.scalar(
                select(func.max(m.Declaration.number)).where(
                    m.Declaration.number >= f"{prefix}{flag}",
                    m.Declaration.number <= f"{prefix}{flag}{'9' * SEQUENCE_DIGITS}",
                    func.length(m.Declaration.number) == len(prefix) + 1 + SEQUENCE_DIGITS,
                )
            )
            if top is not None and top[-SEQUENCE_DIGITS:].isdigit():
                highest = max(highest, int(top[-SEQUENCE_DIGITS:]))
    return declaration_number(port_code, year, direction, highest + 1)
