"""What packet headers say, read by demuxing only (no decoding): GOP, B-frames, durations."""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import av

from verifyvid.stages.meta.models import Gop


@dataclass
class StreamPackets:
    packets: int = 0
    keyframe_positions: list[int] = field(default_factory=list)
    pts: list[int] = field(default_factory=list)
    first: float | None = None
    last_end: float | None = None
    time_base: float = 0.0


@dataclass
class PacketScan:
    streams: dict[int, StreamPackets]

    def duration(self, index: int) -> float | None:
        s = self.streams.get(index)
        if s is None or s.first is None or s.last_end is None:
            return None
        return round(max(0.0, s.last_end - s.first), 3)

    def frame_rate_spread(self, index: int) -> tuple[float, float] | None:
        """(min, max) instantaneous frame rate from presentation timestamps."""
        s = self.streams.get(index)
        if s is None or len(s.pts) < 3:
            return None
        ordered = sorted(s.pts)
        deltas = [b - a for a, b in itertools.pairwise(ordered) if b > a]
        if not deltas:
            return None
        deltas.sort()
        # ignore the extreme 2% on each side: a single odd packet is not a variable rate
        cut = len(deltas) // 50
        core = deltas[cut : len(deltas) - cut] or deltas
        return 1 / (core[-1] * s.time_base), 1 / (core[0] * s.time_base)

    def gop(self, index: int, frame_rate: float | None) -> Gop | None:
        s = self.streams.get(index)
        if s is None or not s.packets:
            return None
        gaps = [b - a for a, b in itertools.pairwise(s.keyframe_positions)]
        median = float(statistics.median(gaps)) if gaps else None
        b_frames = any(b < a for a, b in itertools.pairwise(s.pts))
        regular = bool(gaps) and len(set(gaps[:-1] or gaps)) == 1
        return Gop(
            packets=s.packets,
            keyframes=len(s.keyframe_positions),
            interval_frames=median,
            interval_seconds=round(median / frame_rate, 3) if median and frame_rate else None,
            max_interval_frames=max(gaps) if gaps else None,
            b_frames=b_frames,
            closed_regular=regular,
        )


def scan_packets(path: Path) -> PacketScan:
    """Demux every audio and video packet once, keeping only header fields."""
    out: dict[int, StreamPackets] = {}
    with av.open(str(path), metadata_errors="replace") as c:
        wanted = [s for s in c.streams if s.type in ("video", "audio")]
        if not wanted:
            return PacketScan(out)
        for s in wanted:
            out[s.index] = StreamPackets(time_base=float(s.time_base or 0))
        for packet in c.demux(wanted):
            if packet.size == 0 and packet.pts is None:
                continue  # flush packet
            info = out[packet.stream.index]
            if packet.pts is not None:
                start = packet.pts * info.time_base
                end = start + (packet.duration or 0) * info.time_base
                info.first = start if info.first is None else min(info.first, start)
                info.last_end = end if info.last_end is None else max(info.last_end, end)
                if packet.stream.type == "video":
                    info.pts.append(packet.pts)
            if packet.stream.type == "video" and packet.is_keyframe:
                info.keyframe_positions.append(info.packets)
            info.packets += 1
    return PacketScan(out)


def video_decodable(path: Path, max_packets: int = 120) -> bool | None:
    """Whether the first video stream yields a picture within its first packets."""
    try:
        with av.open(str(path), metadata_errors="replace") as c:
            if not c.streams.video:
                return None
            stream = c.streams.video[0]
            for n, packet in enumerate(c.demux(stream)):
                if n >= max_packets:
                    return False
                try:
                    if packet.decode():
                        return True
                except av.FFmpegError:
                    continue
            return False
    except av.FFmpegError:
        return False
