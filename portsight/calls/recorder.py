"""Recording a call: the inspector's picture and voice to an MP4 file, encoded off the event loop."""

from __future__ import annotations

import fractions
import logging
import queue
import threading
from pathlib import Path

import av

from portsight.calls.media import AUDIO_RATE, AUDIO_TIME_BASE, clock, converted, private_copy

log = logging.getLogger(__name__)


class Mp4Recorder:
    """Records the inspector's picture and voice to MP4 in a worker thread.

    aiortc's MediaRecorder loses the video when audio is muxed first; here audio is held back
    (dropped) until the first video frame has fixed the size, and encoding never runs on the
    event loop. Frames are dropped, not queued without bound, when the encoder falls behind.
    """

    def __init__(self, path: Path, fps: int = 20) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fps = fps
        self._queue: queue.Queue = queue.Queue(maxsize=120)
        self._started_at = clock()
        self.dropped = 0
        self.video_frames = 0
        self.audio_frames = 0
        self._thread = threading.Thread(target=self._run, name=f"recorder-{self.path.stem}", daemon=True)
        self._thread.start()

    def put_video(self, frame: av.VideoFrame) -> None:
        self._put(("video", frame, clock()))

    def put_audio(self, frame: av.AudioFrame) -> None:
        self._put(("audio", frame, clock()))

    def _put(self, item) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1

    def close(self, timeout: float = 10.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        container = av.open(str(self.path), mode="w", format="mp4")
        video = audio = resampler = None
        size = None
        last_vpts = -1
        audio_pts = 0
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    break
                kind, frame, at = item
                if kind == "video":
                    if video is None:
                        size = (frame.width - frame.width % 2, frame.height - frame.height % 2)
                        video = container.add_stream("libx264", rate=self._fps)
                        video.width, video.height = size
                        video.pix_fmt = "yuv420p"
                        video.codec_context.time_base = fractions.Fraction(1, 1000)
                        video.options = {"preset": "ultrafast", "tune": "zerolatency"}
                        audio = container.add_stream("aac", rate=AUDIO_RATE)
                        audio.layout = "stereo"
                        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
                    assert size is not None  # set with the video stream, on the first video frame
                    out = converted(frame, width=size[0], height=size[1], format="yuv420p")
                    if out is frame:  # the room's shared frame: the encoder below rewrites its pts
                        out = private_copy(frame, 0)
                    pts = int((at - self._started_at) * 1000)
                    if pts <= last_vpts:
                        continue
                    out.pts, out.time_base, last_vpts = pts, fractions.Fraction(1, 1000), pts
                    for packet in video.encode(out):
                        container.mux(packet)
                    self.video_frames += 1
                elif audio is not None and resampler is not None:  # audio before the first video frame is held back
                    for chunk in resampler.resample(frame):
                        chunk.pts, chunk.time_base = audio_pts, AUDIO_TIME_BASE
                        audio_pts += chunk.samples
                        for packet in audio.encode(chunk):
                            container.mux(packet)
                    self.audio_frames += 1
            for stream in (video, audio):
                if stream is not None:
                    for packet in stream.encode(None):
                        container.mux(packet)
        except Exception:
            log.exception("recording %s failed", self.path)
        finally:
            container.close()
