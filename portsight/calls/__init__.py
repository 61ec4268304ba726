"""Calls for remote assistance, without Streamlit: rooms, media relay, recording, frame overlays.

    start.py     ICE configuration and the decision when a browser starts its peer connection
    media.py     the clock, filler frames, private copies of frames, the sink that drains an input
    recorder.py  MP4 recording of the inspector's side, off the event loop
    room.py      one call: its sides (endpoints), the tracks sent to them, the latest picture,
                 marks, snapshots
    registry.py  the server's rooms and the watchdog that ends a call when a side has gone
    link.py      how good each side's link is, and the call's mode (full, reduced, audio and
                 snapshots, chat) with hysteresis
    overlay.py   marks drawn on a frame (OpenCV), JPEG snapshots
    tracking.py  marks that stay on the object they were put on as the camera moves (optical flow)

Nothing here imports ``streamlit`` or ``streamlit_webrtc``: tests drive a room on a private
event loop, and ``components.remote_assist.webrtc`` wires it to ``webrtc_streamer``. Media
callbacks run on the event loop aiortc shares with the server; heavy work (tracking, overlay,
JPEG, recording) runs in worker threads.
"""
