"""Messages stored as a key and parameters, said in the reader's language: the pure renderer lives
in portsight.messages (the notifications sent without Streamlit say them too); pages import it here."""

from portsight.messages import Blank, alert_title, bilingual_text, param_text, render_message, step_title

__all__ = ["Blank", "alert_title", "bilingual_text", "param_text", "render_message", "step_title"]
