"""The report's Earlier uploads section, from the search stage's result."""

from __future__ import annotations

from verifyvid.archive.matches import SOUND_ONLY
from verifyvid.lanes import Mark
from verifyvid.render import code, link, md, not_run, seek
from verifyvid.stage import Shown
from verifyvid.stages.search.models import Footage, Match, SearchResult

SHOWN = 10  # matches the table and the paragraphs show; every one is in the JSON
BARS = " ▁▂▃▄▅▆▇█"
REGIONS = {"whole": "whole", "frame": "whole frame (vPDQ)", "inset": "inner picture",
           "local": "local features", "sound": "sound only"}  # fmt: skip


def heard_at(m: Match) -> str:
    """Where a sound-only match's recording is heard in the archived video."""
    if m.ambiguous:
        return "at several places equally well (a loop or a repeated sound): which of its seconds cannot be told"
    return f"at seconds {m.ref_start:.1f}-{m.ref_end:.1f}"


def heard(m: Match) -> str:
    """The sound evidence of a match: clip seconds -> archive seconds, or '-'."""
    s = m.sound
    if s is None:
        return "-"
    ref = "several places" if s.ambiguous else f"{s.ref_start:.1f}-{s.ref_end:.1f}"
    return f"{s.query_start:.1f}-{s.query_end:.1f} → {ref} ({s.hits} hashes)"


def closeness(m: Match) -> str:
    """Hash matches: median distance of 256 bits; local-feature matches: median inliers."""
    if m.region == "sound" and m.sound is not None:
        return f"{m.sound.density:.0%} of hashes"
    if m.median_distance is None:
        return f"{m.inliers or 0:g} keypoints"
    return f"{m.median_distance:g} / 256"


def histogram(spread: dict[str, int]) -> str:
    """Copies by month first seen, as a small bar each: '2022-01 ▂ 3, 2022-02 █ 40'."""
    top = max(spread.values(), default=1)
    return ", ".join(
        f"{month} {BARS[max(1, round(8 * n / top))]} {n}" for month, n in spread.items()
    )


def footage_line(g: Footage, found: SearchResult) -> str:
    """One line per footage archived as several copies."""
    titles = {m.ref_id: m.title for m in found.matches} | {c.ref_id: c.title for c in g.copies}
    earliest = (f"the earliest first seen {g.first_seen}: #{g.earliest} {md(titles.get(g.earliest, ''))}"
                + ("" if g.earliest_aligned else " (through the group)")) if g.earliest is not None else "none dated"  # fmt: skip
    closest = ", ".join(f"#{ref}" for ref in g.closest) or "none aligned"
    return (f"**This footage is in {g.videos} archived videos** (grouped with #{g.id} as they were "
            f"archived): {earliest}; the closest: {closest}; by month first seen: {histogram(g.spread)}.")  # fmt: skip


