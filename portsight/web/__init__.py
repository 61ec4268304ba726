"""The HTTP side of the app around Streamlit: the sign-in page, sign-out, and the middleware that
binds every page load, upload, media file and websocket to a browser session cookie.

serve.py mounts these on Streamlit's own server (st.App). Nothing here imports Streamlit: what the
middleware needs from it (which cookie a Streamlit session was signed in with) is passed in.
"""
