"""Declaration numbers as the customs form prints them.

An entry's number (报关单编号) has 18 digits: the code of the customs office that accepted the
declaration (4, from the customs district code table 关区代码表), the year it was accepted (4),
1 for an import or 0 for an export (1), and the office's sequence number for that year (9).
"""

from __future__ import annotations

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
