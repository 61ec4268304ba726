"""The live overview's area: its cached readers (``data``), the board's display model (``board``) and charts."""