def earlier_uploads(shown: Shown[SearchResult]) -> list[str]:
    out = ["## Earlier uploads", ""]
    found = shown.result
    if found is None:
        out += not_run(shown.name, shown.record)
        return [*out, "Search the keyframes below with the reverse image search engines.", ""]
    a = found.archive
    out += [f"Searched the archive of known videos ({a.engine}, {code(a.location)}: {a.videos} videos, "
            f"{a.hashes} frame hashes, generation {a.generation}) with {found.query_hashes} frame hashes "
            f"of this clip ({found.query_duration:.1f} s).", ""]  # fmt: skip
    for v in found.identical:
        title = link(v.title, v.source) if v.source else md(v.title)
        out += [f"**This exact file** (the same SHA-256) is archived as #{v.ref_id} {title}, first seen "
                f"{md(v.first_seen or 'unknown')}.", ""]  # fmt: skip
    if not found.matches:
        return [
            *out,
            "**No match.** This archive holds no video sharing this clip's frames in time order. "
            "That does not mean the footage is new or original: it may be elsewhere (search the "
            "keyframes below with the reverse image search engines).",
            "",
        ]
    for g in found.footage:
        out += [footage_line(g, found), ""]
    out += ["| # | this clip (s) | archived video (s) | archived video | first seen | speed | mirrored | region | frames | closeness | sound (s) | score |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for n, m in enumerate(found.matches[:SHOWN], 1):
        title = link(m.title, m.source) if m.source else md(m.title)
        ref = "several places" if m.ambiguous else f"{m.ref_start:.1f}-{m.ref_end:.1f}"
        out.append(f"| {n} | {seek(f'{m.query_start:.1f}-{m.query_end:.1f}', m.query_start)} | {ref} | "
                   f"#{m.ref_id} {title} | {md(m.first_seen or 'unknown')} | {m.speed:g} | "
                   f"{'yes' if m.mirrored else 'no'} | {REGIONS.get(m.region, m.region)} | {m.matched_frames} | {closeness(m)} | {heard(m)} | {m.score:.2f} |")  # fmt: skip
    more, copies = len(found.matches) - SHOWN, sum(len(g.copies) for g in found.footage)
    if more > 0 or copies:
        out += ["", f"{max(more, 0)} further matches and {copies} further copies (given their seconds "
                "through their group) are in the JSON result (`search/result.json`)."]  # fmt: skip
    out.append("")
    for n, m in enumerate(found.matches[:SHOWN], 1):
        where = f" (archived file: {code(m.ref_path)})" if m.ref_path else ""
        if m.region == "sound":
            out.append(f"**Match {n}** (sound only): the sound of seconds {m.query_start:.1f}-{m.query_end:.1f} of this "
                       f"clip is the recording heard in #{m.ref_id} {md(m.title)}{where} {heard_at(m)}. Its picture was "
                       "not found there: the recording was re-used; the picture may be new.")  # fmt: skip
        elif m.ambiguous:
            out.append(f"**Match {n}**: seconds {m.query_start:.1f}-{m.query_end:.1f} of this clip match "
                       f"#{m.ref_id} {md(m.title)}{where} at several places equally well (a still or "
                       f"repeated shot): which of its seconds cannot be told (one of them: "
                       f"{m.ref_start:.1f}-{m.ref_end:.1f}).")  # fmt: skip
        else:
            out.append(f"**Match {n}**: seconds {m.query_start:.1f}-{m.query_end:.1f} of this clip are seconds "
                       f"{m.ref_start:.1f}-{m.ref_end:.1f} of #{m.ref_id} {md(m.title)}{where}.")  # fmt: skip
        if m.region == "sound" and m.sound is not None:
            out.append(f"{m.sound.hits} landmark hashes of the sound (peak pairs of its spectrogram) fall on one "
                       f"line in time, {m.sound.density:.0%} of the clip's hashes over those seconds (noise, "
                       "re-encoding and music under the voice lower the share); chance matches scatter over "
                       f"every offset. Score {m.score:.2f} ranks matches, it is not a probability.")  # fmt: skip
        elif m.median_distance is None:
            out.append(f"{m.matched_frames} frames (one a second) verified in time order by local features: "
                       f"a median of {m.inliers or 0:g} keypoints per frame pair agree on one rotation, scale "
                       "and shift of the picture (a cropped, turned or partly covered copy); score "
                       f"{m.score:.2f} ranks matches by coverage, agreement and frames, it is not a probability.")  # fmt: skip
        else:
            out.append(f"{m.matched_frames} frames matched in time order (resting on {m.evidence:g} distinct archived "
                       "frames: one that matches several places counts less); median distance "
                       f"{m.median_distance:g} of 256 bits (0: the same picture; unrelated pictures differ by "
                       f"about 128); score {m.score:.2f} ranks matches by coverage, closeness and frames, "
                       "it is not a probability.")  # fmt: skip
        if m.sound is not None and m.region != "sound":
            where_heard = ("at several places equally well (a loop or a repeated sound)" if m.sound.ambiguous
                           else f"are seconds {m.sound.ref_start:.1f}-{m.sound.ref_end:.1f} there")  # fmt: skip
            out.append(f"Its sound matches too: seconds {m.sound.query_start:.1f}-{m.sound.query_end:.1f} of this clip's "
                       f"sound {where_heard} ({m.sound.hits} landmark hashes in time order).")  # fmt: skip
        if m.seen_at:
            places = "; ".join(f"{link(sa.url, sa.url)}" + (f" ({sa.uploaded[:10]}" + (f", {md(sa.uploader)}" if sa.uploader else "") + ")" if sa.uploaded else "")
                               for sa in m.seen_at)  # fmt: skip
            out.append(f"Seen at {len(m.seen_at)} place(s), oldest first: {places}.")
        if m.origin == "hash list":
            out.append("This match rests on a shared hash list (vPDQ, imported): the archive holds "
                       "no media of that video, no local features and no evidence pictures, only "
                       "whole-frame hashes one a second; ask whoever shared the list for the video.")  # fmt: skip
        if m.image:
            out += [
                "",
                f"![match {n}: this clip above, the archived video below]({shown.base}{m.image})",
            ]
        if m.pairs:
            out += [
                "",
                f"![match {n}: frames of this clip (left) beside the archived video's at the matched seconds (right)]({shown.base}{m.pairs})",
            ]
            if m.pairs_from_stills:
                out += ["", "The archived video's pictures are the small stills the archive kept "
                        "(one a second, 180 px high): its media were not kept."]  # fmt: skip
        out.append("")
    return [
        *out,
        "A match means the two videos share frames in the same order; which one came first is "
        "told by the first-seen dates, not by the hashes. Open both videos and compare.",
        "",
    ]


def marks(result: SearchResult) -> list[Mark]:
    """Each match's seconds of this clip, with the archived video and its first-seen date."""
    out = []
    for m in result.matches[:SHOWN]:
        what = f"sound of #{m.ref_id}" if m.region == SOUND_ONLY else f"#{m.ref_id}"
        seen = f", first seen {m.first_seen}" if m.first_seen else ""
        out.append(Mark("matches", m.query_start, m.query_end, what + seen, "warning"))
    return out
