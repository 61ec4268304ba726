"""The remote-assistance page's area: its readers and write wrappers (``data``), its calls (``webrtc``)
and the streamlit-webrtc patches they need (``webrtc_patches``)."""
