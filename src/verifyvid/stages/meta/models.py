"""The `meta` stage's result (schema documented in docs/schemas.md)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from verifyvid.stage import Result


class Container(BaseModel):
    format: str
    format_long: str | None = None
    major_brand: str | None = None
    compatible_brands: list[str] = Field(default_factory=list)
    duration: float | None = Field(default=None, description="seconds")
    duration_source: str | None = Field(default=None, description="'container' or 'packets'")
    size: int
    bit_rate: int | None = None


class Stream(BaseModel):
    index: int
    type: str
    codec: str | None = None
    codec_long: str | None = None
    profile: str | None = None
    level: int | None = None
    width: int | None = None
    height: int | None = None
    sample_aspect_ratio: str | None = None
    display_aspect_ratio: str | None = None
    average_frame_rate: float | None = None
    real_frame_rate: float | None = None
    variable_frame_rate: bool | None = None
    rotation: int | None = Field(default=None, description="degrees from the display matrix")
    pix_fmt: str | None = None
    color_range: str | None = None
    color_primaries: str | None = None
    color_transfer: str | None = None
    color_space: str | None = None
    bit_rate: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
    channel_layout: str | None = None
    language: str | None = None
    duration: float | None = Field(default=None, description="seconds, from the stream header")
    packet_duration: float | None = Field(
        default=None, description="seconds, from packet timestamps"
    )
    packets: int | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class Device(BaseModel):
    make: str | None = None
    model: str | None = None
    software: str | None = None
    firmware: str | None = None
    serial: str | None = None
    source: list[str] = Field(default_factory=list, description="tags the values came from")


class Encoder(BaseModel):
    name: str | None = Field(default=None, description="best single description of the writer")
    kind: str = Field(
        description="camera, phone, apple-software, ffmpeg, editor, platform, screen-recorder or unknown"
    )
    tags: dict[str, str] = Field(default_factory=dict, description="every encoder-related tag seen")


class CreationTime(BaseModel):
    source: str = Field(description="the atom or tag it was read from")
    as_written: str
    utc: datetime | None = None
    offset: str | None = Field(default=None, description="time-zone offset written with it, if any")
    caveat: str


class Gps(BaseModel):
    latitude: float
    longitude: float
    altitude: float | None = None
    source: str
    raw: str
    osm_url: str


class HeaderClock(BaseModel):
    """The movie header's time read against a time that states its relation to UTC."""

    header: str = Field(description="source of the header time (QuickTime mvhd)")
    reference: str = Field(description="source of the time it is read against")
    independent: bool = Field(
        description="whether the reference is a satellite clock, not the device's"
    )
    difference: float = Field(description="seconds, header minus reference")
    zone: str | None = Field(
        default=None,
        description="'+00:00' when the header is UTC; the offset when it is local time at a whole "
        "time zone (the header's UTC is then wrong by it); None when no one zone explains the difference",
    )
    utc: datetime | None = Field(default=None, description="the header time read at that zone")
    solar_zone: float | None = Field(
        default=None, description="hours, the GPS position's longitude / 15 (sun time)"
    )
    fits_gps: bool | None = Field(
        default=None, description="whether the zone is within 3.5 h of the GPS position's sun time"
    )


class Gop(BaseModel):
    packets: int
    keyframes: int
    interval_frames: float | None = Field(
        default=None, description="median frames between keyframes"
    )
    interval_seconds: float | None = None
    max_interval_frames: int | None = None
    b_frames: bool = Field(description="presentation order differs from decode order")
    closed_regular: bool = Field(description="keyframes at a fixed interval (typical of encoders)")


class Tag(BaseModel):
    """A tag a person or an app typed into the file: what it says, not what it proves."""

    name: str = Field(description="title, author, description, comment, copyright, place name, "
                      "keywords, track name, handler name, chapter, attachment, album, genre...")  # fmt: skip
    value: str
    where: str = Field(description="'file', or the track it belongs to")
    sources: list[str] = Field(default_factory=list, description="the readers that saw it")


class MetaResult(Result):
    sources: list[str] = Field(description="readers that answered (raw output in meta/raw/)")
    sha256: str
    md5: str
    container: Container
    streams: list[Stream]
    device: Device
    encoder: Encoder
    creation_time: CreationTime | None = None
    creation_times: list[CreationTime] = Field(default_factory=list)
    gps: Gps | None = None
    header_clock: HeaderClock | None = Field(
        default=None, description="the movie header's time read against GPS time or a dated clock"
    )
    gop: Gop | None = None
    tags: list[Tag] = Field(
        default_factory=list, description="every tag a person or an app typed in, from every reader"
    )
    video_decodable: bool | None = Field(default=None, description="None when there is no video")
