"""Calls for remote assistance, without Streamlit: rooms, media relay, recording, frame overlays.

    start.py     ICE configuration and the decision when a browser starts its peer connection
    media.py     the clock, filler frames, private copies of frames, the sink that drains an input
    recorder.py  MP4 recording of the inspector's side, off the event loop
    room.py      one call: its sides (endpoints), the tracks sent to them, the latest picture,
                 marks, snapshots
    registry.py  the server's rooms and the watchdog that ends a call when a side has gone
    overlay.py   marks drawn on a frame (OpenCV), JPEG snapshots

Nothing here imports ``streamlit`` or ``streamlit_webrtc``: tests drive a room on a private
event loop, and ``components.remote_assist.webrtc`` wires it to ``webrtc_streamer``. Media
callbacks run on the event loop aiortc shares with the server; heavy work (overlay, JPEG,
recording) runs in worker threads.
"""
